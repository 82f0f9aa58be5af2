//! The cluster crate's error type.

/// Any failure of a cluster operation. Messages name the object (kind/namespace/name) and, for
/// manifests, the file in the state repo.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A manifest file that is not valid YAML or not a Kubernetes object.
    #[error("{path}: {message}")]
    Manifest { path: String, message: String },
    /// The API server does not serve this group/version/kind.
    #[error("{0}: no such kind on the API server")]
    UnknownKind(String),
    /// An API call failed.
    #[error("{what}: {source}")]
    Api {
        what: String,
        #[source]
        source: Box<kube::Error>,
    },
    /// Waiting for an object (CRD Established, Namespace Active) gave up.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// Pruning would delete every object of an app and that was not allowed.
    #[error("refusing to prune app {0} to nothing (set allowEmpty to allow it)")]
    PruneToEmpty(String),
    /// The inventory stored in the cluster cannot be read.
    #[error("inventory {name}: {message}")]
    Inventory { name: String, message: String },
}
