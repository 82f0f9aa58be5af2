//! The agent's status: what every environment and app looks like now, and what happened to it.
//!
//! Writers are [`crate::reconcile`] and [`crate::drift`]; readers are the API, metrics and UI. Every
//! write that changes something bumps a generation and broadcasts the changed app's key, so the UI's
//! server-sent events and tests can wait for a change instead of polling; a write that leaves the app
//! as it was broadcasts nothing (the reconcile loop touches every app on every poll, and 1,000 apps
//! must not flood the UI with no-op events). History is bounded per app. Readers that only need a
//! few fields of many apps (the API's lists and counts) borrow them under the read lock
//! ([`Store::with_apps`]) instead of cloning every app with its objects and history.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock};

use cluster::{ApplyAction, FieldDiff, Health, HealthStatus, ObjectRef};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// An app: a release of an environment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AppKey {
    pub environment: String,
    pub app: String,
}

impl std::fmt::Display for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.environment, self.app)
    }
}

/// Whether the cluster matches git for an app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncStatus {
    Synced,
    OutOfSync,
    #[default]
    Unknown,
}

/// One object of an app as the agent last saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectStatus {
    pub id: ObjectRef,
    pub source: String,
    pub sync: SyncStatus,
    pub health: HealthStatus,
    /// The last apply's result for this object.
    pub last_apply: Option<ApplyAction>,
    /// Fields that differ from git, with who changed them.
    pub drift: Vec<FieldDiff>,
}

/// Something that happened to an app, for its history and for alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// RFC 3339.
    pub time: String,
    pub kind: EventKind,
    /// State repo commit.
    pub revision: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<FieldDiff>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    Synced,
    SyncFailed,
    DriftDetected,
    DriftResolved,
    HealthDegraded,
    HealthRecovered,
    Pruned,
}

/// An app's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub key: AppKey,
    pub namespace: String,
    pub path: String,
    pub chart: String,
    pub chart_version: String,
    /// State repo commit last synced (or attempted).
    pub revision: String,
    pub source_commit: String,
    pub source_ref: String,
    pub sync: SyncStatus,
    pub health: Health,
    /// RFC 3339 of the last successful sync.
    pub last_sync: Option<String>,
    /// Why the last sync or read failed, if it did.
    pub error: Option<String>,
    pub objects: Vec<ObjectStatus>,
    pub history: VecDeque<HistoryEntry>,
}

impl AppStatus {
    pub fn new(key: AppKey) -> Self {
        AppStatus {
            key,
            namespace: String::new(),
            path: String::new(),
            chart: String::new(),
            chart_version: String::new(),
            revision: String::new(),
            source_commit: String::new(),
            source_ref: String::new(),
            sync: SyncStatus::Unknown,
            health: Health::Unknown,
            last_sync: None,
            error: None,
            objects: Vec::new(),
            history: VecDeque::new(),
        }
    }

    /// Fields drifted across all objects.
    pub fn drift_count(&self) -> usize {
        self.objects.iter().map(|o| o.drift.len()).sum()
    }
}

/// An environment's status.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentStatus {
    pub name: String,
    /// State repo commit of the snapshot being synced.
    pub revision: String,
    /// The last fetch or index error (state repo unreachable, inconsistent index), if any.
    pub error: Option<String>,
    /// RFC 3339 of the last successful fetch.
    pub last_fetch: Option<String>,
}

/// History entries kept per app.
pub const HISTORY_LIMIT: usize = 100;

#[derive(Default)]
struct Inner {
    generation: u64,
    environments: BTreeMap<String, EnvironmentStatus>,
    apps: BTreeMap<AppKey, AppStatus>,
}

