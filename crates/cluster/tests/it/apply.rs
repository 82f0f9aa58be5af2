//! `apply::apply` and `apply::dry_run` against the real control plane: CRD + CR in one call,
//! Namespace + objects in it, missing namespaces created, field manager `canon`, re-apply
//! Unchanged, a change Configured, a bad object Failed with the server's message while the others
//! apply, and dry-run storing nothing.

use std::time::{Duration, Instant};

use cluster::apply::{self, ApplyAction, ApplyOptions};
use cluster::{Manifest, ObjectRef};
use kube::api::{Api, DynamicObject};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

use crate::discovery::{setup, widget_crd};

pub fn opts(app: &str, ns: &str) -> ApplyOptions {
    ApplyOptions {
        environment: "test".into(),
        app: app.into(),
        default_namespace: ns.into(),
        force: true,
        dry_run: false,
        wait_timeout: Duration::from_secs(60),
    }
}

pub fn manifest(object: Value) -> Manifest {
    Manifest {
        id: ObjectRef::from_object(&object).expect("an identity"),
        object,
        source: "test".into(),
    }
}

pub fn deployment(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}
            }
        }
    })
}

fn config_map(name: &str, namespace: Option<&str>, value: &str) -> Value {
    let mut cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"key": value},
    });
    if let Some(ns) = namespace {
        cm["metadata"]["namespace"] = ns.into();
    }
    cm
}

/// The live object (exactly as the server returns it).
pub async fn get(
    client: &kube::Client,
    api_version: &str,
    kind: &str,
    ns: Option<&str>,
    name: &str,
) -> Option<Value> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let plural = format!("{}s", kind.to_lowercase());
    let ar = ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: api_version.into(),
        kind: kind.into(),
        plural,
    };
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    api.get_opt(name)
        .await
        .expect("get")
        .map(|o| serde_json::to_value(o).expect("json"))
}

