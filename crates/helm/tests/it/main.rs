//! canon-helm's integration tests, one module per crate module.
mod dependencies;
mod engine;
mod schema;
mod values;
