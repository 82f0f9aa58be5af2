//! The HTTP API over a store filled here: listings, paging, filters, 404s, the webhook's signature
//! and size checks, and the probes. Requests go through the router in process (tower's `oneshot`).

use std::sync::Arc;
use std::time::Duration;

use agent::api::{self, ApiState, AppPage, EnvironmentSummary};
use agent::metrics::Metrics;
use agent::store::{AppKey, AppStatus, ObjectStatus, Store, SyncStatus};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use cluster::{FieldDiff, Health, HealthStatus, ObjectRef};
use serde_json::Value;
use tower::ServiceExt;

const SECRET: &str = "It's a Secret to Everybody";

fn key(env: &str, app: &str) -> AppKey {
    AppKey {
        environment: env.into(),
        app: app.into(),
    }
}

/// prod: web (Synced, Healthy), api (OutOfSync, Degraded, 2 drifted fields), worker-0..24
/// (Synced, Progressing); staging: web (Unknown, Unknown), plus an environment with no apps.
fn filled_store() -> Store {
    let store = Store::new();
    store.update_environment("prod", |e| e.revision = "a".repeat(40));
    store.update_environment("staging", |e| e.error = Some("index missing".into()));
    store.update_environment("empty", |_| {});
    store.update_app(&key("prod", "web"), |a| {
        a.namespace = "web".into();
        a.chart = "nginx".into();
        a.sync = SyncStatus::Synced;
        a.health = Health::Healthy;
        a.revision = "a".repeat(40);
        a.last_sync = Some("2026-01-02T03:04:05Z".into());
    });
    store.update_app(&key("prod", "api"), |a| {
        a.namespace = "backend".into();
        a.chart = "api-chart".into();
        a.sync = SyncStatus::OutOfSync;
        a.health = Health::Degraded;
        a.objects.push(ObjectStatus {
            id: ObjectRef {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                namespace: Some("backend".into()),
                name: "api".into(),
            },
            source: "api/templates/deployment.yaml".into(),
            sync: SyncStatus::OutOfSync,
            health: HealthStatus {
                status: Health::Degraded,
                message: "Deployment exceeded its progress deadline".into(),
            },
            last_apply: None,
            drift: vec![
                FieldDiff {
                    path: "spec.replicas".into(),
                    desired: Some(Value::from(2)),
                    live: Some(Value::from(5)),
                    manager: Some("kubectl-scale".into()),
                    operation: Some("Update".into()),
                    time: None,
                },
                FieldDiff {
                    path: "metadata.labels.tier".into(),
                    desired: Some(Value::from("api")),
                    live: None,
                    manager: None,
                    operation: None,
                    time: None,
                },
            ],
        });
    });
    for i in 0..25 {
        store.update_app(&key("prod", &format!("worker-{i:02}")), |a| {
            a.sync = SyncStatus::Synced;
            a.health = Health::Progressing;
        });
    }
    store.update_app(&key("staging", "web"), |_| {});
    store
}

fn state(store: Store, secret: Option<&str>) -> ApiState {
    let metrics = Metrics::new(store.clone());
    ApiState::new(store, metrics, secret.map(str::to_string))
}

async fn get(router: axum::Router, uri: &str) -> (StatusCode, Value) {
    let response = router
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, value)
}

