//! End to end: the agent against the real control plane (kube-apiserver + etcd +
//! kube-controller-manager, no kubelet) and real bare state repos written by the real hydrate
//! pipeline (`#[ignore]`, run by `scripts/test`). Each test uses its own environment name (the
//! label the drift watch selects on), release namespace and inventory namespace, so tests share
//! one control plane safely.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use agent::store::{AppKey, AppStatus, Store, SyncStatus};
use agent::{Agent, AgentConfig};
use cluster::Health;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;
use state::RenderedRelease;

use crate::{bare, configmap, deployment, hydrate, release, render_demo};

/// How long a condition may take before a test fails (generous: 2 shared cores).
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

pub(crate) struct Setup {
    pub(crate) client: kube::Client,
    /// The release namespace.
    pub(crate) ns: String,
    /// The agent's namespace (inventories).
    pub(crate) agent_ns: String,
    /// The environment name (unique per test: the drift watch's label selector).
    pub(crate) env: String,
    pub(crate) remote: PathBuf,
    pub(crate) tmp: tempfile::TempDir,
    // Last: the private control plane (if any) outlives the client.
    _tc: testenv::TestCluster,
}

pub(crate) async fn setup() -> Setup {
    let tc = testenv::cluster()
        .await
        .unwrap_or_else(|e| panic!("this test needs the control plane: {e}"));
    from_client(tc.client(), tc).await
}

async fn from_client(client: kube::Client, tc: testenv::TestCluster) -> Setup {
    let ns = testenv::namespace(&client).await.expect("a namespace");
    let agent_ns = testenv::namespace(&client).await.expect("a namespace");
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    Setup {
        client,
        env: format!("e-{ns}"),
        ns,
        agent_ns,
        remote,
        tmp,
        _tc: tc,
    }
}

impl Setup {
    pub(crate) fn key(&self, app: &str) -> AppKey {
        AppKey {
            environment: self.env.clone(),
            app: app.into(),
        }
    }

    /// agent.yaml for this test; `extra` is YAML under the environment (selfHeal, prune...).
    pub(crate) fn config(&self, env_extra: &str, top_extra: &str) -> AgentConfig {
        let text = format!(
            "state:\n  repo: {repo}\n  branch: main\n  pollInterval: 1s\nlisten: 127.0.0.1:0\nnamespace: {ans}\nenvironments:\n  {env}:\n    sync: auto\n{extra}{top}",
            repo = self.remote.display(),
            ans = self.agent_ns,
            env = self.env,
            extra = env_extra
                .lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>(),
            top = top_extra,
        );
        AgentConfig::parse(&text, "e2e.yaml").expect("a valid agent.yaml")
    }

    pub(crate) fn hydrate(&self, releases: Vec<RenderedRelease>, n: u32) -> String {
        hydrate(&self.remote, &self.env, releases, n)
    }

    pub(crate) fn start(&self, config: AgentConfig) -> Running {
        let agent = Agent::new(config).with_client(&self.env, self.client.clone());
        let store = agent.store();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(agent.run(async {
            let _ = rx.await;
        }));
        Running {
            store,
            stop: Some(tx),
            task,
        }
    }
}

pub(crate) struct Running {
    pub(crate) store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<agent::Result<()>>,
}

impl Running {
    pub(crate) async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.task)
            .await
            .expect("the agent task")
            .expect("the agent ran");
    }
}

/// Waits until `pred` holds for the store (checked on every change and every 200 ms).
pub(crate) async fn wait_until(store: &Store, what: &str, pred: impl Fn(&Store) -> bool) {
    let mut rx = store.subscribe();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if pred(store) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "timed out waiting for {what}; environments: {:#?}\napps: {:#?}",
                store.environments(),
                store
                    .apps()
                    .iter()
                    .map(|a| (
                        a.key.to_string(),
                        a.sync,
                        a.health,
                        a.error.clone(),
                        a.objects
                            .iter()
                            .map(|o| (o.id.to_string(), o.sync, o.health.clone(), o.drift.clone()))
                            .collect::<Vec<_>>()
                    ))
                    .collect::<Vec<_>>()
            );
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await;
    }
}

