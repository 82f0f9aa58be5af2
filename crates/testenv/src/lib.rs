//! Test support: locates the tools `scripts/testenv` builds (helm, helmfile, the Go oracle, the
//! control plane binaries) and runs a real local Kubernetes control plane for tests.
//!
//! Nothing here is a mock. A test that needs a tool or a cluster that is not there fails with an
//! [`Error`] that says what is missing and that `scripts/testenv` provisions it; nothing is
//! skipped silently.
//!
//! Cluster tests call [`cluster`]: when `CANON_TEST_KUBECONFIG` is set (as `scripts/test` does,
//! sharing one control plane across the whole run) it connects there, otherwise it starts a
//! private [`ControlPlane`] that lives as long as the returned [`TestCluster`]. Each test then
//! takes a fresh namespace from [`namespace`].

mod controlplane;
mod error;
mod tools;

pub use controlplane::{ControlPlane, ControlPlaneOptions};
pub use error::Error;
pub use tools::{
    HelmVersion, corpus_dir, etcd, helm, helmfile, kube_apiserver, kube_controller_manager, oracle,
    registry, repo_root,
};

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{Api, ObjectMeta, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// The environment variable naming the kubeconfig of a shared, already running control plane.
pub const KUBECONFIG_ENV: &str = "CANON_TEST_KUBECONFIG";

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A cluster for one test: a client, and the private control plane behind it if there is one.
pub struct TestCluster {
    client: kube::Client,
    // Declared after `client` so the client is dropped before the processes stop.
    _own: Option<ControlPlane>,
}

impl TestCluster {
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }
}

/// Connects to the shared control plane named by `CANON_TEST_KUBECONFIG`, or starts a private one.
pub async fn cluster() -> Result<TestCluster> {
    match std::env::var_os(KUBECONFIG_ENV) {
        Some(path) if !path.is_empty() => {
            let client = client_from_kubeconfig(std::path::Path::new(&path)).await?;
            Ok(TestCluster { client, _own: None })
        }
        _ => {
            let cp = ControlPlane::start().await?;
            let client = cp.client().await?;
            Ok(TestCluster {
                client,
                _own: Some(cp),
            })
        }
    }
}

/// Builds a client from a kubeconfig file (its current context).
pub async fn client_from_kubeconfig(path: &std::path::Path) -> Result<kube::Client> {
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| Error::Kubeconfig {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| Error::Kubeconfig {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(kube::Client::try_from(config)?)
}

/// Creates a namespace no other test (in this or a concurrent process) uses, and waits until
/// the controller manager has given it its `default` service account, so pods can be created.
pub async fn namespace(client: &kube::Client) -> Result<String> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!(
        "t-{}-{}-{:x}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        nanos & 0xffff
    );
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: Some([("canon.dev/test".to_string(), "true".to_string())].into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    namespaces.create(&PostParams::default(), &ns).await?;

    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), &name);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if accounts.get_opt("default").await?.is_some() {
            return Ok(name);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Error::NotReady {
                what: format!(
                    "service account default/{name}: is kube-controller-manager running?"
                ),
                log_tail: String::new(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
