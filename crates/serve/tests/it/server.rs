//! HTTP behaviour of the receiver over loopback: authentication, limits, routing to the queue.

use std::sync::Arc;

use serve::config::DEFAULT_MAX_BODY_BYTES;
use serve::signature::sign;

use crate::*;

const SHA: &str = "3f2a1c9e0b7d4a5c6e8f9a0b1c2d3e4f5a6b7c8d";

#[test]
fn valid_github_push_runs_exactly_one_hydration() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    let (status, text) = github_push(&r, "refs/heads/master", SHA);
    assert_eq!(status, 202, "{text}");
    r.app.queue().wait_idle();
    let calls = h.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].environment, "staging");
    assert_eq!(calls[0].source_ref, "refs/heads/master");
    assert_eq!(calls[0].commit, SHA);
}

#[test]
fn tag_push_renders_production() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    assert_eq!(github_push(&r, "refs/tags/v1.0.0", SHA).0, 202);
    // A branch no rule names and a branch deletion are acknowledged; nothing runs for them.
    assert_eq!(github_push(&r, "refs/heads/feature/x", SHA).0, 202);
    assert_eq!(
        github_push(
            &r,
            "refs/heads/master",
            "0000000000000000000000000000000000000000"
        )
        .0,
        202
    );
    r.app.queue().wait_idle();
    let calls = h.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].environment, "production");
    assert_eq!(calls[0].source_ref, "refs/tags/v1.0.0");
}

#[test]
fn github_ping_is_ok_and_runs_nothing() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
    let sig = sign(GH_SECRET.as_bytes(), body);
    let (status, _) = r.post(
        "/hooks/github",
        &[("X-GitHub-Event", "ping"), ("X-Hub-Signature-256", &sig)],
        body,
    );
    assert_eq!(status, 200);
    r.app.queue().wait_idle();
    assert!(h.calls().is_empty());
}

