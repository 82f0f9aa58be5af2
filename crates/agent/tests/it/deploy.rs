//! `deploy/`: the manifests parse, the kustomization lists every one of them, the ConfigMap's
//! agent.yaml is a valid agent config, and (on the real control plane) they apply server-side and
//! grant the agent's service account what it needs and nothing more, as SubjectAccessReviews say.

use std::collections::BTreeSet;
use std::path::PathBuf;

use agent::AgentConfig;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use kube::discovery::Scope;
use serde_json::Value;

const NAMESPACE: &str = "canon-system";
const SERVICE_ACCOUNT: &str = "canon-agent";

fn deploy_dir() -> PathBuf {
    testenv::repo_root().join("deploy")
}

/// Every document of the manifest files the kustomization lists, in its order.
fn manifests() -> Vec<(String, Value)> {
    let kustomization: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(deploy_dir().join("kustomization.yaml"))
            .expect("deploy/kustomization.yaml"),
    )
    .expect("kustomization.yaml parses");
    let mut out = Vec::new();
    for file in kustomization["resources"]
        .as_array()
        .expect("resources list")
    {
        let file = file.as_str().expect("a file name");
        let text = std::fs::read_to_string(deploy_dir().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let value = <Value as serde::Deserialize>::deserialize(doc)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            if !value.is_null() {
                out.push((file.to_string(), value));
            }
        }
    }
    out
}

#[test]
fn the_kustomization_lists_every_manifest() {
    let listed: BTreeSet<String> = manifests().into_iter().map(|(f, _)| f).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(deploy_dir())
        .expect("deploy/")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().expect("UTF-8");
            (name.ends_with(".yaml") && name != "kustomization.yaml").then_some(name)
        })
        .collect();
    assert_eq!(listed, on_disk);
    let kinds: BTreeSet<String> = manifests()
        .iter()
        .map(|(_, v)| v["kind"].as_str().expect("kind").to_string())
        .collect();
    for kind in [
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Deployment",
        "Service",
    ] {
        assert!(kinds.contains(kind), "deploy/ has no {kind}");
    }
}

#[test]
fn the_configmap_holds_a_valid_agent_yaml() {
    let (_, cm) = manifests()
        .into_iter()
        .find(|(_, v)| v["kind"] == "ConfigMap")
        .expect("a ConfigMap");
    let text = cm["data"]["agent.yaml"].as_str().expect("data.agent.yaml");
    // The keys and types, as the agent reads them (unknown keys are errors); `${VAR}` expansion is
    // AgentConfig::parse's and needs the Secret's variable, so the plain deserializer checks here.
    let config: AgentConfig = serde_yaml_ng::from_str(text).expect("agent.yaml is valid");
    assert_eq!(config.namespace, NAMESPACE);
    assert!(config.leader_election.enabled);
    // The Role grants get/patch on this one Lease only.
    assert_eq!(config.leader_election.lease_name, "canon-agent");
    assert!(config.environments.values().all(|e| e.cluster.in_cluster));
    // The probes reach the pod from the kubelet: not a loopback listener.
    assert!(config.listen.starts_with("0.0.0.0:"), "{}", config.listen);
    assert_eq!(
        config.webhook_secret.as_deref(),
        Some("${CANON_AGENT_WEBHOOK_SECRET}")
    );
}

#[test]
fn the_deployment_probes_and_mounts_what_the_agent_uses() {
    let (_, d) = manifests()
        .into_iter()
        .find(|(_, v)| v["kind"] == "Deployment")
        .expect("a Deployment");
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], SERVICE_ACCOUNT);
    let c = &pod["containers"][0];
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["args"][0], "agent");
    let env: BTreeSet<&str> = c["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(env.contains(agent::leader::POD_NAME_ENV));
    assert!(env.contains("CANON_AGENT_WEBHOOK_SECRET"));
}

async fn apply_all(client: &kube::Client) {
    for (file, object) in manifests() {
        let gvk = GroupVersionKind::try_from(&kube::core::TypeMeta {
            api_version: object["apiVersion"].as_str().expect("apiVersion").into(),
            kind: object["kind"].as_str().expect("kind").into(),
        })
        .expect("gvk");
        let (resource, caps) = kube::discovery::pinned_kind(client, &gvk)
            .await
            .unwrap_or_else(|e| panic!("{file}: discovery of {gvk:?}: {e}"));
        let name = object["metadata"]["name"].as_str().expect("name");
        let api: Api<DynamicObject> = match caps.scope {
            Scope::Cluster => Api::all_with(client.clone(), &resource),
            Scope::Namespaced => Api::namespaced_with(
                client.clone(),
                object["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{file}: {name} has no namespace")),
                &resource,
            ),
        };
        api.patch(
            name,
            &PatchParams::apply("canon-deploy-test").force(),
            &Patch::Apply(&object),
        )
        .await
        .unwrap_or_else(|e| panic!("{file}: applying {} {name}: {e}", gvk.kind));
    }
}

/// One check: verb, group, resource, namespace (None = cluster-wide), name.
type Check = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