async fn page(router: axum::Router, uri: &str) -> AppPage {
    let (status, value) = get(router, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {value}");
    serde_json::from_value(value).expect("an AppPage")
}

fn names(p: &AppPage) -> Vec<String> {
    p.items.iter().map(|a| a.key.to_string()).collect()
}

#[tokio::test]
async fn environments_count_apps_by_status() {
    let router = api::router(state(filled_store(), None));
    let (status, value) = get(router, "/api/v1/environments").await;
    assert_eq!(status, StatusCode::OK);
    let envs: Vec<EnvironmentSummary> = serde_json::from_value(value.clone()).expect("summaries");
    let names: Vec<&str> = envs.iter().map(|e| e.status.name.as_str()).collect();
    assert_eq!(names, ["empty", "prod", "staging"]);
    let prod = &envs[1];
    assert_eq!(prod.apps, 27);
    assert_eq!(prod.sync["Synced"], 26);
    assert_eq!(prod.sync["OutOfSync"], 1);
    assert_eq!(prod.sync["Unknown"], 0);
    assert_eq!(prod.health["Progressing"], 25);
    assert_eq!(prod.health["Degraded"], 1);
    assert_eq!(prod.health["Healthy"], 1);
    assert_eq!(envs[0].apps, 0);
    assert_eq!(envs[2].apps, 1);
    // EnvironmentStatus's fields are flattened into the summary, in camelCase.
    assert_eq!(value[2]["error"], "index missing");
    assert_eq!(value[1]["revision"], "a".repeat(40));
    assert!(value[1].get("lastFetch").is_some());
}

#[tokio::test]
async fn apps_are_paged_in_key_order() {
    let router = api::router(state(filled_store(), None));
    let first = page(router.clone(), "/api/v1/apps?perPage=10").await;
    assert_eq!((first.total, first.page, first.per_page), (28, 1, 10));
    assert_eq!(
        names(&first)[..3],
        ["prod/api", "prod/web", "prod/worker-00"]
    );
    assert_eq!(first.items.len(), 10);
    let third = page(router.clone(), "/api/v1/apps?perPage=10&page=3").await;
    assert_eq!(
        names(&third),
        [
            "prod/worker-18",
            "prod/worker-19",
            "prod/worker-20",
            "prod/worker-21",
            "prod/worker-22",
            "prod/worker-23",
            "prod/worker-24",
            "staging/web"
        ]
        .map(String::from)
    );
    let beyond = page(router.clone(), "/api/v1/apps?perPage=10&page=4").await;
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 28);
    // Every app appears exactly once across the pages.
    let mut all = Vec::new();
    for p in 1..=3 {
        all.extend(names(
            &page(router.clone(), &format!("/api/v1/apps?perPage=10&page={p}")).await,
        ));
    }
    let mut dedup = all.clone();
    dedup.dedup();
    assert_eq!(all.len(), 28);
    assert_eq!(dedup.len(), 28);
    let default = page(router.clone(), "/api/v1/apps").await;
    assert_eq!(default.per_page, api::DEFAULT_PER_PAGE);
    assert_eq!(default.items.len(), 28);
    let capped = page(router, "/api/v1/apps?perPage=100000").await;
    assert_eq!(capped.per_page, api::MAX_PER_PAGE);
}

