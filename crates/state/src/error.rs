//! The state crate's error type.

/// What went wrong while reading configuration or talking to the state repo.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A git operation failed (I/O, protocol, unreachable remote).
    #[error("{context}: {message}")]
    Git { context: String, message: String },
    /// The remote refused the credentials, or none were available.
    #[error("{context}: authentication failed: {message}")]
    Auth { context: String, message: String },
    /// `canon.yaml` or an argument is invalid (exit code 2 in the CLI).
    #[error("{0}")]
    Config(String),
    /// An environment index is malformed or disagrees with its tree.
    #[error("index {path}: {message}")]
    Index { path: String, message: String },
    /// A path template failed or produced an unusable path.
    #[error("path template {template:?}: {message}")]
    PathTemplate { template: String, message: String },
    /// Two environments, or two releases, claim the same path.
    #[error("path conflict: {0}")]
    PathConflict(String),
    /// Every push attempt lost the race for the remote ref.
    #[error("push to {branch}: remote kept moving, gave up after {attempts} attempts")]
    Contention { branch: String, attempts: u32 },
}

impl Error {
    /// Wraps a git2 error with what was being done, telling auth failures apart.
    pub(crate) fn git(context: impl Into<String>, e: &git2::Error) -> Self {
        let context = context.into();
        let message = e.message().to_string();
        if e.code() == git2::ErrorCode::Auth
            || (e.class() == git2::ErrorClass::Http && message.contains("401"))
            || message.contains("authentication")
            || message.contains("credentials")
        {
            Error::Auth { context, message }
        } else {
            Error::Git { context, message }
        }
    }

    /// True for configuration and usage errors (the CLI exits 2 on those): a bad `canon.yaml`
    /// or argument, a path template that fails, two releases or environments claiming one
    /// path. Everything else (git, auth, a malformed index on the remote, contention) is a
    /// failed operation (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Config(_) | Error::PathTemplate { .. } | Error::PathConflict(_)
        )
    }
}
