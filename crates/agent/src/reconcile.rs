//! The sync loop: per environment, bring the cluster to the newest good snapshot.
//!
//! Contract (agent helper): one task per environment. It wakes on a new snapshot (from the poller or
//! the git webhook via [`Trigger`]), on its poll timer, and on a selfHeal request from
//! [`crate::drift`]. For each app (concurrently, bounded): with `sync: auto`, [`cluster::apply::apply`]
//! (default namespace = the release's namespace, force per config); save the inventory (old ∪
//! applied); with `prune`, prune inventory − desired and save again; assess health of the applied
//! objects; update [`crate::store`] (objects, Synced/OutOfSync, health, last sync, history) and send
//! alerts for SyncFailed, HealthDegraded/Recovered and Pruned. With `sync: manual` it only computes
//! status (dry-run diff). Apps whose inventory exists but which left the index are pruned as a whole
//! only when `allowEmpty` (else reported). A failing app never stops the others; API errors retry
//! with backoff; an apiserver restart mid-sync converges on the next pass. Only the leader applies.
//! After a sync, the environment's desired objects are handed to [`crate::drift`].
//!
//! When an app is applied: auto sync applies an app when its rendered files changed (digest) or its
//! last apply failed, like Argo CD's automated sync; the poll timer re-applies unchanged apps only
//! in selfHeal mode, so detect-only mode really never reverts drift.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster::{
    ApplyAction, ApplyOptions, Cluster, FieldDiff, Health, HealthStatus, Inventory, ObjectRef,
};
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::alerts::{Alert, AlertObjectDiff};
use crate::config::{EnvironmentConfig, SyncMode};
use crate::drift::{CompactJson, DesiredObject, DesiredSet};
use crate::source::{AppDesired, EnvironmentSnapshot, LastGood, StoredManifest};
use crate::store::{AppKey, EventKind, HistoryEntry, ObjectStatus, Store, SyncStatus};

/// Why a reconcile pass runs.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A new state commit was fetched.
    Snapshot(std::sync::Arc<crate::source::Snapshot>),
    /// The poll timer or a manual request.
    Resync,
    /// Drift was detected on an app in selfHeal mode.
    Heal(crate::store::AppKey),
    /// The state repo could not be fetched: recorded on the environment, nothing else changes.
    FetchFailed(String),
}

/// Handle to an environment's loop.
pub type TriggerSender = mpsc::Sender<Trigger>;

/// Apps of one environment synced at once.
const APP_CONCURRENCY: usize = 8;
/// Waiting for CRDs and Namespaces within one apply.
const WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the agent's side effects beyond the store go: alerts, Kubernetes Events, metrics. `run`
/// connects them to [`crate::alerts`], [`crate::events`] and [`crate::metrics`]; every method
/// defaults to nothing.
pub trait Hooks: Send + Sync + 'static {
    fn alert(&self, _alert: Alert) {}
    /// A Kubernetes Event on `id` (reason `DriftDetected`, `DriftReverted`, `SyncFailed`).
    fn object_event(&self, _environment: &str, _id: &ObjectRef, _reason: &str, _note: &str) {}
    /// Drift seen on an app; `latency` from the watch event's arrival to the store update.
    fn drift_detected(&self, _key: &AppKey, _latency: Duration) {}
    fn reconciled(&self, _environment: &str, _took: Duration) {}
    fn apply_failed(&self, _key: &AppKey) {}
    fn fetched(&self, _took: Duration) {}
}

/// Hooks that do nothing.
pub struct NoHooks;
impl Hooks for NoHooks {}

/// What an environment's loop and its drift watcher share.
pub struct EnvContext {
    pub name: String,
    pub config: EnvironmentConfig,
    /// The agent's namespace (inventories).
    pub namespace: String,
    pub cluster: Cluster,
    pub store: Store,
    pub hooks: Arc<dyn Hooks>,
    /// Whether this replica may apply (leader election; always true without it).
    pub leader: watch::Receiver<bool>,
    pub poll_interval: Duration,
}

impl EnvContext {
    fn is_leader(&self) -> bool {
        *self.leader.borrow()
    }
}

