//! The control plane is a real Kubernetes API: objects round-trip through etcd, server-side apply
//! records field managers, and the controller manager reconciles Deployments.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};

#[tokio::test]
#[ignore = "needs the control plane binaries: run scripts/test"]
async fn configmap_round_trips_through_kube_rs() {
    let cluster = testenv::cluster().await.expect("a control plane");
    let client = cluster.client();
    let ns = testenv::namespace(&client).await.expect("a namespace");
    let api: Api<ConfigMap> = Api::namespaced(client, &ns);
    let data = BTreeMap::from([
        ("greeting".to_string(), "hello".to_string()),
        ("multi".to_string(), "line one\nline two\n".to_string()),
    ]);
    let cm = ConfigMap {
        metadata: kube::api::ObjectMeta {
            name: Some("smoke".into()),
            ..Default::default()
        },
        data: Some(data.clone()),
        ..Default::default()
    };
    let created = api
        .create(&PostParams::default(), &cm)
        .await
        .expect("create");
    assert!(created.metadata.uid.is_some(), "the server assigns a uid");
    assert!(created.metadata.resource_version.is_some());

    let read = api.get("smoke").await.expect("get");
    assert_eq!(read.data, Some(data));
    assert_eq!(read.metadata.uid, created.metadata.uid);
}

#[tokio::test]
#[ignore = "needs the control plane binaries: run scripts/test"]
async fn server_side_apply_records_the_field_manager() {
    let cluster = testenv::cluster().await.expect("a control plane");
    let client = cluster.client();
    let ns = testenv::namespace(&client).await.expect("a namespace");
    let api: Api<ConfigMap> = Api::namespaced(client, &ns);
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "applied"},
        "data": {"owned": "by canon"}
    });
    let params = PatchParams::apply("canon-smoke").force();
    api.patch("applied", &params, &Patch::Apply(&manifest))
        .await
        .expect("server-side apply");

    let cm = api.get("applied").await.expect("get");
    let managers = cm.metadata.managed_fields.unwrap_or_default();
    let ours = managers
        .iter()
        .find(|m| m.manager.as_deref() == Some("canon-smoke"))
        .unwrap_or_else(|| panic!("no canon-smoke entry in managedFields: {managers:?}"));
    assert_eq!(ours.operation.as_deref(), Some("Apply"));
    let fields = serde_json::to_string(&ours.fields_v1).expect("fieldsV1 serializes");
    assert!(
        fields.contains("f:owned"),
        "canon-smoke should own data.owned: {fields}"
    );
}

#[tokio::test]
#[ignore = "needs the control plane binaries: run scripts/test"]
async fn controller_manager_turns_a_deployment_into_a_replicaset() {
    let cluster = testenv::cluster().await.expect("a control plane");
    let client = cluster.client();
    let ns = testenv::namespace(&client).await.expect("a namespace");
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let manifest = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1"}]}
            }
        }
    });
    deployments
        .patch(
            "web",
            &PatchParams::apply("canon-smoke"),
            &Patch::Apply(&manifest),
        )
        .await
        .expect("apply deployment");

    let replicasets: Api<ReplicaSet> = Api::namespaced(client, &ns);
    // No kubelet runs pods, but the deployment controller must create the ReplicaSet. The loop
    // bounds a hang, it does not measure anything.
    for _ in 0..600 {
        let list = replicasets
            .list(&ListParams::default())
            .await
            .expect("list");
        if let Some(rs) = list.items.first() {
            let owner = rs
                .metadata
                .owner_references
                .as_ref()
                .and_then(|o| o.first())
                .expect("the ReplicaSet has an owner");
            assert_eq!(owner.kind, "Deployment");
            assert_eq!(owner.name, "web");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no ReplicaSet appeared for deployment {ns}/web: is kube-controller-manager running?");
}
