//! Integration tests of `helmfile::release`.
