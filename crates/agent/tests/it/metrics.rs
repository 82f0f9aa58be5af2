//! `/metrics` is valid OpenMetrics text (checked by an independent parser, openmetrics-parser, which
//! implements the OpenMetrics grammar) and carries every metric of the contract with the values the
//! store and the hooks put in.

use std::collections::HashMap;

use agent::api::{self, ApiState};
use agent::metrics::Metrics;
use agent::store::{AppKey, Store, SyncStatus};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cluster::Health;
use openmetrics_parser::openmetrics::parse_openmetrics;
use openmetrics_parser::{MetricFamily, OpenMetricsType, OpenMetricsValue};
use tower::ServiceExt;

type Families = HashMap<String, MetricFamily<OpenMetricsType, OpenMetricsValue>>;

async fn scrape(store: Store, metrics: Metrics) -> (String, String) {
    let router = api::router(ApiState::new(store, metrics, None));
    let response = router
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("router answers");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        content_type,
        String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    )
}

fn parse(text: &str) -> Families {
    parse_openmetrics(text)
        .unwrap_or_else(|e| panic!("not valid OpenMetrics ({e:?}):\n{text}"))
        .families
}

/// The label values of a sample, in the order the parser keeps them (sorted by label name).
fn labels(pairs: &[(&str, &str)]) -> Vec<String> {
    let mut pairs = pairs.to_vec();
    pairs.sort();
    pairs.into_iter().map(|(_, v)| v.to_string()).collect()
}

fn number(families: &Families, family: &str, values: &[(&str, &str)]) -> f64 {
    let f = families
        .get(family)
        .unwrap_or_else(|| panic!("no family {family}"));
    let sample = f
        .get_sample_by_label_values(&labels(values))
        .unwrap_or_else(|| panic!("{family}: no sample {values:?}"));
    match &sample.value {
        OpenMetricsValue::Gauge(n) => n.as_f64(),
        OpenMetricsValue::Counter(c) => c.value.as_f64(),
        other => panic!("{family}: not a number: {other:?}"),
    }
}

fn histogram_count(families: &Families, family: &str, values: &[(&str, &str)]) -> u64 {
    let f = families
        .get(family)
        .unwrap_or_else(|| panic!("no family {family}"));
    let sample = f
        .get_sample_by_label_values(&labels(values))
        .unwrap_or_else(|| panic!("{family}: no sample {values:?}"));
    match &sample.value {
        OpenMetricsValue::Histogram(h) => h.count.expect("histograms carry a count"),
        other => panic!("{family}: not a histogram: {other:?}"),
    }
}

