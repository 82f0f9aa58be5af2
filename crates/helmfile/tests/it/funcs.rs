//! Integration tests of `helmfile::funcs`.
