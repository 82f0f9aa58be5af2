//! `canon agent`: syncs the state repo to Kubernetes, watches what it applied, reports drift and
//! health, alerts, and serves an HTTP API.
//!
//! The pipeline, one module per stage (the cut kube-rs teaches: pure core, I/O at the edges):
//! - [`config`] — `agent.yaml`.
//! - [`source`] — fetches the state repo, reads environment indexes, and yields a [`source::Snapshot`]
//!   only for a commit whose index is complete and consistent with its tree.
//! - [`reconcile`] — per environment, applies each app ([`cluster::apply`]), saves its inventory,
//!   prunes, assesses health; on a timer, on a new snapshot, on the git webhook.
//! - [`drift`] — per environment, watches the kinds it applied, limited by canon's labels; on a change
//!   compares live with desired ([`cluster::diff`]) and reports OutOfSync with who changed what;
//!   reverts in selfHeal mode.
//! - [`store`] — the status every other part reads: apps, objects, drift, history; a broadcast of
//!   changes for the UI's live updates.
//! - [`alerts`] — sinks (generic webhook with HMAC, Slack), dedup, rate limit, retry.
//! - [`api`] — HTTP API, git webhook, `/metrics`, `/healthz`, `/readyz`.
//! - [`leader`] — Lease-based leader election; only the leader applies.
//! - [`events`] — Kubernetes Events on drift.
//!
//! [`run`] wires them together.

pub mod alerts;
pub mod api;
pub mod config;
pub mod drift;
mod error;
pub mod events;
pub mod leader;
pub mod metrics;
pub mod reconcile;
pub mod source;
pub mod store;
pub mod ui;

pub use config::AgentConfig;
pub use error::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// Runs the agent until `shutdown` resolves (see the module doc).
pub async fn run(
    config: AgentConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    Agent::new(config).run(shutdown).await
}

/// The agent's parts before they run: the config, the store every part shares, where side effects
/// go, the "fetch now" trigger the git webhook pulls, and the leader flag.
pub struct Agent {
    config: Arc<AgentConfig>,
    store: store::Store,
    hooks: Option<Arc<dyn reconcile::Hooks>>,
    fetch_now: Arc<Notify>,
    leader: watch::Receiver<bool>,
    clients: std::collections::BTreeMap<String, kube::Client>,
}

impl Agent {
    pub fn new(config: AgentConfig) -> Self {
        // Without leader election this replica always leads; the receiver keeps the last value.
        let (_, leader) = watch::channel(true);
        Agent {
            config: Arc::new(config),
            store: store::Store::new(),
            hooks: None,
            fetch_now: Arc::new(Notify::new()),
            leader,
            clients: Default::default(),
        }
    }

    /// Replaces the default side effects (alerts, Kubernetes Events, metrics; see
    /// [`AgentHooks`]).
    pub fn with_hooks(mut self, hooks: Arc<dyn reconcile::Hooks>) -> Self {
        self.hooks = Some(hooks);
        self
    }

    pub fn with_leader(mut self, leader: watch::Receiver<bool>) -> Self {
        self.leader = leader;
        self
    }

    /// Uses `client` for `environment` instead of connecting as its `cluster` config says
    /// (tests against a private control plane; embedding).
    pub fn with_client(mut self, environment: &str, client: kube::Client) -> Self {
        self.clients.insert(environment.to_string(), client);
        self
    }