/// Shared, cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<RwLock<Inner>>,
    changes: broadcast::Sender<AppKey>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        let (changes, _) = broadcast::channel(1024);
        Store {
            inner: Arc::default(),
            changes,
        }
    }

    /// Changed app keys (an environment-level change sends the key with an empty app).
    pub fn subscribe(&self) -> broadcast::Receiver<AppKey> {
        self.changes.subscribe()
    }

    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    pub fn environments(&self) -> Vec<EnvironmentStatus> {
        self.read().environments.values().cloned().collect()
    }

    pub fn environment(&self, name: &str) -> Option<EnvironmentStatus> {
        self.read().environments.get(name).cloned()
    }

    pub fn apps(&self) -> Vec<AppStatus> {
        self.read().apps.values().cloned().collect()
    }

    pub fn app(&self, key: &AppKey) -> Option<AppStatus> {
        self.read().apps.get(key).cloned()
    }

    /// Runs `f` over every app, ordered by key, under the read lock: for readers that need a few
    /// fields of many apps (lists, counts) without cloning them all. `f` must not call back into
    /// the store's writers.
    pub fn with_apps<R>(&self, f: impl FnOnce(&BTreeMap<AppKey, AppStatus>) -> R) -> R {
        f(&self.read().apps)
    }

    /// Changes one environment (created when missing).
    pub fn update_environment(&self, name: &str, f: impl FnOnce(&mut EnvironmentStatus)) {
        {
            let mut inner = self.write();
            let env = inner
                .environments
                .entry(name.to_string())
                .or_insert_with(|| EnvironmentStatus {
                    name: name.to_string(),
                    ..Default::default()
                });
            f(env);
            inner.generation += 1;
        }
        let _ = self.changes.send(AppKey {
            environment: name.to_string(),
            app: String::new(),
        });
    }

    /// Changes one app (created when missing); returns what `f` returns. Broadcasts only when the
    /// app was created or `f` changed it.
    pub fn update_app<R>(&self, key: &AppKey, f: impl FnOnce(&mut AppStatus) -> R) -> R {
        let (r, changed) = {
            let mut inner = self.write();
            let mut created = false;
            let app = inner.apps.entry(key.clone()).or_insert_with(|| {
                created = true;
                AppStatus::new(key.clone())
            });
            // The history is compared by its length and newest entry (every write pushes to the
            // front), so the snapshot stays small however long the history is.
            let history = std::mem::take(&mut app.history);
            let before = app.clone();
            app.history = history;
            let history_before = (app.history.len(), app.history.front().cloned());
            let r = f(app);
            while app.history.len() > HISTORY_LIMIT {
                app.history.pop_back();
            }
            let history_changed = (app.history.len(), app.history.front())
                != (history_before.0, history_before.1.as_ref());
            let history = std::mem::take(&mut app.history);
            let changed = created || history_changed || *app != before;
            app.history = history;
            if changed {
                inner.generation += 1;
            }
            (r, changed)
        };
        // Nobody listening is fine: the UI and tests subscribe when they care.
        if changed {
            let _ = self.changes.send(key.clone());
        }
        r
    }

    pub fn remove_app(&self, key: &AppKey) {
        {
            let mut inner = self.write();
            inner.apps.remove(key);
            inner.generation += 1;
        }
        let _ = self.changes.send(key.clone());
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; reading it is still sound.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_broadcast_and_bound_history() {
        let store = Store::new();
        let mut rx = store.subscribe();
        let key = AppKey {
            environment: "staging".into(),
            app: "demo".into(),
        };
        for i in 0..(HISTORY_LIMIT + 5) {
            store.update_app(&key, |a| {
                a.history.push_front(HistoryEntry {
                    time: String::new(),
                    kind: EventKind::Synced,
                    revision: i.to_string(),
                    message: String::new(),
                    diff: vec![],
                })
            });
        }
        let app = store.app(&key).expect("app exists");
        assert_eq!(app.history.len(), HISTORY_LIMIT);
        assert_eq!(app.history[0].revision, (HISTORY_LIMIT + 4).to_string());
        assert_eq!(rx.try_recv().expect("a change was broadcast"), key);
    }

    #[test]
    fn a_write_that_changes_nothing_broadcasts_nothing() {
        let store = Store::new();
        let key = AppKey {
            environment: "staging".into(),
            app: "demo".into(),
        };
        store.update_app(&key, |a| a.namespace = "demo".into());
        let mut rx = store.subscribe();
        let generation = store.generation();
        // What the reconcile loop does to an unchanged app on every poll.
        store.update_app(&key, |a| a.namespace = "demo".into());
        assert!(rx.try_recv().is_err(), "a no-op write was broadcast");
        assert_eq!(store.generation(), generation);
        store.update_app(&key, |a| a.sync = SyncStatus::OutOfSync);
        assert_eq!(rx.try_recv().expect("a real change is broadcast"), key);
        // A history entry is a change even when the history is full and its length stays.
        for i in 0..(HISTORY_LIMIT + 1) {
            store.update_app(&key, |a| {
                a.history.push_front(HistoryEntry {
                    time: i.to_string(),
                    kind: EventKind::Synced,
                    revision: String::new(),
                    message: String::new(),
                    diff: vec![],
                })
            });
        }
        while rx.try_recv().is_ok() {}
        store.update_app(&key, |a| {
            a.history.push_front(HistoryEntry {
                time: "last".into(),
                kind: EventKind::Synced,
                revision: String::new(),
                message: String::new(),
                diff: vec![],
            })
        });
        assert_eq!(
            rx.try_recv().expect("a new history entry is broadcast"),
            key
        );
        let seen = store.with_apps(|apps| apps.values().map(|a| a.key.clone()).collect::<Vec<_>>());
        assert_eq!(seen, vec![key]);
    }
}