#[tokio::test]
async fn apps_are_filtered() {
    let router = api::router(state(filled_store(), None));
    let p = page(router.clone(), "/api/v1/apps?environment=staging").await;
    assert_eq!(names(&p), ["staging/web"]);
    let p = page(router.clone(), "/api/v1/apps?sync=OutOfSync").await;
    assert_eq!(names(&p), ["prod/api"]);
    assert_eq!(p.items[0].drift_count, 2);
    let p = page(router.clone(), "/api/v1/apps?health=healthy").await;
    assert_eq!(names(&p), ["prod/web"]);
    let p = page(router.clone(), "/api/v1/apps?q=WEB").await;
    assert_eq!(names(&p), ["prod/web", "staging/web"]);
    // q also matches the namespace and the chart.
    let p = page(router.clone(), "/api/v1/apps?q=backend").await;
    assert_eq!(names(&p), ["prod/api"]);
    let p = page(
        router.clone(),
        "/api/v1/apps?environment=prod&sync=Synced&health=Progressing&perPage=5&page=5",
    )
    .await;
    assert_eq!(p.total, 25);
    assert_eq!(names(&p)[0], "prod/worker-20");
    let p = page(router.clone(), "/api/v1/apps?environment=nope").await;
    assert_eq!((p.total, p.items.len()), (0, 0));

    // Summaries carry no objects or history.
    let (_, raw) = get(router.clone(), "/api/v1/apps?sync=OutOfSync").await;
    let item = &raw["items"][0];
    assert!(item.get("objects").is_none() && item.get("history").is_none());
    assert_eq!(item["driftCount"], 2);
    assert_eq!(item["key"]["environment"], "prod");

    for bad in [
        "/api/v1/apps?sync=Broken",
        "/api/v1/apps?health=fine",
        "/api/v1/apps?page=0",
        "/api/v1/apps?perPage=-3",
        "/api/v1/apps?page=two",
    ] {
        let (status, value) = get(router.clone(), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {value}");
        assert!(value["error"].is_string(), "{bad}: {value}");
    }
}

#[tokio::test]
async fn one_app_in_full_or_404() {
    let router = api::router(state(filled_store(), None));
    let (status, value) = get(router.clone(), "/api/v1/apps/prod/api").await;
    assert_eq!(status, StatusCode::OK);
    let app: AppStatus = serde_json::from_value(value.clone()).expect("an AppStatus");
    assert_eq!(app.key, key("prod", "api"));
    assert_eq!(app.objects[0].drift[0].path, "spec.replicas");
    assert_eq!(value["objects"][0]["drift"][0]["manager"], "kubectl-scale");

    let (status, value) = get(router.clone(), "/api/v1/apps/prod/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value["error"], "no app prod/nope");
    let (status, value) = get(router.clone(), "/api/v1/apps/nope/web").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(value["error"].is_string());
    let (status, value) = get(router, "/api/v1/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(value["error"].is_string());
}

async fn post_hook(router: axum::Router, headers: &[(&str, &str)], body: Vec<u8>) -> StatusCode {
    let mut request = Request::post("/api/v1/webhook/git");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    router
        .oneshot(request.body(Body::from(body)).expect("request"))
        .await
        .expect("router answers")
        .status()
}

/// Whether the fetch Notify holds a permit (fires at once) rather than staying quiet.
async fn fired(notify: &Arc<tokio::sync::Notify>) -> bool {
    tokio::time::timeout(Duration::from_millis(200), notify.notified())
        .await
        .is_ok()
}

/// What is wrong, the headers sent, the body.
type HookCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [u8],
);

#[tokio::test]
async fn webhook_verifies_the_signature_then_asks_for_a_fetch() {
    let state = state(Store::new(), Some(SECRET));
    let notify = state.fetch.clone();
    let router = api::router(state);
    // GitHub's documented example delivery ("Validating webhook deliveries").
    let body = b"Hello, World!".to_vec();
    const GOOD: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    assert!(!fired(&notify).await, "nothing asked for a fetch yet");
    for header in api::SIGNATURE_HEADERS {
        let status = post_hook(router.clone(), &[(header, GOOD)], body.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{header}");
        assert!(fired(&notify).await, "{header}: the fetch was requested");
    }

    let cases: &[HookCase] = &[
        ("missing", &[], b"Hello, World!"),
        (
            "tampered body",
            &[("X-Hub-Signature-256", GOOD)],
            b"Hello, World?",
        ),
        (
            "wrong digest",
            &[(
                "X-Canon-Signature-256",
                "sha256=0000000000000000000000000000000000000000000000000000000000000000",
            )],
            b"Hello, World!",
        ),
        (
            "no prefix",
            &[(
                "X-Hub-Signature-256",
                "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            )],
            b"Hello, World!",
        ),
        (
            "not hex",
            &[("X-Hub-Signature-256", "sha256=zz")],
            b"Hello, World!",
        ),
    ];
    for (what, headers, body) in cases {
        let status = post_hook(router.clone(), headers, body.to_vec()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(!fired(&notify).await, "{what}: no fetch");
    }
}

#[tokio::test]
async fn webhook_refuses_bodies_over_one_mib() {
    let state = state(Store::new(), Some(SECRET));
    let notify = state.fetch.clone();
    let router = api::router(state);
    let big = vec![b'x'; api::WEBHOOK_BODY_LIMIT + 1];
    let signature = serve::signature::sign(SECRET.as_bytes(), &big);
    let status = post_hook(
        router.clone(),
        &[("X-Canon-Signature-256", &signature)],
        big,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!fired(&notify).await);
    // Exactly the limit is fine.
    let limit = vec![b'x'; api::WEBHOOK_BODY_LIMIT];
    let signature = serve::signature::sign(SECRET.as_bytes(), &limit);
    let status = post_hook(router, &[("X-Canon-Signature-256", &signature)], limit).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(fired(&notify).await);
}

#[tokio::test]
async fn webhook_without_a_secret_is_disabled() {
    let state = state(Store::new(), None);
    let notify = state.fetch.clone();
    let router = api::router(state);
    let body = b"{}".to_vec();
    let signature = serve::signature::sign(b"", &body);
    let status = post_hook(router, &[("X-Hub-Signature-256", &signature)], body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!fired(&notify).await);
}

#[tokio::test]
async fn probes() {
    let state = state(Store::new(), None);
    let router = api::router(state.clone());
    let status = |uri: &'static str| {
        let router = router.clone();
        async move {
            router
                .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
                .await
                .expect("router answers")
                .status()
        }
    };
    assert_eq!(status("/healthz").await, StatusCode::OK);
    assert_eq!(status("/readyz").await, StatusCode::SERVICE_UNAVAILABLE);
    state.set_ready();
    assert_eq!(status("/readyz").await, StatusCode::OK);
    assert_eq!(status("/healthz").await, StatusCode::OK);
    // The UI is served by the same router.
    assert_eq!(status("/").await, StatusCode::OK);
    assert_eq!(status("/ui/app.js").await, StatusCode::OK);
}

#[tokio::test]
async fn serves_over_tcp_until_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::serve(
        listener,
        state(filled_store(), None),
        async move {
            let _ = stopped.await;
        },
    ));
    // A plain HTTP/1.1 client on a blocking thread: the server's runtime keeps running.
    let response = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .write_all(
                b"GET /api/v1/apps/prod/web HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    })
    .await
    .expect("client");
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    assert!(response.contains("\"app\":\"web\""), "{response}");
    stop.send(()).expect("server running");
    server
        .await
        .expect("server task")
        .expect("served without error");
}