pub(crate) fn app(store: &Store, key: &AppKey) -> Option<AppStatus> {
    store.app(key)
}

pub(crate) fn synced(store: &Store, key: &AppKey) -> bool {
    app(store, key).is_some_and(|a| a.sync == SyncStatus::Synced && a.error.is_none())
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn demo_syncs_with_field_manager_canon_and_health_per_rules() {
    let s = setup().await;
    let out = s.tmp.path().join("render");
    let mut releases = render_demo("staging", &out);
    for r in &mut releases {
        r.namespace = s.ns.clone();
    }
    let head = s.hydrate(releases, 1);
    let running = s.start(s.config("", ""));
    let key = s.key("demo--staging");
    wait_until(&running.store, "demo synced", |st| synced(st, &key)).await;
    let a = app(&running.store, &key).expect("the app");
    assert_eq!(a.revision, head);
    assert_eq!(a.namespace, s.ns);
    assert!(a.last_sync.is_some());
    assert!(!a.objects.is_empty());
    let env = running.store.environment(&s.env).expect("the environment");
    assert_eq!(env.revision, head);
    assert_eq!(env.error, None);

    // Every object canon applied is owned by field manager `canon` (Apply) and labelled.
    let deployments: Api<Deployment> = Api::namespaced(s.client.clone(), &s.ns);
    let list = deployments.list(&Default::default()).await.expect("list");
    assert!(!list.items.is_empty(), "the demo has a Deployment");
    for d in &list.items {
        let mf = d.metadata.managed_fields.as_ref().expect("managedFields");
        assert!(
            mf.iter().any(|m| m.manager.as_deref() == Some("canon")
                && m.operation.as_deref() == Some("Apply")),
            "{mf:?}"
        );
        let labels = d.metadata.labels.as_ref().expect("labels");
        assert_eq!(labels.get(cluster::LABEL_ENVIRONMENT), Some(&s.env));
        assert_eq!(
            labels.get(cluster::LABEL_APP).map(String::as_str),
            Some("demo--staging")
        );
    }
    // With kube-controller-manager and no kubelet the Deployment gets a ReplicaSet whose Pods stay
    // Pending: the rollout never completes, so Argo CD's rules say Progressing (until the
    // progress deadline, 600 s, would make it Degraded).
    wait_until(
        &running.store,
        "the Deployment's health from its status",
        |st| {
            app(st, &key).is_some_and(|a| {
                a.objects
                    .iter()
                    .any(|o| o.id.kind == "Deployment" && o.health.status == Health::Progressing)
            })
        },
    )
    .await;
    let a = app(&running.store, &key).expect("the app");
    let dep = a
        .objects
        .iter()
        .find(|o| o.id.kind == "Deployment")
        .expect("the Deployment's status");
    eprintln!(
        "demo Deployment health without a kubelet: {:?}: {}",
        dep.health.status, dep.health.message
    );
    assert_eq!(a.health, Health::Progressing, "{:?}", a.objects);
    running.shutdown().await;
}

/// Patches `spec.replicas` of a Deployment as another field manager (what `kubectl scale` or a
/// person with kubectl does).
pub(crate) async fn patch_replicas(
    client: &kube::Client,
    ns: &str,
    name: &str,
    replicas: i32,
    manager: &str,
) {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    api.patch(
        name,
        &PatchParams {
            field_manager: Some(manager.into()),
            ..Default::default()
        },
        &Patch::Merge(json!({"spec": {"replicas": replicas}})),
    )
    .await
    .expect("patch replicas");
}

pub(crate) async fn replicas(client: &kube::Client, ns: &str, name: &str) -> Option<i32> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    api.get(name)
        .await
        .expect("get")
        .spec
        .and_then(|s| s.replicas)
}

