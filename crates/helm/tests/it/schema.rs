//! Schema validation against helm's own error texts: the `*schema*` cases of
//! `tests/fixtures/values` (fixture charts and the corpus charts nginx, redis, loki), see
//! `values.rs`. That the corpus schemas raise no false errors is `corpus_values_match_helm`.

use crate::values::{Area, check_goldens};

#[test]
fn cases_match_helm_goldens() {
    let n = check_goldens(Area::Schema);
    assert!(n >= 40, "only {n} schema cases found");
}
