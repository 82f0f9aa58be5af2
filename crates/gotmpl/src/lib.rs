//! Go's `text/template`, reimplemented in Rust so canon renders Helm charts byte for byte like Go does.
//!
//! Written by hand rather than taken from a crate: no Rust template engine reproduces Go's
//! parse rules, value model, `fmt` output and error texts, and Helm users see all four.
//! The lexer, parser and executor are ports of Go 1.26's `text/template` sources, kept close
//! to them so that every error text and edge case (trim markers, `else with`, `break`, integer
//! `range`, the static `interface {}` type in error messages) matches.
mod complex;
mod error;
mod exec;
pub mod fmt;
mod funcs;
mod lex;
mod node;
mod parse;
mod quote;
mod template;
pub mod value;

pub use error::Error;
pub use funcs::{ArgType, Ctx, FromArg, Func, FuncError, FuncMap, IntoRet};
pub use template::{MissingKey, Template};
pub use value::{ElemType, FloatKind, IntKind, List, Map, Object, UintKind, Value};
