//! canon-helm's integration tests, one module per crate module.
mod engine;
