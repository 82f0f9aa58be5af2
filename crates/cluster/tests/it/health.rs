//! `cluster::health`: every fixture against the health oracle's answers (gitops-engine, then
//! kstatus: `fixtures/health/expected.jsonl`, written by `scripts/health-oracle --regen`), the Go
//! tests' own assertions, and live objects on the real control plane.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cluster::health::{Health, HealthStatus, assess};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/health")
}

/// A fixture as the Go tests read it (sigs.k8s.io/yaml: YAML → JSON).
fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(rel)).expect("fixture is readable");
    let json = goyaml::yaml_to_json(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn health(s: &str) -> Health {
    match s {
        "Healthy" => Health::Healthy,
        "Suspended" => Health::Suspended,
        "Progressing" => Health::Progressing,
        "Missing" => Health::Missing,
        "Degraded" => Health::Degraded,
        "Unknown" => Health::Unknown,
        other => panic!("unknown health {other:?}"),
    }
}

/// `file → (status, message)` from oracle output lines.
fn parse_oracle(text: &str) -> BTreeMap<String, HealthStatus> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("oracle line is JSON");
            let field = |k: &str| v[k].as_str().expect("string field").to_string();
            (
                field("file"),
                HealthStatus {
                    status: health(&field("status")),
                    message: field("message"),
                },
            )
        })
        .collect()
}

fn expected() -> BTreeMap<String, HealthStatus> {
    let text = std::fs::read_to_string(fixtures().join("expected.jsonl"))
        .expect("expected.jsonl (scripts/health-oracle --regen writes it)");
    parse_oracle(&text)
}

