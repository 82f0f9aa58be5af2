//! Loading the receiver's config file and the rules from `canon.yaml`.

use serve::{ConfigError, Settings};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

#[test]
fn loads_file_secrets_and_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    write(
        &dir.path().join("src"),
        "canon.yaml",
        "state: {repo: ../state.git}\nenvironments:\n  qa: {on: {branches: [\"release/*\"]}}\n",
    );
    let cfg = write(
        dir.path(),
        "serve.yaml",
        "listen: 0.0.0.0:9000\nworkers: 3\nsecrets:\n  github: GH_HOOK_SECRET\nsourceRepo: src\nhydrateCommand: [canon, hydrate]\n",
    );
    let s = Settings::load(&cfg, |k| (k == "GH_HOOK_SECRET").then(|| "s".to_string()))
        .expect("valid config");
    assert_eq!(s.listen, "0.0.0.0:9000");
    assert_eq!(s.workers, 3);
    assert_eq!(s.hydrate_command, vec!["canon", "hydrate"]);
    assert_eq!(s.max_body_bytes, 1024 * 1024);
    assert_eq!(s.secrets.github.as_deref(), Some(&b"s"[..]));
    assert!(s.secrets.gitlab.is_none());
    assert_eq!(s.source_repo, dir.path().join("src"));
    assert_eq!(s.rules.environments_for("refs/heads/release/1"), vec!["qa"]);
    assert!(s.rules.environments_for("refs/heads/master").is_empty());
}

#[test]
fn default_rules_without_canon_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(dir.path(), "serve.yaml", "secrets: {generic: X}\n");
    let s = Settings::load(&cfg, |_| Some("v".into())).expect("valid config");
    assert_eq!(
        s.rules.environments_for("refs/heads/master"),
        vec!["staging"]
    );
    assert_eq!(s.rules.environments_for("refs/tags/v3"), vec!["production"]);
}

#[test]
fn config_errors_name_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unknown = write(
        dir.path(),
        "a.yaml",
        "secrets: {github: X}\nlisten_addr: x\n",
    );
    let e = Settings::load(&unknown, |_| Some("v".into())).expect_err("unknown key");
    assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
    assert!(e.to_string().contains("listen_addr"), "{e}");

    let unset = write(dir.path(), "b.yaml", "secrets: {github: NOPE}\n");
    let e = Settings::load(&unset, |_| None).expect_err("unset secret");
    assert!(e.to_string().contains("NOPE"), "{e}");

    let none = write(dir.path(), "c.yaml", "listen: 127.0.0.1:1\n");
    let e = Settings::load(&none, |_| None).expect_err("no provider");
    assert!(matches!(e, ConfigError::NoProvider { .. }), "{e}");

    let e = Settings::load(&dir.path().join("missing.yaml"), |_| None).expect_err("missing");
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");
}
