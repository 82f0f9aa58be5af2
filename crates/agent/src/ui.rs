//! The web UI: a static page embedded in the binary (no CDN, no build step) that renders the agent's
//! JSON API, and `/api/v1/stream`, the server-sent events that tell it when to refresh.
//!
//! The page is plain HTML, CSS and JavaScript in `ui/`, compiled in with `include_str!`, so the one
//! `canon` binary is the whole product. The stream sends one `change` event per store change, carrying
//! the changed app's key; a client that fell behind gets one `change` without a key (refresh all).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::store::Store;

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
    let rx = store.subscribe();
    futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(key) => Event::default()
                .event("change")
                .json_data(&key)
                .unwrap_or_else(|_| Event::default().event("change").data("{}")),
            Err(RecvError::Lagged(_)) => Event::default().event("change").data("{}"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_reference_each_other() {
        // The page loads exactly the assets this router serves.
        assert!(INDEX.contains("/ui/app.js") && INDEX.contains("/ui/style.css"));
        assert!(APP_JS.contains("/api/v1/stream"));
        assert!(APP_JS.contains("/api/v1/apps") && APP_JS.contains("/api/v1/environments"));
    }
}
