//! `agent::alerts` against a real HTTP sink on loopback (an axum server that records every request
//! and answers with scripted statuses): signatures, Slack's message shape, dedup, retries, rate
//! limit, counters.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent::alerts::{Alert, AlertObjectDiff, Alerter, AlerterOptions};
use agent::config::{SinkConfig, SinkKind};
use agent::store::EventKind;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cluster::FieldDiff;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// One request the sink received.
#[derive(Debug, Clone)]
struct Received {
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
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

#[derive(Default)]
struct SinkState {
    received: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; 200 once they run out.
    script: Mutex<VecDeque<u16>>,
}

struct Sink {
    url: String,
    state: Arc<SinkState>,
}

impl Sink {
    async fn start(script: &[u16]) -> Sink {
        let state = Arc::new(SinkState::default());
        state.script.lock().expect("lock").extend(script);
        let app = Router::new()
            .route("/hook", post(record))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("sink server");
        });
        Sink {
            url: format!("http://{addr}/hook"),
            state,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }
}

async fn record(
    State(state): State<Arc<SinkState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    state
        .received
        .lock()
        .expect("lock")
        .push(Received { headers, body });
    let status = state
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    StatusCode::from_u16(status).expect("valid status")
}

fn webhook(url: &str, secret: Option<&str>) -> SinkConfig {
    SinkConfig {
        kind: SinkKind::Webhook,
        url: url.to_string(),
        secret: secret.map(str::to_string),
        events: vec![],
    }
}

fn drift(revision: &str, live: i64, fields: usize) -> Alert {
    Alert {
        event: EventKind::DriftDetected,
        environment: "staging".into(),
        app: "demo--staging".into(),
        revision: revision.into(),
        summary: format!(
            "staging/demo--staging drifted: Deployment.apps/demo/demo spec.replicas 1 → {live} by kubectl-patch at 2026-11-28T14:00:00Z"
        ),
        diff: vec![AlertObjectDiff {
            object: "Deployment.apps/demo/demo".into(),
            fields: (0..fields)
                .map(|i| FieldDiff {
                    path: if i == 0 {
                        "spec.replicas".into()
                    } else {
                        format!("metadata.labels.l{i}")
                    },
                    desired: Some(json!(1)),
                    live: Some(json!(live)),
                    manager: Some("kubectl-patch".into()),
                    operation: Some("Update".into()),
                    time: Some("2026-11-28T14:00:00Z".into()),
                })
                .collect(),
        }],
        time: "2026-11-28T14:00:01Z".into(),
    }
}

#[tokio::test]
async fn webhook_is_signed_with_the_secret() {
    let sink = Sink::start(&[]).await;
    let alerter = Alerter::new(&[webhook(&sink.url, Some("s3cret"))]);
    let alert = drift("abc123", 3, 1);
    alerter.send(alert.clone());
    alerter.idle().await;

    let got = sink.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    let signature = r.header("x-canon-signature-256").expect("signature header");
    let hex = signature.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").expect("key");
    mac.update(&r.body);
    mac.verify_slice(&::hex::decode(hex).expect("hex"))
        .expect("the signature verifies with the secret");
    let mut wrong = Hmac::<Sha256>::new_from_slice(b"other").expect("key");
    wrong.update(&r.body);
    assert!(
        wrong
            .verify_slice(&::hex::decode(hex).expect("hex"))
            .is_err()
    );

    assert_eq!(r.header("x-canon-event").as_deref(), Some("driftDetected"));
    assert!(r.header("x-canon-delivery").is_some_and(|d| !d.is_empty()));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let body = r.json();
    assert_eq!(body, serde_json::to_value(&alert).expect("alert json"));
    assert_eq!(body["event"], "driftDetected");
    assert_eq!(body["diff"][0]["fields"][0]["path"], "spec.replicas");

    let c = &alerter.counters()[0];
    assert_eq!(
        (c.sink.as_str(), c.sent, c.failed, c.dropped, c.attempts),
        ("webhook-0", 1, 0, 0, 1)
    );
}

