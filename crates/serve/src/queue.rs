//! A hydration queue that coalesces per environment.
//!
//! Each environment has at most one hydration running and at most one pending. A new request
//! replaces the pending one (the newest push wins), so memory is bounded by the number of
//! environments whatever the request rate, and an older commit never renders after a newer one
//! was accepted. Workers are plain threads because [`Hydrator`] is synchronous (git and
//! rendering are blocking work).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::metrics::Metrics;

/// What to render: one environment at one source commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HydrationRequest {
    pub environment: String,
    /// The pushed ref, e.g. `refs/heads/master` or `refs/tags/v1.0.0`.
    pub source_ref: String,
    /// The commit the ref points to after the push.
    pub commit: String,
    /// Arrival order across all requests; higher is newer.
    pub seq: u64,
}

/// Runs one hydration. The real one (fetch the pushed commit, render, commit to the state repo)
/// is the binary's in-process hydrator, which needs the render and state crates; the receiver
/// only needs this seam.
pub trait Hydrator: Send + Sync + 'static {
    fn hydrate(&self, req: HydrationRequest) -> Result<(), HydrateError>;
}

/// Any failure of a hydration; the queue logs and counts it and moves on.
pub type HydrateError = Box<dyn std::error::Error + Send + Sync>;

/// Counters of the queue's life, for tests and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub submitted: u64,
    pub coalesced: u64,
    pub pending: usize,
    pub running: usize,
    /// The highest number of pending requests ever held at once.
    pub max_pending: usize,
}

#[derive(Default)]
struct Inner {
    pending: BTreeMap<String, HydrationRequest>,
    /// Environments with a pending request and none running, oldest first.
    ready: VecDeque<String>,
    running: BTreeSet<String>,
    next_seq: u64,
    stats: QueueStats,
    shutdown: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    cond: Condvar,
    metrics: Arc<Metrics>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic inside a hydrator happens outside the lock, so poisoning means a bug here;
        // keep serving with the data as it is rather than taking the receiver down.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The queue plus its worker threads. Dropping it without [`Queue::shutdown`] leaves the
/// workers running until the process exits.
pub struct Queue {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Queue {
    /// Starts `workers` threads (at least one) that run `hydrator`.
    pub fn start(hydrator: Arc<dyn Hydrator>, workers: usize, metrics: Arc<Metrics>) -> Self {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            cond: Condvar::new(),
            metrics,
        });
        let handles = (0..workers.max(1))
            .map(|i| {
                let shared = Arc::clone(&shared);
                let hydrator = Arc::clone(&hydrator);
                std::thread::Builder::new()
                    .name(format!("canon-hydrate-{i}"))
                    .spawn(move || worker(&shared, hydrator.as_ref()))
                    .expect("spawning a worker thread")
            })
            .collect();
        Queue {
            shared,
            workers: Mutex::new(handles),
        }
    }

    /// Queues a hydration of `environment` at `commit`, replacing any pending one for it.
    /// Returns the request's sequence number.
    pub fn submit(&self, environment: &str, source_ref: &str, commit: &str) -> u64 {
        let mut inner = self.shared.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let req = HydrationRequest {
            environment: environment.to_string(),
            source_ref: source_ref.to_string(),
            commit: commit.to_string(),
            seq,
        };
        inner.stats.submitted += 1;
        if let Some(old) = inner.pending.insert(environment.to_string(), req) {
            inner.stats.coalesced += 1;
            self.shared.metrics.coalesced.inc();
            tracing::debug!(environment, replaced = %old.commit, by = %commit, "coalesced");
        } else if !inner.running.contains(environment) {
            inner.ready.push_back(environment.to_string());
        }
        inner.stats.pending = inner.pending.len();
        inner.stats.max_pending = inner.stats.max_pending.max(inner.pending.len());
        self.shared
            .metrics
            .queue_depth
            .set(inner.pending.len() as i64);
        drop(inner);
        // One condvar serves workers and wait_idle callers, so wake all or a wakeup may be lost.
        self.shared.cond.notify_all();
        seq
    }

    pub fn stats(&self) -> QueueStats {
        let inner = self.shared.lock();
        QueueStats {
            pending: inner.pending.len(),
            running: inner.running.len(),
            ..inner.stats
        }
    }

    /// Blocks until nothing is pending or running.
    pub fn wait_idle(&self) {
        let mut inner = self.shared.lock();
        while !(inner.pending.is_empty() && inner.running.is_empty()) {
            inner = self
                .shared
                .cond
                .wait(inner)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Lets running hydrations finish, drops pending ones, and joins the workers.
    pub fn shutdown(&self) {
        self.shared.lock().shutdown = true;
        self.shared.cond.notify_all();
        let handles = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|e| e.into_inner()));
        for h in handles {
            if h.join().is_err() {
                tracing::error!("a hydration worker panicked");
            }
        }
    }
}

fn worker(shared: &Shared, hydrator: &dyn Hydrator) {
    loop {
        let req = {
            let mut inner = shared.lock();
            loop {
                if inner.shutdown {
                    return;
                }
                if let Some(env) = inner.ready.pop_front() {
                    let req = inner
                        .pending
                        .remove(&env)
                        .expect("a ready environment has a pending request");
                    inner.running.insert(env);
                    shared.metrics.queue_depth.set(inner.pending.len() as i64);
                    break req;
                }
                inner = shared.cond.wait(inner).unwrap_or_else(|e| e.into_inner());
            }
        };
        let env = req.environment.clone();
        tracing::info!(environment = %env, commit = %req.commit, git_ref = %req.source_ref, "hydration started");
        // A panicking hydrator must not leave its environment marked running forever.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hydrator.hydrate(req)));
        let label = match outcome {
            Ok(Ok(())) => {
                tracing::info!(environment = %env, "hydration succeeded");
                "success"
            }
            Ok(Err(e)) => {
                tracing::error!(environment = %env, error = %e, "hydration failed");
                "failure"
            }
            Err(_) => {
                tracing::error!(environment = %env, "hydration panicked");
                "failure"
            }
        };
        shared.metrics.hydration(&env, label);
        let mut inner = shared.lock();
        inner.running.remove(&env);
        if inner.pending.contains_key(&env) {
            inner.ready.push_back(env);
        }
        drop(inner);
        // Wake both idle workers (new ready work) and wait_idle callers.
        shared.cond.notify_all();
    }
}
