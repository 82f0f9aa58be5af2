//! Integration tests of `helmfile::load`.