async fn allowed(client: &kube::Client, (verb, group, resource, ns, name): Check) -> bool {
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(format!(
                "system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}"
            )),
            groups: Some(vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{NAMESPACE}"),
                "system:authenticated".into(),
            ]),
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                namespace: ns.map(String::from),
                name: name.map(String::from),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    let api: Api<SubjectAccessReview> = Api::all(client.clone());
    api.create(&PostParams::default(), &review)
        .await
        .expect("SubjectAccessReview")
        .status
        .expect("status")
        .allowed
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn deploy_applies_and_grants_least_privilege() {
    let cluster = testenv::cluster().await.expect("control plane");
    let client = cluster.client();
    apply_all(&client).await;
    // Applying again changes nothing and does not fail (what `kubectl apply` re-runs do).
    apply_all(&client).await;

    let app_ns = testenv::namespace(&client).await.expect("namespace");
    let app: &'static str = Box::leak(app_ns.into_boxed_str());
    let sys = Some(NAMESPACE);
    let ns = Some(app);

    let must: &[Check] = &[
        // Apply (server-side apply is a patch; creating needs create), watch for drift, prune.
        ("patch", "apps", "deployments", ns, Some("web")),
        ("create", "apps", "deployments", ns, None),
        ("watch", "apps", "deployments", None, None),
        ("list", "apps", "statefulsets", None, None),
        ("delete", "apps", "deployments", ns, Some("web")),
        ("get", "", "services", ns, Some("web")),
        ("patch", "", "configmaps", ns, Some("settings")),
        ("patch", "", "secrets", ns, Some("credentials")),
        ("watch", "", "secrets", None, None),
        ("patch", "", "serviceaccounts", ns, Some("web")),
        ("patch", "batch", "cronjobs", ns, Some("backup")),
        ("patch", "networking.k8s.io", "ingresses", ns, Some("web")),
        ("patch", "policy", "poddisruptionbudgets", ns, Some("web")),
        (
            "patch",
            "autoscaling",
            "horizontalpodautoscalers",
            ns,
            Some("web"),
        ),
        ("create", "", "namespaces", None, None),
        ("patch", "", "namespaces", None, Some("web")),
        // Its own state in canon-system: inventories, the Lease, Events.
        ("create", "", "configmaps", sys, None),
        ("update", "", "configmaps", sys, Some("canon-inv-prod-web")),
        ("delete", "", "configmaps", sys, Some("canon-inv-prod-web")),
        ("create", "coordination.k8s.io", "leases", sys, None),
        (
            "get",
            "coordination.k8s.io",
            "leases",
            sys,
            Some("canon-agent"),
        ),
        (
            "patch",
            "coordination.k8s.io",
            "leases",
            sys,
            Some("canon-agent"),
        ),
        ("create", "events.k8s.io", "events", sys, None),
        ("patch", "events.k8s.io", "events", sys, Some("web.1")),
        ("create", "events.k8s.io", "events", ns, None),
        // Events about cluster-scoped objects.
        ("create", "events.k8s.io", "events", Some("default"), None),
    ];
    let must_not: &[Check] = &[
        // No deleting namespaces (a prune must never take a whole namespace with it).
        ("delete", "", "namespaces", None, Some("web")),
        // Leases only in canon-system, and only its own.
        ("create", "coordination.k8s.io", "leases", ns, None),
        (
            "create",
            "coordination.k8s.io",
            "leases",
            Some("kube-system"),
            None,
        ),
        (
            "patch",
            "coordination.k8s.io",
            "leases",
            Some("kube-system"),
            Some("kube-controller-manager"),
        ),
        (
            "patch",
            "coordination.k8s.io",
            "leases",
            sys,
            Some("someone-else"),
        ),
        (
            "delete",
            "coordination.k8s.io",
            "leases",
            sys,
            Some("canon-agent"),
        ),
        // No escalation: RBAC, impersonation, CRDs, tokens.
        (
            "create",
            "rbac.authorization.k8s.io",
            "clusterroles",
            None,
            None,
        ),
        (
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            ns,
            None,
        ),
        (
            "bind",
            "rbac.authorization.k8s.io",
            "clusterroles",
            None,
            None,
        ),
        (
            "escalate",
            "rbac.authorization.k8s.io",
            "clusterroles",
            None,
            None,
        ),
        ("impersonate", "", "users", None, None),
        ("impersonate", "", "serviceaccounts", ns, None),
        (
            "create",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
            None,
        ),
        ("create", "", "serviceaccounts/token", ns, Some("web")),
        // No pods, exec, nodes, or reading logs.
        ("create", "", "pods", ns, None),
        ("create", "", "pods/exec", ns, Some("web-0")),
        ("get", "", "pods/log", ns, Some("web-0")),
        ("get", "", "nodes", None, None),
        ("patch", "", "nodes", None, Some("node-1")),
        // Updates outside apply, and the legacy Events API, are not needed.
        ("update", "apps", "deployments", ns, Some("web")),
        ("create", "", "events", ns, None),
        ("deletecollection", "apps", "deployments", ns, None),
        ("deletecollection", "", "configmaps", sys, None),
        (
            "create",
            "certificates.k8s.io",
            "certificatesigningrequests",
            None,
            None,
        ),
    ];
    let mut wrong = Vec::new();
    for check in must {
        if !allowed(&client, *check).await {
            wrong.push(format!("denied but needed: {check:?}"));
        }
    }
    for check in must_not {
        if allowed(&client, *check).await {
            wrong.push(format!("allowed but not needed: {check:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
