//! Syncing desired objects to the cluster with server-side apply, in order, with per-object results.
//!
//! Contract (cluster helper): [`apply`] takes one app's manifests and
//! 1. fixes namespaces ([`crate::Cluster::scope`], default = `opts.default_namespace`, the release's
//!    namespace) and creates missing namespaces the namespaced objects need (SSA of a bare Namespace
//!    by `canon`, unless the app itself holds that Namespace);
//! 2. adds the labels [`crate::LABEL_ENVIRONMENT`] and [`crate::LABEL_APP`] to each object (and to
//!    pod templates? no: only `metadata.labels`, so selectors are untouched);
//! 3. applies in phases: CustomResourceDefinitions and Namespaces first, then waits until each CRD is
//!    Established and each Namespace Active (bounded by `opts.wait_timeout`); then everything else in
//!    sync-wave order ([`crate::ANNOTATION_SYNC_WAVE`], default 0), within a wave by kind in helm's
//!    install order then by name; objects of one wave are applied concurrently (bounded);
//! 4. applies each object with server-side apply, field manager [`crate::FIELD_MANAGER`], `force`
//!    as configured, `dryRun=All` when `opts.dry_run`;
//! 5. records one [`ObjectResult`] per object: Created / Configured / Unchanged (resourceVersion not
//!    moved) / Failed with the API server's message. A failed object does not stop the others (except
//!    a failed CRD or Namespace, which fails the objects that need it with a message saying so).
//!
//! [`dry_run`] applies one already-labelled object with `dryRun=All` and `force=true` and returns
//! what the server would store: the drift check compares this with the live object, so server
//! defaults, quantity and int-or-string normalization come from the server itself.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Cluster, Manifest, ObjectRef, Result};

/// How many objects of one step are applied at once: enough to hide the API server's latency,
/// few enough not to trip its max-in-flight limits (400 mutating by default).
pub const CONCURRENCY: usize = 16;

/// helm's `InstallOrder` (v4; `helm::releaseutil::install_order`), copied rather than depending
/// on the renderer from the agent's side. Kinds not listed come after these, alphabetically.
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Knobs of one sync.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub environment: String,
    pub app: String,
    /// The release's namespace: where namespaced objects without one go.
    pub default_namespace: String,
    /// SSA `force` (take over fields owned by other managers). Argo CD and Flux force by default.
    pub force: bool,
    pub dry_run: bool,
    pub wait_timeout: Duration,
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "message", rename_all = "camelCase")]
pub enum ApplyAction {
    Created,
    Configured,
    Unchanged,
    Failed(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectResult {
    pub id: ObjectRef,
    pub source: String,
    #[serde(flatten)]
    pub action: ApplyAction,
}

/// The outcome of [`apply`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApplyReport {
    pub results: Vec<ObjectResult>,
    /// The live objects as the server returned them after apply (not in dry-run), by identity with
    /// the namespace fixed; the drift check starts from these.
    #[serde(skip)]
    pub applied: Vec<(ObjectRef, Value)>,
}

impl ApplyReport {
    pub fn failed(&self) -> impl Iterator<Item = &ObjectResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.action, ApplyAction::Failed(_)))
    }
}

/// The object canon applies for a manifest: namespace fixed, canon's labels added.
pub fn desired_object(manifest: &Manifest, id: &ObjectRef, opts: &ApplyOptions) -> Value {
    let mut object = manifest.object.clone();
    if !object.is_object() {
        return object;
    }
    let meta = object
        .as_object_mut()
        .expect("checked above")
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if !meta.is_object() {
        *meta = Value::Object(Default::default());
    }
    let meta = meta.as_object_mut().expect("made an object above");
    match &id.namespace {
        Some(ns) => {
            meta.insert("namespace".to_string(), Value::String(ns.clone()));
        }
        None => {
            meta.remove("namespace");
        }
    }
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Default::default()));
    if !labels.is_object() {
        *labels = Value::Object(Default::default());
    }
    let labels = labels.as_object_mut().expect("made an object above");
    labels.insert(
        crate::LABEL_ENVIRONMENT.to_string(),
        Value::String(opts.environment.clone()),
    );
    labels.insert(
        crate::LABEL_APP.to_string(),
        Value::String(opts.app.clone()),
    );
    object
}

/// One manifest on its way through [`apply`].
struct Item<'a> {
    manifest: &'a Manifest,
    /// The identity with the namespace fixed (once scoped).
    id: ObjectRef,
    result: Option<ApplyAction>,
}

