//! Integration tests of `helmfile::render`.
