//! Kubernetes Events on the objects canon manages (drift detected, reverted, sync failed), so
//! `kubectl describe` and `kubectl get events` show them.
//!
//! Contract (api helper): [`Recorder`] posts `events.k8s.io/v1` Events (reportingController
//! `canon.dev/agent`, reason `DriftDetected` / `DriftReverted` / `SyncFailed`, type Warning/Normal,
//! regarding = the object, note = the summary, ≤1 KiB) in the object's namespace (the agent's namespace
//! for cluster-scoped ones); failures are logged, never fatal; repeats of the same (object, reason)
//! within 5 minutes are aggregated (series count) rather than posted again.
//!
//! Two departures the API server imposes: Events about cluster-scoped objects go to `default`
//! ([`CLUSTER_SCOPED_NAMESPACE`]; the agent's namespace is rejected as "does not match
//! event.namespace"), and a repeat keeps the first Event's note (the note is immutable; only the
//! series changes).
//!
//! Aggregation follows client-go's `tools/events` recorder: the first repeat of an isomorphic event
//! gives it a `series` with count 2, each further one increments it and moves `lastObservedTime`;
//! the Event object is patched rather than a new one created. Names are `<object>.<hex nanos>` as
//! client-go makes them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cluster::ObjectRef;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};

/// The `reportingController` of every Event canon posts.
pub const REPORTING_CONTROLLER: &str = "canon.dev/agent";

/// Repeats within this window are folded into one Event's series.
pub const SERIES_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Where Events about cluster-scoped objects go. The API server accepts them only in `default` or
/// `kube-system` (an Event with an `eventTime` whose `regarding` has no namespace); client-go's
/// recorder picks `default` too.
pub const CLUSTER_SCOPED_NAMESPACE: &str = "default";

/// The API server's limit on an Event's note.
pub const NOTE_LIMIT: usize = 1024;

/// Why an Event is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    DriftDetected,
    DriftReverted,
    SyncFailed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::DriftDetected => "DriftDetected",
            Reason::DriftReverted => "DriftReverted",
            Reason::SyncFailed => "SyncFailed",
        }
    }

    /// `Warning` for what needs a human, `Normal` for what canon fixed.
    pub fn event_type(self) -> &'static str {
        match self {
            Reason::DriftDetected | Reason::SyncFailed => "Warning",
            Reason::DriftReverted => "Normal",
        }
    }

    /// The `action` field (required by events.k8s.io/v1): what canon did or tried.
    pub fn action(self) -> &'static str {
        match self {
            Reason::DriftDetected => "Detect",
            Reason::DriftReverted => "Revert",
            Reason::SyncFailed => "Apply",
        }
    }
}

/// What the recorder remembers of an Event it posted, to aggregate repeats.
#[derive(Debug, Clone)]
struct Posted {
    namespace: String,
    name: String,
    first: Instant,
    count: i32,
}

/// Posts Events; cheap to share behind an `Arc` (the series cache is inside).
pub struct Recorder {
    client: kube::Client,
    /// The agent's namespace (kept for messages; see [`CLUSTER_SCOPED_NAMESPACE`]).
    namespace: String,
    /// `reportingInstance`: the agent replica (pod name or hostname).
    instance: String,
    posted: Mutex<HashMap<(ObjectRef, Reason), Posted>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("namespace", &self.namespace)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// Cuts `note` to at most [`NOTE_LIMIT`] bytes on a character boundary, marking the cut.
pub fn truncate_note(note: &str) -> String {
    if note.len() <= NOTE_LIMIT {
        return note.to_string();
    }
    const MARK: &str = "…";
    let mut end = NOTE_LIMIT - MARK.len();
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &note[..end])
}

impl Recorder {
    /// `namespace` is the agent's; `instance` names this replica in `reportingInstance`.
    pub fn new(
        client: kube::Client,
        namespace: impl Into<String>,
        instance: impl Into<String>,
    ) -> Recorder {
        Recorder {
            client,
            namespace: namespace.into(),
            instance: instance.into(),
            posted: Mutex::new(HashMap::new()),
        }
    }

    /// Posts (or aggregates) an Event about `object`; a failure is logged and otherwise ignored.
    pub async fn record(&self, object: &ObjectRef, reason: Reason, note: &str) {
        if let Err(e) = self.try_record(object, reason, note).await {
            tracing::warn!(object = %object, reason = reason.as_str(), error = %e,
                "could not post a Kubernetes Event");
        }
    }

    /// [`Recorder::record`], returning the Event as the API server stored it (for tests and callers
    /// that care).
    pub async fn try_record(
        &self,
        object: &ObjectRef,
        reason: Reason,
        note: &str,
    ) -> Result<Event, kube::Error> {
        let key = (object.clone(), reason);
        let now = Instant::now();
        let repeat = {
            let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
            posted.retain(|_, p| now.duration_since(p.first) < SERIES_WINDOW);
            posted.get_mut(&key).map(|p| {
                p.count += 1;
                p.clone()
            })
        };
        if let Some(p) = repeat {
            let api: Api<Event> = Api::namespaced(self.client.clone(), &p.namespace);
            let patch = serde_json::json!({
                "series": EventSeries {
                    count: p.count,
                    last_observed_time: MicroTime(jiff::Timestamp::now()),
                },
            });
            match api
                .patch(&p.name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(event) => return Ok(event),
                // Deleted meanwhile (TTL, or by hand): post a fresh one below.
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        let namespace = object
            .namespace
            .clone()
            .unwrap_or_else(|| CLUSTER_SCOPED_NAMESPACE.to_string());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let event = Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{nanos:x}", object.name)),
                namespace: Some(namespace.clone()),
                ..ObjectMeta::default()
            },
            event_time: Some(MicroTime(jiff::Timestamp::now())),
            action: Some(reason.action().to_string()),
            reason: Some(reason.as_str().to_string()),
            type_: Some(reason.event_type().to_string()),
            note: Some(truncate_note(note)),
            reporting_controller: Some(REPORTING_CONTROLLER.to_string()),
            reporting_instance: Some(self.instance.clone()),
            regarding: Some(ObjectReference {
                api_version: Some(object.api_version()),
                kind: Some(object.kind.clone()),
                namespace: object.namespace.clone(),
                name: Some(object.name.clone()),
                ..ObjectReference::default()
            }),
            ..Event::default()
        };
        let api: Api<Event> = Api::namespaced(self.client.clone(), &namespace);
        let created = api.create(&PostParams::default(), &event).await?;
        let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        posted.insert(
            key,
            Posted {
                namespace,
                name: created.metadata.name.clone().unwrap_or_default(),
                first: now,
                count: 1,
            },
        );
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_cut_on_a_char_boundary() {
        assert_eq!(truncate_note("short"), "short");
        let long = "é".repeat(1000);
        let cut = truncate_note(&long);
        assert!(cut.len() <= NOTE_LIMIT);
        assert!(cut.ends_with('…'));
    }
}
