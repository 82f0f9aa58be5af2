//! The HTTP side: routes, authentication before parsing, and the hand-off to the queue.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::config::Settings;
use crate::event::{self, Event, Provider};
use crate::metrics::Metrics;
use crate::queue::{Hydrator, Queue};
use crate::signature::{self, SignatureError};

/// The running receiver's shared state: settings, queue and metrics.
pub struct App {
    settings: Settings,
    queue: Queue,
    metrics: Arc<Metrics>,
}

impl App {
    /// Starts the queue's workers.
    pub fn new(settings: Settings, hydrator: Arc<dyn Hydrator>) -> Arc<Self> {
        let metrics = Arc::new(Metrics::default());
        let queue = Queue::start(hydrator, settings.workers, Arc::clone(&metrics));
        Arc::new(App {
            settings,
            queue,
            metrics,
        })
    }

    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The HTTP routes.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics_handler))
            .route("/hooks/{provider}", post(hook))
            .with_state(Arc::clone(self))
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops the workers (running
/// hydrations finish, pending ones are dropped).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app.router();
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    let app2 = Arc::clone(&app);
    // Joining worker threads blocks; keep it off the async executor.
    tokio::task::spawn_blocking(move || app2.queue.shutdown())
        .await
        .map_err(std::io::Error::other)?;
    result
}

async fn metrics_handler(State(app): State<Arc<App>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

fn reply(status: StatusCode, msg: impl Into<String>) -> Response {
    let mut msg = msg.into();
    msg.push('\n');
    (status, msg).into_response()
}

async fn hook(
    State(app): State<Arc<App>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(provider) = Provider::from_path(&provider) else {
        return reply(StatusCode::NOT_FOUND, "unknown provider");
    };
    let name = provider.name();
    let secrets = &app.settings.secrets;
    let Some(secret) = (match provider {
        Provider::GitHub => &secrets.github,
        Provider::GitLab => &secrets.gitlab,
        Provider::Gitea => &secrets.gitea,
        Provider::Generic => &secrets.generic,
    }) else {
        app.metrics.request(name, "disabled");
        return reply(
            StatusCode::NOT_FOUND,
            format!("provider {name} is not enabled"),
        );
    };
    // Reading through to_bytes with a limit stops at the bound whether or not the client sent
    // Content-Length (a chunked body is cut off too).
    let body = match axum::body::to_bytes(body, app.settings.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(provider = name, error = %e, "body rejected");
            app.metrics.request(name, "too_large");
            return reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body larger than {} bytes", app.settings.max_body_bytes),
            );
        }
    };
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let verified = match provider {
        Provider::GitHub => signature::verify_hmac_sha256(
            "X-Hub-Signature-256",
            h("x-hub-signature-256"),
            secret,
            &body,
            true,
        ),
        Provider::GitLab => signature::verify_token("X-Gitlab-Token", h("x-gitlab-token"), secret),
        Provider::Gitea => signature::verify_hmac_sha256(
            "X-Gitea-Signature",
            h("x-gitea-signature"),
            secret,
            &body,
            false,
        ),
        Provider::Generic => signature::verify_hmac_sha256(
            "X-Canon-Signature",
            h("x-canon-signature"),
            secret,
            &body,
            true,
        ),
    };
    if let Err(e) = verified {
        let (status, outcome) = match e {
            SignatureError::Missing(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            _ => (StatusCode::FORBIDDEN, "forbidden"),
        };
        tracing::warn!(provider = name, error = %e, "signature rejected");
        app.metrics.request(name, outcome);
        return reply(status, e.to_string());
    }
    let event = match event::parse(provider, |n| h(n).map(str::to_string), &body) {
        Ok(ev) => ev,
        Err(e) => {
            app.metrics.request(name, "bad_request");
            return reply(StatusCode::BAD_REQUEST, e.to_string());
        }
    };
    match event {
        Event::Ping => {
            app.metrics.request(name, "ping");
            reply(StatusCode::OK, "pong")
        }
        Event::Ignored(why) => {
            app.metrics.request(name, "ignored");
            reply(StatusCode::ACCEPTED, format!("ignored: {why}"))
        }
        Event::Push { git_ref, after } => {
            let envs = app.settings.rules.environments_for(&git_ref);
            if envs.is_empty() {
                app.metrics.request(name, "no_environment");
                return reply(
                    StatusCode::ACCEPTED,
                    format!("no environment for {git_ref}"),
                );
            }
            for env in &envs {
                app.queue.submit(env, &git_ref, &after);
            }
            tracing::info!(provider = name, git_ref, commit = after, environments = ?envs, "queued");
            app.metrics.request(name, "queued");
            reply(StatusCode::ACCEPTED, format!("queued: {}", envs.join(",")))
        }
    }
}
