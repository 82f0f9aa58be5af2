//! canon-helm's integration tests, one module per crate module; tests that run a real helm
//! binary are `#[ignore]`d (scripts/test runs them).
mod action;
mod compat;
mod golden;
mod releaseutil;
mod support;
