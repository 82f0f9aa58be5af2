//! The command hydrator runs a real process with the request in its environment.

use serve::{CommandHydrator, HydrationRequest, Hydrator};

fn req() -> HydrationRequest {
    HydrationRequest {
        environment: "staging".into(),
        source_ref: "refs/heads/master".into(),
        commit: "abc123".into(),
        seq: 0,
    }
}

#[test]
fn passes_request_in_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = CommandHydrator::new(
        vec![
            "sh".into(),
            "-c".into(),
            "printf '%s %s %s' \"$CANON_ENVIRONMENT\" \"$CANON_SOURCE_REF\" \"$CANON_SOURCE_COMMIT\" > out".into(),
        ],
        dir.path().to_path_buf(),
    )
    .expect("non-empty argv");
    h.hydrate(req()).expect("command succeeds");
    let out = std::fs::read_to_string(dir.path().join("out")).expect("command wrote out");
    assert_eq!(out, "staging refs/heads/master abc123");
}

#[test]
fn failure_carries_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = CommandHydrator::new(
        vec![
            "sh".into(),
            "-c".into(),
            "echo broken helmfile >&2; exit 3".into(),
        ],
        dir.path().to_path_buf(),
    )
    .expect("non-empty argv");
    let e = h.hydrate(req()).expect_err("exit 3 fails");
    assert!(e.to_string().contains("broken helmfile"), "{e}");
    assert!(CommandHydrator::new(vec![], dir.path().to_path_buf()).is_err());
    let missing = CommandHydrator::new(vec!["/nonexistent/canon".into()], dir.path().to_path_buf())
        .expect("non-empty argv");
    assert!(missing.hydrate(req()).is_err());
}