fn managers(object: &Value) -> Vec<(String, String)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_string(),
                        e["operation"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn crd_and_custom_resource_in_one_call() {
    let (tc, cluster, ns) = setup().await;
    let group = format!("{ns}.canon.test");
    let widget = json!({
        "apiVersion": format!("{group}/v1"), "kind": "Widget",
        "metadata": {"name": "w1"},
        "spec": {"size": 3, "color": "blue"},
    });
    // The CR comes first in the input: ordering is apply's job.
    let manifests = vec![manifest(widget), manifest(widget_crd(&ns))];
    let report = apply::apply(&cluster, &manifests, &opts("widgets", &ns))
        .await
        .expect("apply");
    for r in &report.results {
        assert_eq!(r.action, ApplyAction::Created, "{}", r.id);
    }
    assert_eq!(report.results[0].id.namespace.as_deref(), Some(ns.as_str()));
    assert_eq!(report.results[1].id.namespace, None);
    let live = get(
        &tc.client(),
        &format!("{group}/v1"),
        "Widget",
        Some(&ns),
        "w1",
    )
    .await
    .expect("the widget exists");
    assert_eq!(live["spec"]["size"], 3);
    assert_eq!(live["metadata"]["labels"]["canon.dev/app"], "widgets");
    assert_eq!(live["metadata"]["labels"]["canon.dev/environment"], "test");
    assert!(managers(&live).contains(&("canon".into(), "Apply".into())));
    assert_eq!(report.applied.len(), 2);

    let crds: Api<DynamicObject> = Api::all_with(
        tc.client(),
        &ApiResource::erase::<
            k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
        >(&()),
    );
    crds.delete(&format!("widgets.{group}"), &Default::default())
        .await
        .expect("clean up the CRD");
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn namespace_and_objects_then_reapply_unchanged_then_configured() {
    let (tc, cluster, ns) = setup().await;
    let own_ns = format!("{ns}-own");
    let missing_ns = format!("{ns}-auto");
    let manifests = vec![
        manifest(config_map("in-own", Some(&own_ns), "a")),
        manifest(deployment("web", 1)),
        manifest(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": own_ns}})),
        manifest(config_map("in-missing", Some(&missing_ns), "b")),
        manifest(config_map("in-default", None, "c")),
    ];
    let o = opts("ns-app", &ns);
    let t = Instant::now();
    let report = apply::apply(&cluster, &manifests, &o).await.expect("apply");
    eprintln!("first apply of 5 objects: {:?}", t.elapsed());
    for r in &report.results {
        assert_eq!(r.action, ApplyAction::Created, "{}", r.id);
    }
    let client = tc.client();
    let own = get(&client, "v1", "Namespace", None, &own_ns)
        .await
        .expect("own namespace");
    assert_eq!(own["metadata"]["labels"]["canon.dev/app"], "ns-app");
    // The namespace canon created for the app is bare: not the app's, so never pruned with it.
    let auto = get(&client, "v1", "Namespace", None, &missing_ns)
        .await
        .expect("auto namespace");
    assert!(auto["metadata"]["labels"].get("canon.dev/app").is_none());
    // (A bare apply owns no fields, so the server keeps no managedFields entry for it.)
    assert_eq!(auto["status"]["phase"], "Active");
    for (name, namespace) in [
        ("in-own", &own_ns),
        ("in-missing", &missing_ns),
        ("in-default", &ns),
    ] {
        let cm = get(&client, "v1", "ConfigMap", Some(namespace), name)
            .await
            .expect(name);
        assert_eq!(
            managers(&cm),
            vec![("canon".to_string(), "Apply".to_string())],
            "{name}"
        );
    }

    let t = Instant::now();
    let again = apply::apply(&cluster, &manifests, &o)
        .await
        .expect("re-apply");
    eprintln!("re-apply of 5 unchanged objects: {:?}", t.elapsed());
    for r in &again.results {
        assert_eq!(r.action, ApplyAction::Unchanged, "{}", r.id);
    }

    let mut changed = manifests.clone();
    changed[1] = manifest(deployment("web", 2));
    let dry = apply::apply(
        &cluster,
        &changed,
        &ApplyOptions {
            dry_run: true,
            ..o.clone()
        },
    )
    .await
    .expect("dry-run apply");
    assert_eq!(dry.results[1].action, ApplyAction::Configured);
    assert_eq!(dry.results[0].action, ApplyAction::Unchanged);
    assert!(dry.applied.is_empty());
    let live = get(&client, "apps/v1", "Deployment", Some(&ns), "web")
        .await
        .expect("web");
    assert_eq!(live["spec"]["replicas"], 1, "a dry run stores nothing");

    let third = apply::apply(&cluster, &changed, &o)
        .await
        .expect("apply a change");
    let actions: Vec<&ApplyAction> = third.results.iter().map(|r| &r.action).collect();
    assert_eq!(
        actions,
        [
            &ApplyAction::Unchanged,
            &ApplyAction::Configured,
            &ApplyAction::Unchanged,
            &ApplyAction::Unchanged,
            &ApplyAction::Unchanged
        ]
    );
    let live = get(&client, "apps/v1", "Deployment", Some(&ns), "web")
        .await
        .expect("web");
    assert_eq!(live["spec"]["replicas"], 2);

    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client);
    for n in [&own_ns, &missing_ns] {
        namespaces
            .delete(n, &Default::default())
            .await
            .expect("clean up");
    }
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn a_bad_object_fails_with_the_servers_message_and_the_others_apply() {
    let (tc, cluster, ns) = setup().await;
    let bad_service = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "bad"},
        "spec": {"ports": [{"port": 70000}], "selector": {"app": "x"}},
    });
    let unknown = json!({
        "apiVersion": "nope.canon.test/v1", "kind": "Thing", "metadata": {"name": "t"},
    });
    let manifests = vec![
        manifest(config_map("before", None, "1")),
        manifest(bad_service),
        manifest(deployment("after", 1)),
        manifest(unknown),
    ];
    let report = apply::apply(&cluster, &manifests, &opts("bad", &ns))
        .await
        .expect("apply returns a report");
    assert_eq!(report.results[0].action, ApplyAction::Created);
    assert_eq!(report.results[2].action, ApplyAction::Created);
    match &report.results[1].action {
        ApplyAction::Failed(msg) => {
            assert!(msg.contains("70000"), "{msg}");
            assert!(msg.contains("must be between 1 and 65535"), "{msg}");
        }
        other => panic!("want Failed, got {other:?}"),
    }
    match &report.results[3].action {
        ApplyAction::Failed(msg) => assert!(msg.contains("no such kind"), "{msg}"),
        other => panic!("want Failed, got {other:?}"),
    }
    assert_eq!(report.failed().count(), 2);
    let client = tc.client();
    assert!(
        get(&client, "v1", "ConfigMap", Some(&ns), "before")
            .await
            .is_some()
    );
    assert!(
        get(&client, "apps/v1", "Deployment", Some(&ns), "after")
            .await
            .is_some()
    );
    assert!(
        get(&client, "v1", "Service", Some(&ns), "bad")
            .await
            .is_none()
    );
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn a_failed_namespace_fails_the_objects_in_it() {
    let (_tc, cluster, ns) = setup().await;
    let bad_ns = "Not_A_Valid_Name";
    let manifests = vec![
        manifest(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": bad_ns}})),
        manifest(config_map("inside", Some(bad_ns), "x")),
        manifest(config_map("outside", None, "y")),
    ];
    let report = apply::apply(&cluster, &manifests, &opts("nsfail", &ns))
        .await
        .expect("report");
    assert!(matches!(report.results[0].action, ApplyAction::Failed(_)));
    match &report.results[1].action {
        ApplyAction::Failed(msg) => {
            assert!(msg.contains("Namespace/Not_A_Valid_Name failed"), "{msg}")
        }
        other => panic!("want Failed, got {other:?}"),
    }
    assert_eq!(report.results[2].action, ApplyAction::Created);
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn dry_run_returns_what_the_server_would_store() {
    let (tc, cluster, ns) = setup().await;
    let m = manifest(deployment("dr", 2));
    let o = opts("dr", &ns);
    let id = cluster.scope(&m.id, &ns).await.expect("scope");
    let object = apply::desired_object(&m, &id, &o);
    let would = apply::dry_run(&cluster, &id, &object)
        .await
        .expect("dry run");
    // Server defaults are filled in, canon's entry is there, and nothing was stored.
    assert_eq!(would["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(
        would["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"],
        "/dev/termination-log"
    );
    assert!(managers(&would).contains(&("canon".into(), "Apply".into())));
    assert!(
        get(&tc.client(), "apps/v1", "Deployment", Some(&ns), "dr")
            .await
            .is_none()
    );
}
