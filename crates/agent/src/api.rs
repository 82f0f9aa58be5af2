//! The agent's HTTP interface: the JSON API, the git webhook, metrics and probes (and, later, the UI).
//!
//! Contract (api helper): an axum router over [`crate::store::Store`]:
//! - `GET /api/v1/environments` → `[EnvironmentStatus + app counts by sync/health]`;
//! - `GET /api/v1/apps?environment=&sync=&health=&q=&page=&perPage=` → paged app summaries
//!   (`{items, total, page, perPage}`; summary = AppStatus without objects/history + driftCount);
//! - `GET /api/v1/apps/{env}/{app}` → the full AppStatus (objects, drift diff, history); 404 JSON
//!   error when unknown;
//! - `POST /api/v1/webhook/git` → verifies `X-Hub-Signature-256` / `X-Canon-Signature-256`
//!   (HMAC-SHA256 over the raw body, constant time, body ≤ 1 MiB) with `webhookSecret`, then asks for
//!   an immediate fetch (202); 401 on a bad or missing signature, 413 when too big;
//! - `GET /metrics` (OpenMetrics text from [`crate::metrics`]), `GET /healthz` (200 while the process
//!   runs), `GET /readyz` (200 once the first snapshot has been synced or failed, else 503).
//!
//! The web UI's page and its `/api/v1/stream` ([`crate::ui`]) are merged in.
//!
//! Errors are JSON `{"error": "..."}` with the status code; a bad query parameter is a 400 naming
//! it. Without a configured `webhookSecret` the webhook answers 403: an unauthenticated trigger is
//! never accepted. The signature check is canon-serve's ([`serve::signature`]), shared so the two
//! receivers cannot drift apart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cluster::Health;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::metrics::{HEALTHS, Metrics, SYNC_STATUSES, sync_str};
use crate::store::{AppKey, AppStatus, EnvironmentStatus, Store, SyncStatus};

/// The largest webhook body accepted (git hosts send a few KiB; GitHub caps at 25 MiB, but a push
/// notification that large is not one the agent needs to read: it only triggers a fetch).
pub const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// Default and largest page sizes of `GET /api/v1/apps`.
pub const DEFAULT_PER_PAGE: usize = 50;
pub const MAX_PER_PAGE: usize = 500;

/// The signature headers accepted, in the order they are looked up (`sha256=<hex>` form both).
pub const SIGNATURE_HEADERS: [&str; 2] = ["X-Hub-Signature-256", "X-Canon-Signature-256"];

/// What the handlers share; cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub metrics: Metrics,
    /// HMAC key of the git webhook; `None` disables it.
    pub webhook_secret: Option<String>,
    /// Notified (one permit) when a valid webhook asks for an immediate fetch.
    pub fetch: Arc<Notify>,
    /// Set once the first snapshot has been synced or has failed.
    pub ready: Arc<AtomicBool>,
}

impl ApiState {
    pub fn new(store: Store, metrics: Metrics, webhook_secret: Option<String>) -> ApiState {
        ApiState {
            store,
            metrics,
            webhook_secret,
            fetch: Arc::new(Notify::new()),
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Marks the agent ready (`/readyz` answers 200 from now on).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }
}

/// The router serving every endpoint of the module doc.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/api/v1/environments", get(environments))
        .route("/api/v1/apps", get(apps))
        .route("/api/v1/apps/{env}/{app}", get(app))
        .route(
            "/api/v1/webhook/git",
            post(webhook).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)),
        )
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .with_state(state.clone())
        .merge(crate::ui::router(state.store))
}

/// Serves [`router`] on `listener` until `shutdown` resolves (then finishes the requests in flight).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A JSON error response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            error: message.into(),
        }),
    )
        .into_response()
}

/// An environment with how many of its apps are in each sync status and health.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSummary {
    #[serde(flatten)]
    pub status: EnvironmentStatus,
    pub apps: usize,
    /// Count per sync status (every status present, zeros included).
    pub sync: BTreeMap<String, usize>,
    /// Count per health (every health present, zeros included).
    pub health: BTreeMap<String, usize>,
}

