//! Kubernetes Events on the real control plane: an Event appears regarding the object, in its
//! namespace, with canon's controller, reason and type; a repeat within five minutes becomes a
//! series on the same Event; a different reason is a different Event; cluster-scoped objects get
//! theirs in `default` (the only namespace besides kube-system the API server allows for them).

use agent::events::{CLUSTER_SCOPED_NAMESPACE, REPORTING_CONTROLLER, Reason, Recorder};
use cluster::ObjectRef;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, ListParams, ObjectMeta, PostParams};

async fn events_in(client: &kube::Client, ns: &str) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(client.clone(), ns);
    api.list(&ListParams::default())
        .await
        .expect("list events")
        .items
        .into_iter()
        .filter(|e| e.reporting_controller.as_deref() == Some(REPORTING_CONTROLLER))
        .collect()
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn events_appear_regarding_the_object_and_repeats_make_a_series() {
    let cluster = testenv::cluster().await.expect("control plane");
    let client = cluster.client();
    let ns = testenv::namespace(&client).await.expect("namespace");
    let agent_ns = testenv::namespace(&client).await.expect("agent namespace");

    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    cms.create(
        &PostParams::default(),
        &ConfigMap {
            metadata: ObjectMeta {
                name: Some("settings".into()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        },
    )
    .await
    .expect("create the object");
    let object = ObjectRef {
        group: String::new(),
        version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some(ns.clone()),
        name: "settings".into(),
    };
    let recorder = Recorder::new(client.clone(), &agent_ns, "replica-test");

    recorder
        .record(
            &object,
            Reason::DriftDetected,
            "data.mode: git has \"a\", live has \"b\" (kubectl-edit)",
        )
        .await;
    let events = events_in(&client, &ns).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    let regarding = e.regarding.as_ref().expect("regarding");
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(regarding.api_version.as_deref(), Some("v1"));
    assert_eq!(regarding.name.as_deref(), Some("settings"));
    assert_eq!(regarding.namespace.as_deref(), Some(ns.as_str()));
    assert_eq!(e.reason.as_deref(), Some("DriftDetected"));
    assert_eq!(e.type_.as_deref(), Some("Warning"));
    assert_eq!(e.reporting_instance.as_deref(), Some("replica-test"));
    assert_eq!(
        e.note.as_deref(),
        Some("data.mode: git has \"a\", live has \"b\" (kubectl-edit)")
    );
    assert!(e.series.is_none(), "a first Event has no series");

    // The same drift again: the same Event, now a series of 2, then 3.
    recorder
        .try_record(&object, Reason::DriftDetected, "again")
        .await
        .expect("the repeat is accepted");
    let events = events_in(&client, &ns).await;
    assert_eq!(events.len(), 1, "a repeat is aggregated: {events:#?}");
    assert_eq!(events[0].series.as_ref().map(|s| s.count), Some(2));
    assert_eq!(events[0].metadata.name, e.metadata.name);
    recorder
        .record(&object, Reason::DriftDetected, "and again")
        .await;
    let events = events_in(&client, &ns).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].series.as_ref().map(|s| s.count), Some(3));
    // The note is immutable: the series counts repeats of the first one.
    assert_eq!(events[0].note, e.note);

    // Another reason about the same object is its own Event.
    recorder
        .record(&object, Reason::DriftReverted, "reverted data.mode")
        .await;
    let events = events_in(&client, &ns).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    let reverted = events
        .iter()
        .find(|e| e.reason.as_deref() == Some("DriftReverted"))
        .expect("DriftReverted event");
    assert_eq!(reverted.type_.as_deref(), Some("Normal"));

    // A long note is cut to the API's 1 KiB.
    let other = ObjectRef {
        name: "other".into(),
        ..object.clone()
    };
    let stored = recorder
        .try_record(&other, Reason::SyncFailed, &"x".repeat(5000))
        .await
        .expect("a long note is accepted after cutting");
    assert!(stored.note.as_deref().is_some_and(|n| n.len() <= 1024));
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn cluster_scoped_objects_get_events_in_default() {
    let cluster = testenv::cluster().await.expect("control plane");
    let client = cluster.client();
    let agent_ns = testenv::namespace(&client).await.expect("agent namespace");
    // A namespace is cluster-scoped; a fresh one keeps this test's Event apart from others'.
    let object = ObjectRef {
        group: String::new(),
        version: "v1".into(),
        kind: "Namespace".into(),
        namespace: None,
        name: agent_ns.clone(),
    };
    let recorder = Recorder::new(client.clone(), &agent_ns, "replica-test");
    let stored = recorder
        .try_record(&object, Reason::SyncFailed, "apply failed: forbidden")
        .await
        .expect("the API server accepts the Event");
    assert_eq!(
        stored.metadata.namespace.as_deref(),
        Some(CLUSTER_SCOPED_NAMESPACE)
    );
    let events: Vec<Event> = events_in(&client, CLUSTER_SCOPED_NAMESPACE)
        .await
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(agent_ns.as_str()))
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    let regarding = events[0].regarding.as_ref().expect("regarding");
    assert_eq!(regarding.kind.as_deref(), Some("Namespace"));
    assert_eq!(regarding.namespace, None);
    assert_eq!(events[0].reason.as_deref(), Some("SyncFailed"));
}
