//! The crate's error: the exact text Go's error would print, plus the position when YAML parsing failed.

/// An error whose `Display` is byte-identical to the `err.Error()` of the Go code path it mirrors
/// (encoding/json, yaml.v2 via sigs.k8s.io/yaml, BurntSushi/toml).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// Go's `err.Error()` text.
    pub message: String,
    /// 1-based line of a YAML syntax error, when Go's message names one.
    pub line: Option<usize>,
    /// 1-based column of a YAML syntax error (Go's yaml does not print it; canon reports it).
    pub column: Option<usize>,
}

impl Error {
    pub(crate) fn msg(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// The same error with `prefix` in front of the message, like Go's `fmt.Errorf("prefix%w", err)`.
    pub(crate) fn wrap(mut self, prefix: &str) -> Error {
        self.message.insert_str(0, prefix);
        self
    }
}
