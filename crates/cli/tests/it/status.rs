//! `canon status` against the agent's real router, served on 127.0.0.1:0 over a store filled here:
//! the table, `-e`, `--output json`, `$CANON_AGENT_URL`, following pages, an unknown environment
//! (exit 2) and an unreachable agent (exit 1).

use std::net::SocketAddr;
use std::process::{Command, Output};

use agent::api::{self, ApiState};
use agent::metrics::Metrics;
use agent::store::{AppKey, ObjectStatus, Store, SyncStatus};
use cluster::{FieldDiff, Health, HealthStatus, ObjectRef};
use serde_json::Value;

fn key(env: &str, app: &str) -> AppKey {
    AppKey {
        environment: env.into(),
        app: app.into(),
    }
}

fn filled_store() -> Store {
    let store = Store::new();
    store.update_environment("prod", |e| e.revision = "0123456789abcdef".into());
    store.update_environment("staging", |_| {});
    store.update_app(&key("prod", "web"), |a| {
        a.sync = SyncStatus::Synced;
        a.health = Health::Healthy;
        a.revision = "0123456789abcdef0123456789abcdef01234567".into();
    });
    store.update_app(&key("prod", "payments-api"), |a| {
        a.sync = SyncStatus::OutOfSync;
        a.health = Health::Degraded;
        a.revision = "fedcba9876543210fedcba9876543210fedcba98".into();
        // Long ago: the age is some years, whatever the day the test runs.
        a.last_sync = Some("2001-02-03T04:05:06Z".into());
        a.objects.push(ObjectStatus {
            id: ObjectRef {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                namespace: Some("payments".into()),
                name: "payments-api".into(),
            },
            source: "payments-api/templates/deployment.yaml".into(),
            sync: SyncStatus::OutOfSync,
            health: HealthStatus {
                status: Health::Degraded,
                message: String::new(),
            },
            last_apply: None,
            drift: vec![
                FieldDiff {
                    path: "spec.replicas".into(),
                    desired: Some(Value::from(2)),
                    live: Some(Value::from(3)),
                    manager: None,
                    operation: None,
                    time: None,
                },
                FieldDiff {
                    path: "spec.template.spec.containers[0].image".into(),
                    desired: Some(Value::from("a:1")),
                    live: Some(Value::from("a:2")),
                    manager: None,
                    operation: None,
                    time: None,
                },
                FieldDiff {
                    path: "metadata.labels.x".into(),
                    desired: None,
                    live: Some(Value::from("y")),
                    manager: None,
                    operation: None,
                    time: None,
                },
            ],
        });
    });
    store.update_app(&key("staging", "web"), |_| {});
    store
}

/// Serves the agent's router over `store` on a free port, on a runtime of its own thread.
fn serve(store: Store) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send the address");
            let metrics = Metrics::new(store.clone());
            let router = api::router(ApiState::new(store, metrics, None));
            axum::serve(listener, router).await.expect("serve");
        });
    });
    rx.recv().expect("the server's address")
}

fn canon_status(args: &[&str], env_url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canon"));
    cmd.arg("status").args(args).env_remove("CANON_AGENT_URL");
    if let Some(url) = env_url {
        cmd.env("CANON_AGENT_URL", url);
    }
    cmd.output().expect("run canon")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn table_like_kubectl_get() {
    let addr = serve(filled_store());
    let url = format!("http://{addr}");
    let out = canon_status(&["--server", &url], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    // Columns padded to the widest cell plus three spaces, as kubectl prints them.
    assert_eq!(
        lines[0],
        "ENVIRONMENT   APP            SYNC        HEALTH     REVISION   LAST SYNC   DRIFT"
    );
    assert_eq!(
        lines[2],
        "prod          web            Synced      Healthy    0123456    <none>      0"
    );
    assert_eq!(
        lines[3],
        "staging       web            Unknown     Unknown    <none>     <none>      0"
    );
    // The age of 2001-02-03 is "<years>y" (8 years and more print years only).
    let cells: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        cells[..5],
        ["prod", "payments-api", "OutOfSync", "Degraded", "fedcba9"]
    );
    assert!(
        cells[5].ends_with('y') && cells[5][..cells[5].len() - 1].parse::<u32>().is_ok(),
        "{}",
        lines[1]
    );
    assert_eq!(cells[6], "3");
    // Every column starts where its header does.
    for (i, header) in ["APP", "SYNC", "HEALTH", "REVISION", "LAST SYNC"]
        .iter()
        .enumerate()
    {
        let at = lines[0].find(header).expect("header");
        for line in &lines[1..] {
            let before = &line[..at];
            assert!(
                before.ends_with(' ') && !line[at..].starts_with(' '),
                "column {i} ({header}) misaligned in {line:?}"
            );
        }
    }
}

#[test]
fn one_environment_and_the_url_from_the_environment() {
    let addr = serve(filled_store());
    let url = format!("http://{addr}/");
    let out = canon_status(&["-e", "staging"], Some(&url));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("staging "))
    );
}

#[test]
fn json_output() {
    let addr = serve(filled_store());
    let url = format!("http://{addr}");
    let out = canon_status(&["--server", &url, "--output", "json", "-e", "prod"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["server"], url);
    let apps = doc["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0]["key"]["app"], "payments-api");
    assert_eq!(apps[0]["sync"], "OutOfSync");
    assert_eq!(apps[0]["health"], "Degraded");
    assert_eq!(apps[0]["driftCount"], 3);
    assert_eq!(apps[0]["lastSync"], "2001-02-03T04:05:06Z");
    assert_eq!(apps[1]["key"]["app"], "web");
    let envs = doc["environments"].as_array().expect("environments");
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0]["name"], "prod");
    assert_eq!(envs[0]["apps"], 2);
    assert_eq!(envs[0]["sync"]["OutOfSync"], 1);
}

#[test]
fn follows_every_page() {
    let store = Store::new();
    let n = agent::api::MAX_PER_PAGE * 2 + 7;
    for i in 0..n {
        store.update_app(&key("big", &format!("app-{i:04}")), |a| {
            a.sync = SyncStatus::Synced;
        });
    }
    let addr = serve(store);
    let url = format!("http://{addr}");
    let out = canon_status(&["--server", &url, "-o", "json"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let apps = doc["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), n);
    assert_eq!(apps[n - 1]["key"]["app"], format!("app-{:04}", n - 1));
}

#[test]
fn unknown_environment_is_bad_usage() {
    let addr = serve(filled_store());
    let url = format!("http://{addr}");
    let out = canon_status(&["--server", &url, "-e", "qa"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("\"qa\"") && err.contains("prod, staging"),
        "{err}"
    );
}

#[test]
fn unreachable_agent_fails_clearly() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = canon_status(&["--server", &url], None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("Error: cannot reach the canon agent at http://127.0.0.1:"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}
