//! The one integration test binary of `canon-helm`: one module per crate module (plus the
//! golden and compat harnesses and shared support); tests that run a real helm are `#[ignore]`d
//! (run by `scripts/test`) and fail when helm is missing.

mod action;
mod capabilities;
mod compat;
mod dependencies;
mod engine;
mod files;
mod golden;
mod ignore;
mod loader;
mod releaseutil;
mod schema;
mod support;
mod values;
