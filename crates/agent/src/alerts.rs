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

use cluster::FieldDiff;
use serde::{Deserialize, Serialize};

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
