//! Smoke tests proving each piece of the test environment is real. All are `#[ignore]`: they
//! need the tools `scripts/testenv` builds (and a control plane), and `scripts/test` runs them.

mod cluster;
mod tools;
