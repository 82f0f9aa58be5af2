//! Go's `text/template`, reimplemented in Rust so canon renders Helm charts byte for byte like Go does.
//!
//! Written by hand rather than taken from a crate: no Rust template engine reproduces Go's
//! parse rules, value model, `fmt` output and error texts, and Helm users see all four.
pub mod fmt;
pub mod value;
