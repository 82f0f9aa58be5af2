//! Go's `text/template`, reimplemented in Rust so canon renders Helm charts byte for byte like Go does.
//!
//! Written by hand rather than taken from a crate: no Rust template engine reproduces Go's
//! parse rules, value model, `fmt` output and error texts, and Helm users see all four.
//! The lexer, parser and executor are ports of Go 1.26's `text/template` sources, kept close
//! to them so that every error text and edge case (trim markers, `else with`, `break`, integer
//! `range`, the static `interface {}` type in error messages) matches.
//!
//! ```
//! use gotmpl::{Func, Template, Value};
//!
//! # fn main() -> Result<(), gotmpl::Error> {
//! let mut t = Template::new("t");
//! t.func("upper", Func::fn1(|s: String| s.to_uppercase()));
//! t.parse(r#"{{define "x"}}[{{.}}]{{end}}{{range .l}}{{template "x" upper .}}{{end}}"#)?;
//! let data = Value::map([("l".to_string(), Value::list(vec![Value::string("a"), Value::string("b")]))]);
//! let mut out = String::new();
//! t.execute(&mut out, &data)?;
//! assert_eq!(out, "[A][B]");
//! # Ok(())
//! # }
//! ```
//!
//! - [`Template`] is a set of named templates (Go's `*template.Template`): parse once, execute
//!   many times from many threads (`Send + Sync`); [`Template::parse_named`] adds templates
//!   later without reparsing the rest; cloning is cheap (Helm's `tpl` parses into a clone).
//! - [`Func`] is a template function with a Go signature ([`ArgType`] per parameter, optional
//!   variadic tail): the executor checks arity and converts arguments exactly as Go's reflection
//!   does, and wraps a returned error as `error calling NAME: MSG`. Its body gets a [`Ctx`]
//!   that reaches the executing set (`include`, `tpl`).
//! - [`Object`] is a host value with fields and methods (`.Files.Get`, `.Capabilities...`).
//! - [`Error`]'s `Display` is Go's `err.Error()` text.
//!
//! Slices and maps keep Go's nil state apart from empty ([`List::nil`], [`Map::nil`]): Go's
//! `eq` of two nil maps is true and of two empty ones an error, `toJson` writes `null` for nil.
//!
//! Go strings are byte strings and charts put binary data in them (`.Files.Get "x.bz2" |
//! b64enc`, `b64dec`). [`Value::String`] stays a Rust `str` (fast, shared by every crate);
//! bytes that are not UTF-8 are kept losslessly as escape code points ([`gostr`]: one code
//! point of U+10FE80..=U+10FEFF per byte, like Python's `surrogateescape`), and the
//! byte-oriented operations (`len`, `index`, `slice`, `%x`/`%q`, digests, base64, the bytes
//! finally written) read them back with [`gostr::to_go_bytes`], which borrows when there is no
//! escape: the UTF-8 path pays one byte search. Chosen over a `[u8]` value model, which would
//! touch every function of three crates for what a few byte-oriented ones need.
//!
//! Known differences from Go, all outside what charts do: a `[]byte` is never nil; `[]byte` has no
//! capacity beyond its length for `slice`; a string built from a rune in U+10FE80..=U+10FEFF
//! reads as a raw byte ([`gostr`]); a `%`
//! in a template name is not misread as a format verb in error texts as Go does.
mod complex;
mod error;
mod exec;
pub mod fmt;
mod funcs;
pub mod gostr;
pub mod isolation;
mod lex;
mod node;
mod parse;
mod quote;
pub mod strconv;
mod template;
pub mod threads;
pub mod value;

pub use error::Error;
pub use funcs::{ArgType, Ctx, FromArg, Func, FuncError, FuncMap, IntoRet};
pub use template::{MissingKey, Parsed, Template};
pub use value::{ElemType, Field, FloatKind, IntKind, List, Map, Object, UintKind, Value};