    pub fn with_store(mut self, store: store::Store) -> Self {
        self.store = store;
        self
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    pub fn store(&self) -> store::Store {
        self.store.clone()
    }

    /// Notified by the git webhook: fetch now instead of at the next poll.
    pub fn fetch_trigger(&self) -> Arc<Notify> {
        self.fetch_now.clone()
    }

    fn state_repo(&self) -> Arc<source::StateRepo> {
        Arc::new(source::StateRepo::new(
            &self.config.state.repo,
            &self.config.state.branch,
            &self.config.cache_dir(),
        ))
    }

    /// Every environment's cluster, connected once.
    async fn clients(&self) -> Result<BTreeMap<String, cluster::Cluster>> {
        let mut out = BTreeMap::new();
        for (name, env) in &self.config.environments {
            let client = match self.clients.get(name) {
                Some(c) => cluster::Cluster::new(c.clone()),
                None => connect(check_context(&self.config, name, &env.cluster)?)
                    .await
                    .map_err(|e| match e {
                        Error::Other(m) => Error::Other(format!("environment {name}: {m}")),
                        e => e,
                    })?,
            };
            out.insert(name.clone(), client);
        }
        Ok(out)
    }

    /// The hooks given, or the default [`AgentHooks`] (also returned, to flush their alerts).
    fn hooks(
        &self,
        clusters: &BTreeMap<String, cluster::Cluster>,
        metrics: metrics::Metrics,
    ) -> (Arc<dyn reconcile::Hooks>, Option<Arc<AgentHooks>>) {
        match &self.hooks {
            Some(h) => (h.clone(), None),
            None => {
                let clients = clusters
                    .iter()
                    .map(|(name, c)| (name.clone(), c.client()))
                    .collect();
                let own = Arc::new(AgentHooks::new(&self.config, &clients, metrics));
                (own.clone(), Some(own))
            }
        }
    }

    fn contexts(
        &self,
        clients: &BTreeMap<String, cluster::Cluster>,
        hooks: &Arc<dyn reconcile::Hooks>,
        leader: &watch::Receiver<bool>,
    ) -> Vec<Arc<reconcile::EnvContext>> {
        let mut out = Vec::new();
        for (name, env) in &self.config.environments {
            let Some(cluster) = clients.get(name) else {
                continue;
            };
            self.store.update_environment(name, |_| {});
            out.push(Arc::new(reconcile::EnvContext {
                name: name.clone(),
                config: env.clone(),
                namespace: self.config.namespace.clone(),
                cluster: cluster.clone(),
                store: self.store.clone(),
                hooks: hooks.clone(),
                leader: leader.clone(),
                poll_interval: self.config.state.poll_interval,
            }));
        }
        out
    }

    /// Runs until `shutdown` resolves: the HTTP API (unless `listen` is empty), leader election
    /// when enabled, the poller, and one reconcile loop and one drift watcher per environment.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let clients = self.clients().await?;
        let metrics = metrics::Metrics::new(self.store.clone());
        let (hooks, own_hooks) = self.hooks(&clients, metrics.clone());

        // Leader election on the first environment's cluster (where the agent runs).
        let mut elector = None;
        let mut leader = self.leader.clone();
        if self.config.leader_election.enabled
            && let Some(cluster) = clients.values().next()
        {
            let e = leader::LeaderElector::start(
                cluster.client(),
                &self.config.namespace,
                &self.config.leader_election,
                leader::default_identity(),
            )
            .await?;
            leader = e.subscribe();
            elector = Some(e);
        }

        let mut tasks = tokio::task::JoinSet::new();
        let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
        let mut api_task = None;
        if !self.config.listen.is_empty() {
            let listener = tokio::net::TcpListener::bind(&self.config.listen)
                .await
                .map_err(|e| Error::Other(format!("listening on {}: {e}", self.config.listen)))?;
            tracing::info!(addr = ?listener.local_addr().ok(), "canon agent API listening");
            let mut state = api::ApiState::new(
                self.store.clone(),
                metrics.clone(),
                self.config.webhook_secret.clone(),
            );
            state.fetch = self.fetch_now.clone();
            tasks.spawn(ready_when_first_pass(
                self.store.clone(),
                self.config.environments.keys().cloned().collect(),
                state.clone(),
            ));
            api_task = Some(tokio::spawn(api::serve(listener, state, async {
                let _ = api_stopped.await;
            })));
        }

        let mut senders = Vec::new();
        for ctx in self.contexts(&clients, &hooks, &leader) {
            let (env_loop, desired_rx) = reconcile::EnvironmentLoop::new(ctx.clone());
            let (tx, rx) = tokio::sync::mpsc::channel(64);
            tasks.spawn(env_loop.run(rx));
            tasks.spawn(drift::watch_environment(ctx, desired_rx, tx.clone()));
            senders.push(tx);
        }
        tasks.spawn(poll(
            self.state_repo(),
            self.config.clone(),
            self.store.clone(),
            hooks.clone(),
            self.fetch_now.clone(),
            senders,
        ));
        shutdown.await;
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        let _ = stop_api.send(());
        if let Some(t) = api_task {
            match t.await {
                Ok(Err(e)) => tracing::warn!("API server: {e}"),
                Err(e) => tracing::warn!("API server task: {e}"),
                Ok(Ok(())) => {}
            }
        }
        if let Some(e) = elector
            && let Err(err) = e.release().await
        {
            tracing::warn!("releasing the Lease: {err}");
        }
        if let Some(h) = own_hooks {
            h.flush_alerts(SHUTDOWN_ALERT_FLUSH).await;
        }
        Ok(())
    }