/// RFC 3339 now.
pub(crate) fn now() -> String {
    jiff::Timestamp::now().to_string()
}

pub(crate) fn history(kind: EventKind, revision: &str, message: String) -> HistoryEntry {
    HistoryEntry {
        time: now(),
        kind,
        revision: revision.to_string(),
        message,
        diff: Vec::new(),
    }
}

/// Sends an alert through the hooks and records it in the app's history.
pub(crate) fn record(
    ctx: &EnvContext,
    key: &AppKey,
    kind: EventKind,
    revision: &str,
    summary: String,
    diff: Vec<AlertObjectDiff>,
) {
    let entry = HistoryEntry {
        diff: diff.iter().flat_map(|d| d.fields.iter().cloned()).collect(),
        ..history(kind, revision, summary.clone())
    };
    ctx.store.update_app(key, |a| a.history.push_front(entry));
    ctx.hooks.alert(Alert {
        event: kind,
        environment: key.environment.clone(),
        app: key.app.clone(),
        revision: revision.to_string(),
        summary,
        diff,
        time: now(),
    });
}

/// The state of one environment's loop.
pub struct EnvironmentLoop {
    ctx: Arc<EnvContext>,
    last_good: LastGood,
    /// Digest applied successfully per app (auto sync applies on change).
    applied: HashMap<String, String>,
    /// Desired objects per app, handed to drift after every pass.
    desired: BTreeMap<String, Vec<(ObjectRef, Arc<DesiredObject>)>>,
    desired_tx: watch::Sender<Arc<DesiredSet>>,
}

/// What one app's sync produced.
struct AppOutcome {
    name: String,
    /// The digest applied, when the apply succeeded for every object.
    applied_digest: Option<String>,
    /// Desired objects, when known (None keeps the previous ones).
    desired: Option<Vec<(ObjectRef, Arc<DesiredObject>)>>,
    /// An API error worth retrying soon.
    retry: bool,
}

impl EnvironmentLoop {
    pub fn new(ctx: Arc<EnvContext>) -> (Self, watch::Receiver<Arc<DesiredSet>>) {
        let (desired_tx, desired_rx) = watch::channel(Arc::new(DesiredSet::default()));
        (
            EnvironmentLoop {
                ctx,
                last_good: LastGood::default(),
                applied: HashMap::new(),
                desired: BTreeMap::new(),
                desired_tx,
            },
            desired_rx,
        )
    }

