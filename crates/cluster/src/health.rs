//! Health of live objects: kstatus rules and Argo CD's built-in health checks.
//!
//! Contract (health helper): [`assess`] is pure over one live object (JSON, as the API returns it)
//! and implements Argo CD's checks (gitops-engine `pkg/health`) for Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Pod, Job, CronJob, Service (LoadBalancer waits for an ingress address),
//! Ingress, PersistentVolumeClaim, Namespace, CustomResourceDefinition, APIService, HPA; for other
//! kinds kstatus's generic rules (observedGeneration vs generation, `Ready`/`Reconciling`/`Stalled`
//! conditions); objects with no status rules are Healthy. The message says why (Argo CD's wording
//! where it has one, e.g. `Waiting for rollout to finish: 0 of 1 updated replicas are available...`).
//! [`worst`] folds objects into an app's health.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Health, ordered from best to worst as Argo CD ranks them when folding an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Health {
    Healthy,
    Suspended,
    Progressing,
    Missing,
    Degraded,
    Unknown,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "Healthy",
            Health::Suspended => "Suspended",
            Health::Progressing => "Progressing",
            Health::Missing => "Missing",
            Health::Degraded => "Degraded",
            Health::Unknown => "Unknown",
        }
    }
}

/// An object's health and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthStatus {
    pub status: Health,
    pub message: String,
}

/// The health of one live object (see the module doc).
pub fn assess(object: &Value) -> HealthStatus {
    let _ = object;
    todo!("health helper: health::assess")
}

/// The worst of several (Healthy when empty).
pub fn worst<'a>(statuses: impl IntoIterator<Item = &'a HealthStatus>) -> Health {
    statuses
        .into_iter()
        .map(|s| s.status)
        .max()
        .unwrap_or(Health::Healthy)
}
