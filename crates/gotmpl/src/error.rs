//! The crate's error: parse and exec errors whose `Display` is exactly Go's `err.Error()` text.

/// A template error. `Display` prints exactly what Go's `err.Error()` prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A parse error (`template: NAME:LINE: MSG`).
    #[error("{0}")]
    Parse(String),
    /// An execution error (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG`).
    #[error("{0}")]
    Exec(String),
    /// A bad `Option` string (Go panics with this text).
    #[error("{0}")]
    Option(String),
}
