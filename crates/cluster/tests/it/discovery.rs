//! `Cluster::resolve`/`scope` against the real control plane: built-in kinds, scope fixing, and a
//! kind that appears after the cache was filled (a CRD created behind its back).

use cluster::{Cluster, Error, ObjectRef};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, PostParams};

pub async fn setup() -> (testenv::TestCluster, Cluster, String) {
    let tc = testenv::cluster()
        .await
        .expect("a control plane (scripts/test provisions one; see crates/testenv)");
    let ns = testenv::namespace(&tc.client())
        .await
        .expect("test namespace");
    let cluster = Cluster::new(tc.client());
    (tc, cluster, ns)
}

pub fn id(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef::from_object(&serde_json::json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
    }))
    .expect("an identity")
}

/// A CRD of a group unique to `ns` (kind Widget, plural widgets, namespaced, v1).
pub fn widget_crd(ns: &str) -> serde_json::Value {
    let group = format!("{ns}.canon.test");
    serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group,
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer", "minimum": 0},
                        "color": {"type": "string"}
                    }}
                }}}
            }]
        }
    })
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn resolves_builtin_kinds_and_fixes_scope() {
    let (_tc, cluster, ns) = setup().await;
    let deploy = cluster
        .resolve(&id("apps/v1", "Deployment", None, "d"))
        .await
        .expect("Deployment");
    assert!(deploy.namespaced);
    assert_eq!(deploy.api.plural, "deployments");

    let role = cluster
        .scope(
            &id(
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
                Some("x"),
                "r",
            ),
            &ns,
        )
        .await
        .expect("ClusterRole");
    assert_eq!(
        role.namespace, None,
        "cluster-scoped kinds lose a namespace"
    );

    let cm = cluster
        .scope(&id("v1", "ConfigMap", None, "c"), &ns)
        .await
        .expect("ConfigMap");
    assert_eq!(cm.namespace.as_deref(), Some(ns.as_str()));
    let cm = cluster
        .scope(&id("v1", "ConfigMap", Some("other"), "c"), &ns)
        .await
        .expect("ConfigMap");
    assert_eq!(cm.namespace.as_deref(), Some("other"));

    match cluster
        .resolve(&id("nope.canon.test/v1", "Nothing", None, "n"))
        .await
    {
        Err(Error::UnknownKind(what)) => assert_eq!(what, "nope.canon.test/v1/Nothing"),
        other => panic!("want UnknownKind, got {:?}", other.map(|r| r.api)),
    }
    // A version the server does not serve is unknown too.
    assert!(matches!(
        cluster
            .resolve(&id("apps/v1beta1", "Deployment", None, "d"))
            .await,
        Err(Error::UnknownKind(_))
    ));
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn a_miss_refreshes_discovery_once() {
    let (tc, cluster, ns) = setup().await;
    // Fill the cache before the kind exists.
    cluster
        .resolve(&id("v1", "ConfigMap", None, "c"))
        .await
        .expect("ConfigMap");
    let widget = id(&format!("{ns}.canon.test/v1"), "Widget", None, "w");
    assert!(matches!(
        cluster.resolve(&widget).await,
        Err(Error::UnknownKind(_))
    ));

    let crds: Api<CustomResourceDefinition> = Api::all(tc.client());
    let crd: CustomResourceDefinition =
        serde_json::from_value(widget_crd(&ns)).expect("CRD object");
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("create CRD");
    // Established and discovered take a moment; each resolve refreshes on its miss.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let found = loop {
        match cluster.scope(&widget, &ns).await {
            Ok(id) => break id,
            Err(Error::UnknownKind(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(found.namespace.as_deref(), Some(ns.as_str()));
    // Clones share the cache.
    let clone = cluster.clone();
    assert!(clone.resolve(&widget).await.expect("cached").namespaced);
    crds.delete(&format!("widgets.{ns}.canon.test"), &Default::default())
        .await
        .expect("delete CRD");
}
