//! Argo CD's built-in health checks (gitops-engine v0.7.3 `pkg/health`), rule for rule and message
//! for message: Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Job, Service, Ingress,
//! PersistentVolumeClaim, APIService, HorizontalPodAutoscaler and Argo Workflow.
//!
//! Where gitops-engine converts the object into a typed Go struct, a field of the wrong type makes
//! the check fail and the object Unknown (`failed to convert unstructured Deployment to typed: ...`,
//! our own wording after the colon); an API version gitops-engine has no struct for is Unknown too
//! (`unsupported Deployment GVK: apps/v1beta2, Kind=Deployment`, its wording).

use serde_json::Value;

use super::fields::{
    self, Condition, FieldError, boolean, conditions, go_quote, int, int0, is_set, list, string,
};
use super::{Gvk, Health, HealthStatus};

type Check = fn(&Value) -> Result<HealthStatus, FieldError>;

/// Argo CD's check for this kind, `None` when it has none (gitops-engine's `GetHealthCheckFunc`).
pub fn check(obj: &Value, gvk: &Gvk<'_>) -> Option<HealthStatus> {
    let (name, versions, check): (&str, &[&str], Check) = match (gvk.group, gvk.kind) {
        ("apps", "Deployment") => ("Deployment", &["v1"], deployment),
        ("apps", "StatefulSet") => ("StatefulSet", &["v1"], stateful_set),
        ("apps", "ReplicaSet") => ("ReplicaSet", &["v1"], replica_set),
        ("apps", "DaemonSet") => ("DaemonSet", &["v1"], daemon_set),
        ("extensions" | "networking.k8s.io", "Ingress") => ("Ingress", &[], ingress),
        ("argoproj.io", "Workflow") => ("Workflow", &[], argo_workflow),
        ("apiregistration.k8s.io", "APIService") => ("APIService", &["v1", "v1beta1"], api_service),
        ("", "Service") => ("Service", &["v1"], service),
        ("", "PersistentVolumeClaim") => ("PersistentVolumeClaim", &["v1"], pvc),
        ("", "Pod") => ("Pod", &["v1"], pod),
        ("batch", "Job") => ("Job", &["v1"], job),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            ("HPA", &["v1", "v2beta1", "v2beta2", "v2"], hpa)
        }
        _ => return None,
    };
    if !versions.is_empty() && !versions.contains(&gvk.version) {
        return Some(HealthStatus::new(
            Health::Unknown,
            format!("unsupported {name} GVK: {gvk}"),
        ));
    }
    Some(check(obj).unwrap_or_else(|e| {
        HealthStatus::new(
            Health::Unknown,
            format!("failed to convert unstructured {name} to typed: {e}"),
        )
    }))
}

fn ok(status: Health, message: impl Into<String>) -> Result<HealthStatus, FieldError> {
    Ok(HealthStatus::new(status, message))
}

/// The first condition of a type, as `getAppsv1DeploymentCondition` finds it.
fn condition<'a>(conds: &'a [Condition<'a>], type_: &str) -> Option<&'a Condition<'a>> {
    conds.iter().find(|c| c.type_ == type_)
}

fn deployment(d: &Value) -> Result<HealthStatus, FieldError> {
    if boolean(d, &["spec", "paused"])? {
        return ok(Health::Suspended, "Deployment is paused");
    }
    let generation = int0(d, &["metadata", "generation"])?;
    let observed = int0(d, &["status", "observedGeneration"])?;
    if generation > observed {
        return ok(
            Health::Progressing,
            "Waiting for rollout to finish: observed deployment generation less then desired generation",
        );
    }
    let conds = conditions(d)?;
    let spec_replicas = int(d, &["spec", "replicas"])?;
    let replicas = int0(d, &["status", "replicas"])?;
    let updated = int0(d, &["status", "updatedReplicas"])?;
    let available = int0(d, &["status", "availableReplicas"])?;
    if condition(&conds, "Progressing").is_some_and(|c| c.reason == "ProgressDeadlineExceeded") {
        let name = string(d, &["metadata", "name"])?;
        return ok(
            Health::Degraded,
            format!(
                "Deployment {} exceeded its progress deadline",
                go_quote(name)
            ),
        );
    }
    if let Some(want) = spec_replicas.filter(|want| updated < *want) {
        return ok(
            Health::Progressing,
            format!(
                "Waiting for rollout to finish: {updated} out of {want} new replicas have been updated..."
            ),
        );
    }
    if replicas > updated {
        return ok(
            Health::Progressing,
            format!(
                "Waiting for rollout to finish: {} old replicas are pending termination...",
                replicas - updated
            ),
        );
    }
    if available < updated {
        return ok(
            Health::Progressing,
            format!(
                "Waiting for rollout to finish: {available} of {updated} updated replicas are available..."
            ),
        );
    }
    ok(Health::Healthy, "")
}

