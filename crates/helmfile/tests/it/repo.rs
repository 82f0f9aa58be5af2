//! Integration tests of `helmfile::repo`.
