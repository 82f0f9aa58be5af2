//! Alerts: tell people when an app drifts, fails to sync, degrades, recovers or is pruned.
//!
//! Contract (health helper): [`Alerter::send`] takes an [`Alert`] and delivers it to every configured
//! sink whose `events` filter admits it, in the background (never blocks the caller): a generic webhook
//! (POST JSON = the [`Alert`] serialized, header `X-Canon-Signature-256: sha256=<hex HMAC-SHA256 of the
//! body>` when a secret is set, `X-Canon-Event`, `X-Canon-Delivery` id) and Slack-compatible incoming
//! webhooks (`{"text": ..., "blocks": [...]}` with the summary and up to 20 diff lines: path, desired →
//! live, by manager at time). Once per (app, event kind, revision, diff fingerprint): a repeat is
//! dropped. Rate-limited per sink (token bucket, default 30/min, excess counted and dropped with a
//! log). Retries 5xx and connection errors with exponential backoff (0.5 s doubling, 5 attempts), not
//! 4xx. Counters for sent/failed/dropped (read by [`crate::metrics`]).
//!
//! Each sink has one worker task that delivers its alerts one at a time, so a sink receives them
//! in the order they were sent (a retried alert holds back the ones after it). HTTP is ureq's
//! blocking client on tokio's blocking pool: small, and already in the workspace.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cluster::FieldDiff;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::config::{SinkConfig, SinkKind};
use crate::store::{AppKey, EventKind};

/// One alert.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub event: EventKind,
    pub environment: String,
    pub app: String,
    /// State repo commit.
    pub revision: String,
    /// One line: what happened (e.g. `staging/demo--staging drifted: Deployment.apps/demo/demo
    /// spec.replicas 1 → 3 by kubectl-patch at 2026-11-28T14:00:00Z`).
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<AlertObjectDiff>,
    /// RFC 3339.
    pub time: String,
}

impl Alert {
    pub fn key(&self) -> AppKey {
        AppKey {
            environment: self.environment.clone(),
            app: self.app.clone(),
        }
    }
}

/// The drifted fields of one object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertObjectDiff {
    pub object: String,
    pub fields: Vec<FieldDiff>,
}

/// How deliveries are paced and retried (the defaults are the contract's).
#[derive(Debug, Clone)]
pub struct AlerterOptions {
    /// Token bucket per sink: this many alerts a minute, and a burst of as many.
    pub rate_per_minute: u32,
    /// Delivery attempts for a 5xx or a connection error, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubles after each.
    pub backoff: Duration,
    /// Per request (connect, send, read).
    pub timeout: Duration,
}

