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

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Cluster, ObjectRef, Result};

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
        let _ = (environment, app);
        todo!("cluster helper: Inventory::name")
    }
}

pub async fn load(
    cluster: &Cluster,
    namespace: &str,
    environment: &str,
    app: &str,
) -> Result<Inventory> {
    let _ = (cluster, namespace, environment, app);
    todo!("cluster helper: inventory::load")
}

pub async fn save(cluster: &Cluster, namespace: &str, inventory: &Inventory) -> Result<()> {
    let _ = (cluster, namespace, inventory);
    todo!("cluster helper: inventory::save")
}

/// Every inventory in `namespace` (the agent uses it to find apps that left git entirely).
pub async fn list(cluster: &Cluster, namespace: &str) -> Result<Vec<Inventory>> {
    let _ = (cluster, namespace);
    todo!("cluster helper: inventory::list")
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
    let _ = (cluster, inventory, plan, desired_is_empty, allow_empty);
    todo!("cluster helper: inventory::prune")
}
