//! Leader election with a coordination.k8s.io Lease, so several agent replicas can run for HA.
//!
//! Contract (api helper): [`LeaderElector`] acquires and renews the Lease `leaseName` in the agent's
//! namespace (holderIdentity = pod name or hostname + random suffix, leaseDurationSeconds, renewTime),
//! takes it over when expired, and exposes a `watch` channel of "am I the leader". Reconcile applies
//! only while leader; followers still fetch and serve the API read-only. (Check kube-lease-manager for
//! kube 5 first; write it with plain Lease get/replace and resourceVersion CAS if it does not fit.)