fn stateful_set(s: &Value) -> Result<HealthStatus, FieldError> {
    let generation = int0(s, &["metadata", "generation"])?;
    let observed = int0(s, &["status", "observedGeneration"])?;
    if observed == 0 || generation > observed {
        return ok(
            Health::Progressing,
            "Waiting for statefulset spec update to be observed...",
        );
    }
    let spec_replicas = int(s, &["spec", "replicas"])?;
    let ready = int0(s, &["status", "readyReplicas"])?;
    let updated = int0(s, &["status", "updatedReplicas"])?;
    let current = int0(s, &["status", "currentReplicas"])?;
    let update_revision = string(s, &["status", "updateRevision"])?;
    let current_revision = string(s, &["status", "currentRevision"])?;
    let strategy = string(s, &["spec", "updateStrategy", "type"])?;
    let partition = int(s, &["spec", "updateStrategy", "rollingUpdate", "partition"])?;
    if let Some(want) = spec_replicas.filter(|want| ready < *want) {
        return ok(
            Health::Progressing,
            format!("Waiting for {} pods to be ready...", want - ready),
        );
    }
    if strategy == "RollingUpdate" && is_set(s, &["spec", "updateStrategy", "rollingUpdate"]) {
        if let (Some(want), Some(partition)) = (spec_replicas, partition)
            && updated < want - partition
        {
            return ok(
                Health::Progressing,
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                    want - partition
                ),
            );
        }
        return ok(
            Health::Healthy,
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
        );
    }
    if strategy == "OnDelete" {
        return ok(
            Health::Healthy,
            format!("statefulset has {ready} ready pods"),
        );
    }
    if update_revision != current_revision {
        return ok(
            Health::Progressing,
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
            ),
        );
    }
    ok(
        Health::Healthy,
        format!(
            "statefulset rolling update complete {current} pods at revision {current_revision}..."
        ),
    )
}

fn daemon_set(d: &Value) -> Result<HealthStatus, FieldError> {
    let generation = int0(d, &["metadata", "generation"])?;
    let observed = int0(d, &["status", "observedGeneration"])?;
    if generation > observed {
        return ok(
            Health::Progressing,
            "Waiting for rollout to finish: observed daemon set generation less then desired generation",
        );
    }
    let name = string(d, &["metadata", "name"])?;
    let strategy = string(d, &["spec", "updateStrategy", "type"])?;
    let updated = int0(d, &["status", "updatedNumberScheduled"])?;
    let desired = int0(d, &["status", "desiredNumberScheduled"])?;
    let available = int0(d, &["status", "numberAvailable"])?;
    if strategy == "OnDelete" {
        return ok(
            Health::Healthy,
            format!("daemon set {updated} out of {desired} new pods have been updated"),
        );
    }
    if updated < desired {
        return ok(
            Health::Progressing,
            format!(
                "Waiting for daemon set {} rollout to finish: {updated} out of {desired} new pods have been updated...",
                go_quote(name)
            ),
        );
    }
    if available < desired {
        return ok(
            Health::Progressing,
            format!(
                "Waiting for daemon set {} rollout to finish: {available} of {desired} updated pods are available...",
                go_quote(name)
            ),
        );
    }
    ok(Health::Healthy, "")
}