    /// One fetch and one sync pass of every environment (`canon agent --once`); the store then
    /// holds the outcome.
    pub async fn sync_once(self) -> Result<store::Store> {
        let clients = self.clients().await?;
        let (hooks, own_hooks) = self.hooks(&clients, metrics::Metrics::new(self.store.clone()));
        let contexts = self.contexts(&clients, &hooks, &self.leader);
        let repo = self.state_repo();
        let envs: Vec<String> = self.config.environments.keys().cloned().collect();
        let fetched = fetch_snapshot(repo, envs, None).await;
        for ctx in contexts {
            let (mut env_loop, _desired) = reconcile::EnvironmentLoop::new(ctx);
            let trigger = match &fetched {
                Ok(Some(snap)) => reconcile::Trigger::Snapshot(snap.clone()),
                Ok(None) => continue,
                Err(e) => reconcile::Trigger::FetchFailed(e.clone()),
            };
            env_loop.handle(trigger).await;
        }
        // The process exits next: the alerts of this pass (a sync that failed) are delivered
        // first, or they would be lost with the runtime.
        if let Some(h) = own_hooks {
            h.flush_alerts(ONCE_ALERT_FLUSH).await;
        }
        Ok(self.store)
    }
}

/// How long `--once` waits for its alerts to be delivered before exiting (retries of a sink that
/// is down take up to ~8 s of backoff plus request timeouts).
const ONCE_ALERT_FLUSH: Duration = Duration::from_secs(30);
/// How long a stopping agent waits for alerts still being delivered.
const SHUTDOWN_ALERT_FLUSH: Duration = Duration::from_secs(5);

/// `/readyz` turns 200 once every environment has a synced snapshot or an error.
async fn ready_when_first_pass(store: store::Store, envs: Vec<String>, state: api::ApiState) {
    let mut rx = store.subscribe();
    loop {
        let done = envs.iter().all(|e| {
            store
                .environment(e)
                .is_some_and(|s| s.error.is_some() || !s.revision.is_empty())
        });
        if done {
            state.set_ready();
            return;
        }
        if let Err(tokio::sync::broadcast::error::RecvError::Closed) = rx.recv().await {
            return;
        }
    }
}

/// The side effects `run` wires by default: alerts through [`alerts`], Kubernetes Events through
/// one [`events::Recorder`] per environment, and [`metrics`].
pub struct AgentHooks {
    metrics: metrics::Metrics,
    alerter: alerts::Alerter,
    alert: Box<dyn Fn(alerts::Alert) + Send + Sync>,
    recorders: BTreeMap<String, Arc<events::Recorder>>,
}

impl AgentHooks {
    pub fn new(
        config: &AgentConfig,
        clients: &BTreeMap<String, kube::Client>,
        metrics: metrics::Metrics,
    ) -> Self {
        let instance = leader::default_identity();
        let recorders = clients
            .iter()
            .map(|(env, c)| {
                (
                    env.clone(),
                    Arc::new(events::Recorder::new(
                        c.clone(),
                        config.namespace.clone(),
                        instance.clone(),
                    )),
                )
            })
            .collect();
        let alerter = alerts::Alerter::new(&config.alerts);
        AgentHooks {
            alert: alert_sender(alerter.clone(), &metrics),
            alerter,
            metrics,
            recorders,
        }
    }

