//! Schema validation.
