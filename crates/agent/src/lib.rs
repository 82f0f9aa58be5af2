//! `canon agent`: syncs the state repo to Kubernetes, watches what it applied, reports drift and
//! health, alerts, and serves an HTTP API.
//!
//! The pipeline, one module per stage (the cut kube-rs teaches: pure core, I/O at the edges):
//! - [`config`] — `agent.yaml`.
//! - [`source`] — fetches the state repo, reads environment indexes, and yields a [`source::Snapshot`]
//!   only for a commit whose index is complete and consistent with its tree.
//! - [`reconcile`] — per environment, applies each app ([`cluster::apply`]), saves its inventory,
//!   prunes, assesses health; on a timer, on a new snapshot, on the git webhook.
//! - [`drift`] — per environment, watches the kinds it applied, limited by canon's labels; on a change
//!   compares live with desired ([`cluster::diff`]) and reports OutOfSync with who changed what;
//!   reverts in selfHeal mode.
//! - [`store`] — the status every other part reads: apps, objects, drift, history; a broadcast of
//!   changes for the UI's live updates.
//! - [`alerts`] — sinks (generic webhook with HMAC, Slack), dedup, rate limit, retry.
//! - [`api`] — HTTP API, git webhook, `/metrics`, `/healthz`, `/readyz`.
//! - [`leader`] — Lease-based leader election; only the leader applies.
//! - [`events`] — Kubernetes Events on drift.
//!
//! [`run`] wires them together.

pub mod alerts;
pub mod api;
pub mod config;
pub mod drift;
mod error;
pub mod events;
pub mod leader;
pub mod metrics;
pub mod reconcile;
pub mod source;
pub mod store;
pub mod ui;

pub use config::AgentConfig;
pub use error::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Runs the agent until `shutdown` resolves (see the module doc).
pub async fn run(
    config: AgentConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let _ = (config, shutdown);
    todo!("agent helper: run")
}