fn is_crd(id: &ObjectRef) -> bool {
    id.group == "apiextensions.k8s.io" && id.kind == "CustomResourceDefinition"
}

fn is_namespace(id: &ObjectRef) -> bool {
    id.group.is_empty() && id.kind == "Namespace"
}

/// The position of a kind in helm's install order; unknown kinds after all known ones.
fn kind_rank(kind: &str) -> usize {
    INSTALL_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(INSTALL_ORDER.len())
}

/// The sync wave of an object ([`crate::ANNOTATION_SYNC_WAVE`]).
fn sync_wave(object: &Value) -> std::result::Result<i64, String> {
    match object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(crate::ANNOTATION_SYNC_WAVE))
    {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| {
            format!(
                "annotation {}: {s:?} is not an integer",
                crate::ANNOTATION_SYNC_WAVE
            )
        }),
        Some(other) => Err(format!(
            "annotation {}: {other} is not a string",
            crate::ANNOTATION_SYNC_WAVE
        )),
    }
}

/// The message of a failed API call: the server's own text when it sent a Status.
fn api_message(cluster: &Cluster, e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => crate::error::api_text(other, cluster.server()),
    }
}

fn api_for(
    cluster: &Cluster,
    resource: &crate::discovery::Resource,
    id: &ObjectRef,
) -> Api<DynamicObject> {
    match (&id.namespace, resource.namespaced) {
        (Some(ns), true) => Api::namespaced_with(cluster.client(), ns, &resource.api),
        _ => Api::all_with(cluster.client(), &resource.api),
    }
}

fn patch_params(force: bool, dry_run: bool) -> PatchParams {
    let mut pp = PatchParams::apply(crate::FIELD_MANAGER);
    if force {
        pp = pp.force();
    }
    if dry_run {
        pp = pp.dry_run();
    }
    pp
}