    /// Runs until the trigger channel closes.
    pub async fn run(mut self, mut rx: mpsc::Receiver<Trigger>) {
        let poll = self.ctx.poll_interval;
        let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + poll, poll);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut retry_at: Option<tokio::time::Instant> = None;
        let mut backoff = Duration::from_secs(1);
        loop {
            let trigger = tokio::select! {
                t = rx.recv() => match t {
                    Some(t) => t,
                    None => return,
                },
                _ = timer.tick() => Trigger::Resync,
                _ = sleep_until_opt(retry_at) => Trigger::Resync,
            };
            let retry = match trigger {
                Trigger::Heal(key) => {
                    // Several drift events of one app collapse into one heal.
                    let mut heal = BTreeSet::from([key.app]);
                    let mut other = None;
                    while let Ok(t) = rx.try_recv() {
                        match t {
                            Trigger::Heal(k) => {
                                heal.insert(k.app);
                            }
                            t => other = Some(t),
                        }
                    }
                    let mut retry = self.heal(&heal).await;
                    if let Some(t) = other {
                        retry |= self.handle(t).await;
                    }
                    retry
                }
                t => self.handle(t).await,
            };
            if retry {
                retry_at = Some(tokio::time::Instant::now() + backoff);
                backoff = (backoff * 2).min(poll.max(Duration::from_secs(1)));
            } else {
                retry_at = None;
                backoff = Duration::from_secs(1);
            }
        }
    }

    /// Handles one trigger; true when something failed that is worth retrying soon.
    pub async fn handle(&mut self, trigger: Trigger) -> bool {
        match trigger {
            Trigger::Snapshot(snap) => {
                let name = self.ctx.name.clone();
                let entry = match snap.environments.get(&name) {
                    Some(e) => e.clone(),
                    None => Err(format!("environment {name} is not in the snapshot")),
                };
                self.last_good.update(&name, &entry);
                let error = entry.as_ref().err().cloned();
                let revision = self.last_good.get(&name).map(|s| s.revision.clone());
                self.ctx.store.update_environment(&name, |e| {
                    e.error = error;
                    e.last_fetch = Some(now());
                    if let Some(r) = revision {
                        e.revision = r;
                    }
                });
                self.pass(false).await
            }
            Trigger::Resync => self.pass(self.ctx.config.self_heal).await,
            Trigger::Heal(key) => self.heal(&BTreeSet::from([key.app])).await,
            Trigger::FetchFailed(message) => {
                self.ctx.store.update_environment(&self.ctx.name, |e| {
                    e.error = Some(message);
                });
                false
            }
        }
    }

    /// Re-applies the named apps (selfHeal).
    async fn heal(&mut self, apps: &BTreeSet<String>) -> bool {
        let Some(snap) = self.last_good.get(&self.ctx.name) else {
            return false;
        };
        let todo: Vec<usize> = (0..snap.apps.len())
            .filter(|&i| apps.contains(&snap.apps[i].name))
            .collect();
        let retry = self.sync_apps(&snap, todo, true).await;
        self.publish(&snap.revision);
        retry
    }

    /// One pass over the environment; `reapply` re-applies apps whose files did not change.
    pub async fn pass(&mut self, reapply: bool) -> bool {
        let started = Instant::now();
        let Some(snap) = self.last_good.get(&self.ctx.name) else {
            return false;
        };
        let todo = (0..snap.apps.len()).collect();
        let mut retry = self.sync_apps(&snap, todo, reapply).await;
        retry |= self.orphans(&snap).await;
        self.publish(&snap.revision);
        self.ctx.hooks.reconciled(&self.ctx.name, started.elapsed());
        retry
    }

    /// Syncs the apps of `snap` at the indices `apps` (indices, so a pass copies no manifests).
    async fn sync_apps(
        &mut self,
        snap: &Arc<EnvironmentSnapshot>,
        apps: Vec<usize>,
        reapply: bool,
    ) -> bool {
        let sem = Arc::new(Semaphore::new(APP_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for i in apps {
            let app = &snap.apps[i];
            let apply = match self.ctx.config.sync {
                SyncMode::Manual => false,
                SyncMode::Auto => reapply || self.applied.get(&app.name) != Some(&app.digest),
            };
            let ctx = self.ctx.clone();
            let snap = snap.clone();
            let sem = sem.clone();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                sync_app(&ctx, &snap, &snap.apps[i], apply).await
            });
        }
        let mut retry = false;
        while let Some(joined) = tasks.join_next().await {
            let outcome = match joined {
                Ok(o) => o,
                Err(e) => {
                    tracing::error!(environment = %self.ctx.name, "app sync task failed: {e}");
                    retry = true;
                    continue;
                }
            };
            retry |= outcome.retry;
            match outcome.applied_digest {
                Some(d) => {
                    self.applied.insert(outcome.name.clone(), d);
                }
                None if outcome.retry => {
                    self.applied.remove(&outcome.name);
                }
                None => {}
            }
            if let Some(d) = outcome.desired {
                self.desired.insert(outcome.name, d);
            }
        }
        retry
    }

    /// Apps with an inventory in the cluster that left the index: pruned as a whole only with
    /// `prune` and `allowEmpty`, otherwise reported on the app.
    async fn orphans(&mut self, snap: &EnvironmentSnapshot) -> bool {
        let ctx = &self.ctx;
        if ctx.config.sync == SyncMode::Manual {
            return false;
        }
        let inventories = match cluster::inventory::list(&ctx.cluster, &ctx.namespace).await {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(environment = %ctx.name, "listing inventories: {e}");
                return true;
            }
        };
        let names: BTreeSet<&str> = snap.apps.iter().map(|a| a.name.as_str()).collect();
        let mut retry = false;
        for inv in inventories {
            if inv.environment != ctx.name || names.contains(inv.app.as_str()) {
                continue;
            }
            let key = AppKey {
                environment: ctx.name.clone(),
                app: inv.app.clone(),
            };
            self.desired.remove(&inv.app);
            self.applied.remove(&inv.app);
            if !ctx.config.prune || !ctx.config.allow_empty || !ctx.is_leader() {
                let msg = format!(
                    "{key} left the index at {}; its {} objects are not pruned (needs prune and allowEmpty)",
                    short(&snap.revision),
                    inv.objects.len()
                );
                ctx.store.update_app(&key, |a| {
                    if a.error.as_deref() != Some(msg.as_str()) {
                        a.error = Some(msg.clone());
                    }
                    a.sync = SyncStatus::OutOfSync;
                });
                continue;
            }
            let plan: Vec<ObjectRef> = inv.objects.iter().cloned().collect();
            match cluster::inventory::prune(&ctx.cluster, &inv, &plan, true, true).await {
                Ok(deleted) => {
                    if let Err(e) = delete_inventory(ctx, &inv).await {
                        tracing::warn!(app = %key, "deleting the inventory: {e}");
                        retry = true;
                    }
                    let summary = format!(
                        "{key} left the index at {}: pruned {}",
                        short(&snap.revision),
                        list_objects(&deleted)
                    );
                    record(
                        ctx,
                        &key,
                        EventKind::Pruned,
                        &snap.revision,
                        summary,
                        vec![],
                    );
                    ctx.store.remove_app(&key);
                }
                Err(e) => {
                    let msg = format!("pruning {key}: {e}");
                    ctx.store.update_app(&key, |a| a.error = Some(msg));
                    retry = true;
                }
            }
        }
        retry
    }

    fn publish(&self, revision: &str) {
        let mut set = DesiredSet {
            revision: revision.to_string(),
            objects: BTreeMap::new(),
        };
        for objects in self.desired.values() {
            for (id, d) in objects {
                set.objects.insert(id.clone(), Arc::clone(d));
            }
        }
        self.desired_tx.send_replace(Arc::new(set));
    }
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn delete_inventory(ctx: &EnvContext, inv: &Inventory) -> Result<(), kube::Error> {
    let api: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(ctx.cluster.client(), &ctx.namespace);
    match api
        .delete(
            &Inventory::name(&inv.environment, &inv.app),
            &Default::default(),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e),
    }
}

