//! Which objects canon applied for an app, stored in the cluster, and pruning what left git.
//!
//! Contract (cluster helper): the inventory of app `A` in environment `E` is a ConfigMap named
//! [`Inventory::name`] in the agent's namespace (default `canon-system`, created on first save),
//! labelled with [`crate::LABEL_ENVIRONMENT`]/[`crate::LABEL_APP`], holding the sorted object
//! references (with versions) and the state commit that wrote it. [`load`] returns an empty inventory
//! when none exists. After a sync the agent saves the union of the old inventory and what was applied
//! (so a failed sync never forgets an object), then prunes.
//!
//! [`prune_plan`] is pure: inventory minus desired. [`prune`] deletes exactly those objects
//! (propagation Background), never anything not in the inventory, skips objects whose live
//! [`crate::LABEL_APP`] label names another app (adopted elsewhere), refuses with
//! [`crate::Error::PruneToEmpty`] when the desired set is empty and the plan is not, unless
//! `allow_empty`; already-gone objects count as pruned. It returns what was deleted, and the caller
//! then saves the inventory without them.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Cluster, Error, ObjectRef, Result};

/// ConfigMap data keys.
const KEY_ENVIRONMENT: &str = "environment";
const KEY_APP: &str = "app";
const KEY_REVISION: &str = "revision";
const KEY_OBJECTS: &str = "objects";
/// Label marking canon's inventory ConfigMaps, so [`list`] finds them and nothing else.
const LABEL_INVENTORY: &str = "canon.dev/inventory";
/// Object names are DNS subdomains: at most 253 characters.
const MAX_NAME: usize = 253;

/// The objects of one app that canon has applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub environment: String,
    pub app: String,
    /// The state repo commit of the last save.
    pub revision: String,
    pub objects: BTreeSet<ObjectRef>,
}

impl Inventory {
    /// The ConfigMap name: `canon-inv-<env>-<app>`, shortened with a hash suffix past 253 chars.
    pub fn name(environment: &str, app: &str) -> String {
        let full = format!("canon-inv-{environment}-{app}");
        if full.len() <= MAX_NAME {
            return full;
        }
        let digest = Sha256::digest(full.as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        // Cut on a char boundary, leaving room for "-" and the 16 hex digits.
        let mut cut = MAX_NAME - 1 - hash.len();
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        let stem = full[..cut].trim_end_matches(['-', '.']);
        format!("{stem}-{hash}")
    }
}

fn api_error(cluster: &Cluster, what: String) -> impl FnOnce(kube::Error) -> Error + '_ {
    move |e| cluster.api_error(what, e)
}

/// Label values are at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends; longer
/// or odd names keep their exact value in the data only.
fn label_value(s: &str) -> Option<String> {
    let ok = s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && s.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric());
    ok.then(|| s.to_string())
}

fn from_config_map(cm: &ConfigMap) -> Result<Inventory> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let data = cm.data.clone().unwrap_or_default();
    let get = |key: &str| data.get(key).cloned().unwrap_or_default();
    let objects: BTreeSet<ObjectRef> = match data.get(KEY_OBJECTS) {
        None => BTreeSet::new(),
        Some(text) => serde_json::from_str::<Vec<ObjectRef>>(text)
            .map_err(|e| Error::Inventory {
                name: name.clone(),
                message: format!("data.{KEY_OBJECTS}: {e}"),
            })?
            .into_iter()
            .collect(),
    };
    Ok(Inventory {
        environment: get(KEY_ENVIRONMENT),
        app: get(KEY_APP),
        revision: get(KEY_REVISION),
        objects,
    })
}

pub async fn load(
    cluster: &Cluster,
    namespace: &str,
    environment: &str,
    app: &str,
) -> Result<Inventory> {
    let name = Inventory::name(environment, app);
    let api: Api<ConfigMap> = Api::namespaced(cluster.client(), namespace);
    let cm = api
        .get_opt(&name)
        .await
        .map_err(api_error(cluster, format!("ConfigMap/{namespace}/{name}")))?;
    match cm {
        None => Ok(Inventory {
            environment: environment.to_string(),
            app: app.to_string(),
            ..Inventory::default()
        }),
        Some(cm) => {
            let inv = from_config_map(&cm)?;
            if inv.environment != environment || inv.app != app {
                return Err(Error::Inventory {
                    name,
                    message: format!(
                        "holds environment {:?} app {:?}, not {environment:?} {app:?}",
                        inv.environment, inv.app
                    ),
                });
            }
            Ok(inv)
        }
    }
}

