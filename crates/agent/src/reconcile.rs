//! The sync loop: per environment, bring the cluster to the newest good snapshot.
//!
//! Contract (agent helper): one task per environment. It wakes on a new snapshot (from the poller or
//! the git webhook via [`Trigger`]), on its poll timer, and on a selfHeal request from
//! [`crate::drift`]. For each app (concurrently, bounded): with `sync: auto`, [`cluster::apply::apply`]
//! (default namespace = the release's namespace, force per config); save the inventory (old ∪
//! applied); with `prune`, prune inventory − desired and save again; assess health of the applied
//! objects; update [`crate::store`] (objects, Synced/OutOfSync, health, last sync, history) and send
//! alerts for SyncFailed, HealthDegraded/Recovered and Pruned. With `sync: manual` it only computes
//! status (dry-run diff). Apps whose inventory exists but which left the index are pruned as a whole
//! only when `allowEmpty` (else reported). A failing app never stops the others; API errors retry
//! with backoff; an apiserver restart mid-sync converges on the next pass. Only the leader applies.
//! After a sync, the environment's desired objects are handed to [`crate::drift`].

use tokio::sync::mpsc;

/// Why a reconcile pass runs.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A new state commit was fetched.
    Snapshot(std::sync::Arc<crate::source::Snapshot>),
    /// The poll timer or a manual request.
    Resync,
    /// Drift was detected on an app in selfHeal mode.
    Heal(crate::store::AppKey),
}

/// Handle to an environment's loop.
pub type TriggerSender = mpsc::Sender<Trigger>;
