//! The one integration test binary of `canon-helm`: one module per crate module.

mod dependencies;
mod engine;
mod schema;
mod values;