/// An app without its objects and history (what lists show).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSummary {
    pub key: AppKey,
    pub namespace: String,
    pub path: String,
    pub chart: String,
    pub chart_version: String,
    pub revision: String,
    pub source_commit: String,
    pub source_ref: String,
    pub sync: SyncStatus,
    pub health: Health,
    pub last_sync: Option<String>,
    pub error: Option<String>,
    pub drift_count: usize,
}

impl From<&AppStatus> for AppSummary {
    fn from(a: &AppStatus) -> Self {
        AppSummary {
            key: a.key.clone(),
            namespace: a.namespace.clone(),
            path: a.path.clone(),
            chart: a.chart.clone(),
            chart_version: a.chart_version.clone(),
            revision: a.revision.clone(),
            source_commit: a.source_commit.clone(),
            source_ref: a.source_ref.clone(),
            sync: a.sync,
            health: a.health,
            last_sync: a.last_sync.clone(),
            error: a.error.clone(),
            drift_count: a.drift_count(),
        }
    }
}

/// One page of `GET /api/v1/apps`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppPage {
    pub items: Vec<AppSummary>,
    /// Apps matching the filters, over all pages.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
}

async fn environments(State(state): State<ApiState>) -> Json<Vec<EnvironmentSummary>> {
    let mut out: BTreeMap<String, EnvironmentSummary> = BTreeMap::new();
    let empty = |status: EnvironmentStatus| EnvironmentSummary {
        status,
        apps: 0,
        sync: SYNC_STATUSES
            .iter()
            .map(|s| (sync_str(*s).to_string(), 0))
            .collect(),
        health: HEALTHS
            .iter()
            .map(|h| (h.as_str().to_string(), 0))
            .collect(),
    };
    for env in state.store.environments() {
        out.insert(env.name.clone(), empty(env));
    }
    // Counted under the store's read lock: cloning 1,000 apps with their objects and history to
    // read two fields of each was most of this endpoint's time.
    state.store.with_apps(|apps| {
        for app in apps.values() {
            // An app can be in the store before its environment's first fetch has written it.
            let env = out.entry(app.key.environment.clone()).or_insert_with(|| {
                empty(EnvironmentStatus {
                    name: app.key.environment.clone(),
                    ..Default::default()
                })
            });
            env.apps += 1;
            *env.sync.entry(sync_str(app.sync).to_string()).or_default() += 1;
            *env.health
                .entry(app.health.as_str().to_string())
                .or_default() += 1;
        }
    });
    Json(out.into_values().collect())
}

/// The query of `GET /api/v1/apps`; numbers are parsed by hand so a bad one is a 400 naming it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppsQuery {
    environment: Option<String>,
    sync: Option<String>,
    health: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

fn parse_sync(text: &str) -> Option<SyncStatus> {
    SYNC_STATUSES
        .into_iter()
        .find(|s| sync_str(*s).eq_ignore_ascii_case(text))
}

fn parse_health(text: &str) -> Option<Health> {
    HEALTHS
        .into_iter()
        .find(|h| h.as_str().eq_ignore_ascii_case(text))
}

/// A positive integer query parameter (`default` when absent); the error names it.
fn parse_positive(name: &str, value: Option<&str>, default: usize) -> Result<usize, String> {
    match value {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("{name} must be a positive integer, got {v:?}")),
        },
    }
}

