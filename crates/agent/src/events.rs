//! Kubernetes Events on the objects canon manages (drift detected, reverted, sync failed), so
//! `kubectl describe` and `kubectl get events` show them.
//!
//! Contract (api helper): [`Recorder`] posts `events.k8s.io/v1` Events (reportingController
//! `canon.dev/agent`, reason `DriftDetected` / `DriftReverted` / `SyncFailed`, type Warning/Normal,
//! regarding = the object, note = the summary, ≤1 KiB) in the object's namespace (the agent's namespace
//! for cluster-scoped ones); failures are logged, never fatal; repeats of the same (object, reason)
//! within 5 minutes are aggregated (series count) rather than posted again.
