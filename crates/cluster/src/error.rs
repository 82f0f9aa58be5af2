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
    /// An API call failed. When no HTTP answer came back (connection refused, DNS, TLS), the
    /// message says which API server could not be reached and why, down to the OS error: kube's
    /// own text stops at `ServiceError: client error (Connect)`, which names neither.
    #[error("{what}: {}", api_text(source, server.as_deref()))]
    Api {
        what: String,
        #[source]
        source: Box<kube::Error>,
        /// The cluster's API server URL, where the client was built from a config that named it.
        server: Option<String>,
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

impl Error {
    /// Whether an API call got no HTTP answer at all: the API server was not reached.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Error::Api { source, .. } if is_transport(source))
    }
}

/// No HTTP answer: the request failed in the connection layer (kube wraps those two ways).
pub(crate) fn is_transport(e: &kube::Error) -> bool {
    matches!(e, kube::Error::HyperError(_) | kube::Error::Service(_))
}

/// `e`'s text; for a transport failure, `cannot reach the API server URL: ` and every cause in
/// its chain, each once (wrappers often repeat their inner error's text).
pub(crate) fn api_text(e: &kube::Error, server: Option<&str>) -> String {
    if !is_transport(e) {
        return e.to_string();
    }
    let mut causes: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !causes.last().is_some_and(|last| last.contains(&text)) {
            causes.push(text);
        }
        next = cause.source();
    }
    if causes.is_empty() {
        causes.push(e.to_string());
    }
    let at = server.map(|s| format!(" {s}")).unwrap_or_default();
    format!("cannot reach the API server{at}: {}", causes.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a source, like hyper's connect error over the OS error.
    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        inner: Option<Box<Layer>>,
    }

    fn chain(texts: &[&'static str]) -> Box<Layer> {
        let mut inner = None;
        for text in texts.iter().rev() {
            inner = Some(Box::new(Layer { text, inner }));
        }
        inner.expect("at least one layer")
    }

    #[test]
    fn a_transport_failure_names_the_server_and_the_root_cause() {
        let e = Error::Api {
            what: "ConfigMap/ns/inv".into(),
            source: Box::new(kube::Error::Service(chain(&[
                "client error (Connect)",
                "tcp connect error",
                "Connection refused (os error 111)",
            ]))),
            server: Some("https://10.0.0.1:6443/".into()),
        };
        assert!(e.is_unreachable());
        assert_eq!(
            e.to_string(),
            "ConfigMap/ns/inv: cannot reach the API server https://10.0.0.1:6443/: \
             client error (Connect): tcp connect error: Connection refused (os error 111)"
        );
    }

    #[test]
    fn a_repeated_cause_is_shown_once_and_the_server_may_be_unknown() {
        let e = Error::Api {
            what: "discovery".into(),
            source: Box::new(kube::Error::Service(chain(&[
                "dns error: no such host",
                "no such host",
            ]))),
            server: None,
        };
        assert_eq!(
            e.to_string(),
            "discovery: cannot reach the API server: dns error: no such host"
        );
    }

    #[test]
    fn an_answer_from_the_server_keeps_kubes_text() {
        let status = kube::core::Status::failure("configmaps \"x\" is forbidden", "Forbidden")
            .with_code(403);
        let e = Error::Api {
            what: "get ConfigMap/ns/x".into(),
            source: Box::new(kube::Error::Api(Box::new(status))),
            server: Some("https://10.0.0.1:6443/".into()),
        };
        assert!(!e.is_unreachable());
        assert!(!e.to_string().contains("cannot reach"), "{e}");
    }
}