pub async fn save(cluster: &Cluster, namespace: &str, inventory: &Inventory) -> Result<()> {
    let name = Inventory::name(&inventory.environment, &inventory.app);
    ensure_namespace(cluster, namespace).await?;
    let objects: Vec<&ObjectRef> = inventory.objects.iter().collect();
    let objects = serde_json::to_string(&objects).map_err(|e| Error::Inventory {
        name: name.clone(),
        message: e.to_string(),
    })?;
    let mut labels = BTreeMap::from([(LABEL_INVENTORY.to_string(), "true".to_string())]);
    if let Some(v) = label_value(&inventory.environment) {
        labels.insert(crate::LABEL_ENVIRONMENT.to_string(), v);
    }
    if let Some(v) = label_value(&inventory.app) {
        labels.insert(crate::LABEL_APP.to_string(), v);
    }
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.to_string()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([
            (KEY_ENVIRONMENT.to_string(), inventory.environment.clone()),
            (KEY_APP.to_string(), inventory.app.clone()),
            (KEY_REVISION.to_string(), inventory.revision.clone()),
            (KEY_OBJECTS.to_string(), objects),
        ])),
        ..ConfigMap::default()
    };
    // SSA wants apiVersion and kind in the body; the typed struct leaves them out.
    let mut body = serde_json::to_value(&cm).map_err(|e| Error::Inventory {
        name: name.clone(),
        message: e.to_string(),
    })?;
    body["apiVersion"] = "v1".into();
    body["kind"] = "ConfigMap".into();
    let api: Api<ConfigMap> = Api::namespaced(cluster.client(), namespace);
    api.patch(
        &name,
        &PatchParams::apply(crate::FIELD_MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(api_error(cluster, format!("ConfigMap/{namespace}/{name}")))?;
    Ok(())
}

/// Creates the agent's namespace on first save.
async fn ensure_namespace(cluster: &Cluster, namespace: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(cluster.client());
    let what = format!("Namespace/{namespace}");
    if api
        .get_opt(namespace)
        .await
        .map_err(api_error(cluster, what.clone()))?
        .is_some()
    {
        return Ok(());
    }
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace},
    });
    api.patch(
        namespace,
        &PatchParams::apply(crate::FIELD_MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(api_error(cluster, what))?;
    Ok(())
}

/// Every inventory in `namespace` (the agent uses it to find apps that left git entirely).
pub async fn list(cluster: &Cluster, namespace: &str) -> Result<Vec<Inventory>> {
    let api: Api<ConfigMap> = Api::namespaced(cluster.client(), namespace);
    let cms = api
        .list(&ListParams::default().labels(&format!("{LABEL_INVENTORY}=true")))
        .await
        .map_err(api_error(cluster, format!("ConfigMaps in {namespace}")))?;
    let mut out = cms
        .items
        .iter()
        .map(from_config_map)
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| (&a.environment, &a.app).cmp(&(&b.environment, &b.app)));
    Ok(out)
}

/// The objects to prune: in the inventory, not desired.
pub fn prune_plan(inventory: &Inventory, desired: &BTreeSet<ObjectRef>) -> Vec<ObjectRef> {
    inventory.objects.difference(desired).cloned().collect()
}

/// Deletes the planned objects (see the module doc).
pub async fn prune(
    cluster: &Cluster,
    inventory: &Inventory,
    plan: &[ObjectRef],
    desired_is_empty: bool,
    allow_empty: bool,
) -> Result<Vec<ObjectRef>> {
    if desired_is_empty && !plan.is_empty() && !allow_empty {
        return Err(Error::PruneToEmpty(inventory.app.clone()));
    }
    let mut pruned = Vec::new();
    for id in plan {
        // Only what this inventory holds: a plan from elsewhere never widens what is deleted.
        if !inventory.objects.contains(id) {
            continue;
        }
        let resource = match cluster.resolve(id).await {
            Ok(r) => r,
            // The kind is no longer served (its CRD left): its objects left with it.
            Err(Error::UnknownKind(_)) => {
                pruned.push(id.clone());
                continue;
            }
            Err(e) => return Err(e),
        };
        let api: Api<kube::api::DynamicObject> = match (&id.namespace, resource.namespaced) {
            (Some(ns), true) => Api::namespaced_with(cluster.client(), ns, &resource.api),
            _ => Api::all_with(cluster.client(), &resource.api),
        };
        let live = api
            .get_opt(&id.name)
            .await
            .map_err(api_error(cluster, format!("get {id}")))?;
        let Some(live) = live else {
            pruned.push(id.clone());
            continue;
        };
        let owner = live
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(crate::LABEL_APP));
        if owner.is_some_and(|o| *o != inventory.app) {
            tracing::info!(object = %id, owner = ?owner, app = %inventory.app, "not pruning: adopted by another app");
            continue;
        }
        // Delete exactly the object that was looked at, not a namesake created meanwhile.
        let mut dp = DeleteParams::background();
        if let Some(uid) = live.metadata.uid.clone() {
            dp = dp.preconditions(kube::api::Preconditions {
                uid: Some(uid),
                resource_version: None,
            });
        }
        match api.delete(&id.name, &dp).await {
            Ok(_) => pruned.push(id.clone()),
            Err(kube::Error::Api(s)) if s.code == 404 => pruned.push(id.clone()),
            Err(e) => return Err(api_error(cluster, format!("delete {id}"))(e)),
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            group: String::new(),
            version: "v1".into(),
            kind: kind.into(),
            namespace: Some("n".into()),
            name: name.into(),
        }
    }

    #[test]
    fn names_are_short_and_valid() {
        assert_eq!(Inventory::name("staging", "web"), "canon-inv-staging-web");
        let long = Inventory::name("staging", &"a".repeat(300));
        assert_eq!(long.len(), 253);
        assert!(long.starts_with("canon-inv-staging-aaa"));
        let other = Inventory::name("staging", &format!("{}b", "a".repeat(299)));
        assert_ne!(long, other, "the hash tells long names apart");
    }

    #[test]
    fn plan_is_inventory_minus_desired() {
        let inv = Inventory {
            objects: [
                id("ConfigMap", "a"),
                id("ConfigMap", "b"),
                id("Service", "a"),
            ]
            .into(),
            ..Inventory::default()
        };
        let desired: BTreeSet<ObjectRef> = [id("ConfigMap", "a"), id("Secret", "x")].into();
        assert_eq!(
            prune_plan(&inv, &desired),
            vec![id("ConfigMap", "b"), id("Service", "a")]
        );
    }

    #[test]
    fn label_values_follow_kubernetes_rules() {
        assert_eq!(label_value("web-1").as_deref(), Some("web-1"));
        assert_eq!(label_value("-x"), None);
        assert_eq!(label_value(&"a".repeat(64)), None);
        assert_eq!(label_value("a/b"), None);
    }
}