pub(crate) fn short(revision: &str) -> &str {
    &revision[..revision.len().min(12)]
}

fn list_objects(ids: &[ObjectRef]) -> String {
    const SHOWN: usize = 10;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    if s.is_empty() {
        s.push_str("nothing");
    }
    s
}

/// Syncs one app: apply (or status only), inventory, prune, health, store.
async fn sync_app(
    ctx: &EnvContext,
    snap: &EnvironmentSnapshot,
    app: &AppDesired,
    apply: bool,
) -> AppOutcome {
    let key = AppKey {
        environment: ctx.name.clone(),
        app: app.name.clone(),
    };
    let revision = snap.revision.as_str();
    ctx.store.update_app(&key, |a| {
        a.namespace = app.namespace.clone();
        a.path = app.path.clone();
        a.chart = app.chart.clone();
        a.chart_version = app.chart_version.clone();
        a.revision = snap.revision.clone();
        a.source_commit = snap.source_commit.clone();
        a.source_ref = snap.source_ref.clone();
    });
    let mut outcome = AppOutcome {
        name: app.name.clone(),
        applied_digest: None,
        desired: None,
        retry: false,
    };
    let stored = match &app.manifests {
        Ok(m) => m,
        Err(e) => {
            fail(
                ctx,
                &key,
                revision,
                format!("manifests of {key}: {e}"),
                None,
            );
            // Drift keeps watching what the last good files said.
            return outcome;
        }
    };
    let opts = ApplyOptions {
        environment: ctx.name.clone(),
        app: app.name.clone(),
        default_namespace: app.namespace.clone(),
        force: ctx.config.force,
        dry_run: false,
        wait_timeout: WAIT_TIMEOUT,
    };
    let manual = ctx.config.sync == SyncMode::Manual || !ctx.is_leader();
    if !manual && !apply {
        // Unchanged and applied: the desired objects (and drift's baselines) stay.
        return outcome;
    }
    // Parsed only for the work below: a pass over unchanged apps parses nothing.
    let manifests: Vec<cluster::Manifest> = stored.iter().map(StoredManifest::manifest).collect();
    if manual {
        let (retry, desired) = status_only(ctx, &key, revision, &manifests, &opts).await;
        outcome.retry = retry;
        outcome.desired = Some(desired);
        return outcome;
    }

    let report = match cluster::apply::apply(&ctx.cluster, &manifests, &opts).await {
        Ok(r) => r,
        Err(e) => {
            fail(
                ctx,
                &key,
                revision,
                format!("sync of {key} failed: {e}"),
                None,
            );
            outcome.retry = true;
            return outcome;
        }
    };
    let failed: Vec<String> = report
        .failed()
        .map(|r| match &r.action {
            ApplyAction::Failed(m) => format!("{}: {m}", r.id),
            _ => String::new(),
        })
        .collect();

    // Desired objects with their scoped identity; the server's stored object is drift's baseline.
    let applied: HashMap<&ObjectRef, &Value> = report.applied.iter().map(|(i, v)| (i, v)).collect();
    let mut desired = Vec::with_capacity(manifests.len());
    let mut desired_ids = BTreeSet::new();
    for m in &manifests {
        let id = match ctx.cluster.scope(&m.id, &app.namespace).await {
            Ok(id) => id,
            // An unknown kind already failed in the report.
            Err(_) => continue,
        };
        let object = cluster::apply::desired_object(m, &id, &opts);
        desired_ids.insert(id.clone());
        desired.push((
            id.clone(),
            Arc::new(DesiredObject {
                app: key.clone(),
                source: m.source.clone(),
                object: CompactJson::new(&object),
                baseline: applied.get(&id).map(|v| CompactJson::new(v)),
            }),
        ));
    }

    // Inventory: old ∪ applied, so a failed sync never forgets an object; then prune.
    let mut retry = false;
    let mut pruned = Vec::new();
    match cluster::inventory::load(&ctx.cluster, &ctx.namespace, &ctx.name, &app.name).await {
        Ok(mut inv) => {
            inv.environment = ctx.name.clone();
            inv.app = app.name.clone();
            inv.revision = snap.revision.clone();
            for r in &report.results {
                if !matches!(r.action, ApplyAction::Failed(_)) {
                    inv.objects.insert(r.id.clone());
                }
            }
            if let Err(e) = cluster::inventory::save(&ctx.cluster, &ctx.namespace, &inv).await {
                fail(
                    ctx,
                    &key,
                    revision,
                    format!("saving the inventory of {key}: {e}"),
                    None,
                );
                outcome.retry = true;
                return outcome;
            }
            if ctx.config.prune {
                let plan = cluster::inventory::prune_plan(&inv, &desired_ids);
                if !plan.is_empty() {
                    match cluster::inventory::prune(
                        &ctx.cluster,
                        &inv,
                        &plan,
                        desired_ids.is_empty(),
                        ctx.config.allow_empty,
                    )
                    .await
                    {
                        Ok(deleted) => {
                            for d in &deleted {
                                inv.objects.remove(d);
                            }
                            if let Err(e) =
                                cluster::inventory::save(&ctx.cluster, &ctx.namespace, &inv).await
                            {
                                tracing::warn!(app = %key, "saving the inventory after prune: {e}");
                                retry = true;
                            }
                            pruned = deleted;
                        }
                        Err(e) => {
                            tracing::warn!(app = %key, "prune: {e}");
                            retry = true;
                        }
                    }
                }
            }
        }
        Err(e) => {
            fail(
                ctx,
                &key,
                revision,
                format!("loading the inventory of {key}: {e}"),
                None,
            );
            outcome.retry = true;
            return outcome;
        }
    }
    if !pruned.is_empty() {
        let summary = format!("{key}: pruned {}", list_objects(&pruned));
        record(ctx, &key, EventKind::Pruned, revision, summary, vec![]);
    }

    // Per-object status from the apply and the server's returned objects.
    let objects: Vec<ObjectStatus> = report
        .results
        .iter()
        .map(|r| {
            let health = match applied.get(&r.id) {
                Some(live) => cluster::health::assess(live),
                None => HealthStatus {
                    status: if matches!(r.action, ApplyAction::Failed(_)) {
                        Health::Missing
                    } else {
                        Health::Unknown
                    },
                    message: String::new(),
                },
            };
            ObjectStatus {
                id: r.id.clone(),
                source: r.source.clone(),
                sync: if matches!(r.action, ApplyAction::Failed(_)) {
                    SyncStatus::OutOfSync
                } else {
                    SyncStatus::Synced
                },
                health,
                last_apply: Some(r.action.clone()),
                drift: Vec::new(),
            }
        })
        .collect();
    let changed = report
        .results
        .iter()
        .any(|r| matches!(r.action, ApplyAction::Created | ApplyAction::Configured));
    let health = cluster::health::worst(objects.iter().map(|o| &o.health));
    let error = (!failed.is_empty()).then(|| failed.join("; "));
    let previous = ctx.store.update_app(&key, |a| {
        let previous = (a.health, a.revision.clone(), a.last_sync.is_none());
        a.objects = objects;
        a.health = health;
        a.error = error.clone();
        if failed.is_empty() {
            a.sync = SyncStatus::Synced;
            a.last_sync = Some(now());
        } else {
            a.sync = SyncStatus::OutOfSync;
        }
        previous
    });
    if failed.is_empty() {
        if changed || previous.2 {
            let counts = count_actions(&report.results);
            ctx.store.update_app(&key, |a| {
                a.history.push_front(history(
                    EventKind::Synced,
                    revision,
                    format!("{key} synced to {}: {counts}", short(revision)),
                ))
            });
        }
        outcome.applied_digest = Some(app.digest.clone());
    } else {
        let summary = format!("sync of {key} failed: {}", failed.join("; "));
        fail(ctx, &key, revision, summary, Some(&report.results));
        outcome.retry = true;
    }
    health_transition(ctx, &key, revision, previous.0, health);
    outcome.desired = Some(desired);
    outcome.retry |= retry;
    outcome
}

