//! Leader election with a coordination.k8s.io Lease, so several agent replicas can run for HA.
//!
//! Contract (api helper): [`LeaderElector`] acquires and renews the Lease `leaseName` in the agent's
//! namespace (holderIdentity = pod name or hostname + random suffix, leaseDurationSeconds, renewTime),
//! takes it over when expired, and exposes a `watch` channel of "am I the leader". Reconcile applies
//! only while leader; followers still fetch and serve the API read-only. (Check kube-lease-manager for
//! kube 5 first; write it with plain Lease get/replace and resourceVersion CAS if it does not fit.)
//!
//! kube-lease-manager 0.13 fits (kube 5, k8s-openapi 0.29): it creates the Lease when missing,
//! renews it `grace` before it expires and takes over an expired one. Its own `watch` only stops
//! once every receiver is gone, so the campaign loop here drives `changed()` itself, to step down
//! on request while receivers still live in the reconcile loops. Its writes are server-side applies under a field manager per identity, so two
//! replicas racing for the Lease conflict instead of both winning. The Role in `deploy/` grants
//! exactly what it uses on Leases: get, create, patch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kube_lease_manager::{LeaseManager, LeaseManagerBuilder, LeaseManagerError, LeaseParams};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::config::LeaderElection;
use crate::{Error, Result};

/// The environment variable the Deployment in `deploy/` fills with the pod's name (downward API).
pub const POD_NAME_ENV: &str = "POD_NAME";

/// A running election: this replica's identity and whether it leads now. Dropping it steps down
/// (releases the Lease); [`LeaderElector::abandon`] stops without releasing.
pub struct LeaderElector {
    identity: String,
    lease_name: String,
    leading: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<()>>,
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("identity", &self.identity)
            .field("lease_name", &self.lease_name)
            .field("leading", &*self.leading.borrow())
            .finish_non_exhaustive()
    }
}

/// `<pod name or hostname>-<random suffix>`: unique per process even when two replicas share a
/// hostname (or a restarted pod reuses its name before the old Lease expired).
pub fn default_identity() -> String {
    let base = std::env::var(POD_NAME_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "canon-agent".to_string());
    // Not cryptographic: only has to differ between processes.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let suffix = (u64::from(nanos) ^ (u64::from(std::process::id()) << 32)) & 0xff_ffff;
    format!("{base}-{suffix:06x}")
}

/// How long before expiry the leader renews: a third of the lease, at least one second.
fn grace(duration: u64) -> u64 {
    (duration / 3).clamp(1, duration.saturating_sub(1).max(1))
}

impl LeaderElector {
    /// Starts campaigning for `config.lease_name` in `namespace` as `identity` (see
    /// [`default_identity`]). Returns once the Lease exists; leadership arrives on [`Self::subscribe`].
    pub async fn start(
        client: kube::Client,
        namespace: &str,
        config: &LeaderElection,
        identity: impl Into<String>,
    ) -> Result<LeaderElector> {
        let identity = identity.into();
        // Lease durations are whole seconds in the API; at least 2 so the grace is shorter.
        let duration = config.lease_duration.as_secs().max(2);
        let manager = LeaseManagerBuilder::new(client, &config.lease_name)
            .with_namespace(namespace)
            .with_parameters(LeaseParams::new(
                identity.clone(),
                duration,
                grace(duration),
            ))
            .build()
            .await
            .map_err(|e| {
                Error::Other(format!(
                    "leader election: Lease {namespace}/{}: {e}",
                    config.lease_name
                ))
            })?;
        let (tx, leading) = watch::channel(false);
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(campaign(
            manager,
            tx,
            stopped,
            identity.clone(),
            config.lease_name.clone(),
        ));
        tracing::info!(identity, lease = %config.lease_name, namespace, "leader election started");
        Ok(LeaderElector {
            identity,
            lease_name: config.lease_name.clone(),
            leading,
            stop: Some(stop),
            task,
        })
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Whether this replica leads now.
    pub fn is_leader(&self) -> bool {
        *self.leading.borrow()
    }

    /// A channel of "am I the leader" (true while leading).
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.leading.clone()
    }

    /// Waits until this replica leads, or `timeout` passes (returns whether it leads).
    pub async fn wait_leading(&self, timeout: Duration) -> bool {
        let mut rx = self.leading.clone();
        tokio::time::timeout(timeout, rx.wait_for(|leading| *leading))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Steps down: stops renewing and releases the Lease so another replica takes over at once.
    pub async fn release(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .map_err(|e| Error::Other(format!("leader election: the election task failed: {e}")))?
    }

    /// Stops renewing without releasing, as a crashed replica would: the others take over once
    /// the Lease expires.
    pub fn abandon(self) {
        // Aborted before `stop` is dropped (below, by Drop), so the task never runs its release:
        // an aborted task is dropped at its next poll instead of being polled.
        self.task.abort();
    }
}

impl Drop for LeaderElector {
    fn drop(&mut self) {
        // Dropping the sender wakes the task, which releases the Lease (unless abandoned).
        self.stop.take();
    }
}

/// Campaigns until `stopped` fires (or its sender is dropped), publishing "am I the leader" on
/// `tx`, then releases the Lease. API errors are logged and retried with a backoff, keeping the
/// last state, as kube-lease-manager's own `watch` does.
async fn campaign(
    manager: LeaseManager,
    tx: watch::Sender<bool>,
    mut stopped: oneshot::Receiver<()>,
    identity: String,
    lease_name: String,
) -> Result<()> {
    const MIN_BACKOFF: Duration = Duration::from_millis(500);
    const MAX_BACKOFF: Duration = Duration::from_secs(10);
    let mut backoff = MIN_BACKOFF;
    loop {
        tokio::select! {
            biased;
            _ = &mut stopped => break,
            changed = manager.changed() => match changed {
                Ok(leading) => {
                    backoff = MIN_BACKOFF;
                    tracing::info!(identity, lease = %lease_name, leading, "leadership changed");
                    tx.send_replace(leading);
                }
                Err(e) => {
                    tracing::warn!(identity, lease = %lease_name, error = %e,
                        "leader election: retrying");
                    tokio::select! {
                        biased;
                        _ = &mut stopped => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            },
        }
    }
    tx.send_replace(false);
    manager.release().await.map_err(|e: LeaseManagerError| {
        Error::Other(format!(
            "leader election: releasing Lease {lease_name}: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_is_shorter_than_the_lease() {
        assert_eq!(grace(15), 5);
        assert_eq!(grace(2), 1);
        assert_eq!(grace(3), 1);
        for d in 2..100 {
            assert!(grace(d) >= 1 && grace(d) < d);
        }
    }

    #[test]
    fn identities_carry_a_suffix() {
        let a = default_identity();
        assert!(a.len() > 7);
        assert_eq!(a.rsplit_once('-').map(|(_, s)| s.len()), Some(6));
    }
}
