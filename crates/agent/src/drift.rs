//! Drift detection: watch what canon applied, compare with git, say who changed what.
//!
//! Contract (agent helper): per environment, one watch per kind the environment's apps hold (kube
//! runtime watcher, label selector [`cluster::LABEL_ENVIRONMENT`]`=<env>`; no cache of the whole
//! cluster, only canon's objects, keyed by [`cluster::ObjectRef`]). On an Applied/Deleted event for an
//! object canon manages: take the desired object, [`cluster::apply::dry_run`] it (server-side
//! normalization) and [`cluster::diff::compare`] with the live one (a deleted object is drift of the
//! whole object). Events caused by canon's own apply (managedFields time of `canon` equal to the
//! change, or no diff) are not drift. A non-empty diff → app OutOfSync in the store, history
//! DriftDetected with the diff, an alert, a Kubernetes Event on the object ([`crate::events`]); in
//! selfHeal mode a [`crate::reconcile::Trigger::Heal`] (with backoff per app: 1 s doubling to 5 min
//! when an object keeps drifting); in detect-only mode nothing is reverted. A later event whose diff
//! is empty → Synced, DriftResolved. The time from the watch event's arrival to the store update is
//! recorded (metric `canon_drift_detection_seconds`). Watches restart on error with backoff.
//!
//! The cost per event is kept off the API server: the first comparison is against the object the
//! server stored after canon's own apply (the apply's result, already server-normalized); only when
//! that shows a difference is the dry run made, and its answer is what is reported. A field whose
//! live owner is `canon` itself is never drift: canon wrote that value (a newer revision than the
//! baseline), so the watcher is only ahead of the reconcile loop's hand-over.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster::{Cluster, FieldDiff, Health, HealthStatus, ObjectRef};
use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::alerts::AlertObjectDiff;
use crate::reconcile::{EnvContext, Trigger, TriggerSender, describe, health_transition, record};
use crate::store::{AppKey, EventKind, SyncStatus};

/// One object canon wants, as drift sees it.
#[derive(Debug, Clone)]
pub struct DesiredObject {
    pub app: AppKey,
    pub source: String,
    /// What canon applies (namespace fixed, labels added).
    pub object: CompactJson,
    /// What the server stored after canon's last apply of it, when known.
    pub baseline: Option<CompactJson>,
}

/// A JSON value held as its compact text, parsed when used (a watch event for that object).
///
/// A parsed `serde_json::Value` costs about ten times its text (every JSON object is a B-tree node
/// of eleven slots: a stored ConfigMap of 400 bytes takes 4.2 KB, a Deployment of 2.8 KB takes
/// 26 KB), and the agent holds what it applies and what the server stored for every object: at
/// 10,000 objects those copies were most of its memory (`scripts/bench-agent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactJson(Box<str>);

impl CompactJson {
    pub fn new(value: &Value) -> Self {
        // A Value's map keys are strings: serializing it cannot fail.
        Self(
            serde_json::to_string(value)
                .expect("a serde_json::Value always serializes")
                .into(),
        )
    }

    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).expect("CompactJson holds text serde_json wrote")
    }
}

/// Everything one environment wants, handed over by the reconcile loop after each pass.
#[derive(Debug, Clone, Default)]
pub struct DesiredSet {
    pub revision: String,
    /// Shared with the reconcile loop: a pass publishes pointers, not a copy of every object.
    pub objects: BTreeMap<ObjectRef, Arc<DesiredObject>>,
}

/// The live object, `None` when it does not exist.
pub async fn get_live(cluster: &Cluster, id: &ObjectRef) -> crate::Result<Option<Value>> {
    let res = cluster.resolve(id).await?;
    let api: Api<DynamicObject> = match &id.namespace {
        Some(ns) if res.namespaced => Api::namespaced_with(cluster.client(), ns, &res.api),
        _ => Api::all_with(cluster.client(), &res.api),
    };
    let obj = api
        .get_opt(&id.name)
        .await
        .map_err(|e| crate::Error::Kube {
            what: format!("get {id}"),
            source: Box::new(e),
        })?;
    obj.map(|o| serde_json::to_value(o).map_err(|e| crate::Error::Other(e.to_string())))
        .transpose()
}