async fn apps(
    State(state): State<ApiState>,
    query: Result<Query<AppsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let sync = match query.sync.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match parse_sync(s) {
            Some(s) => Some(s),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("sync must be one of Synced, OutOfSync, Unknown, got {s:?}"),
                );
            }
        },
    };
    let health = match query.health.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(h) => match parse_health(h) {
            Some(h) => Some(h),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "health must be one of Healthy, Suspended, Progressing, Missing, \
                         Degraded, Unknown, got {h:?}"
                    ),
                );
            }
        },
    };
    let page = match parse_positive("page", query.page.as_deref(), 1) {
        Ok(p) => p,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    let per_page = match parse_positive("perPage", query.per_page.as_deref(), DEFAULT_PER_PAGE) {
        Ok(p) => p.min(MAX_PER_PAGE),
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    let environment = query.environment.filter(|e| !e.is_empty());
    let needle = query.q.filter(|q| !q.is_empty()).map(|q| q.to_lowercase());
    let filter = AppFilter {
        environment,
        sync,
        health,
        needle,
    };
    let (total, items) = state
        .store
        .with_apps(|apps| page_of(apps, &filter, page, per_page));
    Json(AppPage {
        items,
        total,
        page,
        per_page,
    })
    .into_response()
}

/// What `GET /api/v1/apps` filters on (`needle` lowercase).
#[derive(Debug, Default)]
struct AppFilter {
    environment: Option<String>,
    sync: Option<SyncStatus>,
    health: Option<Health>,
    needle: Option<String>,
}

/// The apps matching `filter` (how many, and the summaries of page `page`, 1-based). The store
/// keeps apps ordered by (environment, app), so pages are stable; this runs under its read lock and
/// summarises (clones) only the page's apps.
fn page_of(
    apps: &BTreeMap<AppKey, AppStatus>,
    filter: &AppFilter,
    page: usize,
    per_page: usize,
) -> (usize, Vec<AppSummary>) {
    let skip = page.saturating_sub(1).saturating_mul(per_page);
    let mut total = 0;
    let mut items = Vec::with_capacity(per_page.min(apps.len()));
    let in_env: Box<dyn Iterator<Item = &AppStatus> + '_> = match &filter.environment {
        // Keys sort by environment first: one range instead of a scan of every environment.
        Some(e) => Box::new(
            apps.range(
                AppKey {
                    environment: e.clone(),
                    app: String::new(),
                }..,
            )
            .take_while(move |(k, _)| &k.environment == e)
            .map(|(_, a)| a),
        ),
        None => Box::new(apps.values()),
    };
    for a in in_env {
        let matches = filter.sync.is_none_or(|s| a.sync == s)
            && filter.health.is_none_or(|h| a.health == h)
            && filter.needle.as_ref().is_none_or(|n| {
                [&a.key.app, &a.key.environment, &a.namespace, &a.chart]
                    .iter()
                    .any(|field| contains_lowercase(field, n))
            });
        if !matches {
            continue;
        }
        if total >= skip && items.len() < per_page {
            items.push(AppSummary::from(a));
        }
        total += 1;
    }
    (total, items)
}

/// Whether `field` contains `needle` (already lowercase), ignoring case, without allocating for the
/// common all-ASCII-lowercase field (app names).
fn contains_lowercase(field: &str, needle: &str) -> bool {
    if field.bytes().any(|b| b.is_ascii_uppercase()) || !field.is_ascii() {
        field.to_lowercase().contains(needle)
    } else {
        field.contains(needle)
    }
}

async fn app(State(state): State<ApiState>, Path((env, app)): Path<(String, String)>) -> Response {
    let key = AppKey {
        environment: env,
        app,
    };
    match state.store.app(&key) {
        Some(status) => Json(status).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no app {key}")),
    }
}

async fn webhook(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            let status = e.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("body larger than {WEBHOOK_BODY_LIMIT} bytes")
            } else {
                e.body_text()
            };
            return error(status, message);
        }
    };
    let Some(secret) = state.webhook_secret.as_deref() else {
        return error(
            StatusCode::FORBIDDEN,
            "the git webhook is disabled: no webhookSecret is configured",
        );
    };
    let (name, value) = SIGNATURE_HEADERS
        .iter()
        .find_map(|h| headers.get(*h).map(|v| (*h, v)))
        .map_or((SIGNATURE_HEADERS[0], None), |(h, v)| (h, Some(v)));
    let value = match value.map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => return error(StatusCode::UNAUTHORIZED, format!("malformed {name} header")),
    };
    if value.is_none() {
        return error(
            StatusCode::UNAUTHORIZED,
            format!(
                "missing {} or {} header",
                SIGNATURE_HEADERS[0], SIGNATURE_HEADERS[1]
            ),
        );
    }
    if let Err(e) =
        serve::signature::verify_hmac_sha256(name, value, secret.as_bytes(), &body, true)
    {
        tracing::warn!(error = %e, "git webhook rejected");
        return error(StatusCode::UNAUTHORIZED, e.to_string());
    }
    // One stored permit: several hooks before the source loop wakes make one fetch.
    state.fetch.notify_one();
    (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"status": "fetch requested"})),
    )
        .into_response()
}

