//! `source`: snapshots of real bare state repos written by the real hydrate pipeline, and what the
//! agent does with an index that does not match its tree.

use agent::source::{LastGood, StateRepo};

use crate::{bare, configmap, deployment, hydrate, release, render_demo, tamper};

fn envs(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn consistent_index_yields_every_app_with_parsed_manifests() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let head = hydrate(
        &remote,
        "staging",
        vec![
            release(
                "web",
                "apps",
                &[
                    ("hand/templates/web.yaml", deployment("web", 2)),
                    ("hand/templates/cm.yaml", configmap("web-config", "a")),
                ],
            ),
            release(
                "db",
                "data",
                &[("hand/templates/db.yaml", configmap("db", "b"))],
            ),
        ],
        1,
    );
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    assert_eq!(repo.fetch().expect("fetch"), head);
    let snap = repo.snapshot(&head, &envs(&["staging"])).expect("snapshot");
    assert_eq!(snap.revision, head);
    let env = snap.environments["staging"].as_ref().expect("usable");
    assert_eq!(env.revision, head);
    assert_eq!(env.source_commit, format!("{:040x}", 1));
    assert_eq!(env.source_ref, "refs/heads/master");
    let names: Vec<&str> = env.apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["db", "web"],
        "index order (sorted by name by hydrate)"
    );
    let web = &env.apps[1];
    assert_eq!(web.namespace, "apps");
    assert_eq!(web.path, "web");
    assert_eq!(web.chart, "hand");
    assert!(web.digest.starts_with("sha256:"));
    let manifests = web.manifests.as_ref().expect("parsed");
    let ids: Vec<String> = manifests.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(ids, ["ConfigMap/web-config", "Deployment.apps/web"]);
    assert_eq!(manifests[0].source, "web/hand/templates/cm.yaml");
}

#[test]
fn the_demo_renders_hydrates_and_reads_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let releases = render_demo("staging", &tmp.path().join("out"));
    let want: usize = releases.iter().map(|r| r.files.len()).sum();
    assert!(want > 0, "the demo renders files");
    let head = hydrate(&remote, "staging", releases, 1);
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    let snap = repo.snapshot(&head, &envs(&["staging"])).expect("snapshot");
    let env = snap.environments["staging"].as_ref().expect("usable");
    assert_eq!(env.apps.len(), 1);
    assert_eq!(env.apps[0].name, "demo--staging");
    let manifests = env.apps[0].manifests.as_ref().expect("the demo parses");
    let kinds: Vec<&str> = manifests.iter().map(|m| m.id.kind.as_str()).collect();
    assert!(kinds.contains(&"Deployment"), "{kinds:?}");
}

#[test]
fn tampered_file_makes_the_environment_unusable_and_keeps_the_last_good() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let good = hydrate(
        &remote,
        "staging",
        vec![release(
            "web",
            "apps",
            &[("t/cm.yaml", configmap("web", "v1"))],
        )],
        1,
    );
    let bad = tamper(
        &remote,
        &[("web/t/cm.yaml", &configmap("web", "evil"))],
        &[],
    );
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    assert_eq!(repo.fetch().expect("fetch"), bad);

    let mut last = LastGood::default();
    let first = repo.snapshot(&good, &envs(&["staging"])).expect("snapshot");
    let kept = last
        .update("staging", &first.environments["staging"])
        .expect("good snapshot");
    assert_eq!(kept.revision, good);

    let snap = repo.snapshot(&bad, &envs(&["staging"])).expect("snapshot");
    let err = snap.environments["staging"]
        .as_ref()
        .expect_err("digest mismatch");
    assert!(err.contains("digest"), "{err}");
    assert!(err.contains("web"), "{err}");
    let still = last
        .update("staging", &snap.environments["staging"])
        .expect("the last good snapshot stays");
    assert_eq!(still.revision, good);
    assert_eq!(last.error("staging"), Some(err.as_str()));

    // A good commit again clears the error.
    let fixed = hydrate(
        &remote,
        "staging",
        vec![release(
            "web",
            "apps",
            &[("t/cm.yaml", configmap("web", "v2"))],
        )],
        2,
    );
    let snap = repo
        .snapshot(&fixed, &envs(&["staging"]))
        .expect("snapshot");
    let now = last
        .update("staging", &snap.environments["staging"])
        .expect("good");
    assert_eq!(now.revision, fixed);
    assert_eq!(last.error("staging"), None);
}

#[test]
fn missing_release_path_and_missing_index_are_environment_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    hydrate(
        &remote,
        "staging",
        vec![
            release("web", "apps", &[("t/cm.yaml", configmap("web", "v1"))]),
            release("db", "apps", &[("t/cm.yaml", configmap("db", "v1"))]),
        ],
        1,
    );
    let head = tamper(&remote, &[], &["db"]);
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    let snap = repo
        .snapshot(&head, &envs(&["staging", "production"]))
        .expect("snapshot");
    let err = snap.environments["staging"]
        .as_ref()
        .expect_err("db missing");
    assert!(err.contains("\"db\"") && err.contains("missing"), "{err}");
    let err = snap.environments["production"]
        .as_ref()
        .expect_err("no index");
    assert!(err.contains(".canon/environments/production.yaml"), "{err}");
}

#[test]
fn a_release_dir_in_no_index_is_never_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    hydrate(
        &remote,
        "staging",
        vec![release(
            "web",
            "apps",
            &[("t/cm.yaml", configmap("web", "v1"))],
        )],
        1,
    );
    // Not YAML at all: reading it would fail the snapshot or an app.
    let head = tamper(&remote, &[("stray/t/x.yaml", "{{{ not yaml")], &[]);
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    let snap = repo.snapshot(&head, &envs(&["staging"])).expect("snapshot");
    let env = snap.environments["staging"].as_ref().expect("usable");
    assert_eq!(env.apps.len(), 1);
    assert!(env.apps[0].manifests.is_ok());
}

#[test]
fn a_malformed_manifest_fails_only_its_app() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let head = hydrate(
        &remote,
        "staging",
        vec![
            release("web", "apps", &[("t/cm.yaml", configmap("web", "v1"))]),
            release(
                "broken",
                "apps",
                &[(
                    "t/bad.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n".into(),
                )],
            ),
            release(
                "nameless",
                "apps",
                &[("t/bad.yaml", "apiVersion: v1\nkind: ConfigMap\n".into())],
            ),
        ],
        1,
    );
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    let snap = repo.snapshot(&head, &envs(&["staging"])).expect("snapshot");
    let env = snap.environments["staging"].as_ref().expect("usable");
    for app in &env.apps {
        match app.name.as_str() {
            "web" => assert!(app.manifests.is_ok()),
            "broken" | "nameless" => {
                let e = app.manifests.as_ref().expect_err("malformed");
                assert!(e.contains(&format!("{}/t/bad.yaml", app.name)), "{e}");
            }
            other => panic!("unexpected app {other}"),
        }
    }
}

#[test]
fn unknown_branch_and_unreachable_repo_fail_the_fetch() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let repo = StateRepo::new(
        remote.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c"),
    );
    let e = repo.fetch().expect_err("no main yet").to_string();
    assert!(e.contains("main"), "{e}");
    let gone = tmp.path().join("nowhere.git");
    let repo = StateRepo::new(
        gone.to_str().expect("utf-8"),
        "main",
        &tmp.path().join("c2"),
    );
    assert!(repo.fetch().is_err());
}