fn to_value(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The parts of an object a no-op apply leaves alone: everything but managedFields' timestamps.
fn comparable(object: &Value) -> Value {
    let mut v = object.clone();
    if let Some(fields) = v
        .pointer_mut("/metadata/managedFields")
        .and_then(Value::as_array_mut)
    {
        for entry in fields {
            if let Some(e) = entry.as_object_mut() {
                e.remove("time");
            }
        }
    }
    v
}

/// Applies one object; the action and, unless dry-run, the live object the server returned.
async fn apply_one(
    cluster: &Cluster,
    id: &ObjectRef,
    object: &Value,
    opts: &ApplyOptions,
) -> (ApplyAction, Option<Value>) {
    let resource = match cluster.resolve(id).await {
        Ok(r) => r,
        Err(e) => return (ApplyAction::Failed(e.to_string()), None),
    };
    let api = api_for(cluster, &resource, id);
    let prior = match api.get_opt(&id.name).await {
        Ok(p) => p,
        Err(e) => return (ApplyAction::Failed(api_message(cluster, &e)), None),
    };
    let pp = patch_params(opts.force, opts.dry_run);
    let applied = match api.patch(&id.name, &pp, &Patch::Apply(object)).await {
        Ok(a) => a,
        Err(e) => return (ApplyAction::Failed(api_message(cluster, &e)), None),
    };
    let action = match &prior {
        None => ApplyAction::Created,
        Some(prior) if opts.dry_run => {
            // A dry run stores nothing, so the resourceVersion never moves: compare contents.
            if comparable(&to_value(prior)) == comparable(&to_value(&applied)) {
                ApplyAction::Unchanged
            } else {
                ApplyAction::Configured
            }
        }
        Some(prior) => {
            if prior.metadata.resource_version == applied.metadata.resource_version {
                ApplyAction::Unchanged
            } else {
                ApplyAction::Configured
            }
        }
    };
    let live = (!opts.dry_run).then(|| to_value(&applied));
    (action, live)
}

/// Applies the given items (indices into `items`) concurrently, recording results.
async fn apply_batch(
    cluster: &Cluster,
    items: &mut [Item<'_>],
    batch: &[usize],
    opts: &ApplyOptions,
    applied: &mut Vec<(ObjectRef, Value)>,
) {
    let work: Vec<(usize, ObjectRef, Value)> = batch
        .iter()
        .map(|&i| {
            let item = &items[i];
            (
                i,
                item.id.clone(),
                desired_object(item.manifest, &item.id, opts),
            )
        })
        .collect();
    let done: Vec<(usize, ApplyAction, Option<Value>)> = futures::stream::iter(work)
        .map(|(i, id, object)| async move {
            let (action, live) = apply_one(cluster, &id, &object, opts).await;
            (i, action, live)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (i, action, live) in done {
        if let Some(live) = live {
            applied.push((items[i].id.clone(), live));
        }
        items[i].result = Some(action);
    }
}

/// Waits until a CRD is Established (and its names accepted); the failure message otherwise.
async fn wait_crd(
    cluster: &Cluster,
    name: &str,
    timeout: Duration,
) -> std::result::Result<(), String> {
    let api: Api<CustomResourceDefinition> = Api::all(cluster.client());
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let crd = api.get(name).await.map_err(|e| api_message(cluster, &e))?;
        let conditions = crd
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        if conditions
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
        {
            return Ok(());
        }
        if let Some(c) = conditions
            .iter()
            .find(|c| c.type_ == "NamesAccepted" && c.status == "False")
        {
            return Err(format!(
                "names not accepted: {}",
                c.message.clone().unwrap_or_default()
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("not Established after {:?}", timeout));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until a Namespace is Active; the failure message otherwise.
async fn wait_namespace(
    cluster: &Cluster,
    name: &str,
    timeout: Duration,
) -> std::result::Result<(), String> {
    let api: Api<Namespace> = Api::all(cluster.client());
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let ns = api.get(name).await.map_err(|e| api_message(cluster, &e))?;
        let phase = ns.status.as_ref().and_then(|s| s.phase.clone());
        match phase.as_deref() {
            Some("Active") => return Ok(()),
            Some("Terminating") => return Err("namespace is terminating".to_string()),
            _ => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("not Active after {timeout:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until discovery serves the kinds of the given CRDs (discovery lags Established a little).
async fn wait_discovery(cluster: &Cluster, kinds: &[ObjectRef], timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let mut missing = false;
        for id in kinds {
            if cluster.resolve(id).await.is_err() {
                missing = true;
                break;
            }
        }
        if !missing || tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = cluster.refresh().await;
    }
}

/// The kinds a CRD object defines, one [`ObjectRef`] per served version (name empty).
fn crd_kinds(object: &Value) -> Vec<ObjectRef> {
    let spec = &object["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else {
        return Vec::new();
    };
    spec["versions"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter(|v| v["served"].as_bool().unwrap_or(true))
                .filter_map(|v| v["name"].as_str())
                .map(|version| ObjectRef {
                    group: group.to_string(),
                    version: version.to_string(),
                    kind: kind.to_string(),
                    namespace: None,
                    name: String::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Syncs one app (see the module doc).
pub async fn apply(
    cluster: &Cluster,
    manifests: &[Manifest],
    opts: &ApplyOptions,
) -> Result<ApplyReport> {
    let mut items: Vec<Item<'_>> = manifests
        .iter()
        .map(|m| Item {
            manifest: m,
            id: m.id.clone(),
            result: None,
        })
        .collect();
    let mut applied = Vec::new();

    // Phase 1: CRDs and Namespaces, then wait for them to be usable.
    let first: Vec<usize> = (0..items.len())
        .filter(|&i| is_crd(&items[i].id) || is_namespace(&items[i].id))
        .collect();
    for &i in &first {
        match cluster.scope(&items[i].id, &opts.default_namespace).await {
            Ok(id) => items[i].id = id,
            Err(e) => items[i].result = Some(ApplyAction::Failed(e.to_string())),
        }
    }
    let pending: Vec<usize> = first
        .iter()
        .copied()
        .filter(|&i| items[i].result.is_none())
        .collect();
    apply_batch(cluster, &mut items, &pending, opts, &mut applied).await;

    // What the rest needs from phase 1: kinds from CRDs, namespaces; failures say why.
    let mut failed_kinds: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut failed_namespaces: BTreeMap<String, String> = BTreeMap::new();
    let mut own_namespaces: BTreeSet<String> = BTreeSet::new();
    let mut new_kinds: Vec<ObjectRef> = Vec::new();
    let waits: Vec<(usize, std::result::Result<(), String>)> = futures::stream::iter(first.clone())
        .map(|i| {
            let item = &items[i];
            async move {
                let ok = matches!(
                    item.result,
                    Some(ApplyAction::Created | ApplyAction::Configured | ApplyAction::Unchanged)
                );
                if !ok || opts.dry_run {
                    return (i, Ok(()));
                }
                let r = if is_crd(&item.id) {
                    wait_crd(cluster, &item.id.name, opts.wait_timeout).await
                } else {
                    wait_namespace(cluster, &item.id.name, opts.wait_timeout).await
                };
                (i, r)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (i, waited) in waits {
        if let Err(why) = waited {
            items[i].result = Some(ApplyAction::Failed(format!("applied, but {why}")));
        }
        let item = &items[i];
        let failure = match &item.result {
            Some(ApplyAction::Failed(m)) => Some(format!("{} failed: {m}", item.id)),
            _ => None,
        };
        if is_crd(&item.id) {
            let kinds = crd_kinds(&item.manifest.object);
            for k in &kinds {
                if let Some(f) = &failure {
                    failed_kinds.insert((k.group.clone(), k.kind.clone()), f.clone());
                }
            }
            if failure.is_none() && !opts.dry_run {
                new_kinds.extend(kinds);
            }
        } else {
            own_namespaces.insert(item.id.name.clone());
            if let Some(f) = failure {
                failed_namespaces.insert(item.id.name.clone(), f);
            }
        }
    }
    if !new_kinds.is_empty() {
        wait_discovery(cluster, &new_kinds, opts.wait_timeout).await;
    }

    // Phase 2: scope the rest (CRDs of phase 1 now discovered) and create missing namespaces.
    let rest: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].result.is_none() && !first.contains(&i))
        .collect();
    for &i in &rest {
        let key = (items[i].id.group.clone(), items[i].id.kind.clone());
        if let Some(why) = failed_kinds.get(&key) {
            items[i].result = Some(ApplyAction::Failed(why.clone()));
            continue;
        }
        match cluster.scope(&items[i].id, &opts.default_namespace).await {
            Ok(id) => items[i].id = id,
            Err(e) => items[i].result = Some(ApplyAction::Failed(e.to_string())),
        }
    }
    let needed: BTreeSet<String> = rest
        .iter()
        .filter(|&&i| items[i].result.is_none())
        .filter_map(|&i| items[i].id.namespace.clone())
        .filter(|ns| !own_namespaces.contains(ns))
        .collect();
    for ns in needed {
        if let Err(why) = ensure_namespace(cluster, &ns, opts).await {
            failed_namespaces.insert(ns.clone(), format!("Namespace/{ns}: {why}"));
        }
    }
    for &i in &rest {
        if items[i].result.is_some() {
            continue;
        }
        if let Some(why) = items[i]
            .id
            .namespace
            .as_ref()
            .and_then(|ns| failed_namespaces.get(ns))
        {
            items[i].result = Some(ApplyAction::Failed(why.clone()));
        }
    }

    // Phase 3: waves in order; within a wave, kinds in helm's order, each kind's objects at once.
    let mut steps: BTreeMap<(i64, usize, String), Vec<usize>> = BTreeMap::new();
    for &i in &rest {
        if items[i].result.is_some() {
            continue;
        }
        match sync_wave(&items[i].manifest.object) {
            Ok(wave) => {
                let kind = items[i].id.kind.clone();
                steps
                    .entry((wave, kind_rank(&kind), kind))
                    .or_default()
                    .push(i);
            }
            Err(why) => items[i].result = Some(ApplyAction::Failed(why)),
        }
    }
    for (_, mut batch) in steps {
        batch.sort_by(|&a, &b| items[a].id.cmp(&items[b].id));
        apply_batch(cluster, &mut items, &batch, opts, &mut applied).await;
    }

    let results = items
        .into_iter()
        .map(|item| ObjectResult {
            id: item.id,
            source: item.manifest.source.clone(),
            action: item
                .result
                .unwrap_or_else(|| ApplyAction::Failed("not applied".to_string())),
        })
        .collect();
    Ok(ApplyReport { results, applied })
}

/// Creates a namespace the app's objects need when it does not exist (a bare Namespace applied
/// by canon, without canon's labels: the app does not own it, so it is never pruned).
async fn ensure_namespace(
    cluster: &Cluster,
    name: &str,
    opts: &ApplyOptions,
) -> std::result::Result<(), String> {
    let api: Api<Namespace> = Api::all(cluster.client());
    if let Some(ns) = api
        .get_opt(name)
        .await
        .map_err(|e| api_message(cluster, &e))?
    {
        return match ns.status.and_then(|s| s.phase).as_deref() {
            Some("Terminating") => Err("namespace is terminating".to_string()),
            _ => Ok(()),
        };
    }
    let bare = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": name },
    });
    let dyn_api: Api<DynamicObject> = Api::all_with(
        cluster.client(),
        &kube::discovery::ApiResource::erase::<Namespace>(&()),
    );
    dyn_api
        .patch(
            name,
            &patch_params(true, opts.dry_run),
            &Patch::Apply(&bare),
        )
        .await
        .map_err(|e| api_message(cluster, &e))?;
    if opts.dry_run {
        return Ok(());
    }
    wait_namespace(cluster, name, opts.wait_timeout).await
}

/// What the server would store if canon applied `object` now (see the module doc).
pub async fn dry_run(cluster: &Cluster, id: &ObjectRef, object: &Value) -> Result<Value> {
    let resource = cluster.resolve(id).await?;
    let api = api_for(cluster, &resource, id);
    let result = api
        .patch(&id.name, &patch_params(true, true), &Patch::Apply(object))
        .await
        .map_err(|e| cluster.api_error(format!("dry-run apply of {id}"), e))?;
    Ok(to_value(&result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts() -> ApplyOptions {
        ApplyOptions {
            environment: "staging".into(),
            app: "web".into(),
            default_namespace: "apps".into(),
            force: true,
            dry_run: false,
            wait_timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn desired_object_fixes_namespace_and_adds_labels_only_to_metadata() {
        let object = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": {"app": "d"}},
            "spec": {"selector": {"matchLabels": {"app": "d"}},
                     "template": {"metadata": {"labels": {"app": "d"}}}},
        });
        let m = Manifest {
            id: ObjectRef::from_object(&object).expect("id"),
            object,
            source: "web/d.yaml".into(),
        };
        let mut id = m.id.clone();
        id.namespace = Some("apps".into());
        let got = desired_object(&m, &id, &opts());
        assert_eq!(got["metadata"]["namespace"], "apps");
        assert_eq!(
            got["metadata"]["labels"],
            json!({"app": "d", "canon.dev/environment": "staging", "canon.dev/app": "web"})
        );
        assert_eq!(
            got["spec"]["template"]["metadata"]["labels"],
            json!({"app": "d"})
        );
        assert_eq!(got["spec"]["selector"]["matchLabels"], json!({"app": "d"}));
    }

    #[test]
    fn desired_object_drops_namespace_of_cluster_scoped_kinds() {
        let object = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "r", "namespace": "oops", "labels": null},
        });
        let m = Manifest {
            id: ObjectRef::from_object(&object).expect("id"),
            object,
            source: "x".into(),
        };
        let mut id = m.id.clone();
        id.namespace = None;
        let got = desired_object(&m, &id, &opts());
        assert!(got["metadata"].get("namespace").is_none());
        assert_eq!(got["metadata"]["labels"]["canon.dev/app"], "web");
    }

    #[test]
    fn order_follows_helm_then_unknown_kinds() {
        assert!(kind_rank("ServiceAccount") < kind_rank("Deployment"));
        assert!(kind_rank("Service") < kind_rank("Deployment"));
        assert!(kind_rank("Deployment") < kind_rank("ServiceMonitor"));
        assert_eq!(kind_rank("ServiceMonitor"), kind_rank("Alertmanager"));
    }

    #[test]
    fn sync_wave_parses_the_annotation() {
        let w = |a: Value| sync_wave(&json!({"metadata": {"annotations": a}}));
        assert_eq!(w(json!({})), Ok(0));
        assert_eq!(w(json!({"canon.dev/sync-wave": "-2"})), Ok(-2));
        assert!(w(json!({"canon.dev/sync-wave": "soon"})).is_err());
        assert_eq!(sync_wave(&json!({"metadata": {}})), Ok(0));
    }

    #[test]
    fn crd_kinds_lists_served_versions() {
        let crd = json!({"spec": {"group": "ex.com", "names": {"kind": "Widget"},
            "versions": [{"name": "v1", "served": true}, {"name": "v0", "served": false}]}});
        let kinds = crd_kinds(&crd);
        assert_eq!(kinds.len(), 1);
        assert_eq!(
            (kinds[0].group.as_str(), kinds[0].version.as_str()),
            ("ex.com", "v1")
        );
    }
}
