//! Prometheus metrics of the agent (prometheus-client, OpenMetrics text).
//!
//! Contract (api helper): `canon_app_sync_status{environment,app,status}` (1 for the current status),
//! `canon_app_health_status{environment,app,status}`, `canon_drift_events_total{environment,app}`,
//! `canon_drift_detection_seconds` (histogram: watch event → store), `canon_reconcile_duration_seconds
//! {environment}` (histogram), `canon_git_fetch_duration_seconds` (histogram),
//! `canon_apply_errors_total{environment,app}`, `canon_alerts_total{sink,result}`. Gauges are computed
//! from the store at scrape time.
//!
//! The status gauges follow kube-state-metrics' convention: one series per possible status, 1 for the
//! current one and 0 for the others, so `sum by (status)` and alerts on `== 1` both work and a status
//! that changes never leaves a stale series behind (the gauges are rebuilt from the store on every
//! scrape rather than kept up to date by every writer).

use std::sync::Arc;

use cluster::Health;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::{Store, SyncStatus};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AppLabels {
    environment: String,
    app: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    environment: String,
    app: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EnvironmentLabels {
    environment: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    sink: String,
    result: String,
}

/// Every sync status, in the order the series are written.
pub const SYNC_STATUSES: [SyncStatus; 3] = [
    SyncStatus::Synced,
    SyncStatus::OutOfSync,
    SyncStatus::Unknown,
];

/// Every health, in the order the series are written.
pub const HEALTHS: [Health; 6] = [
    Health::Healthy,
    Health::Suspended,
    Health::Progressing,
    Health::Missing,
    Health::Degraded,
    Health::Unknown,
];

/// The name a sync status has in the API, the metrics and `canon status`.
pub fn sync_str(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Synced => "Synced",
        SyncStatus::OutOfSync => "OutOfSync",
        SyncStatus::Unknown => "Unknown",
    }
}

struct Inner {
    registry: Registry,
    drift_events: Family<AppLabels, Counter>,
    drift_detection: Histogram,
    reconcile: Family<EnvironmentLabels, Histogram>,
    fetch: Histogram,
    apply_errors: Family<AppLabels, Counter>,
    alerts: Family<AlertLabels, Counter>,
}

/// The agent's metrics; cheap to clone (every clone records into the same registry).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Drift detection is meant to take well under a second; reconciles and fetches take seconds.
fn fast_buckets() -> Histogram {
    // 1 ms … ~16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn slow_buckets() -> Histogram {
    // 10 ms … ~5.5 min
    Histogram::new(exponential_buckets(0.01, 2.0, 16))
}

impl Metrics {
    /// A registry whose status gauges read `store` at every scrape.
    pub fn new(store: Store) -> Metrics {
        let mut registry = Registry::default();
        let drift_events = Family::<AppLabels, Counter>::default();
        let drift_detection = fast_buckets();
        let reconcile =
            Family::<EnvironmentLabels, Histogram>::new_with_constructor(slow_buckets as fn() -> _);
        let fetch = slow_buckets();
        let apply_errors = Family::<AppLabels, Counter>::default();
        let alerts = Family::<AlertLabels, Counter>::default();
        // Counters get their `_total` suffix from the OpenMetrics encoder.
        registry.register(
            "canon_drift_events",
            "Drift detections (an app went from in sync to out of sync)",
            drift_events.clone(),
        );
        registry.register(
            "canon_drift_detection_seconds",
            "Time from a watch event to the drift being in the agent's status",
            drift_detection.clone(),
        );
        registry.register(
            "canon_reconcile_duration_seconds",
            "Duration of a reconcile of one environment",
            reconcile.clone(),
        );
        registry.register(
            "canon_git_fetch_duration_seconds",
            "Duration of a fetch of the state repo",
            fetch.clone(),
        );
        registry.register(
            "canon_apply_errors",
            "Failed applies of an app",
            apply_errors.clone(),
        );
        registry.register(
            "canon_alerts",
            "Alerts sent, by sink and result",
            alerts.clone(),
        );
        registry.register_collector(Box::new(StatusCollector { store }));
        Metrics {
            inner: Arc::new(Inner {
                registry,
                drift_events,
                drift_detection,
                reconcile,
                fetch,
                apply_errors,
                alerts,
            }),
        }
    }

