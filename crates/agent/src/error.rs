//! The agent crate's error type.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// agent.yaml is invalid: file, and line:col where the parser gives one.
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    #[error(transparent)]
    Cluster(#[from] cluster::Error),
    #[error(transparent)]
    State(#[from] state::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{what}: {source}")]
    Kube {
        what: String,
        #[source]
        source: Box<kube::Error>,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Bad configuration (exit code 2), as opposed to an operation that failed (1).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Config { .. })
    }
}
