//! `config`: agent.yaml read from a file, as `canon agent --config` does.

use agent::AgentConfig;
use agent::config::SyncMode;

#[test]
fn loads_from_a_file_and_names_it_in_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("agent.yaml");
    std::fs::write(
        &path,
        "state:\n  repo: /srv/state.git\n  pollInterval: 2s\nenvironments:\n  staging:\n    sync: manual\n",
    )
    .expect("write");
    let c = AgentConfig::load(&path).expect("valid");
    assert_eq!(c.state.poll_interval, std::time::Duration::from_secs(2));
    assert_eq!(c.environments["staging"].sync, SyncMode::Manual);

    std::fs::write(&path, "state:\n  repo: x\nenvironment: {}\n").expect("write");
    let e = AgentConfig::load(&path).expect_err("unknown key");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}:3:1: ", path.display())),
        "{msg}"
    );
    assert!(e.is_usage());

    let e = AgentConfig::load(&tmp.path().join("missing.yaml")).expect_err("no file");
    assert!(e.to_string().contains("missing.yaml"), "{e}");
}
