//! Where the rendering crates' worker threads start: on another CPU than the thread that
//! starts them.
//!
//! A render starts a few short-lived workers (the parse worker, execution and split threads,
//! the key search), each meant to run beside its starter. Linux often placed a new thread on
//! its starter's CPU and left it there for milliseconds while the other CPU idled (the
//! scheduler's load figures still counted the processes that had just run there): measured
//! with `perf sched` over 20 renders of kube-prometheus-stack, another CPU sat idle for 7.3 ms
//! of each 25 ms render. A worker that first moves itself off its starter's CPU, then lets
//! itself run anywhere again, starts where it can run at once: 1.2 ms idle of 18.8.
//!
//! That move only happens once the worker runs, and a worker queued behind its busy starter
//! may not run for milliseconds: the idle CPU does not look for work until the busy one's
//! next tick. Measured on the 2-CPU VMs canon is tuned on, with the starter busy for 3 ms
//! after a spawn: the worker's first instruction came after a median 60 µs, but in more than
//! one spawn in ten only after milliseconds or not within the 3 ms at all. The starter
//! therefore yields once after starting a worker ([`spawn_scoped`], [`spawn_named`]): a worker
//! queued behind it runs at once and moves away, and with no one queued the yield returns at
//! once (then the worst measured start was 114 µs). Both are needed: with the starter and the
//! worker busy for 3 ms each, they finished together in 3.1 ms with the yield and the move,
//! and in 4.8-4.9 ms with either alone or neither (sharing one CPU for about 2 ms).
//!
//! A worker that yields to its starter's CPU that way must reach its move quickly: a thread
//! named through `std::thread::Builder::name` copies its name onto its own heap before its
//! closure runs, the heap's first allocation, and so the kernel zeroing a fresh 2 MiB page
//! while its starter waits. Named workers name themselves once moved instead
//! ([`spawn_named`]): on kube-prometheus-stack the parse worker's first instruction came
//! 300 µs after the spawn with a std name and 140 µs without, and a render took 14.5 against
//! 13.9 ms (medians of 80 renders taken in turn; redis 8.5 against 8.0 ms).
//!
//! `rustix` (already in the build, through `tempfile`) makes the two system calls safely.

/// Starts `work` on a worker of scope `s` ([`std::thread::Scope::spawn`]) that first moves off
/// the calling thread's CPU, and yields so that it runs at once (see the module doc).
pub fn spawn_scoped<'scope, 'env, T: Send + 'scope>(
    s: &'scope std::thread::Scope<'scope, 'env>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, T> {
    let handle = s.spawn(elsewhere(work));
    started();
    handle
}

/// [`spawn_scoped`] for a long-lived worker outside any scope, which names itself `name` (what
/// `ps` and `perf` show) once moved, rather than through `std::thread::Builder::name` (see the
/// module doc).
pub fn spawn_named<T: Send + 'static>(
    name: &'static std::ffi::CStr,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    let work = elsewhere(move || {
        #[cfg(target_os = "linux")]
        let _ = rustix::thread::set_name(name);
        #[cfg(not(target_os = "linux"))]
        let _ = name;
        work()
    });
    let handle = std::thread::Builder::new().spawn(work)?;
    started();
    Ok(handle)
}

/// `work`, to be run on a worker the calling thread starts: the worker first moves itself off
/// the caller's CPU ([`move_off`]).
fn elsewhere<R>(work: impl FnOnce() -> R) -> impl FnOnce() -> R {
    let cpu = current_cpu();
    move || {
        move_off(cpu);
        work()
    }
}

/// Lets workers just spawned with [`elsewhere`] run now if the scheduler queued them behind
/// the calling thread (see the module doc).
fn started() {
    std::thread::yield_now();
}

/// The CPU the calling thread runs on; `None` where the platform does not say.
fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        Some(rustix::thread::sched_getcpu())
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Moves the calling thread, a worker just started, off `cpu` (its starter's), then lets it
/// run on any CPU it could before. Nothing happens when there
/// is no other CPU to go to, or on a failure (the placement is only a hint).
fn move_off(cpu: Option<usize>) {
    #[cfg(target_os = "linux")]
    if let Some(cpu) = cpu
        && let Ok(allowed) = rustix::thread::sched_getaffinity(None)
        && allowed.is_set(cpu)
        && allowed.count() > 1
    {
        let mut others = allowed;
        others.unset(cpu);
        if rustix::thread::sched_setaffinity(None, &others).is_ok() {
            let _ = rustix::thread::sched_setaffinity(None, &allowed);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_named_worker_names_itself() {
        let name = spawn_named(c"canon-test", || {
            rustix::thread::name().expect("prctl answers")
        })
        .expect("a thread starts")
        .join()
        .expect("no panic");
        assert_eq!(name.as_c_str(), c"canon-test");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_worker_leaves_its_starters_cpu_and_keeps_its_affinity() {
        let before = rustix::thread::sched_getaffinity(None).expect("affinity");
        let cpu = current_cpu().expect("linux says");
        let (now, after) = std::thread::spawn(move || {
            move_off(Some(cpu));
            (
                current_cpu().expect("linux says"),
                rustix::thread::sched_getaffinity(None).expect("affinity"),
            )
        })
        .join()
        .expect("no panic");
        if before.count() > 1 {
            assert_ne!(now, cpu, "the worker starts on another CPU");
        }
        assert!(after == before, "the worker may run anywhere again");
    }
}
