//! Inventory ConfigMaps and pruning against the real control plane: save/load/list round trip,
//! prune deletes what left git, never an object outside the inventory (even with canon's labels),
//! never one another app adopted, and refuses to prune an app to nothing.

use std::collections::BTreeSet;

use cluster::apply::{self, ApplyAction};
use cluster::inventory::{self, Inventory};
use cluster::{Error, ObjectRef};
use serde_json::json;

use crate::apply::{get, manifest, opts};
use crate::discovery::setup;

fn cm(name: &str, labels: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn save_load_list_round_trip() {
    let (_tc, cluster, ns) = setup().await;
    // The agent's namespace is created on first save.
    let agent_ns = format!("{ns}-agent");
    let empty = inventory::load(&cluster, &agent_ns, "staging", "web")
        .await
        .expect("load missing");
    assert!(empty.objects.is_empty());
    assert_eq!(
        (empty.environment.as_str(), empty.app.as_str()),
        ("staging", "web")
    );

    let objects: BTreeSet<ObjectRef> = [
        crate::discovery::id("apps/v1", "Deployment", Some(&ns), "web"),
        crate::discovery::id("rbac.authorization.k8s.io/v1", "ClusterRole", None, "web"),
    ]
    .into();
    let inv = Inventory {
        environment: "staging".into(),
        app: "web".into(),
        revision: "abc123".into(),
        objects,
    };
    inventory::save(&cluster, &agent_ns, &inv)
        .await
        .expect("save");
    let other = Inventory {
        app: "db".into(),
        ..inv.clone()
    };
    inventory::save(&cluster, &agent_ns, &other)
        .await
        .expect("save");
    let loaded = inventory::load(&cluster, &agent_ns, "staging", "web")
        .await
        .expect("load");
    assert_eq!(loaded, inv);
    // Versions survive too (equality ignores them).
    let versions: Vec<&str> = loaded.objects.iter().map(|o| o.version.as_str()).collect();
    assert_eq!(versions, ["v1", "v1"]);
    let all = inventory::list(&cluster, &agent_ns).await.expect("list");
    let apps: Vec<&str> = all.iter().map(|i| i.app.as_str()).collect();
    assert_eq!(apps, ["db", "web"]);

    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(_tc.client());
    namespaces
        .delete(&agent_ns, &Default::default())
        .await
        .expect("clean up");
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn prune_removes_what_left_and_nothing_else() {
    let (tc, cluster, ns) = setup().await;
    let client = tc.client();
    let o = opts("pruned", &ns);
    let manifests = vec![
        manifest(cm("keep", json!({}))),
        manifest(cm("gone", json!({}))),
        manifest(cm("adopted", json!({}))),
        manifest(cm("vanished", json!({}))),
    ];
    let report = apply::apply(&cluster, &manifests, &o).await.expect("apply");
    assert!(
        report
            .results
            .iter()
            .all(|r| r.action == ApplyAction::Created)
    );
    let inv = Inventory {
        environment: "test".into(),
        app: "pruned".into(),
        revision: "r1".into(),
        objects: report.results.iter().map(|r| r.id.clone()).collect(),
    };
    // Same labels, never in the inventory: must survive.
    let stranger = manifest(cm("stranger", json!({})));
    apply::apply(&cluster, std::slice::from_ref(&stranger), &o)
        .await
        .expect("apply stranger");
    // Another app took one over.
    let adopted = manifest(cm("adopted", json!({})));
    apply::apply(&cluster, &[adopted], &opts("other-app", &ns))
        .await
        .expect("adopt");
    // One is already gone.
    let cms: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(client.clone(), &ns);
    cms.delete("vanished", &Default::default())
        .await
        .expect("delete");

    let desired: BTreeSet<ObjectRef> = [report.results[0].id.clone()].into();
    let plan = inventory::prune_plan(&inv, &desired);
    assert_eq!(plan.len(), 3);
    let pruned = inventory::prune(&cluster, &inv, &plan, false, false)
        .await
        .expect("prune");
    let names: Vec<&str> = pruned.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["gone", "vanished"]);
    // Background deletion of a ConfigMap (no finalizers) is immediate.
    assert!(
        get(&client, "v1", "ConfigMap", Some(&ns), "gone")
            .await
            .is_none()
    );
    for name in ["keep", "stranger", "adopted"] {
        assert!(
            get(&client, "v1", "ConfigMap", Some(&ns), name)
                .await
                .is_some(),
            "{name}"
        );
    }

    // A plan naming objects outside the inventory deletes nothing of them.
    let outside = vec![cluster.scope(&stranger.id, &ns).await.expect("scope")];
    let none = inventory::prune(&cluster, &inv, &outside, false, false)
        .await
        .expect("prune");
    assert!(none.is_empty());
    assert!(
        get(&client, "v1", "ConfigMap", Some(&ns), "stranger")
            .await
            .is_some()
    );
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn prune_to_empty_is_refused_unless_allowed() {
    let (tc, cluster, ns) = setup().await;
    let o = opts("emptied", &ns);
    let report = apply::apply(&cluster, &[manifest(cm("only", json!({})))], &o)
        .await
        .expect("apply");
    let inv = Inventory {
        environment: "test".into(),
        app: "emptied".into(),
        revision: "r".into(),
        objects: report.results.iter().map(|r| r.id.clone()).collect(),
    };
    let plan = inventory::prune_plan(&inv, &BTreeSet::new());
    match inventory::prune(&cluster, &inv, &plan, true, false).await {
        Err(Error::PruneToEmpty(app)) => assert_eq!(app, "emptied"),
        other => panic!("want PruneToEmpty, got {other:?}"),
    }
    assert!(
        get(&tc.client(), "v1", "ConfigMap", Some(&ns), "only")
            .await
            .is_some()
    );
    let pruned = inventory::prune(&cluster, &inv, &plan, true, true)
        .await
        .expect("allowed");
    assert_eq!(pruned.len(), 1);
    assert!(
        get(&tc.client(), "v1", "ConfigMap", Some(&ns), "only")
            .await
            .is_none()
    );
}
