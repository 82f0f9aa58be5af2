//! The coalescing queue on its own: ordering and bounds without HTTP.

use std::sync::Arc;

use serve::Queue;
use serve::metrics::Metrics;

use crate::Counting;

#[test]
fn newest_pending_replaces_older_and_runs_last() {
    let h = Counting::gated();
    let q = Queue::start(h.clone(), 3, Arc::new(Metrics::default()));
    q.submit("staging", "refs/heads/master", "c0");
    // Wait until c0 is running (held at the gate), so later submits must wait behind it.
    while q.stats().running == 0 {
        std::thread::yield_now();
    }
    for i in 1..=100 {
        q.submit("staging", "refs/heads/master", &format!("c{i}"));
        assert!(q.stats().pending <= 1);
    }
    // A second environment is independent: it runs while staging is held.
    q.submit("production", "refs/tags/v1", "p1");
    let s = q.stats();
    assert_eq!((s.submitted, s.coalesced), (102, 99), "{s:?}");
    h.open();
    q.wait_idle();
    let staging: Vec<String> = h
        .calls()
        .into_iter()
        .filter(|c| c.environment == "staging")
        .map(|c| c.commit)
        .collect();
    assert_eq!(staging, vec!["c0".to_string(), "c100".to_string()]);
    assert!(h.calls().iter().any(|c| c.commit == "p1"));
    let s = q.stats();
    assert_eq!((s.pending, s.running, s.max_pending), (0, 0, 2), "{s:?}");
    q.shutdown();
}

#[test]
fn one_environment_never_runs_twice_at_once() {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Exclusive {
        active: AtomicUsize,
        max_active: AtomicUsize,
        runs: Mutex<Vec<u64>>,
    }
    impl serve::Hydrator for Exclusive {
        fn hydrate(&self, req: serve::HydrationRequest) -> Result<(), serve::HydrateError> {
            let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_active.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            self.runs.lock().expect("runs").push(req.seq);
            self.active.fetch_sub(1, Ordering::SeqCst);
            Err("a failing hydration does not stop the queue".into())
        }
    }
    let h = Arc::new(Exclusive {
        active: AtomicUsize::new(0),
        max_active: AtomicUsize::new(0),
        runs: Mutex::new(Vec::new()),
    });
    let q = Arc::new(Queue::start(h.clone(), 4, Arc::new(Metrics::default())));
    let submitters: Vec<_> = (0..4)
        .map(|_| {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                for i in 0..500 {
                    q.submit("staging", "refs/heads/master", &i.to_string());
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().expect("submitter");
    }
    q.wait_idle();
    assert_eq!(h.max_active.load(Ordering::SeqCst), 1);
    let runs = h.runs.lock().expect("runs").clone();
    assert!(
        runs.windows(2).all(|w| w[0] < w[1]),
        "out of order: {runs:?}"
    );
    // The last request submitted (seq 1999) is always the last to run.
    assert_eq!(runs.last(), Some(&1999));
    assert!(q.stats().max_pending <= 1);
    q.shutdown();
}