/// A watch event as the processor gets it.
enum Seen {
    Applied(Value),
    Deleted(ObjectRef),
    /// A (re)list of this kind began: objects not seen again before `Listed` were deleted.
    Relist((String, String)),
    Listed((String, String)),
}

/// Per-object memory of the processor.
#[derive(Default)]
struct Known {
    drift: Vec<FieldDiff>,
    /// The dry-run answer for the current desired object (cleared when desired changes).
    dry: Option<Value>,
}

struct Processor {
    ctx: Arc<EnvContext>,
    desired: Arc<DesiredSet>,
    known: HashMap<ObjectRef, Known>,
    heal: TriggerSender,
    /// Per app: current backoff and when the next heal may run.
    heal_backoff: HashMap<String, (Duration, Instant, bool)>,
    heal_due: mpsc::UnboundedSender<AppKey>,
    relisting: HashMap<(String, String), HashSet<ObjectRef>>,
}

const HEAL_FIRST: Duration = Duration::from_secs(1);
const HEAL_MAX: Duration = Duration::from_secs(300);

/// Watches the environment's objects until the desired channel closes (see the module doc).
pub async fn watch_environment(
    ctx: Arc<EnvContext>,
    mut desired_rx: watch::Receiver<Arc<DesiredSet>>,
    heal: TriggerSender,
) {
    let (events_tx, mut events_rx) = mpsc::channel::<(Instant, Seen)>(4096);
    let (heal_due_tx, mut heal_due_rx) = mpsc::unbounded_channel::<AppKey>();
    let mut watchers: HashMap<(String, String), tokio::task::JoinHandle<()>> = HashMap::new();
    let mut p = Processor {
        ctx: ctx.clone(),
        desired: desired_rx.borrow_and_update().clone(),
        known: HashMap::new(),
        heal,
        heal_backoff: HashMap::new(),
        heal_due: heal_due_tx,
        relisting: HashMap::new(),
    };
    sync_watchers(&ctx, &p.desired, &mut watchers, &events_tx);
    loop {
        tokio::select! {
            changed = desired_rx.changed() => {
                if changed.is_err() {
                    break;
                }
                let next = desired_rx.borrow_and_update().clone();
                p.set_desired(next);
                sync_watchers(&ctx, &p.desired, &mut watchers, &events_tx);
            }
            Some((arrived, seen)) = events_rx.recv() => {
                p.handle(arrived, seen).await;
            }
            Some(key) = heal_due_rx.recv() => {
                p.request_heal(&key);
            }
        }
    }
    for (_, w) in watchers {
        w.abort();
    }
}

fn kind_key(id: &ObjectRef) -> (String, String) {
    (id.group.clone(), id.kind.clone())
}

/// Starts a watcher for every kind the desired set holds, stops those no longer held.
fn sync_watchers(
    ctx: &Arc<EnvContext>,
    desired: &DesiredSet,
    watchers: &mut HashMap<(String, String), tokio::task::JoinHandle<()>>,
    tx: &mpsc::Sender<(Instant, Seen)>,
) {
    let mut kinds: HashMap<(String, String), ObjectRef> = HashMap::new();
    for id in desired.objects.keys() {
        kinds.entry(kind_key(id)).or_insert_with(|| id.clone());
    }
    watchers.retain(|k, h| {
        let keep = kinds.contains_key(k) && !h.is_finished();
        if !keep {
            h.abort();
        }
        keep
    });
    for (k, sample) in kinds {
        if watchers.contains_key(&k) {
            continue;
        }
        let ctx = ctx.clone();
        let tx = tx.clone();
        watchers.insert(k, tokio::spawn(watch_kind(ctx, sample, tx)));
    }
}

