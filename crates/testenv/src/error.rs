//! The error type of the test support crate: every variant says what is missing and how to get it.

use std::path::PathBuf;

/// `Debug` prints the same message as `Display`, so a test's `.expect(..)` shows the reason.
#[derive(thiserror::Error)]
pub enum Error {
    #[error(
        "{tool} not found: {detail}. Run `scripts/testenv` (it builds the test tools into the cache and \
         records their paths), or set {env} to the binary"
    )]
    MissingTool {
        tool: &'static str,
        env: &'static str,
        detail: String,
    },
    #[error(
        "shared corpus not found at {0} (expected ../shared/corpus beside the repository, or CANON_CORPUS)"
    )]
    MissingCorpus(PathBuf),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("certificate generation: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: PathBuf, message: String },
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    #[error("{name} exited during startup ({status}); last lines of its log:\n{log_tail}")]
    ProcessExited {
        name: &'static str,
        status: String,
        log_tail: String,
    },
    #[error("timed out waiting for {what}{log_tail}")]
    NotReady { what: String, log_tail: String },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
