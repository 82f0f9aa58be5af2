//! Isolated executions: what lets a caller run templates concurrently and still get exactly
//! the result of Go's one-after-another execution, or learn that it cannot.
//!
//! Go's templates see shared, mutable data: Sprig's `set` on `.Values` in one template is seen
//! by every later one, and a seeded random source hands out its numbers in execution order. A
//! caller that runs templates concurrently runs each inside [`isolated`]. Inside, maps the
//! execution made itself behave as always; but the first write to any other map (one that
//! existed before, or that another execution made) and any other effect whose order matters
//! ([`may_affect_shared`]) is not performed: the execution is marked as having crossed, its
//! writes go to a private copy, and its host function calls fail from then on so that it ends
//! soon. The caller discards a crossed execution's result and runs it again, with everything
//! ordered after it, one after another and outside isolation.
//!
//! An execution that did not cross read only data no other execution had changed, and changed
//! none that another could read, so its result is the one Go gives it at its place in the order
//! as long as every execution before it did not cross either.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// The isolated execution this thread is in; 0 outside any.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    static CROSSED: Cell<bool> = const { Cell::new(false) };
}

/// Execution ids: unique per process, so that a map made in one execution is never taken for
/// one made in another.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Runs `f` as one isolated execution (see the module doc) and tells whether it crossed, in
/// which case its result is not what Go would give and must be discarded.
pub fn isolated<R>(f: impl FnOnce() -> R) -> (R, bool) {
    /// Restores the outer state even if `f` unwinds.
    struct Restore {
        current: u64,
        crossed: bool,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.set(self.current);
            CROSSED.set(self.crossed);
        }
    }
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let restore = Restore {
        current: CURRENT.replace(id),
        crossed: CROSSED.replace(false),
    };
    let r = f();
    let crossed = CROSSED.get();
    drop(restore);
    (r, crossed)
}

/// The isolated execution this thread is in (0 outside any): what a new map records as its
/// maker.
pub(crate) fn current() -> u64 {
    CURRENT.get()
}

/// Whether this thread is in an isolated execution that has crossed.
pub fn crossed() -> bool {
    CROSSED.get()
}

/// Called before an effect whose order matters beyond the executing template (taking numbers
/// from a seeded random source): `false` inside an isolated execution, which is then marked as
/// crossed and must skip the effect; `true` outside.
pub fn may_affect_shared() -> bool {
    if CURRENT.get() == 0 {
        return true;
    }
    CROSSED.set(true);
    false
}

/// Whether a map made by execution `maker` may be written here; marks the execution as
/// crossed where not.
pub(crate) fn may_write(maker: u64) -> bool {
    let c = CURRENT.get();
    if c == 0 || c == maker {
        return true;
    }
    CROSSED.set(true);
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ElemType, Map, Value};

    #[test]
    fn writes_to_outside_maps_cross_and_are_not_performed() {
        let outside = Map::new(ElemType::Interface);
        let ((), crossed) = isolated(|| {
            let own = Map::new(ElemType::Interface);
            own.write().insert("a".into(), Value::int(1));
            assert!(!crossed(), "an own map is written freely");
            assert_eq!(own.entries.read().expect("lock").len(), 1);
            outside.write().insert("b".into(), Value::int(2));
        });
        assert!(crossed);
        assert!(outside.entries.read().expect("lock").is_empty());
        assert_eq!(outside.writes(), 0);
        assert!(!super::crossed(), "the state is restored after");
        outside.write().insert("b".into(), Value::int(2));
        assert_eq!(outside.entries.read().expect("lock").len(), 1);
    }

    #[test]
    fn maps_of_another_execution_are_outside() {
        let (made, crossed) = isolated(|| Map::new(ElemType::Interface));
        assert!(!crossed);
        let ((), crossed) = isolated(|| {
            made.write().insert("x".into(), Value::Nil);
        });
        assert!(crossed);
        assert!(made.entries.read().expect("lock").is_empty());
    }

    #[test]
    fn shared_effects_cross_only_inside() {
        assert!(may_affect_shared());
        let (allowed, crossed) = isolated(may_affect_shared);
        assert!(!allowed);
        assert!(crossed);
    }
}
