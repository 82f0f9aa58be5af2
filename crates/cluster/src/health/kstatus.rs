//! kstatus (sigs.k8s.io/cli-utils v0.37.2 `pkg/kstatus/status`) for the kinds Argo CD has no check
//! for: the generic rules (observedGeneration, `Reconciling`/`Stalled` conditions, a `Ready`
//! condition) and its per-kind rules for the kinds that reach it here (ConfigMap, Secret, CronJob,
//! PodDisruptionBudget, CustomResourceDefinition). Its statuses map onto health as Current →
//! Healthy, InProgress → Progressing, Failed → Degraded, Terminating → Progressing.
//!
//! kstatus's rules for Deployment, Pod, Service and the other kinds Argo CD checks are not ported:
//! [`super::assess`] never reaches them (the `extensions` versions of Deployment, DaemonSet and
//! ReplicaSet, which Argo CD does not check, were removed from Kubernetes in 1.16).

use serde_json::Value;

use super::fields::{self, conditions, get};
use super::{Gvk, Health, HealthStatus};

/// kstatus's `Compute`, mapped onto health.
pub fn compute(obj: &Value, gvk: &Gvk<'_>) -> HealthStatus {
    match compute_inner(obj, gvk) {
        Ok(h) => h,
        Err(message) => HealthStatus::new(Health::Unknown, message),
    }
}

fn current(message: impl Into<String>) -> Result<HealthStatus, String> {
    Ok(HealthStatus::new(Health::Healthy, message))
}

fn in_progress(message: impl Into<String>) -> Result<HealthStatus, String> {
    Ok(HealthStatus::new(Health::Progressing, message))
}

fn failed(message: impl Into<String>) -> Result<HealthStatus, String> {
    Ok(HealthStatus::new(Health::Degraded, message))
}

fn compute_inner(obj: &Value, gvk: &Gvk<'_>) -> Result<HealthStatus, String> {
    // checkGenericProperties: deletion, then the observed generation, then the standard conditions.
    match get(obj, &["metadata", "deletionTimestamp"]) {
        Some(Value::String(s)) if !s.is_empty() => {
            return Ok(HealthStatus::new(
                Health::Progressing,
                "Resource scheduled for deletion",
            ));
        }
        Some(Value::String(_)) | None => {}
        Some(_) => {
            return Err(
                "looking up metadata.deletionTimestamp from resource: not a string".to_string(),
            );
        }
    }
    if let Some(generation) = nested_int64(obj, "metadata", "generation")?
        && let Some(observed) = nested_int64(obj, "status", "observedGeneration")?
        && observed != generation
    {
        return in_progress(format!(
            "{} generation is {generation}, but latest observed generation is {observed}",
            gvk.kind
        ));
    }
    let conds = conditions(obj).map_err(|e| e.to_string())?;
    for c in &conds {
        if c.type_ == "Reconciling" && c.status == "True" {
            return in_progress(c.message);
        }
        if c.type_ == "Stalled" && c.status == "True" {
            return failed(c.message);
        }
    }

    // The per-kind ("legacy") rules, keyed by group and kind.
    match (gvk.group, gvk.kind) {
        ("", "Secret" | "ConfigMap") | ("batch", "CronJob") => {
            return current("Resource is always ready");
        }
        ("policy", "PodDisruptionBudget") => {
            return current("AllowedDisruptions has been computed.");
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            for c in &conds {
                if c.type_ == "NamesAccepted" && c.status == "False" {
                    return failed(c.message);
                }
                if c.type_ == "Established" {
                    if c.status == "False" && c.reason != "Installing" {
                        return failed(c.message);
                    }
                    if c.status == "True" {
                        return current("CRD is established");
                    }
                }
            }
            return in_progress("Install in progress");
        }
        _ => {}
    }

    // Not a standard condition, but a widely used one.
    for c in &conds {
        if c.type_ != "Ready" {
            continue;
        }
        match c.status {
            "True" => return current("Resource is Ready"),
            "False" | "Unknown" => return in_progress(c.message),
            _ => {}
        }
    }
    current("Resource is current")
}

/// `unstructured.NestedInt64`: absent is `None`, present but not an int64 is an error.
fn nested_int64(obj: &Value, a: &str, b: &str) -> Result<Option<i64>, String> {
    match fields::get(obj, &[a, b]) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("looking up {a}.{b} from resource: {v} is not an int64")),
    }
}
