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
//!
//! The order, as gitops-engine's `GetResourceHealth` and kstatus's `Compute` compose:
//! 1. an object being deleted is Progressing, `Pending deletion`;
//! 2. Argo CD's check for its kinds ([`argo`], gitops-engine v0.7.3 ported rule for rule);
//! 3. canon's own rules where neither library has one: a CronJob with `spec.suspend` is Suspended
//!    (as Argo CD's built-in Lua check says), a Namespace in phase `Terminating` is Progressing, a
//!    CustomResourceDefinition whose `Terminating` condition is True is Progressing;
//! 4. kstatus for everything else ([`kstatus`], cli-utils v0.37.2), which includes its rules for
//!    CustomResourceDefinition (`NamesAccepted`, `Established`) and falls back to Healthy.
//!
//! Written by hand: no Rust crate implements these rules, and the statuses and messages must be
//! the Go libraries' own (the tests compare with them, run through `scripts/health-oracle`).

mod argo;
mod fields;
mod kstatus;

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

impl HealthStatus {
    pub fn new(status: Health, message: impl Into<String>) -> Self {
        HealthStatus {
            status,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object's group, version and kind, from its `apiVersion` and `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gvk<'a> {
    group: &'a str,
    version: &'a str,
    kind: &'a str,
}

impl<'a> Gvk<'a> {
    /// As `schema.ParseGroupVersion` reads `apiVersion` (an unparsable one is empty).
    fn of(object: &'a Value) -> Self {
        let api_version = fields::string_or(object, &["apiVersion"], "");
        let kind = fields::string_or(object, &["kind"], "");
        let (group, version) = match api_version.split_once('/') {
            None => ("", api_version),
            Some((_, v)) if v.contains('/') => ("", ""),
            Some((g, v)) => (g, v),
        };
        Gvk {
            group,
            version,
            kind,
        }
    }
}

/// Go's `schema.GroupVersionKind.String()`.
impl std::fmt::Display for Gvk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

/// The health of one live object (see the module doc).
pub fn assess(object: &Value) -> HealthStatus {
    // GetDeletionTimestamp: any timestamp at all.
    if !fields::string_or(object, &["metadata", "deletionTimestamp"], "").is_empty() {
        return HealthStatus::new(Health::Progressing, "Pending deletion");
    }
    let gvk = Gvk::of(object);
    if let Some(health) = argo::check(object, &gvk) {
        return health;
    }
    if let Some(health) = canon_rules(object, &gvk) {
        return health;
    }
    kstatus::compute(object, &gvk)
}

/// The rules neither gitops-engine nor kstatus has (see the module doc).
fn canon_rules(object: &Value, gvk: &Gvk<'_>) -> Option<HealthStatus> {
    match (gvk.group, gvk.kind) {
        ("batch", "CronJob") => fields::get(object, &["spec", "suspend"])
            .and_then(Value::as_bool)
            .filter(|s| *s)
            .map(|_| HealthStatus::new(Health::Suspended, "CronJob is Suspended")),
        ("", "Namespace") => (fields::string_or(object, &["status", "phase"], "") == "Terminating")
            .then(|| HealthStatus::new(Health::Progressing, "Namespace is terminating")),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => fields::conditions(object)
            .ok()?
            .into_iter()
            .find(|c| c.type_ == "Terminating" && c.status == "True")
            .map(|c| {
                let message = if c.message.is_empty() {
                    "CustomResourceDefinition is terminating"
                } else {
                    c.message
                };
                HealthStatus::new(Health::Progressing, message)
            }),
        _ => None,
    }
}

/// The worst of several (Healthy when empty).
pub fn worst<'a>(statuses: impl IntoIterator<Item = &'a HealthStatus>) -> Health {
    statuses
        .into_iter()
        .map(|s| s.status)
        .max()
        .unwrap_or(Health::Healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // canon's own rules (module doc, step 3): neither Go library has them, so no oracle does.

    #[test]
    fn suspended_cronjob() {
        let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                        "spec": {"suspend": true, "schedule": "* * * * *"}});
        assert_eq!(
            assess(&cj),
            HealthStatus::new(Health::Suspended, "CronJob is Suspended")
        );
        let running = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                             "spec": {"suspend": false}});
        assert_eq!(
            assess(&running),
            HealthStatus::new(Health::Healthy, "Resource is always ready")
        );
    }

    #[test]
    fn namespace_phases() {
        let active = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"},
                            "status": {"phase": "Active"}});
        assert_eq!(assess(&active).status, Health::Healthy);
        let terminating = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"},
                                 "status": {"phase": "Terminating"}});
        assert_eq!(
            assess(&terminating),
            HealthStatus::new(Health::Progressing, "Namespace is terminating")
        );
    }

    #[test]
    fn crd_terminating_condition() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "ws.example.com"},
            "status": {"conditions": [
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
                {"type": "Terminating", "status": "True", "reason": "InstanceDeletionInProgress",
                 "message": "CustomResource deletion is in progress"}]}});
        assert_eq!(
            assess(&crd),
            HealthStatus::new(
                Health::Progressing,
                "CustomResource deletion is in progress"
            )
        );
    }

    #[test]
    fn wrong_field_types_are_unknown() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                       "spec": {"replicas": "three"}});
        let h = assess(&d);
        assert_eq!(h.status, Health::Unknown);
        assert!(
            h.message
                .starts_with("failed to convert unstructured Deployment to typed: "),
            "{}",
            h.message
        );
    }

    #[test]
    fn worst_folds() {
        let a = HealthStatus::new(Health::Healthy, "");
        let b = HealthStatus::new(Health::Degraded, "x");
        let c = HealthStatus::new(Health::Progressing, "");
        assert_eq!(worst([&a, &b, &c]), Health::Degraded);
        assert_eq!(worst([]), Health::Healthy);
    }
}