fn count_actions(results: &[cluster::ObjectResult]) -> String {
    let (mut c, mut u, mut n) = (0, 0, 0);
    for r in results {
        match r.action {
            ApplyAction::Created => c += 1,
            ApplyAction::Configured => u += 1,
            ApplyAction::Unchanged => n += 1,
            ApplyAction::Failed(_) => {}
        }
    }
    format!("{c} created, {u} configured, {n} unchanged")
}

/// A failed sync: error on the app, history, alert, metric, Events on the failed objects.
fn fail(
    ctx: &EnvContext,
    key: &AppKey,
    revision: &str,
    summary: String,
    results: Option<&[cluster::ObjectResult]>,
) {
    tracing::warn!(app = %key, "{summary}");
    ctx.store.update_app(key, |a| {
        a.error = Some(summary.clone());
        if a.sync == SyncStatus::Synced {
            a.sync = SyncStatus::OutOfSync;
        }
    });
    ctx.hooks.apply_failed(key);
    for r in results.unwrap_or_default() {
        if let ApplyAction::Failed(m) = &r.action {
            ctx.hooks.object_event(&ctx.name, &r.id, "SyncFailed", m);
        }
    }
    record(ctx, key, EventKind::SyncFailed, revision, summary, vec![]);
}

/// HealthDegraded / HealthRecovered on a transition of an app's health.
pub(crate) fn health_transition(
    ctx: &EnvContext,
    key: &AppKey,
    revision: &str,
    before: Health,
    after: Health,
) {
    if before == after {
        return;
    }
    if after == Health::Degraded {
        let why = ctx
            .store
            .app(key)
            .map(|a| {
                a.objects
                    .iter()
                    .filter(|o| o.health.status == Health::Degraded)
                    .map(|o| format!("{}: {}", o.id, o.health.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        record(
            ctx,
            key,
            EventKind::HealthDegraded,
            revision,
            format!("{key} is Degraded: {why}"),
            vec![],
        );
    } else if before == Health::Degraded && after == Health::Healthy {
        record(
            ctx,
            key,
            EventKind::HealthRecovered,
            revision,
            format!("{key} is Healthy again"),
            vec![],
        );
    }
}

/// Manual sync (or a follower): the dry-run diff of every object against the live one.
async fn status_only(
    ctx: &EnvContext,
    key: &AppKey,
    revision: &str,
    manifests: &[cluster::Manifest],
    opts: &ApplyOptions,
) -> (bool, Vec<(ObjectRef, Arc<DesiredObject>)>) {
    let mut objects = Vec::with_capacity(manifests.len());
    let mut desired_objects = Vec::with_capacity(manifests.len());
    let mut retry = false;
    for m in manifests {
        let id = match ctx.cluster.scope(&m.id, &opts.default_namespace).await {
            Ok(id) => id,
            Err(e) => {
                objects.push(ObjectStatus {
                    id: m.id.clone(),
                    source: m.source.clone(),
                    sync: SyncStatus::Unknown,
                    health: HealthStatus {
                        status: Health::Unknown,
                        message: e.to_string(),
                    },
                    last_apply: None,
                    drift: vec![],
                });
                continue;
            }
        };
        let desired = cluster::apply::desired_object(m, &id, opts);
        desired_objects.push((
            id.clone(),
            Arc::new(DesiredObject {
                app: key.clone(),
                source: m.source.clone(),
                object: CompactJson::new(&desired),
                baseline: None,
            }),
        ));
        let (sync, health, drift) = match crate::drift::get_live(&ctx.cluster, &id).await {
            Ok(None) => (
                SyncStatus::OutOfSync,
                HealthStatus {
                    status: Health::Missing,
                    message: "not in the cluster".into(),
                },
                vec![],
            ),
            Ok(Some(live)) => {
                let health = cluster::health::assess(&live);
                match cluster::apply::dry_run(&ctx.cluster, &id, &desired).await {
                    Ok(would) => {
                        let d = cluster::diff::compare(&would, &live);
                        let sync = if d.is_empty() {
                            SyncStatus::Synced
                        } else {
                            SyncStatus::OutOfSync
                        };
                        (sync, health, d)
                    }
                    Err(e) => {
                        retry = true;
                        tracing::warn!(app = %key, "dry run of {id}: {e}");
                        (SyncStatus::Unknown, health, vec![])
                    }
                }
            }
            Err(e) => {
                retry = true;
                tracing::warn!(app = %key, "reading {id}: {e}");
                (
                    SyncStatus::Unknown,
                    HealthStatus {
                        status: Health::Unknown,
                        message: e.to_string(),
                    },
                    vec![],
                )
            }
        };
        objects.push(ObjectStatus {
            id,
            source: m.source.clone(),
            sync,
            health,
            last_apply: None,
            drift,
        });
    }
    let sync = if objects.iter().all(|o| o.sync == SyncStatus::Synced) {
        SyncStatus::Synced
    } else if objects.iter().any(|o| o.sync == SyncStatus::OutOfSync) {
        SyncStatus::OutOfSync
    } else {
        SyncStatus::Unknown
    };
    let health = cluster::health::worst(objects.iter().map(|o| &o.health));
    let before = ctx.store.update_app(key, |a| {
        let before = a.health;
        a.objects = objects;
        a.sync = sync;
        a.health = health;
        a.error = None;
        before
    });
    health_transition(ctx, key, revision, before, health);
    (retry, desired_objects)
}

/// The one-line form of a field diff for alerts and history.
pub(crate) fn describe(diff: &FieldDiff) -> String {
    let v = |v: &Option<Value>| match v {
        None => "(absent)".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let mut s = format!("{} {} → {}", diff.path, v(&diff.desired), v(&diff.live));
    if let Some(m) = &diff.manager {
        s.push_str(&format!(" by {m}"));
        if let Some(t) = &diff.time {
            s.push_str(&format!(" at {t}"));
        }
    }
    s
}
