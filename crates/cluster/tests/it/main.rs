//! The cluster crate's integration tests, one module per crate module; cluster tests are `#[ignore]`
//! and run by `scripts/test` against the real control plane.

mod apply;
mod diff;
mod discovery;
mod health;
mod inventory;
mod manifest;