async fn metrics(State(state): State<ApiState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<ApiState>) -> Response {
    if state.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "waiting for the first sync of the state repo\n",
        )
            .into_response()
    }
}

async fn not_found(uri: axum::http::Uri) -> Response {
    error(StatusCode::NOT_FOUND, format!("no route {}", uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_parse_case_insensitively() {
        assert_eq!(parse_sync("outofsync"), Some(SyncStatus::OutOfSync));
        assert_eq!(parse_sync("Synced"), Some(SyncStatus::Synced));
        assert_eq!(parse_sync("sync"), None);
        assert_eq!(parse_health("degraded"), Some(Health::Degraded));
        assert_eq!(parse_health("ok"), None);
    }

    fn apps(keys: &[(&str, &str)]) -> BTreeMap<AppKey, AppStatus> {
        keys.iter()
            .map(|(e, a)| {
                let key = AppKey {
                    environment: e.to_string(),
                    app: a.to_string(),
                };
                (key.clone(), AppStatus::new(key))
            })
            .collect()
    }

    fn names(items: &[AppSummary]) -> Vec<String> {
        items.iter().map(|a| a.key.to_string()).collect()
    }

    #[test]
    fn an_environment_is_its_own_range_not_a_prefix() {
        let apps = apps(&[
            ("prod", "b"),
            ("prod", "a"),
            ("prod-eu", "a"),
            ("pro", "z"),
            ("staging", "a"),
        ]);
        let filter = AppFilter {
            environment: Some("prod".into()),
            ..Default::default()
        };
        let (total, items) = page_of(&apps, &filter, 1, 50);
        assert_eq!(total, 2);
        assert_eq!(names(&items), ["prod/a", "prod/b"]);
        let filter = AppFilter {
            environment: Some("nope".into()),
            ..Default::default()
        };
        assert_eq!(page_of(&apps, &filter, 1, 50).0, 0);
    }

    #[test]
    fn pages_count_every_match_and_summarise_one_page() {
        let keys: Vec<String> = (0..1000).map(|i| format!("app-{i:04}")).collect();
        let apps = apps(
            &keys
                .iter()
                .map(|k| ("staging", k.as_str()))
                .collect::<Vec<_>>(),
        );
        let all = AppFilter::default();
        let (total, items) = page_of(&apps, &all, 20, 50);
        assert_eq!(total, 1000);
        assert_eq!(items.len(), 50);
        assert_eq!(items[0].key.app, "app-0950");
        assert_eq!(items[49].key.app, "app-0999");
        let (total, items) = page_of(&apps, &all, 21, 50);
        assert_eq!((total, items.len()), (1000, 0));
        let prefix = AppFilter {
            needle: Some("app-099".into()),
            ..Default::default()
        };
        let (total, items) = page_of(&apps, &prefix, 1, 50);
        assert_eq!(total, 10);
        assert_eq!(items[0].key.app, "app-0990");
        let (total, items) = page_of(&apps, &prefix, 2, 5);
        assert_eq!(total, 10);
        assert_eq!(names(&items)[0], "staging/app-0995");
    }

    #[test]
    fn filter_text_ignores_case() {
        assert!(contains_lowercase("app-0999", "0999"));
        assert!(contains_lowercase("App-0999", "app-09"));
        assert!(contains_lowercase("ÄPP", "äp"));
        assert!(!contains_lowercase("app-0999", "app-1"));
    }

    #[test]
    fn positive_numbers() {
        assert_eq!(parse_positive("page", None, 1).ok(), Some(1));
        assert_eq!(parse_positive("page", Some("3"), 1).ok(), Some(3));
        assert!(parse_positive("page", Some("0"), 1).is_err());
        assert!(parse_positive("page", Some("-1"), 1).is_err());
        assert!(parse_positive("page", Some("x"), 1).is_err());
    }
}