fn replica_set(r: &Value) -> Result<HealthStatus, FieldError> {
    let generation = int0(r, &["metadata", "generation"])?;
    let observed = int0(r, &["status", "observedGeneration"])?;
    if generation > observed {
        return ok(
            Health::Progressing,
            "Waiting for rollout to finish: observed replica set generation less then desired generation",
        );
    }
    let conds = conditions(r)?;
    let spec_replicas = int(r, &["spec", "replicas"])?;
    let available = int0(r, &["status", "availableReplicas"])?;
    if let Some(c) = condition(&conds, "ReplicaFailure").filter(|c| c.status == "True") {
        return ok(Health::Degraded, c.message);
    }
    if let Some(want) = spec_replicas.filter(|want| available < *want) {
        return ok(
            Health::Progressing,
            format!(
                "Waiting for rollout to finish: {available} out of {want} new replicas are available..."
            ),
        );
    }
    ok(Health::Healthy, "")
}

fn pod(p: &Value) -> Result<HealthStatus, FieldError> {
    let restart_policy = string(p, &["spec", "restartPolicy"])?;
    let phase = string(p, &["status", "phase"])?;
    let message = string(p, &["status", "message"])?;
    let containers = list(p, &["status", "containerStatuses"])?;
    let init_containers = list(p, &["status", "initContainerStatuses"])?;

    // Not for OnFailure/Never: those pods are typically hooks, and a hook that waits for an image
    // must not fail the sync early (gitops-engine's reasoning).
    if restart_policy == "Always" {
        let mut messages = Vec::new();
        for c in containers {
            if !is_set(c, &["state", "waiting"]) {
                continue;
            }
            let reason = string(c, &["state", "waiting", "reason"])?;
            if reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff")
            {
                messages.push(string(c, &["state", "waiting", "message"])?);
            }
        }
        if !messages.is_empty() {
            return ok(Health::Degraded, messages.join(", "));
        }
    }

    match phase {
        "Pending" => ok(Health::Progressing, message),
        "Succeeded" => ok(Health::Healthy, message),
        "Failed" => {
            if !message.is_empty() {
                return ok(Health::Degraded, message);
            }
            for c in init_containers.iter().chain(containers) {
                if let Some(msg) = container_fail_message(c)? {
                    return ok(Health::Degraded, msg);
                }
            }
            ok(Health::Degraded, "")
        }
        "Running" => match restart_policy {
            "Always" => {
                let conds = conditions(p)?;
                if condition(&conds, "Ready").is_some_and(|c| c.status == "True") {
                    return ok(Health::Healthy, message);
                }
                if containers
                    .iter()
                    .any(|c| is_set(c, &["lastState", "terminated"]))
                {
                    return ok(Health::Degraded, message);
                }
                ok(Health::Progressing, message)
            }
            // Finite pods (typically hooks) are Progressing until they end.
            "OnFailure" | "Never" => ok(Health::Progressing, message),
            _ => ok(Health::Unknown, message),
        },
        _ => ok(Health::Unknown, message),
    }
}

fn container_fail_message(c: &Value) -> Result<Option<String>, FieldError> {
    if !is_set(c, &["state", "terminated"]) {
        return Ok(None);
    }
    let message = string(c, &["state", "terminated", "message"])?;
    if !message.is_empty() {
        return Ok(Some(message.to_string()));
    }
    let reason = string(c, &["state", "terminated", "reason"])?;
    if reason == "OOMKilled" {
        return Ok(Some(reason.to_string()));
    }
    let exit_code = int0(c, &["state", "terminated", "exitCode"])?;
    if exit_code != 0 {
        let name = string(c, &["name"])?;
        return Ok(Some(format!(
            "container {} failed with exit code {exit_code}",
            go_quote(name)
        )));
    }
    Ok(None)
}

fn job(j: &Value) -> Result<HealthStatus, FieldError> {
    let mut failed = false;
    let mut complete = false;
    let mut fail_message = "";
    let mut message = "";
    // gitops-engine looks at the condition types only, not their status.
    for c in conditions(j)? {
        match c.type_ {
            "Failed" => {
                failed = true;
                complete = true;
                fail_message = c.message;
            }
            "Complete" => {
                complete = true;
                message = c.message;
            }
            _ => {}
        }
    }
    if !complete {
        ok(Health::Progressing, message)
    } else if failed {
        ok(Health::Degraded, fail_message)
    } else {
        ok(Health::Healthy, message)
    }
}

fn service(s: &Value) -> Result<HealthStatus, FieldError> {
    if string(s, &["spec", "type"])? == "LoadBalancer"
        && list(s, &["status", "loadBalancer", "ingress"])?.is_empty()
    {
        return ok(Health::Progressing, "");
    }
    ok(Health::Healthy, "")
}