fn fixture_files() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["argo", "kstatus", "canon"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).expect("fixture dir") {
            let name = entry.expect("dir entry").file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".yaml") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_matches_the_oracle() {
    let expected = expected();
    let files = fixture_files();
    assert_eq!(
        files,
        expected.keys().cloned().collect::<Vec<_>>(),
        "every fixture has an oracle answer (run scripts/health-oracle --regen)"
    );
    let mut wrong = Vec::new();
    for (file, want) in &expected {
        let got = assess(&load(file));
        if &got != want {
            wrong.push(format!("{file}: got {got:?}, oracle says {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        expected.len(),
        wrong.join("\n")
    );
}

/// The assertions of gitops-engine's `pkg/health/health_test.go` and, for the kinds that reach
/// kstatus here, of cli-utils' `status_compute_test.go` (Current → Healthy, InProgress →
/// Progressing, Failed → Degraded). gitops-engine's "nil" (no check) for knative-service and the
/// Argo CD Application is kstatus's Current.
#[test]
fn go_test_assertions_hold() {
    use Health::*;
    let cases: &[(&str, Health)] = &[
        ("argo/nginx.yaml", Healthy),
        ("argo/deployment-progressing.yaml", Progressing),
        ("argo/deployment-suspended.yaml", Suspended),
        ("argo/deployment-degraded.yaml", Degraded),
        ("argo/statefulset.yaml", Healthy),
        ("argo/statefulset-ondelete.yaml", Healthy),
        ("argo/daemonset-ondelete.yaml", Healthy),
        ("argo/pvc-bound.yaml", Healthy),
        ("argo/pvc-pending.yaml", Progressing),
        ("argo/svc-clusterip.yaml", Healthy),
        ("argo/svc-loadbalancer.yaml", Healthy),
        ("argo/svc-loadbalancer-unassigned.yaml", Progressing),
        ("argo/svc-loadbalancer-nonemptylist.yaml", Healthy),
        ("argo/ingress.yaml", Healthy),
        ("argo/ingress-unassigned.yaml", Progressing),
        ("argo/ingress-nonemptylist.yaml", Healthy),
        ("argo/job-running.yaml", Progressing),
        ("argo/job-failed.yaml", Degraded),
        ("argo/job-succeeded.yaml", Healthy),
        ("argo/hpa-v2-healthy.yaml", Healthy),
        ("argo/hpa-v2-degraded.yaml", Degraded),
        ("argo/hpa-v2-progressing.yaml", Progressing),
        ("argo/hpa-v2beta2-healthy.yaml", Healthy),
        ("argo/hpa-v2beta1-healthy-disabled.yaml", Healthy),
        ("argo/hpa-v2beta1-healthy.yaml", Healthy),
        ("argo/hpa-v1-degraded.yaml", Degraded),
        ("argo/hpa-v1-healthy.yaml", Healthy),
        ("argo/hpa-v1-healthy-toofew.yaml", Healthy),
        ("argo/hpa-v1-progressing.yaml", Progressing),
        (
            "argo/hpa-v1-progressing-with-no-annotations.yaml",
            Progressing,
        ),
        ("argo/pod-pending.yaml", Progressing),
        ("argo/pod-running-not-ready.yaml", Progressing),
        ("argo/pod-crashloop.yaml", Degraded),
        ("argo/pod-imagepullbackoff.yaml", Degraded),
        ("argo/pod-error.yaml", Degraded),
        ("argo/pod-running-restart-always.yaml", Healthy),
        ("argo/pod-running-restart-never.yaml", Progressing),
        ("argo/pod-running-restart-onfailure.yaml", Progressing),
        ("argo/pod-failed.yaml", Degraded),
        ("argo/pod-succeeded.yaml", Healthy),
        ("argo/pod-deletion.yaml", Progressing),
        ("argo/apiservice-v1-true.yaml", Healthy),
        ("argo/apiservice-v1-false.yaml", Progressing),
        ("argo/apiservice-v1beta1-true.yaml", Healthy),
        ("argo/apiservice-v1beta1-false.yaml", Progressing),
        ("argo/knative-service.yaml", Healthy),
        ("argo/application-healthy.yaml", Healthy),
        ("argo/application-degraded.yaml", Healthy),
        ("kstatus/crdNoStatus.yaml", Healthy),
        ("kstatus/crdReady.yaml", Healthy),
        ("kstatus/crdNotReady.yaml", Progressing),
        ("kstatus/crdNoCondition.yaml", Healthy),
        ("kstatus/crdMismatchStatusGeneration.yaml", Progressing),
        ("kstatus/crdNoConditions.yaml", Progressing),
        ("kstatus/crdInstalling.yaml", Progressing),
        ("kstatus/crdNamesNotAccepted.yaml", Degraded),
        ("kstatus/crdEstablished.yaml", Healthy),
        ("kstatus/cronjobNoStatus.yaml", Healthy),
        ("kstatus/cronjobWithStatus.yaml", Healthy),
        ("kstatus/pdbNotObserved.yaml", Progressing),
        ("kstatus/pdbObserved.yaml", Healthy),
    ];
    for (file, want) in cases {
        assert_eq!(assess(&load(file)).status, *want, "{file}");
    }
}

fn health_oracle() -> PathBuf {
    let script = testenv::repo_root().join("scripts/health-oracle");
    let out = Command::new(&script)
        .arg("--print-path")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "scripts/health-oracle could not build the oracle (needs Go and the module proxy):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// expected.jsonl is what the real Go libraries say today, not an edited file.
#[test]
#[ignore = "builds the Go health oracle (scripts/health-oracle); run by scripts/test"]
fn expected_is_the_oracles_output() {
    let oracle = health_oracle();
    let files = fixture_files();
    let out = Command::new(oracle)
        .args(&files)
        .current_dir(fixtures())
        .output()
        .expect("run health-oracle");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        parse_oracle(&String::from_utf8_lossy(&out.stdout)),
        expected()
    );
}

/// The oracle's answer for one live object.
fn oracle_says(oracle: &Path, object: &Value) -> HealthStatus {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("object.json");
    std::fs::write(&path, serde_json::to_vec(object).expect("json")).expect("write object");
    let out = Command::new(oracle)
        .arg(&path)
        .output()
        .expect("run health-oracle");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_oracle(&String::from_utf8_lossy(&out.stdout))
        .into_values()
        .next()
        .expect("one answer")
}

/// Polls `get` until `assess` gives `want`, checking every live state seen against the oracle.
async fn reaches<F, Fut>(oracle: &Path, what: &str, want: &HealthStatus, mut get: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut seen = Vec::new();
    // A bound on waiting for controllers, not an assertion on time.
    for _ in 0..120 {
        let object = get().await;
        let got = assess(&object);
        assert_eq!(
            got,
            oracle_says(oracle, &object),
            "{what}: canon and the oracle disagree on {object:#}"
        );
        if &got == want {
            return object;
        }
        if seen.last() != Some(&got) {
            seen.push(got);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} never reached {want:?}; it went through {seen:?}");
}

#[tokio::test]
#[ignore = "needs the real control plane and the Go health oracle; run by scripts/test"]
async fn live_objects_reach_their_health() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim};
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{Api, DeleteParams, PostParams};

    let oracle = health_oracle();
    let tc = testenv::cluster().await.expect("control plane");
    let client = tc.client();
    let ns = testenv::namespace(&client).await.expect("namespace");

    // A Namespace is Healthy (kstatus: no rules, Active).
    let namespaces: Api<Namespace> = Api::all(client.clone());
    reaches(
        &oracle,
        "namespace",
        &HealthStatus::new(Health::Healthy, "Resource is current"),
        || async {
            serde_json::to_value(namespaces.get(&ns).await.expect("get ns")).expect("json")
        },
    )
    .await;

    // A Deployment with no kubelet: the controller creates the ReplicaSet and a Pending pod, and
    // the rollout waits for availability forever.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let deployment: Deployment = serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "demo"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "demo", "image": "registry.invalid/demo:1"}]}
            }
        }
    }))
    .expect("deployment");
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .expect("create deployment");
    reaches(
        &oracle,
        "deployment",
        &HealthStatus::new(
            Health::Progressing,
            "Waiting for rollout to finish: 0 of 1 updated replicas are available...",
        ),
        || async {
            serde_json::to_value(deployments.get("demo").await.expect("get deployment"))
                .expect("json")
        },
    )
    .await;

    // A PVC nobody provisions stays Pending.
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &ns);
    let pvc: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "none",
            "resources": {"requests": {"storage": "1Gi"}}
        }
    }))
    .expect("pvc");
    pvcs.create(&PostParams::default(), &pvc)
        .await
        .expect("create pvc");
    reaches(
        &oracle,
        "pvc",
        &HealthStatus::new(Health::Progressing, ""),
        || async { serde_json::to_value(pvcs.get("data").await.expect("get pvc")).expect("json") },
    )
    .await;
    let live = serde_json::to_value(pvcs.get("data").await.expect("get pvc")).expect("json");
    assert_eq!(live["status"]["phase"], "Pending");

    // A CRD is Healthy once Established (a fresh group per run: CRDs are cluster-scoped).
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let group = format!("{ns}.canon.test");
    let name = format!("widgets.{group}");
    let crd: CustomResourceDefinition = serde_json::from_value(serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "spec": {
            "group": group,
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true,
                          "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    }))
    .expect("crd");
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("create crd");
    let established = reaches(
        &oracle,
        "crd",
        &HealthStatus::new(Health::Healthy, "CRD is established"),
        || async { serde_json::to_value(crds.get(&name).await.expect("get crd")).expect("json") },
    )
    .await;
    let conditions = established["status"]["conditions"]
        .as_array()
        .expect("conditions");
    assert!(
        conditions
            .iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True"),
        "{conditions:?}"
    );

    // Deleting: the CRD has no instances, so it goes at once; the namespace waits for its
    // controller (no kubelet-owned pods block it), observed as Pending deletion when seen.
    crds.delete(&name, &DeleteParams::default())
        .await
        .expect("delete crd");
    namespaces
        .delete(&ns, &DeleteParams::default())
        .await
        .expect("delete namespace");
    if let Some(live) = namespaces.get_opt(&ns).await.expect("get namespace") {
        let live = serde_json::to_value(live).expect("json");
        if live["metadata"]["deletionTimestamp"].is_string() {
            assert_eq!(
                assess(&live),
                HealthStatus::new(Health::Progressing, "Pending deletion")
            );
        }
    }
}
