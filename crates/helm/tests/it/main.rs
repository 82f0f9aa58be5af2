//! canon-helm's integration tests, one module per crate module; tests that run the real helm
//! binaries are `#[ignore]` (run by `scripts/test`) and fail when helm is missing.

mod capabilities;
mod dependencies;
mod engine;
mod files;
mod ignore;
mod loader;
mod schema;
mod values;
