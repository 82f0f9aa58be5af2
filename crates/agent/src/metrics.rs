//! Prometheus metrics of the agent (prometheus-client, OpenMetrics text).
//!
//! Contract (api helper): `canon_app_sync_status{environment,app,status}` (1 for the current status),
//! `canon_app_health_status{environment,app,status}`, `canon_drift_events_total{environment,app}`,
//! `canon_drift_detection_seconds` (histogram: watch event → store), `canon_reconcile_duration_seconds
//! {environment}` (histogram), `canon_git_fetch_duration_seconds` (histogram),
//! `canon_apply_errors_total{environment,app}`, `canon_alerts_total{sink,result}`. Gauges are computed
//! from the store at scrape time.
