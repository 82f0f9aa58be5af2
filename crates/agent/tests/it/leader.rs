//! Leader election on the real control plane: of two electors one leads; when the leader stops
//! renewing (as a crashed replica does), the other takes over once the Lease has expired; a
//! graceful release hands over at once.

use std::time::Duration;

use agent::config::LeaderElection;
use agent::leader::LeaderElector;
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;

fn config(name: &str) -> LeaderElection {
    LeaderElection {
        enabled: true,
        lease_name: name.to_string(),
        lease_duration: Duration::from_secs(3),
    }
}

/// Generous: the Lease lasts 3 s; this only bounds a broken election.
const PATIENCE: Duration = Duration::from_secs(60);

async fn holder(client: &kube::Client, ns: &str, name: &str) -> Option<String> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), ns);
    leases
        .get(name)
        .await
        .expect("the Lease exists")
        .spec
        .and_then(|s| s.holder_identity)
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn one_of_two_leads_and_the_other_takes_over_when_it_stops_renewing() {
    let cluster = testenv::cluster().await.expect("control plane");
    let client = cluster.client();
    let ns = testenv::namespace(&client).await.expect("namespace");
    let cfg = config("canon-agent");

    let a = LeaderElector::start(client.clone(), &ns, &cfg, "replica-a")
        .await
        .expect("elector a");
    assert!(a.wait_leading(PATIENCE).await, "a leads an unheld Lease");
    let b = LeaderElector::start(client.clone(), &ns, &cfg, "replica-b")
        .await
        .expect("elector b");
    // b campaigns for several renewals of a's Lease and must not win while a renews.
    let mut b_leading = b.subscribe();
    let stolen = tokio::time::timeout(
        Duration::from_secs(8),
        b_leading.wait_for(|leading| *leading),
    )
    .await
    .is_ok();
    assert!(!stolen, "b took the Lease while a was renewing it");
    assert!(a.is_leader() && !b.is_leader());
    assert_eq!(
        holder(&client, &ns, "canon-agent").await.as_deref(),
        Some("replica-a")
    );

    // a stops renewing without releasing, as a crashed replica would.
    a.abandon();
    assert!(
        b.wait_leading(PATIENCE).await,
        "b takes over after the Lease expires"
    );
    assert_eq!(
        holder(&client, &ns, "canon-agent").await.as_deref(),
        Some("replica-b")
    );
    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    let spec = leases
        .get("canon-agent")
        .await
        .expect("Lease")
        .spec
        .expect("spec");
    assert_eq!(spec.lease_duration_seconds, Some(3));
    assert!(spec.renew_time.is_some());

    // A graceful release frees the Lease for a third replica without waiting for expiry.
    let c = LeaderElector::start(client.clone(), &ns, &cfg, "replica-c")
        .await
        .expect("elector c");
    assert!(!c.is_leader());
    drop(b_leading);
    b.release().await.expect("b releases");
    assert!(c.wait_leading(PATIENCE).await, "c takes the released Lease");
    assert_eq!(
        holder(&client, &ns, "canon-agent").await.as_deref(),
        Some("replica-c")
    );
    c.release().await.expect("c releases");
}
