//! The one integration test binary of `canon-helm`: one module per crate module (plus the
//! golden and compat harnesses and shared support); tests that run a real helm are `#[ignore]`d.

mod action;
mod compat;
mod dependencies;
mod engine;
mod golden;
mod releaseutil;
mod schema;
mod support;
mod values;
