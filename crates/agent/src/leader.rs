//! Leader election with a coordination.k8s.io Lease, so several agent replicas can run for HA.
//!
//! Contract (api helper): [`LeaderElector`] acquires and renews the Lease `leaseName` in the agent's
//! namespace (holderIdentity = pod name or hostname + random suffix, leaseDurationSeconds, renewTime),
//! takes it over when expired, and exposes a `watch` channel of "am I the leader". Reconcile applies
//! only while leader; followers still fetch and serve the API read-only. (Check kube-lease-manager for
//! kube 5 first; write it with plain Lease get/replace and resourceVersion CAS if it does not fit.)
//!
//! kube-lease-manager 0.13 fits (kube 5, k8s-openapi 0.29): it creates the Lease when missing,
//! renews it `grace` before it expires, takes over an expired one, and reports changes on a
//! `watch` channel. Its writes are server-side applies under a field manager per identity, so two
//! replicas racing for the Lease conflict instead of both winning. The Role in `deploy/` grants
//! exactly what it uses on Leases: get, create, patch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kube_lease_manager::{LeaseManager, LeaseManagerBuilder, LeaseManagerError, LeaseParams};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::LeaderElection;
use crate::{Error, Result};

/// The environment variable the Deployment in `deploy/` fills with the pod's name (downward API).
pub const POD_NAME_ENV: &str = "POD_NAME";

/// A running election: this replica's identity and whether it leads now.
pub struct LeaderElector {
    identity: String,
    lease_name: String,
    leading: watch::Receiver<bool>,
    task: JoinHandle<Result<LeaseManager, LeaseManagerError>>,
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
        let (leading, task) = manager.watch().await;
        tracing::info!(identity, lease = %config.lease_name, namespace, "leader election started");
        Ok(LeaderElector {
            identity,
            lease_name: config.lease_name.clone(),
            leading,
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
    /// Waits for the release only when every [`Self::subscribe`] receiver has been dropped (the
    /// election stops when nobody listens).
    pub async fn release(self) -> Result<()> {
        let LeaderElector {
            leading,
            task,
            lease_name,
            ..
        } = self;
        drop(leading);
        match task.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Error::Other(format!(
                "leader election: releasing Lease {lease_name}: {e}"
            ))),
            Err(e) => Err(Error::Other(format!(
                "leader election: the election task failed: {e}"
            ))),
        }
    }

    /// Stops renewing without releasing, as a crashed replica would: the others take over once
    /// the Lease expires.
    pub fn abandon(self) {
        self.task.abort();
    }
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
