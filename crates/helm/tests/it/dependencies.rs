//! Dependency processing (conditions, tags, aliases, import-values, v3's shared alias entries)
//! against helm's own output: the `deps-*` cases of `tests/fixtures/values` (see `values.rs`).

use crate::values::{Area, check_goldens};

#[test]
fn cases_match_helm_goldens() {
    let n = check_goldens(Area::Dependencies);
    assert!(n >= 6, "only {n} dependency cases found");
}