/// One kind's watch, restarted with backoff on errors, forwarding events to the processor.
async fn watch_kind(ctx: Arc<EnvContext>, sample: ObjectRef, tx: mpsc::Sender<(Instant, Seen)>) {
    let key = kind_key(&sample);
    let mut delay = Duration::from_millis(500);
    let res = loop {
        match ctx.cluster.resolve(&sample).await {
            Ok(r) => break r,
            Err(e) => {
                tracing::warn!(environment = %ctx.name, "watch {}: {e}", sample.kind);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    };
    let api: Api<DynamicObject> = Api::all_with(ctx.cluster.client(), &res.api);
    let config =
        watcher::Config::default().labels(&format!("{}={}", cluster::LABEL_ENVIRONMENT, ctx.name));
    let mut stream = watcher(api, config).default_backoff().boxed();
    while let Some(ev) = stream.next().await {
        let arrived = Instant::now();
        let seen = match ev {
            Ok(watcher::Event::Apply(o)) | Ok(watcher::Event::InitApply(o)) => {
                match typed(o, &res.api) {
                    Some(v) => Seen::Applied(v),
                    None => continue,
                }
            }
            Ok(watcher::Event::Delete(o)) => {
                match typed(o, &res.api).as_ref().and_then(ObjectRef::from_object) {
                    Some(id) => Seen::Deleted(id),
                    None => continue,
                }
            }
            Ok(watcher::Event::Init) => Seen::Relist(key.clone()),
            Ok(watcher::Event::InitDone) => Seen::Listed(key.clone()),
            Err(e) => {
                // default_backoff() waits before the watcher retries.
                tracing::debug!(environment = %ctx.name, "watch {}: {e}", sample.kind);
                continue;
            }
        };
        if tx.send((arrived, seen)).await.is_err() {
            return;
        }
    }
}

/// The object as JSON with `apiVersion` and `kind` set: items of a list response carry neither,
/// and without them the object has no identity.
fn typed(o: DynamicObject, api: &kube::discovery::ApiResource) -> Option<Value> {
    let mut v = serde_json::to_value(o).ok()?;
    let map = v.as_object_mut()?;
    if !map.get("apiVersion").is_some_and(Value::is_string) {
        map.insert("apiVersion".into(), Value::String(api.api_version.clone()));
    }
    if !map.get("kind").is_some_and(Value::is_string) {
        map.insert("kind".into(), Value::String(api.kind.clone()));
    }
    Some(v)
}

impl Processor {
    fn set_desired(&mut self, next: Arc<DesiredSet>) {
        // A changed desired object (new revision) invalidates the cached dry run; drift the
        // reconcile loop just re-applied was reset in the store by that sync.
        self.known.retain(|id, k| match next.objects.get(id) {
            None => false,
            Some(d) => {
                let same = self.desired.objects.get(id).is_some_and(|old| {
                    Arc::ptr_eq(old, d) || (old.object == d.object && old.baseline == d.baseline)
                });
                if !same {
                    k.dry = None;
                    if d.baseline.is_some() {
                        k.drift.clear();
                    }
                }
                true
            }
        });
        self.desired = next;
    }

    async fn handle(&mut self, arrived: Instant, seen: Seen) {
        match seen {
            Seen::Relist(kind) => {
                self.relisting.insert(kind, HashSet::new());
            }
            Seen::Listed(kind) => {
                let Some(seen) = self.relisting.remove(&kind) else {
                    return;
                };
                let gone: Vec<ObjectRef> = self
                    .desired
                    .objects
                    .keys()
                    .filter(|id| kind_key(id) == kind && !seen.contains(*id))
                    .cloned()
                    .collect();
                for id in gone {
                    self.deleted(arrived, &id);
                }
            }
            Seen::Deleted(id) => self.deleted(arrived, &id),
            Seen::Applied(live) => {
                let Some(id) = ObjectRef::from_object(&live) else {
                    return;
                };
                if let Some(seen) = self.relisting.get_mut(&kind_key(&id)) {
                    seen.insert(id.clone());
                }
                self.applied(arrived, id, live).await;
            }
        }
    }

    async fn applied(&mut self, arrived: Instant, id: ObjectRef, live: Value) {
        let Some(want) = self.desired.objects.get(&id).cloned() else {
            return;
        };
        if live
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(|v| !v.is_null())
        {
            return;
        }
        let health = cluster::health::assess(&live);
        let first = want
            .baseline
            .as_ref()
            .map(|b| not_canons(cluster::diff::compare(&b.value(), &live)));
        let need_dry = first.as_ref().is_none_or(|d| !d.is_empty());
        let mut diff = first.unwrap_or_default();
        if need_dry {
            // Confirm with the server's own normalization of what canon would apply now.
            let known = self.known.entry(id.clone()).or_default();
            let dry = match &known.dry {
                Some(d) => Some(d.clone()),
                None => match cluster::apply::dry_run(&self.ctx.cluster, &id, &want.object.value())
                    .await
                {
                    Ok(d) => {
                        known.dry = Some(d.clone());
                        Some(d)
                    }
                    Err(e) => {
                        tracing::warn!(environment = %self.ctx.name, "dry run of {id}: {e}");
                        None
                    }
                },
            };
            diff = match (dry, &want.baseline) {
                (Some(d), _) => not_canons(cluster::diff::compare(&d, &live)),
                (None, Some(_)) => diff,
                // Neither: nothing to compare with yet; the next pass brings a baseline.
                (None, None) => Vec::new(),
            };
        }
        self.report(arrived, &id, &want, diff, Some(health));
    }

    fn deleted(&mut self, arrived: Instant, id: &ObjectRef) {
        let Some(want) = self.desired.objects.get(id).cloned() else {
            return;
        };
        let diff = vec![FieldDiff {
            path: String::new(),
            desired: Some(Value::String("present".into())),
            live: None,
            manager: None,
            operation: None,
            time: None,
        }];
        let health = HealthStatus {
            status: Health::Missing,
            message: "deleted from the cluster".into(),
        };
        self.report(arrived, id, &want, diff, Some(health));
    }

    /// Stores an object's drift and health; alerts and heals on a change of drift.
    fn report(
        &mut self,
        arrived: Instant,
        id: &ObjectRef,
        want: &DesiredObject,
        diff: Vec<FieldDiff>,
        health: Option<HealthStatus>,
    ) {
        let ctx = self.ctx.clone();
        let key = &want.app;
        let known = self.known.entry(id.clone()).or_default();
        let drift_changed = known.drift != diff;
        let was_drifted = !known.drift.is_empty();
        known.drift = diff.clone();
        let revision = self.desired.revision.clone();
        let source = want.source.clone();
        // One store write: the object, the app's fold, and what changed.
        let (changed, health_before, health_after) = ctx.store.update_app(key, |a| {
            let before = a.health;
            let mut changed = false;
            let pos = a.objects.iter().position(|o| &o.id == id);
            let obj = match pos {
                Some(i) => &mut a.objects[i],
                None => {
                    a.objects.push(crate::store::ObjectStatus {
                        id: id.clone(),
                        source,
                        sync: SyncStatus::Unknown,
                        health: HealthStatus {
                            status: Health::Unknown,
                            message: String::new(),
                        },
                        last_apply: None,
                        drift: Vec::new(),
                    });
                    changed = true;
                    a.objects.last_mut().expect("just pushed")
                }
            };
            if obj.drift != diff {
                obj.drift = diff.clone();
                changed = true;
            }
            let sync = if diff.is_empty() {
                SyncStatus::Synced
            } else {
                SyncStatus::OutOfSync
            };
            if obj.sync != sync {
                obj.sync = sync;
                changed = true;
            }
            if let Some(h) = &health
                && &obj.health != h
            {
                obj.health = h.clone();
                changed = true;
            }
            if changed {
                let all_synced = a.objects.iter().all(|o| o.sync == SyncStatus::Synced);
                if a.objects.iter().any(|o| !o.drift.is_empty()) {
                    a.sync = SyncStatus::OutOfSync;
                } else if all_synced && a.error.is_none() {
                    a.sync = SyncStatus::Synced;
                }
                a.health = cluster::health::worst(a.objects.iter().map(|o| &o.health));
            }
            (changed, before, a.health)
        });
        if changed && drift_changed {
            ctx.hooks.drift_detected(key, arrived.elapsed());
        }
        health_transition(&ctx, key, &revision, health_before, health_after);
        if !drift_changed {
            return;
        }
        if diff.is_empty() {
            if was_drifted {
                let summary = format!("{key}: {id} matches git again");
                record(
                    &ctx,
                    key,
                    EventKind::DriftResolved,
                    &revision,
                    summary,
                    vec![],
                );
                ctx.hooks
                    .object_event(&ctx.name, id, "DriftReverted", "matches git again");
            }
            return;
        }
        let lines: Vec<String> = diff.iter().map(describe).collect();
        let summary = if diff.len() == 1 && diff[0].path.is_empty() {
            format!("{key} drifted: {id} was deleted")
        } else {
            format!("{key} drifted: {id} {}", lines.join("; "))
        };
        record(
            &ctx,
            key,
            EventKind::DriftDetected,
            &revision,
            summary.clone(),
            vec![AlertObjectDiff {
                object: id.to_string(),
                fields: diff,
            }],
        );
        ctx.hooks
            .object_event(&ctx.name, id, "DriftDetected", &summary);
        if ctx.config.self_heal {
            self.schedule_heal(key);
        }
    }

    /// Heals now, or when the app's backoff allows (1 s doubling to 5 min while it keeps
    /// drifting; reset after a quiet spell of twice the backoff).
    fn schedule_heal(&mut self, key: &AppKey) {
        let now = Instant::now();
        let entry = self
            .heal_backoff
            .entry(key.app.clone())
            .or_insert((HEAL_FIRST, now, false));
        if now > entry.1 + entry.0 * 2 {
            entry.0 = HEAL_FIRST;
        }
        if now >= entry.1 {
            entry.1 = now + entry.0;
            entry.0 = (entry.0 * 2).min(HEAL_MAX);
            self.request_heal(key);
        } else if !entry.2 {
            entry.2 = true;
            let at = entry.1;
            let tx = self.heal_due.clone();
            let key = key.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _ = tx.send(key);
            });
        }
    }

    fn request_heal(&mut self, key: &AppKey) {
        if let Some(e) = self.heal_backoff.get_mut(&key.app) {
            e.2 = false;
        }
        // The loop may be busy; a full queue means a heal is already pending.
        let _ = self.heal.try_send(Trigger::Heal(key.clone()));
    }
}

/// Differences whose live value canon itself wrote are the baseline being stale, not drift.
fn not_canons(diff: Vec<FieldDiff>) -> Vec<FieldDiff> {
    diff.into_iter()
        .filter(|d| d.manager.as_deref() != Some(cluster::FIELD_MANAGER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_json_gives_back_the_same_value() {
        let v = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "ä-😀", "labels": {"a": "1"}, "annotations": {"n": null}},
            "spec": {"replicas": 3, "cpu": 0.1, "big": 18446744073709551615u64, "neg": -7,
                     "f": 1e300, "list": [true, false, [], {}], "s": "line\n\"q\"\t\\"},
        });
        let c = CompactJson::new(&v);
        assert_eq!(c.value(), v);
        // Equal values, equal texts: set_desired compares the texts.
        assert_eq!(c, CompactJson::new(&v.clone()));
        assert_ne!(c, CompactJson::new(&json!({"kind": "Deployment"})));
    }
}