    /// Waits until every queued alert is delivered or given up on, at most `limit`; false (and a
    /// warning) when some were still in flight.
    pub async fn flush_alerts(&self, limit: Duration) -> bool {
        let done = tokio::time::timeout(limit, self.alerter.idle())
            .await
            .is_ok();
        if !done {
            tracing::warn!("alerts still being delivered after {limit:?}; not waiting longer");
        }
        done
    }
}

/// Where alerts go: the log, and every configured sink through one [`alerts::Alerter`] (which
/// deduplicates, rate-limits and retries in the background), counted in `canon_alerts_total`.
fn alert_sender(
    alerter: alerts::Alerter,
    metrics: &metrics::Metrics,
) -> Box<dyn Fn(alerts::Alert) + Send + Sync> {
    let metrics = metrics.clone();
    alerter.on_result(move |sink, result| metrics.alert(sink, result));
    Box::new(move |alert: alerts::Alert| {
        tracing::info!(event = ?alert.event, app = %alert.key(), "{}", alert.summary);
        alerter.send(alert);
    })
}

impl reconcile::Hooks for AgentHooks {
    fn alert(&self, alert: alerts::Alert) {
        (self.alert)(alert)
    }

    fn object_event(&self, environment: &str, id: &cluster::ObjectRef, reason: &str, note: &str) {
        let Some(recorder) = self.recorders.get(environment).cloned() else {
            return;
        };
        let reason = match reason {
            "DriftDetected" => events::Reason::DriftDetected,
            "DriftReverted" => events::Reason::DriftReverted,
            _ => events::Reason::SyncFailed,
        };
        let id = id.clone();
        let note = note.to_string();
        // Never on the drift path's clock: Events are best effort.
        tokio::spawn(async move { recorder.record(&id, reason, &note).await });
    }

    fn drift_detected(&self, key: &store::AppKey, latency: Duration) {
        self.metrics
            .observe_drift(&key.environment, &key.app, latency.as_secs_f64());
    }

    fn reconciled(&self, environment: &str, took: Duration) {
        self.metrics
            .observe_reconcile(environment, took.as_secs_f64());
    }

    fn apply_failed(&self, key: &store::AppKey) {
        self.metrics.apply_error(&key.environment, &key.app);
    }

    fn fetched(&self, took: Duration) {
        self.metrics.observe_fetch(took.as_secs_f64());
    }
}

/// An environment's `cluster.context` must name a context of its kubeconfig. kube-rs would say
/// only "failed to load current context"; this is a configuration error (exit 2) that names the
/// environment, where agent.yaml sets the context, the kubeconfig and the contexts it has. An
/// unreadable kubeconfig is left to [`connect`] to report.
fn check_context<'a>(
    config: &AgentConfig,
    name: &str,
    c: &'a config::ClusterConfig,
) -> Result<&'a config::ClusterConfig> {
    use kube::config::Kubeconfig;
    let Some(context) = c.context.as_deref().filter(|_| !c.in_cluster) else {
        return Ok(c);
    };
    let (kubeconfig, shown) = match &c.kubeconfig {
        Some(p) => {
            let path = config::expand_home(p);
            (
                Kubeconfig::read_from(&path),
                format!("kubeconfig {}", path.display()),
            )
        }
        None => (Kubeconfig::read(), "the default kubeconfig".to_string()),
    };
    let Ok(kubeconfig) = kubeconfig else {
        return Ok(c);
    };
    if kubeconfig.contexts.iter().any(|n| n.name == context) {
        return Ok(c);
    }
    let known: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    Err(Error::Config {
        path: config.context_location(name),
        message: format!(
            "environment {name}: cluster.context {context:?} is not a context of {shown} (it has: {})",
            known.join(", ")
        ),
    })
}