#[tokio::test]
async fn unsigned_without_a_secret() {
    let sink = Sink::start(&[]).await;
    let alerter = Alerter::new(&[webhook(&sink.url, None)]);
    alerter.send(drift("abc", 3, 1));
    alerter.idle().await;
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("x-canon-signature-256"), None);
}

#[tokio::test]
async fn slack_message_shape() {
    let sink = Sink::start(&[]).await;
    let alerter = Alerter::new(&[SinkConfig {
        kind: SinkKind::Slack,
        url: sink.url.clone(),
        secret: None,
        events: vec![],
    }]);
    let alert = drift("0123456789abcdef", 3, 25);
    alerter.send(alert.clone());
    alerter.idle().await;

    let got = sink.received();
    assert_eq!(got.len(), 1);
    let body = got[0].json();
    assert_eq!(body["text"], alert.summary.as_str());
    let blocks = body["blocks"].as_array().expect("blocks");
    assert_eq!(blocks.len(), 3, "{body:#}");
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    assert!(
        blocks[0]["text"]["text"]
            .as_str()
            .expect("text")
            .contains("drifted"),
        "{body:#}"
    );
    let diff = blocks[1]["text"]["text"].as_str().expect("diff text");
    let lines: Vec<&str> = diff
        .trim_start_matches("```\n")
        .trim_end_matches("\n```")
        .lines()
        .collect();
    assert_eq!(lines.len(), 21, "20 diff lines and a remainder: {diff}");
    assert_eq!(
        lines[0],
        "Deployment.apps/demo/demo spec.replicas: 1 → 3 by kubectl-patch at 2026-11-28T14:00:00Z"
    );
    assert_eq!(lines[20], "… and 5 more");
    assert_eq!(blocks[2]["type"], "context");
    let context = blocks[2]["elements"][0]["text"].as_str().expect("context");
    assert!(
        context.contains("0123456789ab") && context.contains(&alert.time),
        "{context}"
    );
    assert_eq!(got[0].header("x-canon-signature-256"), None);
}

#[tokio::test]
async fn a_repeat_is_deduplicated() {
    let sink = Sink::start(&[]).await;
    let alerter = Alerter::new(&[webhook(&sink.url, None)]);
    let results = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&results);
    alerter
        .on_result(move |sink, result| seen.lock().expect("lock").push(format!("{sink} {result}")));
    let first = drift("abc", 3, 1);
    let mut repeat = first.clone();
    repeat.time = "2026-11-28T14:05:00Z".into();
    alerter.send(first.clone());
    alerter.send(repeat);
    alerter.idle().await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(alerter.deduplicated(), 1);

    // Another value is another alert; so is the same drift after it was resolved.
    alerter.send(drift("abc", 4, 1));
    let mut resolved = first.clone();
    resolved.event = EventKind::DriftResolved;
    resolved.diff.clear();
    alerter.send(resolved);
    alerter.send(first);
    alerter.idle().await;
    let events: Vec<String> = sink
        .received()
        .iter()
        .map(|r| r.header("x-canon-event").expect("event"))
        .collect();
    assert_eq!(
        events,
        [
            "driftDetected",
            "driftDetected",
            "driftResolved",
            "driftDetected"
        ]
    );
    assert_eq!(alerter.deduplicated(), 1);
    assert_eq!(alerter.counters()[0].sent, 4);
    let mut results = results.lock().expect("lock").clone();
    results.sort();
    assert_eq!(
        results,
        [
            "webhook-0 deduplicated",
            "webhook-0 sent",
            "webhook-0 sent",
            "webhook-0 sent",
            "webhook-0 sent"
        ]
    );
}

