//! The gotmpl integration test binary: the differential corpus against Go's `text/template`
//! (plain `cargo test`), and the live oracle checks plus the bounded differential fuzzer (`#[ignore]`,
//! run by `scripts/test`).

mod cases;
mod differential;
mod fuzzgen;
mod oracle;
mod oracle_live;