/// Connects to an environment's cluster (which knows its API server's URL, for errors).
pub async fn connect(c: &config::ClusterConfig) -> Result<cluster::Cluster> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let err = |what: &str, e: &dyn std::fmt::Display| Error::Other(format!("{what}: {e}"));
    let config = if c.in_cluster {
        kube::Config::incluster().map_err(|e| err("in-cluster config", &e))?
    } else {
        let opts = KubeConfigOptions {
            context: c.context.clone(),
            ..Default::default()
        };
        match &c.kubeconfig {
            Some(p) => {
                let path = config::expand_home(p);
                let kc = Kubeconfig::read_from(&path)
                    .map_err(|e| err(&format!("kubeconfig {}", path.display()), &e))?;
                kube::Config::from_custom_kubeconfig(kc, &opts)
                    .await
                    .map_err(|e| err(&format!("kubeconfig {}", path.display()), &e))?
            }
            None if c.context.is_some() => kube::Config::from_kubeconfig(&opts)
                .await
                .map_err(|e| err("kubeconfig", &e))?,
            None => kube::Config::infer()
                .await
                .map_err(|e| err("kubeconfig", &e))?,
        }
    };
    let server = config.cluster_url.to_string();
    let client = kube::Client::try_from(config).map_err(|e| err("kube client", &e))?;
    Ok(cluster::Cluster::new(client).with_server(server))
}

/// Fetches the state repo and, when the head moved from `last`, reads a snapshot.
async fn fetch_snapshot(
    repo: Arc<source::StateRepo>,
    envs: Vec<String>,
    last: Option<String>,
) -> std::result::Result<Option<Arc<source::Snapshot>>, String> {
    tokio::task::spawn_blocking(move || {
        let head = repo
            .fetch()
            .map_err(|e| format!("fetching {}: {e}", repo.url()))?;
        if last.as_deref() == Some(head.as_str()) {
            return Ok(None);
        }
        let snap = repo
            .snapshot(&head, &envs)
            .map_err(|e| format!("reading {} at {head}: {e}", repo.url()))?;
        Ok(Some(Arc::new(snap)))
    })
    .await
    .map_err(|e| format!("fetch task: {e}"))?
}

/// The poller: fetch every `pollInterval` or when notified, hand new snapshots to every
/// environment; a failed fetch is reported on every environment and retried with backoff, and
/// changes nothing else (nothing is deleted because git cannot be read).
async fn poll(
    repo: Arc<source::StateRepo>,
    config: Arc<AgentConfig>,
    store: store::Store,
    hooks: Arc<dyn reconcile::Hooks>,
    fetch_now: Arc<Notify>,
    senders: Vec<reconcile::TriggerSender>,
) {
    let envs: Vec<String> = config.environments.keys().cloned().collect();
    let interval = config.state.poll_interval;
    let mut last: Option<Arc<source::Snapshot>> = None;
    let mut failing = false;
    let mut backoff = Duration::from_secs(1);
    loop {
        let started = std::time::Instant::now();
        let last_rev = last.as_ref().map(|s| s.revision.clone());
        let wait = match fetch_snapshot(repo.clone(), envs.clone(), last_rev).await {
            Ok(fresh) => {
                hooks.fetched(started.elapsed());
                let send = match fresh {
                    Some(s) => {
                        last = Some(s.clone());
                        Some(s)
                    }
                    // Same head: after a failure the environments get it again to clear errors.
                    None if failing => last.clone(),
                    None => None,
                };
                failing = false;
                backoff = Duration::from_secs(1);
                match send {
                    Some(s) => {
                        for tx in &senders {
                            let _ = tx.send(reconcile::Trigger::Snapshot(s.clone())).await;
                        }
                    }
                    None => {
                        for env in &envs {
                            store.update_environment(env, |e| {
                                e.last_fetch = Some(reconcile::now());
                            });
                        }
                    }
                }
                interval
            }
            Err(message) => {
                tracing::warn!("{message}");
                failing = true;
                for tx in &senders {
                    let _ = tx
                        .send(reconcile::Trigger::FetchFailed(message.clone()))
                        .await;
                }
                let wait = backoff.min(interval);
                backoff = (backoff * 2).min(interval);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = fetch_now.notified() => {}
        }
    }
}
