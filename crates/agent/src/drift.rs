//! Drift detection: watch what canon applied, compare with git, say who changed what.
//!
//! Contract (agent helper): per environment, one watch per kind the environment's apps hold (kube
//! runtime watcher, label selector [`cluster::LABEL_ENVIRONMENT`]`=<env>`; no cache of the whole
//! cluster, only canon's objects, keyed by [`cluster::ObjectRef`]). On an Applied/Deleted event for an
//! object canon manages: take the desired object, [`cluster::apply::dry_run`] it (server-side
//! normalization) and [`cluster::diff::compare`] with the live one (a deleted object is drift of the
//! whole object). Events caused by canon's own apply (managedFields time of `canon` equal to the
//! change, or no diff) are not drift. A non-empty diff → app OutOfSync in the store, history
//! DriftDetected with the diff, an alert, a Kubernetes Event on the object ([`crate::events`]); in
//! selfHeal mode a [`crate::reconcile::Trigger::Heal`] (with backoff per app: 1 s doubling to 5 min
//! when an object keeps drifting); in detect-only mode nothing is reverted. A later event whose diff
//! is empty → Synced, DriftResolved. The time from the watch event's arrival to the store update is
//! recorded (metric `canon_drift_detection_seconds`). Watches restart on error with backoff.