fn ingress(i: &Value) -> Result<HealthStatus, FieldError> {
    // unstructured.NestedSlice: anything but a non-empty list counts as no address yet.
    let assigned = fields::get(i, &["status", "loadBalancer", "ingress"])
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty());
    ok(
        if assigned {
            Health::Healthy
        } else {
            Health::Progressing
        },
        "",
    )
}

fn pvc(p: &Value) -> Result<HealthStatus, FieldError> {
    let status = match string(p, &["status", "phase"])? {
        "Lost" => Health::Degraded,
        "Pending" => Health::Progressing,
        "Bound" => Health::Healthy,
        _ => Health::Unknown,
    };
    ok(status, "")
}

fn api_service(a: &Value) -> Result<HealthStatus, FieldError> {
    if let Some(c) = conditions(a)?.iter().find(|c| c.type_ == "Available") {
        let status = if c.status == "True" {
            Health::Healthy
        } else {
            Health::Progressing
        };
        return ok(status, format!("{}: {}", c.reason, c.message));
    }
    ok(Health::Progressing, "Waiting to be processed")
}

const WAITING_TO_AUTOSCALE: &str = "Waiting to Autoscale";

fn hpa(h: &Value) -> Result<HealthStatus, FieldError> {
    let version = fields::get(h, &["apiVersion"]).and_then(Value::as_str);
    let conds: Vec<HpaCondition> = if version == Some("autoscaling/v1") {
        // v1 has no status.conditions; the controller keeps them in an annotation.
        let annotation = fields::get(
            h,
            &[
                "metadata",
                "annotations",
                "autoscaling.alpha.kubernetes.io/conditions",
            ],
        );
        let Some(annotation) = annotation else {
            return ok(Health::Progressing, WAITING_TO_AUTOSCALE);
        };
        let parsed = annotation
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|v| match v {
                Value::Array(items) => Some(items),
                Value::Null => Some(Vec::new()),
                _ => None,
            });
        let Some(items) = parsed else {
            // Our wording: Go's encoding/json error text is not reproduced.
            return ok(
                Health::Unknown,
                "failed to convert conditions annotation to typed: not a JSON list of conditions",
            );
        };
        items.iter().map(HpaCondition::from_annotation).collect()
    } else {
        conditions(h)?
            .into_iter()
            .map(|c| HpaCondition {
                type_: c.type_.to_string(),
                reason: c.reason.to_string(),
                message: c.message.to_string(),
                status: c.status.to_string(),
            })
            .collect()
    };
    for c in &conds {
        if is_hpa_degraded(c) {
            return ok(Health::Degraded, c.message.clone());
        }
        if matches!(c.type_.as_str(), "AbleToScale" | "ScalingLimited") && c.status == "True" {
            return ok(Health::Healthy, c.message.clone());
        }
    }
    ok(Health::Progressing, WAITING_TO_AUTOSCALE)
}

struct HpaCondition {
    type_: String,
    reason: String,
    message: String,
    status: String,
}

impl HpaCondition {
    /// Go's encoding/json matches field names case-insensitively (`type` fills `Type`).
    fn from_annotation(v: &Value) -> HpaCondition {
        let field = |name: &str| -> String {
            v.as_object()
                .and_then(|m| {
                    m.get(name).or_else(|| {
                        m.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v)
                    })
                })
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        HpaCondition {
            type_: field("Type"),
            reason: field("Reason"),
            message: field("Message"),
            status: field("Status"),
        }
    }
}

fn is_hpa_degraded(c: &HpaCondition) -> bool {
    matches!(
        (c.type_.as_str(), c.reason.as_str()),
        ("AbleToScale", "FailedGetScale")
            | ("AbleToScale", "FailedUpdateScale")
            | ("ScalingActive", "FailedGetResourceMetric")
            | ("ScalingActive", "InvalidSelector")
    )
}

fn argo_workflow(w: &Value) -> Result<HealthStatus, FieldError> {
    let message = string(w, &["status", "message"])?;
    let status = match string(w, &["status", "phase"])? {
        "" | "Pending" | "Running" => Health::Progressing,
        "Succeeded" => Health::Healthy,
        "Failed" | "Error" => Health::Degraded,
        _ => Health::Unknown,
    };
    ok(status, message)
}
