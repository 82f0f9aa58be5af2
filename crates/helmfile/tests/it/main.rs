//! The helmfile crate's integration tests, one module per crate module.

mod diff;
mod funcs;
mod load;
mod release;
mod render;
mod repo;
