//! End to end: a drift alert travels from a Deployment that another field manager patched on the
//! real control plane, through the agent's drift watch, to real HTTP sinks on loopback (an axum
//! server recording every request): the generic webhook, HMAC-signed (checked here with the
//! `hmac`/`sha2` crates, independently of canon's signing code), and a Slack-compatible one
//! (`#[ignore]`, run by `scripts/test`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::e2e::{PATIENCE, Setup, patch_replicas, replicas, setup, synced, wait_until};
use crate::{deployment, release};

/// The field manager that drifts the Deployment (what `kubectl scale` would be).
const MANAGER: &str = "alert-e2e-patcher";
const SECRET: &str = "e2e-webhook-s3cret";

/// One request a sink received.
#[derive(Debug, Clone)]
struct Received {
    /// `hook` (generic webhook) or `slack`.
    sink: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_string())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Both sinks: `POST /hook` and `POST /slack` on one loopback server, answering 200.
struct Sinks {
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sinks {
    async fn start() -> Sinks {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/{sink}", post(record))
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("sink server");
        });
        Sinks {
            base: format!("http://{addr}"),
            received,
        }
    }

    /// agent.yaml's `alerts:` for both sinks.
    fn config(&self) -> String {
        format!(
            "alerts:\n  - {{ type: webhook, url: {base}/hook, secret: {SECRET} }}\n  - {{ type: slack, url: {base}/slack }}\n",
            base = self.base
        )
    }

    /// Waits for the first request to `sink` that `pred` accepts.
    async fn wait_for(&self, sink: &str, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let found = self
                .received
                .lock()
                .expect("lock")
                .iter()
                .find(|r| r.sink == sink && pred(r))
                .cloned();
            if let Some(r) = found {
                return r;
            }
            if tokio::time::Instant::now() > deadline {
                let all: Vec<(String, String)> = self
                    .received
                    .lock()
                    .expect("lock")
                    .iter()
                    .map(|r| {
                        (
                            r.sink.clone(),
                            String::from_utf8_lossy(&r.body).into_owned(),
                        )
                    })
                    .collect();
                panic!("timed out waiting for {what} at /{sink}; received: {all:#?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn record(
    State(received): State<Arc<Mutex<Vec<Received>>>>,
    Path(sink): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    received.lock().expect("lock").push(Received {
        sink,
        headers,
        body,
    });
    StatusCode::OK
}

/// Whether `X-Canon-Signature-256` of `r` is `sha256=<hex HMAC-SHA256(secret, body)>`, verified
/// here with the RustCrypto crates (constant-time compare), not with canon's code.
fn signature_verifies(r: &Received, secret: &str) -> bool {
    let header = r
        .header("X-Canon-Signature-256")
        .expect("a signed webhook carries X-Canon-Signature-256");
    let hex_sig = header
        .strip_prefix("sha256=")
        .unwrap_or_else(|| panic!("the signature header starts with sha256=: {header}"));
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(&r.body);
    mac.verify_slice(&sig).is_ok()
}

fn is_event(r: &Received, event: &str) -> bool {
    r.json()["event"] == event
}

/// Checks a `driftDetected` webhook delivery for the `web` Deployment: signature, headers, and a
/// body that names the app, environment, revision, path, desired → live and the manager.
fn check_detected(s: &Setup, r: &Received, head: &str) {
    assert!(signature_verifies(r, SECRET), "the HMAC verifies");
    assert!(
        !signature_verifies(r, "not-the-secret"),
        "a wrong secret does not verify"
    );
    let mut tampered = r.clone();
    let mut body = tampered.body.to_vec();
    let last = body.len() - 2;
    body[last] ^= 1;
    tampered.body = body.into();
    assert!(
        !signature_verifies(&tampered, SECRET),
        "a changed body does not verify"
    );
    assert_eq!(r.header("X-Canon-Event").as_deref(), Some("driftDetected"));
    assert!(r.header("X-Canon-Delivery").is_some_and(|d| !d.is_empty()));
    assert_eq!(
        r.header("Content-Type").as_deref(),
        Some("application/json")
    );

    let alert = r.json();
    assert_eq!(alert["event"], "driftDetected");
    assert_eq!(alert["app"], "web");
    assert_eq!(alert["environment"], s.env.as_str());
    assert_eq!(alert["revision"], head);
    let objects = alert["diff"].as_array().expect("diff is a list");
    assert_eq!(objects.len(), 1, "{alert:#}");
    assert_eq!(
        objects[0]["object"],
        format!("Deployment.apps/{}/web", s.ns),
        "{alert:#}"
    );
    let fields = objects[0]["fields"].as_array().expect("fields");
    let replicas = fields
        .iter()
        .find(|f| f["path"] == "spec.replicas")
        .unwrap_or_else(|| panic!("spec.replicas among the drifted fields: {alert:#}"));
    assert_eq!(replicas["desired"], json!(1));
    assert_eq!(replicas["live"], json!(3));
    assert_eq!(replicas["manager"], MANAGER);
    let summary = alert["summary"].as_str().expect("a summary");
    assert!(summary.contains(&format!("{}/web", s.env)), "{summary}");
    assert!(
        summary.contains(&format!("spec.replicas 1 → 3 by {MANAGER}")),
        "{summary}"
    );
    assert!(alert["time"].as_str().is_some_and(|t| !t.is_empty()));
}

/// The Slack message for the same drift says the same in its `text`.
fn check_slack_detected(s: &Setup, r: &Received, head: &str) {
    assert_eq!(
        r.header("X-Canon-Signature-256"),
        None,
        "a Slack sink has no secret"
    );
    let msg = r.json();
    let text = msg["text"].as_str().expect("Slack's text");
    assert!(text.contains(&format!("{}/web drifted", s.env)), "{text}");
    assert!(
        text.contains(&format!("Deployment.apps/{}/web", s.ns)),
        "{text}"
    );
    assert!(
        text.contains(&format!("spec.replicas 1 → 3 by {MANAGER}")),
        "{text}"
    );
    let blocks = msg["blocks"].to_string();
    assert!(blocks.contains(&head[..12]), "the revision in {blocks}");
    assert!(blocks.contains("spec.replicas: 1 → 3"), "{blocks}");
}

async fn drifted_web(self_heal: bool) -> (Setup, Sinks, crate::e2e::Running, String) {
    let s = setup().await;
    let head = s.hydrate(
        vec![release(
            "web",
            &s.ns,
            &[("t/web.yaml", deployment("web", 1))],
        )],
        1,
    );
    let sinks = Sinks::start().await;
    let running = s.start(s.config(&format!("selfHeal: {self_heal}"), &sinks.config()));
    let key = s.key("web");
    wait_until(&running.store, "web synced", |st| synced(st, &key)).await;
    patch_replicas(&s.client, &s.ns, "web", 3, MANAGER).await;
    (s, sinks, running, head)
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn drift_alert_reaches_a_signed_webhook_and_slack() {
    let (s, sinks, running, head) = drifted_web(false).await;
    let hook = sinks
        .wait_for("hook", "a driftDetected alert", |r| {
            is_event(r, "driftDetected")
        })
        .await;
    check_detected(&s, &hook, &head);
    let slack = sinks
        .wait_for("slack", "the drift's Slack message", |r| {
            r.json()["text"]
                .as_str()
                .is_some_and(|t| t.contains("drifted"))
        })
        .await;
    check_slack_detected(&s, &slack, &head);
    // Detect-only: the patch stays.
    assert_eq!(replicas(&s.client, &s.ns, "web").await, Some(3));
    running.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn self_heal_alerts_drift_then_its_resolution() {
    let (s, sinks, running, head) = drifted_web(true).await;
    let detected = sinks
        .wait_for("hook", "a driftDetected alert", |r| {
            is_event(r, "driftDetected")
        })
        .await;
    check_detected(&s, &detected, &head);
    let resolved = sinks
        .wait_for("hook", "a driftResolved alert", |r| {
            is_event(r, "driftResolved")
        })
        .await;
    assert!(signature_verifies(&resolved, SECRET));
    assert!(!signature_verifies(&resolved, "not-the-secret"));
    assert_eq!(
        resolved.header("X-Canon-Event").as_deref(),
        Some("driftResolved")
    );
    let alert = resolved.json();
    assert_eq!(alert["app"], "web");
    assert_eq!(alert["environment"], s.env.as_str());
    assert_eq!(alert["revision"], head.as_str());
    let summary = alert["summary"].as_str().expect("a summary");
    assert!(
        summary.contains(&format!("Deployment.apps/{}/web", s.ns))
            && summary.contains("matches git"),
        "{summary}"
    );
    // The resolution follows the detection at the sink (one worker per sink keeps the order).
    let order: Vec<String> = sinks
        .received
        .lock()
        .expect("lock")
        .iter()
        .filter(|r| r.sink == "hook")
        .map(|r| r.json()["event"].as_str().unwrap_or_default().to_string())
        .collect();
    let d = order.iter().position(|e| e == "driftDetected");
    let r = order.iter().position(|e| e == "driftResolved");
    assert!(d < r, "{order:?}");
    // And the revert is real: canon applied spec.replicas 1 again.
    assert_eq!(replicas(&s.client, &s.ns, "web").await, Some(1));
    let slack = sinks
        .wait_for("slack", "the resolution's Slack message", |r| {
            r.json()["text"]
                .as_str()
                .is_some_and(|t| t.contains("matches git"))
        })
        .await;
    assert!(
        slack.json()["text"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("{}/web", s.env)))
    );
    running.shutdown().await;
}