pub(crate) fn drift_of(store: &Store, key: &AppKey, path: &str) -> Option<cluster::FieldDiff> {
    app(store, key)?
        .objects
        .iter()
        .flat_map(|o| o.drift.iter())
        .find(|d| d.path == path)
        .cloned()
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn drift_latency_over_many_trials() {
    let s = setup().await;
    s.hydrate(
        vec![release(
            "web",
            &s.ns,
            &[("t/web.yaml", deployment("web", 1))],
        )],
        1,
    );
    let running = s.start(s.config("selfHeal: false", ""));
    let key = s.key("web");
    wait_until(&running.store, "web synced", |st| synced(st, &key)).await;
    let mut rx = running.store.subscribe();
    let mut samples = Vec::new();
    const TRIALS: i32 = 60;
    for i in 0..TRIALS {
        let want = 2 + i;
        // Whatever changed before this trial is not its answer.
        while rx.try_recv().is_ok() {}
        let t = Instant::now();
        patch_replicas(&s.client, &s.ns, "web", want, "latency-probe").await;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let seen = drift_of(&running.store, &key, "spec.replicas")
                .is_some_and(|d| d.live == Some(json!(want)));
            if seen {
                samples.push(t.elapsed());
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "trial {i}: drift to {want} never reached the store"
            );
            let _ = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await;
        }
    }
    samples.sort();
    let pct = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    eprintln!(
        "drift latency over {} trials (patch → store): p50 {:?}, p99 {:?}, max {:?}",
        samples.len(),
        pct(50),
        pct(99),
        samples[samples.len() - 1]
    );
    // Detect-only: the last patch is still live.
    assert_eq!(replicas(&s.client, &s.ns, "web").await, Some(1 + TRIALS));
    running.shutdown().await;
}