    /// A drift was detected on an app, `seconds` after the watch event that revealed it.
    pub fn observe_drift(&self, environment: &str, app: &str, seconds: f64) {
        self.inner
            .drift_events
            .get_or_create(&AppLabels {
                environment: environment.to_string(),
                app: app.to_string(),
            })
            .inc();
        self.inner.drift_detection.observe(seconds);
    }

    /// A reconcile of an environment took `seconds`.
    pub fn observe_reconcile(&self, environment: &str, seconds: f64) {
        self.inner
            .reconcile
            .get_or_create(&EnvironmentLabels {
                environment: environment.to_string(),
            })
            .observe(seconds);
    }

    /// A fetch of the state repo took `seconds`.
    pub fn observe_fetch(&self, seconds: f64) {
        self.inner.fetch.observe(seconds);
    }

    /// An apply of an app failed.
    pub fn apply_error(&self, environment: &str, app: &str) {
        self.inner
            .apply_errors
            .get_or_create(&AppLabels {
                environment: environment.to_string(),
                app: app.to_string(),
            })
            .inc();
    }

    /// An alert went to `sink` (its type, e.g. `webhook`) with `result` (e.g. `sent`, `failed`,
    /// `deduplicated`).
    pub fn alert(&self, sink: &str, result: &str) {
        self.inner
            .alerts
            .get_or_create(&AlertLabels {
                sink: sink.to_string(),
                result: result.to_string(),
            })
            .inc();
    }

    /// The OpenMetrics text of every metric (what `GET /metrics` serves).
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.inner.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// The status gauges, rebuilt from the store at every scrape.
struct StatusCollector {
    store: Store,
}

impl std::fmt::Debug for StatusCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusCollector").finish_non_exhaustive()
    }
}

impl Collector for StatusCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let sync = Family::<StatusLabels, Gauge>::default();
        let health = Family::<StatusLabels, Gauge>::default();
        // Read in place: a scrape must not copy every app with its objects and history.
        let any = self.store.with_apps(|apps| {
            for app in apps.values() {
                for status in SYNC_STATUSES {
                    sync.get_or_create(&StatusLabels {
                        environment: app.key.environment.clone(),
                        app: app.key.app.clone(),
                        status: sync_str(status).to_string(),
                    })
                    .set(i64::from(app.sync == status));
                }
                for status in HEALTHS {
                    health
                        .get_or_create(&StatusLabels {
                            environment: app.key.environment.clone(),
                            app: app.key.app.clone(),
                            status: status.as_str().to_string(),
                        })
                        .set(i64::from(app.health == status));
                }
            }
            !apps.is_empty()
        });
        // Like prometheus-client's own families, an empty one is left out (no apps yet): strict
        // OpenMetrics parsers reject a family without samples.
        if !any {
            return Ok(());
        }
        let metric = encoder.encode_descriptor(
            "canon_app_sync_status",
            "Sync status of an app (1 for the current status)",
            None,
            sync.metric_type(),
        )?;
        sync.encode(metric)?;
        let metric = encoder.encode_descriptor(
            "canon_app_health_status",
            "Health of an app (1 for the current status)",
            None,
            health.metric_type(),
        )?;
        health.encode(metric)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AppKey;

    #[test]
    fn status_gauges_follow_the_store() {
        let store = Store::new();
        let metrics = Metrics::new(store.clone());
        let key = AppKey {
            environment: "prod".into(),
            app: "web".into(),
        };
        store.update_app(&key, |a| {
            a.sync = SyncStatus::OutOfSync;
            a.health = Health::Degraded;
        });
        let text = metrics.render();
        assert!(text.contains(
            "canon_app_sync_status{environment=\"prod\",app=\"web\",status=\"OutOfSync\"} 1\n"
        ));
        assert!(text.contains(
            "canon_app_sync_status{environment=\"prod\",app=\"web\",status=\"Synced\"} 0\n"
        ));
        store.update_app(&key, |a| a.sync = SyncStatus::Synced);
        let text = metrics.render();
        assert!(text.contains(
            "canon_app_sync_status{environment=\"prod\",app=\"web\",status=\"Synced\"} 1\n"
        ));
        assert!(text.contains(
            "canon_app_health_status{environment=\"prod\",app=\"web\",status=\"Degraded\"} 1\n"
        ));
        store.remove_app(&key);
        assert!(!metrics.render().contains("app=\"web\""));
    }
}