#[test]
fn bad_credentials_are_4xx_and_run_nothing() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    let body = push_body("refs/heads/master", SHA);
    let good = sign(GH_SECRET.as_bytes(), &body);
    let wrong_secret = sign(b"not the secret", &body);
    let other_body = sign(GH_SECRET.as_bytes(), b"{}");
    let ev = ("X-GitHub-Event", "push");

    // Missing signature: 401.
    assert_eq!(r.post("/hooks/github", &[ev], &body).0, 401);
    // Wrong secret, signature of another body, bare hex without the prefix, garbage: 403.
    for sig in [
        wrong_secret.as_str(),
        other_body.as_str(),
        &good[7..],
        "sha256=xyz",
    ] {
        let (status, text) = r.post("/hooks/github", &[ev, ("X-Hub-Signature-256", sig)], &body);
        assert_eq!(status, 403, "{sig}: {text}");
    }
    // The body is what was signed: a single changed byte fails.
    let mut tampered = body.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    assert_eq!(
        r.post(
            "/hooks/github",
            &[ev, ("X-Hub-Signature-256", &good)],
            &tampered
        )
        .0,
        403
    );
    // A valid signature on a body that is not JSON is verified first, then rejected as bad input.
    let junk = b"not json";
    let junk_sig = sign(GH_SECRET.as_bytes(), junk);
    assert_eq!(
        r.post(
            "/hooks/github",
            &[ev, ("X-Hub-Signature-256", &junk_sig)],
            junk
        )
        .0,
        400
    );
    // GitLab token, Gitea and generic signatures.
    assert_eq!(
        r.post("/hooks/gitlab", &[("X-Gitlab-Event", "Push Hook")], &body)
            .0,
        401
    );
    assert_eq!(
        r.post(
            "/hooks/gitlab",
            &[("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "nope")],
            &body
        )
        .0,
        403
    );
    assert_eq!(
        r.post(
            "/hooks/gitea",
            &[("X-Gitea-Event", "push"), ("X-Gitea-Signature", &good[7..])],
            &body
        )
        .0,
        403
    );
    assert_eq!(
        r.post("/hooks/generic", &[("X-Canon-Signature", &good)], &body)
            .0,
        403
    );
    assert_eq!(r.post("/hooks/bitbucket", &[], &body).0, 404);

    r.app.queue().wait_idle();
    assert!(h.calls().is_empty(), "{:?}", h.calls());
    assert_eq!(r.app.queue().stats().submitted, 0);
}

#[test]
fn oversized_body_is_413_and_runs_nothing() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    // A correctly signed push padded past the 1 MiB default.
    let mut v = serde_json::json!({"ref": "refs/heads/master", "after": SHA});
    v["pad"] = serde_json::Value::String("x".repeat(DEFAULT_MAX_BODY_BYTES));
    let body = v.to_string().into_bytes();
    assert!(body.len() > DEFAULT_MAX_BODY_BYTES);
    let sig = sign(GH_SECRET.as_bytes(), &body);
    let (status, _) = r.post(
        "/hooks/github",
        &[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", &sig)],
        &body,
    );
    assert_eq!(status, 413);
    // Exactly at the limit is accepted (the bound is inclusive).
    let small = push_body("refs/heads/master", SHA);
    let mut s = settings(small.len());
    s.workers = 1;
    let h2 = Arc::new(Counting::default());
    let r2 = Running::start(s, h2.clone());
    assert_eq!(github_push(&r2, "refs/heads/master", SHA).0, 202);
    let longer = push_body("refs/heads/master", &format!("{SHA}0"));
    let sig = sign(GH_SECRET.as_bytes(), &longer);
    assert_eq!(
        r2.post(
            "/hooks/github",
            &[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", &sig)],
            &longer
        )
        .0,
        413
    );
    r.app.queue().wait_idle();
    r2.app.queue().wait_idle();
    assert!(h.calls().is_empty());
    assert_eq!(h2.calls().len(), 1);
}

#[test]
fn gitlab_gitea_generic_pushes() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    let body = push_body("refs/tags/v2.0.0", "aaa");
    assert_eq!(
        r.post(
            "/hooks/gitlab",
            &[
                ("X-Gitlab-Event", "Tag Push Hook"),
                ("X-Gitlab-Token", GITLAB_TOKEN)
            ],
            &body
        )
        .0,
        202
    );
    r.app.queue().wait_idle();
    let body = push_body("refs/heads/master", "bbb");
    let gitea_sig = sign(GITEA_SECRET.as_bytes(), &body);
    assert_eq!(
        r.post(
            "/hooks/gitea",
            &[
                ("X-Gitea-Event", "push"),
                ("X-Gitea-Signature", &gitea_sig[7..])
            ],
            &body
        )
        .0,
        202
    );
    r.app.queue().wait_idle();
    let body = br#"{"ref":"refs/heads/master","sha":"ccc"}"#;
    let sig = sign(GENERIC_SECRET.as_bytes(), body);
    assert_eq!(
        r.post("/hooks/generic", &[("X-Canon-Signature", &sig)], body)
            .0,
        202
    );
    r.app.queue().wait_idle();
    let got: Vec<(String, String)> = h
        .calls()
        .into_iter()
        .map(|c| (c.environment, c.commit))
        .collect();
    assert_eq!(
        got,
        vec![
            ("production".to_string(), "aaa".to_string()),
            ("staging".to_string(), "bbb".to_string()),
            ("staging".to_string(), "ccc".to_string()),
        ]
    );
}

#[test]
fn disabled_provider_is_404() {
    let h = Arc::new(Counting::default());
    let mut s = settings(DEFAULT_MAX_BODY_BYTES);
    s.secrets.gitlab = None;
    let r = Running::start(s, h.clone());
    let body = push_body("refs/heads/master", SHA);
    assert_eq!(
        r.post(
            "/hooks/gitlab",
            &[
                ("X-Gitlab-Event", "Push Hook"),
                ("X-Gitlab-Token", GITLAB_TOKEN)
            ],
            &body
        )
        .0,
        404
    );
    r.app.queue().wait_idle();
    assert!(h.calls().is_empty());
}

#[test]
fn healthz_and_metrics() {
    let h = Arc::new(Counting::default());
    let r = Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone());
    assert_eq!(r.get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(github_push(&r, "refs/heads/master", SHA).0, 202);
    assert_eq!(
        r.post("/hooks/github", &[("X-GitHub-Event", "push")], b"{}")
            .0,
        401
    );
    r.app.queue().wait_idle();
    let (status, text) = r.get("/metrics");
    assert_eq!(status, 200);
    for line in [
        "canon_serve_webhook_requests_total{provider=\"github\",outcome=\"queued\"} 1",
        "canon_serve_webhook_requests_total{provider=\"github\",outcome=\"unauthenticated\"} 1",
        "canon_serve_hydrations_total{environment=\"staging\",outcome=\"success\"} 1",
        "canon_serve_queue_depth 0",
        "canon_serve_coalesced_total 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}

/// 1,000 valid deliveries from 4 concurrent clients for two environments while the first
/// hydrations are held: everything coalesces into one pending request per environment, and the
/// newest commit is what renders last.
#[test]
fn burst_of_1000_coalesces_with_bounded_queue() {
    let h = Counting::gated();
    let r = Arc::new(Running::start(settings(DEFAULT_MAX_BODY_BYTES), h.clone()));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let r = Arc::clone(&r);
            std::thread::spawn(move || {
                let mut max_pending = 0;
                for i in 0..250 {
                    let n = c * 250 + i;
                    let (git_ref, commit) = if n % 2 == 0 {
                        ("refs/heads/master".to_string(), format!("staging-{n:04}"))
                    } else {
                        (format!("refs/tags/v1.0.{n}"), format!("production-{n:04}"))
                    };
                    let (status, text) = github_push(&r, &git_ref, &commit);
                    assert_eq!(status, 202, "{text}");
                    max_pending = max_pending.max(r.app.queue().stats().pending);
                }
                max_pending
            })
        })
        .collect();
    for c in clients {
        let seen = c.join().expect("client thread");
        assert!(seen <= 2, "a client saw {seen} pending");
    }
    // After the burst, one last push per environment: these are the newest commits.
    assert_eq!(github_push(&r, "refs/heads/master", "staging-final").0, 202);
    assert_eq!(
        github_push(&r, "refs/tags/v9.9.9", "production-final").0,
        202
    );
    let before = r.app.queue().stats();
    assert_eq!(before.submitted, 1002);
    assert!(before.pending <= 2 && before.max_pending <= 2, "{before:?}");
    h.open();
    r.app.queue().wait_idle();

    let calls = h.calls();
    let stats = r.app.queue().stats();
    println!(
        "1002 deliveries -> {} hydrations, {} coalesced, max pending {}",
        calls.len(),
        stats.coalesced,
        stats.max_pending
    );
    assert!(stats.max_pending <= 2, "{stats:?}");
    assert_eq!(stats.coalesced as usize + calls.len(), 1002);
    for env in ["staging", "production"] {
        let mine: Vec<_> = calls.iter().filter(|c| c.environment == env).collect();
        // At most the one held at the gate plus the newest pending one.
        assert!((1..=2).contains(&mine.len()), "{env}: {mine:?}");
        assert_eq!(
            mine.last().expect("one hydration").commit,
            format!("{env}-final")
        );
        // Newer requests never render before older ones.
        assert!(mine.windows(2).all(|w| w[0].seq < w[1].seq), "{mine:?}");
    }
    let (_, metrics) = r.get("/metrics");
    let coalesced_line = format!("canon_serve_coalesced_total {}", stats.coalesced);
    assert!(metrics.lines().any(|l| l == coalesced_line), "{metrics}");
}
