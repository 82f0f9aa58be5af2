//! The one integration test binary of `canon-helm`: one module per crate module.

mod dependencies;
mod schema;
mod values;
