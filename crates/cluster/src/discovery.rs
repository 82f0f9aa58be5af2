//! The handle to one cluster: a kube client plus a discovery cache mapping group/kind to the API
//! resource (plural, namespaced or not, verbs).
//!
//! Contract (cluster helper): [`Cluster::resolve`] answers from the cache and refreshes discovery
//! once on a miss (a CRD applied earlier in the same sync makes new kinds appear), then fails with
//! [`crate::Error::UnknownKind`]. [`Cluster::scope`] fixes an [`ObjectRef`]'s namespace: cluster-scoped
//! kinds get `None` even when the manifest set one (kubectl ignores it too), namespaced kinds without
//! one get the default namespace given. The cache is shared by clones (Arc) and safe across tasks.
//!
//! Discovery uses the aggregated discovery API (two requests; Kubernetes 1.30+) and falls back to
//! the per-group walk of older servers. Concurrent misses share one refresh: a task that waited
//! for the refresh lock re-reads the cache instead of refreshing again.

use std::sync::Arc;

use kube::discovery::{ApiResource, Discovery, Scope};
use tokio::sync::{Mutex, RwLock};

use crate::{Error, ObjectRef, Result};

/// What discovery knows about a kind.
#[derive(Debug, Clone)]
pub struct Resource {
    pub api: ApiResource,
    pub namespaced: bool,
}

#[derive(Default)]
struct Cache {
    discovery: Option<Discovery>,
    /// Bumped on every refresh, so a task that waited on the refresh lock sees one happened.
    generation: u64,
}

/// One cluster: a client and its discovery cache. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    /// The API server's URL, for errors: kube's `Client` does not expose the one it talks to.
    server: Option<Arc<str>>,
    cache: Arc<RwLock<Cache>>,
    refresh: Arc<Mutex<()>>,
}

impl Cluster {
    pub fn new(client: kube::Client) -> Self {
        Cluster {
            client,
            server: None,
            cache: Arc::default(),
            refresh: Arc::default(),
        }
    }

    /// Names `server` (the URL the client was configured with) in errors of calls that never
    /// reached it.
    pub fn with_server(mut self, server: impl Into<Arc<str>>) -> Self {
        self.server = Some(server.into());
        self
    }

    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// `e`, a failure of the call described by `what`, as this crate's error.
    pub(crate) fn api_error(&self, what: impl Into<String>, e: kube::Error) -> Error {
        Error::Api {
            what: what.into(),
            source: Box::new(e),
            server: self.server.as_deref().map(str::to_string),
        }
    }

    /// The API resource serving `id`'s group/version/kind.
    pub async fn resolve(&self, id: &ObjectRef) -> Result<Resource> {
        let generation = {
            let cache = self.cache.read().await;
            if let Some(found) = cache.discovery.as_ref().and_then(|d| lookup(d, id)) {
                return Ok(found);
            }
            cache.generation
        };
        self.refresh_since(generation).await?;
        let cache = self.cache.read().await;
        cache
            .discovery
            .as_ref()
            .and_then(|d| lookup(d, id))
            .ok_or_else(|| Error::UnknownKind(format!("{}/{}", id.api_version(), id.kind)))
    }

    /// `id` with its namespace fixed by the kind's scope (see the module doc).
    pub async fn scope(&self, id: &ObjectRef, default_namespace: &str) -> Result<ObjectRef> {
        let resource = self.resolve(id).await?;
        let mut id = id.clone();
        if resource.namespaced {
            if id.namespace.is_none() {
                id.namespace = Some(default_namespace.to_string());
            }
        } else {
            id.namespace = None;
        }
        Ok(id)
    }

    /// Reloads discovery now (after CRDs were established, say).
    pub async fn refresh(&self) -> Result<()> {
        let generation = self.cache.read().await.generation;
        self.refresh_since(generation).await
    }

    /// Refreshes unless another task refreshed after the cache was at `generation`.
    async fn refresh_since(&self, generation: u64) -> Result<()> {
        let _guard = self.refresh.lock().await;
        if self.cache.read().await.generation != generation {
            return Ok(());
        }
        let discovery = match Discovery::new(self.client.clone()).run_aggregated().await {
            Ok(d) => d,
            Err(aggregated) => {
                tracing::debug!(error = %aggregated, "aggregated discovery failed; walking groups");
                Discovery::new(self.client.clone())
                    .run()
                    .await
                    .map_err(|e| self.api_error("discovery", e))?
            }
        };
        let mut cache = self.cache.write().await;
        cache.discovery = Some(discovery);
        cache.generation += 1;
        Ok(())
    }
}

fn lookup(discovery: &Discovery, id: &ObjectRef) -> Option<Resource> {
    let group = discovery.get(&id.group)?;
    let (api, caps) = group
        .versioned_resources(&id.version)
        .into_iter()
        .find(|(ar, _)| ar.kind == id.kind)?;
    Some(Resource {
        api,
        namespaced: matches!(caps.scope, Scope::Namespaced),
    })
}