impl Default for AlerterOptions {
    fn default() -> Self {
        AlerterOptions {
            rate_per_minute: 30,
            attempts: 5,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Delivery counts of one sink (for `canon_alerts_total{sink,result}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SinkCounters {
    /// `webhook-0`, `slack-1`: the kind and its position in agent.yaml (never the URL, which
    /// carries Slack's secret).
    pub sink: String,
    pub kind: SinkKind,
    /// Alerts the sink accepted (2xx).
    pub sent: u64,
    /// Alerts given up on: a 4xx, or every attempt failed.
    pub failed: u64,
    /// Alerts over the rate limit, never sent.
    pub dropped: u64,
    /// HTTP requests made, retries included.
    pub attempts: u64,
}

/// Sends alerts to the configured sinks (see the module doc). Cheap to clone.
#[derive(Clone)]
pub struct Alerter {
    inner: Arc<Inner>,
}

/// Told of every alert's outcome per sink: `(sink, result)` (see [`Alerter::on_result`]).
pub type ResultObserver = Arc<dyn Fn(&str, &str) + Send + Sync>;

struct Inner {
    sinks: Vec<Sink>,
    observer: Mutex<Option<ResultObserver>>,
    options: AlerterOptions,
    agent: ureq::Agent,
    /// Last fingerprint alerted per (app, event kind).
    last: Mutex<HashMap<(AppKey, EventKind), u64>>,
    deduplicated: AtomicU64,
    in_flight: AtomicUsize,
    idle: tokio::sync::Notify,
    sequence: AtomicU64,
}

struct Sink {
    name: String,
    config: SinkConfig,
    /// To the sink's worker, which delivers one alert at a time so a sink sees them in order.
    queue: tokio::sync::mpsc::UnboundedSender<Arc<Alert>>,
    bucket: Mutex<TokenBucket>,
    sent: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    attempts: AtomicU64,
}

struct TokenBucket {
    tokens: f64,
    capacity: f64,
    per_second: f64,
    at: Instant,
}

impl TokenBucket {
    fn new(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        TokenBucket {
            tokens: capacity,
            capacity,
            per_second: capacity / 60.0,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What one HTTP attempt came to.
enum Outcome {
    Delivered,
    /// 4xx (and anything else that is not 2xx or 5xx): retrying would not help.
    Rejected(u16),
    /// 5xx or no response: worth another try.
    Retry(String),
}

impl Alerter {
    /// An alerter with the default pacing. Must be called inside a tokio runtime: deliveries run
    /// on it.
    pub fn new(sinks: &[SinkConfig]) -> Self {
        Self::with_options(sinks, AlerterOptions::default())
    }

    pub fn with_options(sinks: &[SinkConfig], options: AlerterOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("canon-agent/", env!("CARGO_PKG_VERSION")))
            .build();
        let mut receivers = Vec::new();
        let sinks = sinks
            .iter()
            .enumerate()
            .map(|(i, config)| {
                let (queue, rx) = tokio::sync::mpsc::unbounded_channel();
                receivers.push(rx);
                Sink {
                    name: format!("{}-{i}", sink_kind_name(config.kind)),
                    config: config.clone(),
                    queue,
                    bucket: Mutex::new(TokenBucket::new(options.rate_per_minute)),
                    sent: AtomicU64::new(0),
                    failed: AtomicU64::new(0),
                    dropped: AtomicU64::new(0),
                    attempts: AtomicU64::new(0),
                }
            })
            .collect();
        let alerter = Alerter {
            inner: Arc::new(Inner {
                sinks,
                observer: Mutex::new(None),
                options,
                agent: config.into(),
                last: Mutex::new(HashMap::new()),
                deduplicated: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                idle: tokio::sync::Notify::new(),
                sequence: AtomicU64::new(0),
            }),
        };
        for (index, mut rx) in receivers.into_iter().enumerate() {
            // Holds a weak handle: the worker ends when the last Alerter is dropped.
            let weak = Arc::downgrade(&alerter.inner);
            tokio::spawn(async move {
                while let Some(alert) = rx.recv().await {
                    let Some(inner) = weak.upgrade() else { break };
                    let this = Alerter { inner };
                    this.deliver(index, &alert).await;
                    if this.inner.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
                        this.inner.idle.notify_waiters();
                    }
                }
            });
        }
        alerter
    }

    /// Queues `alert` for every sink that wants it and returns at once. A repeat of the last
    /// alert of the same kind for the same app (same revision, same drifted fields and values) is
    /// dropped; the opposite event (DriftResolved for DriftDetected, HealthRecovered for
    /// HealthDegraded, Synced for SyncFailed) clears that memory, so a drift that comes back is
    /// alerted again.
    pub fn send(&self, alert: Alert) {
        let inner = &self.inner;
        let fingerprint = fingerprint(&alert);
        {
            let mut last = lock(&inner.last);
            let key = (alert.key(), alert.event);
            if last.get(&key) == Some(&fingerprint) {
                inner.deduplicated.fetch_add(1, Ordering::Relaxed);
                for sink in inner.sinks.iter().filter(|s| wants(&s.config, alert.event)) {
                    self.observe(sink, "deduplicated");
                }
                tracing::debug!(app = %key.0, event = ?alert.event, "alert repeated; not sent again");
                return;
            }
            last.insert(key, fingerprint);
            if let Some(opposite) = opposite(alert.event) {
                last.remove(&(alert.key(), opposite));
            }
        }
        let alert = Arc::new(alert);
        for sink in &inner.sinks {
            if !wants(&sink.config, alert.event) {
                continue;
            }
            if !lock(&sink.bucket).take() {
                sink.dropped.fetch_add(1, Ordering::Relaxed);
                self.observe(sink, "dropped");
                tracing::warn!(
                    sink = %sink.name,
                    app = %alert.key(),
                    event = ?alert.event,
                    "alert dropped: over the sink's rate limit of {} a minute",
                    inner.options.rate_per_minute
                );
                continue;
            }
            inner.in_flight.fetch_add(1, Ordering::SeqCst);
            if sink.queue.send(Arc::clone(&alert)).is_err() {
                // The worker is gone (its runtime shut down): nothing will deliver it.
                inner.in_flight.fetch_sub(1, Ordering::SeqCst);
                sink.failed.fetch_add(1, Ordering::Relaxed);
                self.observe(sink, "failed");
            }
        }
    }

    /// Calls `observe(sink, result)` for every outcome from now on: sink as in [`SinkCounters::sink`]
    /// (`webhook-0`), result one of `sent`, `failed`, `dropped` (rate limit), `deduplicated` (a
    /// repeat, reported for each sink that would have received it). For `canon_alerts_total`:
    /// `alerter.on_result(move |sink, result| metrics.alert(sink, result))`.
    pub fn on_result(&self, observe: impl Fn(&str, &str) + Send + Sync + 'static) {
        *lock(&self.inner.observer) = Some(Arc::new(observe));
    }

    fn observe(&self, sink: &Sink, result: &str) {
        let observer = lock(&self.inner.observer).clone();
        if let Some(observe) = observer {
            observe(&sink.name, result);
        }
    }

    /// Per-sink counters, in agent.yaml order.
    pub fn counters(&self) -> Vec<SinkCounters> {
        self.inner
            .sinks
            .iter()
            .map(|s| SinkCounters {
                sink: s.name.clone(),
                kind: s.config.kind,
                sent: s.sent.load(Ordering::Relaxed),
                failed: s.failed.load(Ordering::Relaxed),
                dropped: s.dropped.load(Ordering::Relaxed),
                attempts: s.attempts.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Alerts dropped as repeats.
    pub fn deduplicated(&self) -> u64 {
        self.inner.deduplicated.load(Ordering::Relaxed)
    }

    /// Resolves when no delivery is in progress (retries included): for shutdown and tests.
    pub async fn idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            // Register before checking, so a delivery ending in between is not missed.
            notified.as_mut().enable();
            if self.inner.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    async fn deliver(&self, index: usize, alert: &Alert) {
        let inner = &self.inner;
        let sink = &inner.sinks[index];
        let (body, headers) = match request(sink, alert, self.delivery_id()) {
            Ok(r) => r,
            Err(e) => {
                sink.failed.fetch_add(1, Ordering::Relaxed);
                self.observe(sink, "failed");
                tracing::error!(sink = %sink.name, "alert not sent: {e}");
                return;
            }
        };
        let body = Arc::new(body);
        let mut wait = inner.options.backoff;
        let attempts = inner.options.attempts.max(1);
        for attempt in 1..=attempts {
            sink.attempts.fetch_add(1, Ordering::Relaxed);
            let agent = inner.agent.clone();
            let url = sink.config.url.clone();
            let (body, headers) = (Arc::clone(&body), headers.clone());
            let outcome = tokio::task::spawn_blocking(move || post(&agent, &url, &headers, &body))
                .await
                .unwrap_or_else(|e| Outcome::Retry(format!("delivery task failed: {e}")));
            match outcome {
                Outcome::Delivered => {
                    sink.sent.fetch_add(1, Ordering::Relaxed);
                    self.observe(sink, "sent");
                    return;
                }
                Outcome::Rejected(status) => {
                    sink.failed.fetch_add(1, Ordering::Relaxed);
                    self.observe(sink, "failed");
                    tracing::warn!(sink = %sink.name, status, "alert rejected by the sink; not retried");
                    return;
                }
                Outcome::Retry(why) if attempt < attempts => {
                    tracing::info!(sink = %sink.name, attempt, "alert delivery failed ({why}); retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Outcome::Retry(why) => {
                    sink.failed.fetch_add(1, Ordering::Relaxed);
                    self.observe(sink, "failed");
                    tracing::warn!(sink = %sink.name, attempts, "alert not delivered: {why}");
                }
            }
        }
    }

    fn delivery_id(&self) -> String {
        let seq = self.inner.sequence.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!("{nanos:x}-{seq}")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain data: a panic elsewhere leaves it usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sink_kind_name(kind: SinkKind) -> &'static str {
    match kind {
        SinkKind::Webhook => "webhook",
        SinkKind::Slack => "slack",
    }
}

/// The event's name as alerts carry it (`driftDetected`).
pub fn event_name(event: EventKind) -> String {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{event:?}"))
}

/// A sink's `events` filter: empty is all; names compare case-insensitively
/// (`driftDetected` or `DriftDetected`).
fn wants(sink: &SinkConfig, event: EventKind) -> bool {
    let name = event_name(event);
    sink.events.is_empty() || sink.events.iter().any(|e| e.eq_ignore_ascii_case(&name))
}

fn opposite(event: EventKind) -> Option<EventKind> {
    use EventKind::*;
    match event {
        DriftDetected => Some(DriftResolved),
        DriftResolved => Some(DriftDetected),
        HealthDegraded => Some(HealthRecovered),
        HealthRecovered => Some(HealthDegraded),
        SyncFailed => Some(Synced),
        Synced => Some(SyncFailed),
        Pruned => None,
    }
}

/// What makes two alerts the same: revision and the drifted values, not who changed them when.
fn fingerprint(alert: &Alert) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    alert.revision.hash(&mut h);
    for object in &alert.diff {
        object.object.hash(&mut h);
        for f in &object.fields {
            f.path.hash(&mut h);
            json_text(f.desired.as_ref()).hash(&mut h);
            json_text(f.live.as_ref()).hash(&mut h);
        }
    }
    h.finish()
}

fn json_text(v: Option<&Value>) -> String {
    v.map(Value::to_string).unwrap_or_default()
}

/// `sha256=<hex HMAC-SHA256 of body>`, the `X-Canon-Signature-256` header.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Diff lines a Slack message shows at most.
pub const SLACK_DIFF_LINES: usize = 20;

/// The Slack incoming-webhook message for an alert: `text` (the summary, shown in notifications)
/// and `blocks` (the summary, up to [`SLACK_DIFF_LINES`] diff lines, the revision and time).
pub fn slack_body(alert: &Alert) -> Value {
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": format!("*{}* {}", event_name(alert.event), slack_escape(&alert.summary))},
    })];
    let lines: Vec<String> = alert
        .diff
        .iter()
        .flat_map(|o| o.fields.iter().map(move |f| diff_line(&o.object, f)))
        .collect();
    if !lines.is_empty() {
        let mut text: Vec<String> = lines.iter().take(SLACK_DIFF_LINES).cloned().collect();
        if lines.len() > SLACK_DIFF_LINES {
            text.push(format!("… and {} more", lines.len() - SLACK_DIFF_LINES));
        }
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("```\n{}\n```", text.join("\n"))},
        }));
    }
    let short: String = alert.revision.chars().take(12).collect();
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": format!("{} · revision {short} · {}", slack_escape(&alert.key().to_string()), alert.time)}],
    }));
    json!({"text": alert.summary, "blocks": blocks})
}

/// `Deployment.apps/demo/demo spec.replicas: 1 → 3 by kubectl-patch at 2026-11-28T14:00:00Z`.
pub fn diff_line(object: &str, f: &FieldDiff) -> String {
    let value = |v: Option<&Value>| -> String {
        let text = v.map(Value::to_string).unwrap_or_else(|| "(none)".into());
        // Keep one line readable: Slack's section text is limited to 3000 characters.
        if text.chars().count() > 60 {
            format!("{}…", text.chars().take(59).collect::<String>())
        } else {
            text
        }
    };
    let mut line = format!(
        "{object} {}: {} → {}",
        f.path,
        value(f.desired.as_ref()),
        value(f.live.as_ref())
    );
    if let Some(manager) = &f.manager {
        line.push_str(&format!(" by {manager}"));
    }
    if let Some(time) = &f.time {
        line.push_str(&format!(" at {time}"));
    }
    line
}

/// Slack's three control characters in mrkdwn text.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

type Headers = Vec<(&'static str, String)>;

/// The body and headers of one delivery to `sink`.
fn request(
    sink: &Sink,
    alert: &Alert,
    delivery: String,
) -> Result<(Vec<u8>, Headers), serde_json::Error> {
    let mut headers = vec![("Content-Type", "application/json".to_string())];
    let body = match sink.config.kind {
        SinkKind::Webhook => {
            let body = serde_json::to_vec(alert)?;
            headers.push(("X-Canon-Event", event_name(alert.event)));
            headers.push(("X-Canon-Delivery", delivery));
            if let Some(secret) = sink.config.secret.as_deref().filter(|s| !s.is_empty()) {
                headers.push(("X-Canon-Signature-256", signature(secret, &body)));
            }
            body
        }
        SinkKind::Slack => serde_json::to_vec(&slack_body(alert))?,
    };
    Ok((body, headers))
}

/// One blocking POST (run on the blocking pool).
fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
) -> Outcome {
    let mut req = agent.post(url);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    match req.send(body) {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match status {
                200..=299 => Outcome::Delivered,
                500..=599 => Outcome::Retry(format!("HTTP {status}")),
                _ => Outcome::Rejected(status),
            }
        }
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(event: EventKind, revision: &str, live: i64) -> Alert {
        Alert {
            event,
            environment: "staging".into(),
            app: "demo".into(),
            revision: revision.into(),
            summary: "staging/demo drifted".into(),
            diff: vec![AlertObjectDiff {
                object: "Deployment.apps/demo/demo".into(),
                fields: vec![FieldDiff {
                    path: "spec.replicas".into(),
                    desired: Some(json!(1)),
                    live: Some(json!(live)),
                    manager: Some("kubectl-patch".into()),
                    operation: Some("Update".into()),
                    time: Some("2026-11-28T14:00:00Z".into()),
                }],
            }],
            time: "2026-11-28T14:00:01Z".into(),
        }
    }

    #[test]
    fn fingerprint_ignores_who_and_when() {
        let a = alert(EventKind::DriftDetected, "abc", 3);
        let mut b = a.clone();
        b.diff[0].fields[0].manager = Some("someone-else".into());
        b.time = "later".into();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(
            fingerprint(&a),
            fingerprint(&alert(EventKind::DriftDetected, "abc", 4))
        );
        assert_ne!(
            fingerprint(&a),
            fingerprint(&alert(EventKind::DriftDetected, "abd", 3))
        );
    }

    #[test]
    fn diff_lines_read_well() {
        let a = alert(EventKind::DriftDetected, "abc", 3);
        assert_eq!(
            diff_line(&a.diff[0].object, &a.diff[0].fields[0]),
            "Deployment.apps/demo/demo spec.replicas: 1 → 3 by kubectl-patch at 2026-11-28T14:00:00Z"
        );
    }

    #[test]
    fn filters_by_event_name() {
        let sink = SinkConfig {
            kind: SinkKind::Webhook,
            url: String::new(),
            secret: None,
            events: vec!["DriftDetected".into(), "syncFailed".into()],
        };
        assert!(wants(&sink, EventKind::DriftDetected));
        assert!(wants(&sink, EventKind::SyncFailed));
        assert!(!wants(&sink, EventKind::Pruned));
    }

    #[test]
    fn bucket_allows_a_burst_then_refuses() {
        let mut b = TokenBucket::new(3);
        assert!(b.take() && b.take() && b.take());
        assert!(!b.take());
    }
}
