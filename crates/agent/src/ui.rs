//! The web UI: a static page embedded in the binary (no CDN, no build step) that renders the agent's
//! JSON API, and `/api/v1/stream`, the server-sent events that tell it when to refresh.
//!
//! The page is plain HTML, CSS and JavaScript in `ui/`, compiled in with `include_str!`, so the one
//! `canon` binary is the whole product. The stream coalesces: the first store change opens a window
//! of [`COALESCE`], and everything that changed within it goes out as one `change` event,
//! `{"all": false, "keys": [AppKey…]}` (an environment-level change has an empty `app`). More than
//! [`MAX_KEYS`] keys, or a client that fell behind the store's broadcast, gets
//! `{"all": true, "keys": []}`: refresh everything. So an initial sync of 1,000 apps is a few events
//! a second, not thousands, and a page only re-reads what it shows.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use crate::store::{AppKey, Store};

/// How long changes are gathered into one event after the first one.
pub const COALESCE: Duration = Duration::from_millis(250);

/// More distinct keys than this in one window become one "refresh everything" event.
pub const MAX_KEYS: usize = 100;

/// What one `change` event says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Refresh everything (too many changes, or the client fell behind).
    pub all: bool,
    /// The changed apps, sorted, without duplicates; empty when `all`.
    pub keys: Vec<AppKey>,
}

const INDEX: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const STYLE: &str = include_str!("ui/style.css");

/// The UI's routes: `/`, `/ui/app.js`, `/ui/style.css`, `/api/v1/stream`.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .route(
            "/ui/app.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    APP_JS,
                )
            }),
        )
        .route(
            "/ui/style.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE) }),
        )
        .route("/api/v1/stream", get(move || stream(store.clone())))
}

async fn stream(store: Store) -> impl IntoResponse {
    Sse::new(changes(store)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn changes(store: Store) -> impl Stream<Item = Result<Event, Infallible>> {
    batches(store).map(|batch| {
        Ok(Event::default()
            .event("change")
            .json_data(&batch)
            .unwrap_or_else(|_| {
                Event::default()
                    .event("change")
                    .data(r#"{"all":true,"keys":[]}"#)
            }))
    })
}

/// The store's changes, coalesced as the module doc says.
pub fn batches(store: Store) -> impl Stream<Item = Batch> {
    let rx = store.subscribe();
    futures_util::stream::unfold(rx, |mut rx| async move {
        let mut all = false;
        let mut keys = BTreeSet::new();
        match rx.recv().await {
            Ok(key) => {
                keys.insert(key);
            }
            Err(RecvError::Lagged(_)) => all = true,
            Err(RecvError::Closed) => return None,
        }
        let deadline = tokio::time::Instant::now() + COALESCE;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Ok(key)) => {
                    if !all {
                        keys.insert(key);
                        all = keys.len() > MAX_KEYS;
                    }
                }
                Ok(Err(RecvError::Lagged(_))) => all = true,
                // The window is over, or the store is gone (the next recv ends the stream).
                Err(_) | Ok(Err(RecvError::Closed)) => break,
            }
        }
        let batch = if all {
            Batch {
                all: true,
                keys: Vec::new(),
            }
        } else {
            Batch {
                all: false,
                keys: keys.into_iter().collect(),
            }
        };
        Some((batch, rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(app: &str) -> AppKey {
        AppKey {
            environment: "staging".into(),
            app: app.into(),
        }
    }

    #[tokio::test]
    async fn changes_within_a_window_are_one_event() {
        let store = Store::new();
        let mut stream = Box::pin(batches(store.clone()));
        store.update_app(&key("b"), |a| a.namespace = "x".into());
        store.update_app(&key("a"), |a| a.namespace = "x".into());
        store.update_app(&key("b"), |a| a.namespace = "y".into());
        let batch = stream.next().await.expect("a batch");
        assert_eq!(
            batch,
            Batch {
                all: false,
                keys: vec![key("a"), key("b")]
            }
        );
    }

    #[tokio::test]
    async fn many_changes_are_one_refresh_everything() {
        let store = Store::new();
        let mut stream = Box::pin(batches(store.clone()));
        // More than the broadcast buffer too: the receiver lags, which also means "everything".
        for i in 0..2000 {
            store.update_app(&key(&format!("app-{i:04}")), |a| a.namespace = "x".into());
        }
        let batch = stream.next().await.expect("a batch");
        assert_eq!(
            batch,
            Batch {
                all: true,
                keys: vec![]
            }
        );
    }

    #[test]
    fn assets_reference_each_other() {
        // The page loads exactly the assets this router serves.
        assert!(INDEX.contains("/ui/app.js") && INDEX.contains("/ui/style.css"));
        assert!(APP_JS.contains("/api/v1/stream"));
        assert!(APP_JS.contains("/api/v1/apps") && APP_JS.contains("/api/v1/environments"));
    }
}