async fn configmap_exists(client: &kube::Client, ns: &str, name: &str) -> bool {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    api.get_opt(name).await.expect("get").is_some()
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn removed_objects_and_releases_are_pruned_and_nothing_else() {
    let s = setup().await;
    s.hydrate(
        vec![
            release(
                "web",
                &s.ns,
                &[
                    ("t/a.yaml", configmap("web-a", "1")),
                    ("t/b.yaml", configmap("web-b", "1")),
                ],
            ),
            release("db", &s.ns, &[("t/db.yaml", configmap("db", "1"))]),
        ],
        1,
    );
    let running = s.start(s.config("allowEmpty: true", ""));
    let web = s.key("web");
    let db = s.key("db");
    wait_until(&running.store, "both apps synced", |st| {
        synced(st, &web) && synced(st, &db)
    })
    .await;
    // An object with canon's labels that canon never applied: not in any inventory.
    let cms: Api<ConfigMap> = Api::namespaced(s.client.clone(), &s.ns);
    let intruder: ConfigMap = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "intruder", "labels": {
            cluster::LABEL_ENVIRONMENT: s.env, cluster::LABEL_APP: "web"}},
        "data": {"x": "y"}
    }))
    .expect("a ConfigMap");
    cms.create(&PostParams::default(), &intruder)
        .await
        .expect("create the intruder");

    // web-b leaves git: pruned; web-a stays.
    s.hydrate(
        vec![
            release("web", &s.ns, &[("t/a.yaml", configmap("web-a", "1"))]),
            release("db", &s.ns, &[("t/db.yaml", configmap("db", "1"))]),
        ],
        2,
    );
    let client = s.client.clone();
    let ns = s.ns.clone();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while configmap_exists(&client, &ns, "web-b").await {
        assert!(tokio::time::Instant::now() < deadline, "web-b never pruned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(configmap_exists(&client, &ns, "web-a").await);
    // The agent records the prune after the API server has deleted the object: wait for it.
    wait_until(&running.store, "web-b's prune in web's history", |st| {
        app(st, &web).is_some_and(|a| {
            a.history
                .iter()
                .any(|h| h.kind == agent::store::EventKind::Pruned && h.message.contains("web-b"))
        })
    })
    .await;

    // The whole db release leaves git: pruned as a whole (allowEmpty), the app disappears.
    s.hydrate(
        vec![release(
            "web",
            &s.ns,
            &[("t/a.yaml", configmap("web-a", "1"))],
        )],
        3,
    );
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while configmap_exists(&client, &ns, "db").await {
        assert!(tokio::time::Instant::now() < deadline, "db never pruned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_until(&running.store, "db gone from the store", |st| {
        app(st, &db).is_none()
    })
    .await;
    assert!(configmap_exists(&client, &ns, "web-a").await);
    assert!(
        configmap_exists(&client, &ns, "intruder").await,
        "an object not in the inventory is never pruned"
    );
    running.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn a_malformed_manifest_fails_its_app_only() {
    let s = setup().await;
    s.hydrate(
        vec![
            release("good", &s.ns, &[("t/a.yaml", configmap("good", "1"))]),
            release(
                "bad",
                &s.ns,
                &[(
                    "t/bad.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n".into(),
                )],
            ),
        ],
        1,
    );
    let running = s.start(s.config("", ""));
    let good = s.key("good");
    let bad = s.key("bad");
    wait_until(&running.store, "good synced, bad failed", |st| {
        synced(st, &good) && app(st, &bad).is_some_and(|a| a.error.is_some())
    })
    .await;
    let b = app(&running.store, &bad).expect("bad");
    let err = b.error.expect("an error");
    assert!(err.contains("bad/t/bad.yaml"), "{err}");
    assert_ne!(b.sync, SyncStatus::Synced);
    assert!(
        b.history
            .iter()
            .any(|h| h.kind == agent::store::EventKind::SyncFailed)
    );
    assert!(configmap_exists(&s.client, &s.ns, "good").await);
    running.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn unreachable_state_repo_is_an_environment_error_and_deletes_nothing() {
    let s = setup().await;
    s.hydrate(
        vec![release(
            "web",
            &s.ns,
            &[("t/a.yaml", configmap("web", "1"))],
        )],
        1,
    );
    let running = s.start(s.config("", ""));
    let key = s.key("web");
    wait_until(&running.store, "web synced", |st| synced(st, &key)).await;
    let moved = s.tmp.path().join("moved.git");
    std::fs::rename(&s.remote, &moved).expect("make the repo unreachable");
    wait_until(&running.store, "an environment error", |st| {
        st.environment(&s.env).is_some_and(|e| e.error.is_some())
    })
    .await;
    let err = running
        .store
        .environment(&s.env)
        .and_then(|e| e.error)
        .expect("error");
    assert!(err.contains("state.git"), "{err}");
    // Several poll intervals pass with the repo gone: nothing is deleted.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(configmap_exists(&s.client, &s.ns, "web").await);
    assert!(app(&running.store, &key).is_some());
    // Back again: the retries succeed and the error clears.
    std::fs::rename(&moved, &s.remote).expect("restore the repo");
    wait_until(&running.store, "the error cleared", |st| {
        st.environment(&s.env).is_some_and(|e| e.error.is_none())
    })
    .await;
    wait_until(&running.store, "web still synced", |st| synced(st, &key)).await;
    running.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the control plane binaries (scripts/testenv)"]
async fn apiserver_restart_mid_sync_converges() {
    // A private control plane: restarting the shared one would break the other tests.
    let mut cp = testenv::ControlPlane::start()
        .await
        .unwrap_or_else(|e| panic!("this test starts its own control plane: {e}"));
    let client = cp.client().await.expect("client");
    let ns = testenv::namespace(&client).await.expect("ns");
    let agent_ns = testenv::namespace(&client).await.expect("ns");
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let env = format!("e-{ns}");
    let files: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!("t/cm{i:03}.yaml"),
                configmap(&format!("cm{i:03}"), "x"),
            )
        })
        .collect();
    let refs: Vec<(&str, String)> = files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect();
    hydrate(&remote, &env, vec![release("bulk", &ns, &refs)], 1);
    let text = format!(
        "state: {{ repo: {}, pollInterval: 1s }}\nlisten: 127.0.0.1:0\nnamespace: {agent_ns}\nenvironments:\n  {env}: {{}}\n",
        remote.display()
    );
    let config = AgentConfig::parse(&text, "e2e.yaml").expect("config");
    let agent = Agent::new(config).with_client(&env, client.clone());
    let store = agent.store();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(agent.run(async {
        let _ = rx.await;
    }));
    // Mid-sync: as soon as the app exists in the store, before it is Synced.
    let key = AppKey {
        environment: env.clone(),
        app: "bulk".into(),
    };
    wait_until(&store, "the sync to start", |st| st.app(&key).is_some()).await;
    cp.stop_apiserver();
    tokio::time::sleep(Duration::from_secs(2)).await;
    cp.start_apiserver().await.expect("restart kube-apiserver");
    wait_until(&store, "bulk synced after the restart", |st| {
        synced(st, &key)
    })
    .await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let n = cms
        .list(&Default::default())
        .await
        .expect("list")
        .items
        .iter()
        .filter(|c| {
            c.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("cm"))
        })
        .count();
    assert_eq!(n, 60);
    let _ = tx.send(());
    task.await.expect("task").expect("agent");
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn replicas_drift_is_reported_with_its_manager_and_healed_only_in_self_heal() {
    let s = setup().await;
    s.hydrate(
        vec![
            release("detect", &s.ns, &[("t/d.yaml", deployment("detect", 1))]),
            release("heal", &s.ns, &[("t/h.yaml", deployment("heal", 1))]),
        ],
        1,
    );
    // Two agents over one repo would fight; one environment per mode instead: the detect-only
    // agent runs first, then the selfHeal one.
    let running = s.start(s.config("selfHeal: false", ""));
    let key = s.key("detect");
    wait_until(&running.store, "detect synced", |st| synced(st, &key)).await;
    patch_replicas(&s.client, &s.ns, "detect", 3, "kubectl-patch").await;
    wait_until(&running.store, "replicas drift", |st| {
        drift_of(st, &key, "spec.replicas").is_some()
    })
    .await;
    let d = drift_of(&running.store, &key, "spec.replicas").expect("drift");
    assert_eq!(d.desired, Some(json!(1)));
    assert_eq!(d.live, Some(json!(3)));
    assert_eq!(d.manager.as_deref(), Some("kubectl-patch"));
    let a = app(&running.store, &key).expect("app");
    assert_eq!(a.sync, SyncStatus::OutOfSync);
    let h = a
        .history
        .iter()
        .find(|h| h.kind == agent::store::EventKind::DriftDetected)
        .expect("a DriftDetected entry");
    assert!(
        h.message.contains("spec.replicas 1 → 3 by kubectl-patch"),
        "{}",
        h.message
    );
    // Detect-only: several poll intervals later it is still 3.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(replicas(&s.client, &s.ns, "detect").await, Some(3));
    running.shutdown().await;

    let running = s.start(s.config("selfHeal: true", ""));
    let key = s.key("heal");
    wait_until(&running.store, "heal synced", |st| synced(st, &key)).await;
    patch_replicas(&s.client, &s.ns, "heal", 4, "kubectl-patch").await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        // Reverted: back to 1 as applied by canon, and the history says it drifted and resolved.
        let back = replicas(&s.client, &s.ns, "heal").await == Some(1);
        let resolved = app(&running.store, &key).is_some_and(|a| {
            a.history
                .iter()
                .any(|h| h.kind == agent::store::EventKind::DriftDetected)
        });
        if back && resolved && synced(&running.store, &key) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "selfHeal never reverted the drift"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    running.shutdown().await;
}