#[tokio::test]
async fn a_5xx_is_retried_until_delivered() {
    let sink = Sink::start(&[500, 500, 200]).await;
    let alerter = Alerter::new(&[webhook(&sink.url, Some("k"))]);
    alerter.send(drift("abc", 3, 1));
    alerter.idle().await;

    let got = sink.received();
    assert_eq!(got.len(), 3, "two failures and the delivery");
    let ids: Vec<_> = got.iter().map(|r| r.header("x-canon-delivery")).collect();
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "one delivery id across retries: {ids:?}"
    );
    assert!(got.iter().all(|r| r.body == got[0].body));
    let c = &alerter.counters()[0];
    assert_eq!((c.sent, c.failed, c.attempts), (1, 0, 3));
}

#[tokio::test]
async fn a_4xx_is_not_retried() {
    let sink = Sink::start(&[400]).await;
    let alerter = Alerter::new(&[webhook(&sink.url, None)]);
    alerter.send(drift("abc", 3, 1));
    alerter.idle().await;
    assert_eq!(sink.received().len(), 1);
    let c = &alerter.counters()[0];
    assert_eq!((c.sent, c.failed, c.attempts), (0, 1, 1));
}

#[tokio::test]
async fn gives_up_after_the_last_attempt() {
    let sink = Sink::start(&[503, 503, 503]).await;
    let options = AlerterOptions {
        attempts: 3,
        backoff: Duration::from_millis(10),
        ..AlerterOptions::default()
    };
    let alerter = Alerter::with_options(&[webhook(&sink.url, None)], options);
    alerter.send(drift("abc", 3, 1));
    alerter.idle().await;
    assert_eq!(sink.received().len(), 3);
    let c = &alerter.counters()[0];
    assert_eq!((c.sent, c.failed, c.attempts), (0, 1, 3));
}

#[tokio::test]
async fn connection_errors_are_retried() {
    // A port nothing listens on: bind, learn the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let options = AlerterOptions {
        attempts: 2,
        backoff: Duration::from_millis(10),
        ..AlerterOptions::default()
    };
    let alerter = Alerter::with_options(
        &[webhook(&format!("http://127.0.0.1:{port}/hook"), None)],
        options,
    );
    alerter.send(drift("abc", 3, 1));
    alerter.idle().await;
    let c = &alerter.counters()[0];
    assert_eq!((c.sent, c.failed, c.attempts), (0, 1, 2));
}

#[tokio::test]
async fn the_rate_limit_drops_the_excess_and_counts_it() {
    let sink = Sink::start(&[]).await;
    let alerter = Alerter::new(&[webhook(&sink.url, None)]);
    // The default bucket: 30 a minute.
    for i in 0..35 {
        alerter.send(drift(&format!("rev{i}"), 3, 1));
    }
    alerter.idle().await;
    assert_eq!(sink.received().len(), 30);
    let c = &alerter.counters()[0];
    assert_eq!((c.sent, c.dropped, c.failed), (30, 5, 0));
}

#[tokio::test]
async fn sinks_filter_events_and_count_separately() {
    let a = Sink::start(&[]).await;
    let b = Sink::start(&[]).await;
    let mut only_failures = webhook(&b.url, None);
    only_failures.events = vec!["syncFailed".into()];
    let alerter = Alerter::new(&[webhook(&a.url, None), only_failures]);
    alerter.send(drift("abc", 3, 1));
    let mut failed = drift("abc", 3, 0);
    failed.event = EventKind::SyncFailed;
    failed.summary = "staging/demo--staging failed to sync".into();
    alerter.send(failed);
    alerter.idle().await;
    assert_eq!(a.received().len(), 2);
    let b_got = b.received();
    assert_eq!(b_got.len(), 1);
    assert_eq!(
        b_got[0].header("x-canon-event").as_deref(),
        Some("syncFailed")
    );
    let counters = alerter.counters();
    assert_eq!(
        (counters[0].sink.as_str(), counters[0].sent),
        ("webhook-0", 2)
    );
    assert_eq!(
        (counters[1].sink.as_str(), counters[1].sent),
        ("webhook-1", 1)
    );
}