#[tokio::test]
async fn metrics_parse_and_carry_every_name() {
    let store = Store::new();
    let metrics = Metrics::new(store.clone());
    let web = AppKey {
        environment: "prod".into(),
        app: "web".into(),
    };
    store.update_app(&web, |a| {
        a.sync = SyncStatus::OutOfSync;
        a.health = Health::Progressing;
    });
    store.update_app(
        &AppKey {
            environment: "staging".into(),
            app: "api".into(),
        },
        |a| {
            a.sync = SyncStatus::Synced;
            a.health = Health::Healthy;
        },
    );
    metrics.observe_drift("prod", "web", 0.012);
    metrics.observe_drift("prod", "web", 0.3);
    metrics.observe_reconcile("prod", 1.5);
    metrics.observe_fetch(0.25);
    metrics.apply_error("staging", "api");
    metrics.alert("webhook", "sent");
    metrics.alert("webhook", "sent");
    metrics.alert("slack", "failed");

    let (content_type, text) = scrape(store.clone(), metrics.clone()).await;
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let families = parse(&text);

    for (name, kind) in [
        ("canon_app_sync_status", OpenMetricsType::Gauge),
        ("canon_app_health_status", OpenMetricsType::Gauge),
        ("canon_drift_events", OpenMetricsType::Counter),
        ("canon_drift_detection_seconds", OpenMetricsType::Histogram),
        (
            "canon_reconcile_duration_seconds",
            OpenMetricsType::Histogram,
        ),
        (
            "canon_git_fetch_duration_seconds",
            OpenMetricsType::Histogram,
        ),
        ("canon_apply_errors", OpenMetricsType::Counter),
        ("canon_alerts", OpenMetricsType::Counter),
    ] {
        let family = families
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"));
        assert_eq!(family.family_type, kind, "{name}");
    }
    // The exposed series names, as Prometheus stores them.
    for series in [
        "canon_drift_events_total{",
        "canon_apply_errors_total{",
        "canon_alerts_total{",
        "canon_drift_detection_seconds_bucket{",
        "canon_reconcile_duration_seconds_count{",
        "canon_git_fetch_duration_seconds_sum ",
    ] {
        assert!(text.contains(series), "{series} in:\n{text}");
    }

    let status = |[environment, app, status]: [&str; 3]| {
        number(
            &families,
            "canon_app_sync_status",
            &[
                ("environment", environment),
                ("app", app),
                ("status", status),
            ],
        )
    };
    assert_eq!(status(["prod", "web", "OutOfSync"]), 1.0);
    assert_eq!(status(["prod", "web", "Synced"]), 0.0);
    assert_eq!(status(["prod", "web", "Unknown"]), 0.0);
    assert_eq!(status(["staging", "api", "Synced"]), 1.0);
    let health = |[environment, app, status]: [&str; 3]| {
        number(
            &families,
            "canon_app_health_status",
            &[
                ("environment", environment),
                ("app", app),
                ("status", status),
            ],
        )
    };
    assert_eq!(health(["prod", "web", "Progressing"]), 1.0);
    assert_eq!(health(["prod", "web", "Healthy"]), 0.0);
    assert_eq!(health(["staging", "api", "Healthy"]), 1.0);
    assert_eq!(
        number(
            &families,
            "canon_drift_events",
            &[("environment", "prod"), ("app", "web")]
        ),
        2.0
    );
    assert_eq!(
        number(
            &families,
            "canon_apply_errors",
            &[("environment", "staging"), ("app", "api")]
        ),
        1.0
    );
    assert_eq!(
        number(
            &families,
            "canon_alerts",
            &[("sink", "webhook"), ("result", "sent")]
        ),
        2.0
    );
    assert_eq!(
        number(
            &families,
            "canon_alerts",
            &[("sink", "slack"), ("result", "failed")]
        ),
        1.0
    );
    assert_eq!(
        histogram_count(&families, "canon_drift_detection_seconds", &[]),
        2
    );
    assert_eq!(
        histogram_count(
            &families,
            "canon_reconcile_duration_seconds",
            &[("environment", "prod")]
        ),
        1
    );
    assert_eq!(
        histogram_count(&families, "canon_git_fetch_duration_seconds", &[]),
        1
    );

    // Gauges follow the store at the next scrape, with no writer touching the metrics.
    store.update_app(&web, |a| a.sync = SyncStatus::Synced);
    let (_, text) = scrape(store.clone(), metrics.clone()).await;
    let families = parse(&text);
    assert_eq!(
        number(
            &families,
            "canon_app_sync_status",
            &[
                ("environment", "prod"),
                ("app", "web"),
                ("status", "Synced")
            ]
        ),
        1.0
    );
    assert_eq!(
        number(
            &families,
            "canon_app_sync_status",
            &[
                ("environment", "prod"),
                ("app", "web"),
                ("status", "OutOfSync")
            ]
        ),
        0.0
    );
}

#[tokio::test]
async fn an_empty_agent_still_exposes_valid_text() {
    let store = Store::new();
    let (_, text) = scrape(store.clone(), Metrics::new(store)).await;
    let families = parse(&text);
    // Histograms without labels are there from the start; app families appear with the first app.
    assert!(
        families.contains_key("canon_git_fetch_duration_seconds"),
        "{text}"
    );
    assert!(!families.contains_key("canon_app_sync_status"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
}
