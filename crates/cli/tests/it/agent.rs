//! `canon agent --once` as a user runs it: the built `canon` binary, an agent.yaml naming a real
//! bare state repo (written by the real hydrate pipeline, or tampered with by hand) and a
//! kubeconfig for the real control plane (`CANON_TEST_KUBECONFIG`, or a private one). Exit codes
//! follow DESIGN.md: 0 all synced; 1 the operation failed (an app that cannot sync, an unreachable
//! state repo or cluster); 2 invalid configuration (an unknown kube context). `#[ignore]`, run by
//! `scripts/test`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::config::{Kubeconfig, NamedCluster, NamedContext};
use serde_json::Value;
use state::{EnvironmentRender, HydrateOptions, Outcome, Provenance, RenderedRelease, Target};

/// The control plane and a kubeconfig file for it.
struct Plane {
    kubeconfig: PathBuf,
    client: kube::Client,
    // Last: a private control plane outlives the client.
    _own: Option<testenv::ControlPlane>,
}

async fn plane() -> Plane {
    match std::env::var_os(testenv::KUBECONFIG_ENV).filter(|p| !p.is_empty()) {
        Some(path) => {
            let kubeconfig = PathBuf::from(path);
            let client = testenv::client_from_kubeconfig(&kubeconfig)
                .await
                .unwrap_or_else(|e| panic!("this test needs the control plane: {e}"));
            Plane {
                kubeconfig,
                client,
                _own: None,
            }
        }
        None => {
            let cp = testenv::ControlPlane::start()
                .await
                .unwrap_or_else(|e| panic!("this test needs the control plane: {e}"));
            let client = cp.client().await.expect("a client");
            Plane {
                kubeconfig: cp.kubeconfig_path().to_path_buf(),
                client,
                _own: Some(cp),
            }
        }
    }
}

/// One test's world: a release namespace, an inventory namespace, an environment name of its
/// own (the label canon selects on), a bare state repo and a temp dir.
struct World {
    plane: Plane,
    ns: String,
    agent_ns: String,
    env: String,
    remote: PathBuf,
    tmp: tempfile::TempDir,
}

async fn world() -> World {
    let plane = plane().await;
    let ns = testenv::namespace(&plane.client)
        .await
        .expect("a namespace");
    let agent_ns = testenv::namespace(&plane.client)
        .await
        .expect("a namespace");
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = tmp.path().join("state.git");
    state::git2::Repository::init_bare(&remote).expect("a bare state repo");
    World {
        env: format!("e-{ns}"),
        plane,
        ns,
        agent_ns,
        remote,
        tmp,
    }
}

impl World {
    /// Hydrates `releases` as this world's environment (the real pipeline); returns the head.
    fn hydrate(&self, releases: Vec<RenderedRelease>, n: u32) -> String {
        let url = self.remote.to_str().expect("a UTF-8 path");
        let mut r = state::git::open(url, &self.tmp.path().join("hydrate-cache")).expect("open");
        let target = Target {
            branch: "main".into(),
            path_template: state::index::DEFAULT_PATH_TEMPLATE.into(),
        };
        let render = EnvironmentRender {
            environment: self.env.clone(),
            releases,
        };
        let provenance = Provenance {
            source_repo: "https://example.com/org/app.git".into(),
            source_commit: format!("{n:040x}"),
            source_subject: format!("change {n}"),
            source_commit_time: 1_700_000_000 + i64::from(n),
            source_ref: "refs/heads/master".into(),
            canon_version: state::CANON_VERSION.into(),
        };
        match state::hydrate(
            r.as_mut(),
            &target,
            &render,
            &provenance,
            &HydrateOptions::default(),
        )
        .expect("hydrate")
        {
            Outcome::Committed { commit, .. } => commit.to_string(),
            Outcome::Unchanged { head, .. } => head.to_string(),
            Outcome::Stale { .. } => panic!("hydration {n} is stale"),
        }
    }

    /// Writes agent.yaml with `cluster` as the environment's cluster (flow YAML); returns its path.
    fn agent_yaml(&self, cluster: &str) -> PathBuf {
        self.agent_yaml_with(cluster, "")
    }

    /// [`World::agent_yaml`] with `top` (top-level YAML, e.g. `alerts:`) appended.
    fn agent_yaml_with(&self, cluster: &str, top: &str) -> PathBuf {
        let text = format!(
            "state:\n  repo: {repo}\n  branch: main\n  cache: {cache}\nlisten: \"\"\nnamespace: {ans}\nenvironments:\n  {env}:\n    cluster: {cluster}\n    sync: auto\n{top}",
            repo = self.remote.display(),
            cache = self.tmp.path().join("agent-cache").display(),
            ans = self.agent_ns,
            env = self.env,
        );
        let path = self.tmp.path().join("agent.yaml");
        std::fs::write(&path, text).expect("write agent.yaml");
        path
    }

    /// agent.yaml for the test control plane's kubeconfig, current context.
    fn default_agent_yaml(&self) -> PathBuf {
        self.agent_yaml(&format!(
            "{{ kubeconfig: {} }}",
            self.plane.kubeconfig.display()
        ))
    }

    async fn configmap_exists(&self, name: &str) -> bool {
        let api: Api<ConfigMap> = Api::namespaced(self.plane.client.clone(), &self.ns);
        api.get_opt(name).await.expect("get").is_some()
    }
}

fn release(name: &str, namespace: &str, files: &[(&str, String)]) -> RenderedRelease {
    RenderedRelease {
        name: name.into(),
        namespace: namespace.into(),
        chart_name: "hand".into(),
        chart_version: "0.0.1".into(),
        kube_context: None,
        files: files
            .iter()
            .map(|(p, c)| (p.to_string(), c.clone().into_bytes()))
            .collect(),
    }
}

fn configmap(name: &str) -> String {
    format!(
        "---\n# Source: hand/templates/{name}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: \"1\"\n"
    )
}

fn deployment(name: &str) -> String {
    format!(
        "---\n# Source: hand/templates/{name}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: app\n        image: registry.example/app:1.0\n"
    )
}

/// Runs `canon agent --config CONFIG --once` plus `extra`, with no kubeconfig from the
/// environment: agent.yaml alone says where the cluster is.
fn canon_once(config: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canon"))
        .args(["agent", "--config"])
        .arg(config)
        .arg("--once")
        .args(extra)
        .env_remove("KUBECONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run canon")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}\n{}", stdout(o), stderr(o)))
}

/// The `--output json` entry of `app`.
fn app_json<'a>(doc: &'a Value, app: &str) -> &'a Value {
    doc["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|a| a["app"] == app)
        .unwrap_or_else(|| panic!("app {app} in {doc:#}"))
}

/// Whether every manager entry says the object was applied by field manager `canon`.
fn applied_by_canon(
    managed: Option<&Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry>>,
) -> bool {
    managed.is_some_and(|mf| {
        mf.iter().any(|m| {
            m.manager.as_deref() == Some("canon") && m.operation.as_deref() == Some("Apply")
        })
    })
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn once_syncs_every_app_with_field_manager_canon_and_exits_0() {
    let w = world().await;
    let head = w.hydrate(
        vec![
            release("web", &w.ns, &[("t/web.yaml", deployment("web"))]),
            release("settings", &w.ns, &[("t/cm.yaml", configmap("settings"))]),
        ],
        1,
    );
    let config = w.default_agent_yaml();
    let out = canon_once(&config, &[]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "ENVIRONMENT",
            "APP",
            "SYNC",
            "HEALTH",
            "OBJECTS",
            "REVISION"
        ],
        "{table}"
    );
    for app in ["web", "settings"] {
        let row = lines
            .iter()
            .find(|l| l.split_whitespace().nth(1) == Some(app))
            .unwrap_or_else(|| panic!("a row for {app}: {table}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[0], w.env);
        assert_eq!(cells[2], "Synced", "{row}");
        assert_eq!(cells[4], "1", "{row}");
        assert_eq!(cells[5], &head[..7], "{row}");
    }
    assert!(!stderr(&out).contains("Error"), "{}", stderr(&out));

    // The objects exist, applied server-side by field manager `canon`.
    let deployments: Api<Deployment> = Api::namespaced(w.plane.client.clone(), &w.ns);
    let web = deployments.get("web").await.expect("the Deployment exists");
    assert!(
        applied_by_canon(web.metadata.managed_fields.as_ref()),
        "{:?}",
        web.metadata.managed_fields
    );
    let cms: Api<ConfigMap> = Api::namespaced(w.plane.client.clone(), &w.ns);
    let cm = cms.get("settings").await.expect("the ConfigMap exists");
    assert!(applied_by_canon(cm.metadata.managed_fields.as_ref()));

    // Again, as JSON: nothing to change, the same summary.
    let out = canon_once(&config, &["--output", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], true);
    let env = &doc["environments"][0];
    assert_eq!(env["name"], w.env.as_str());
    assert_eq!(env["revision"], head.as_str());
    assert_eq!(env["error"], Value::Null);
    let web = app_json(&doc, "web");
    assert_eq!(web["environment"], w.env.as_str());
    assert_eq!(web["namespace"], w.ns.as_str());
    assert_eq!(web["sync"], "Synced");
    // No kubelet: the Deployment's Pods never run, so it is still Progressing.
    assert_eq!(web["health"], "Progressing");
    assert_eq!(web["objects"], 1);
    assert_eq!(web["revision"], head.as_str());
    let settings = app_json(&doc, "settings");
    assert_eq!(settings["sync"], "Synced");
    assert_eq!(settings["health"], "Healthy");
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn once_with_a_malformed_manifest_fails_that_app_only() {
    let w = world().await;
    w.hydrate(
        vec![
            release("good", &w.ns, &[("t/a.yaml", configmap("good"))]),
            release(
                "bad",
                &w.ns,
                &[(
                    "t/bad.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n".into(),
                )],
            ),
        ],
        1,
    );
    let out = canon_once(&w.default_agent_yaml(), &["--output", "json"]);
    // An app that cannot sync is a failed operation (1), not a configuration error (2).
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains(&format!("{}/bad", w.env)))
        .unwrap_or_else(|| panic!("stderr names the app: {err}"));
    assert!(line.starts_with("Error: "), "{line}");
    assert!(line.contains("bad/t/bad.yaml"), "the file: {line}");
    assert!(!err.contains(&format!("{}/good", w.env)), "{err}");
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(app_json(&doc, "good")["sync"], "Synced");
    assert_eq!(app_json(&doc, "good")["error"], Value::Null);
    let bad = app_json(&doc, "bad");
    assert_ne!(bad["sync"], "Synced");
    assert!(
        bad["error"]
            .as_str()
            .is_some_and(|e| e.contains("bad/t/bad.yaml")),
        "{bad}"
    );
    // The other app was still applied.
    assert!(w.configmap_exists("good").await);
}

/// A webhook sink on loopback that answers 503 to its first `unavailable` requests (as a sink
/// being restarted would) and 200 after, recording the JSON bodies it accepted.
async fn sink(unavailable: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::StatusCode;
    #[derive(Clone, Default)]
    struct Sink {
        accepted: Arc<Mutex<Vec<Value>>>,
        refused: Arc<Mutex<usize>>,
        unavailable: usize,
    }
    let state = Sink {
        unavailable,
        ..Sink::default()
    };
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(|State(s): State<Sink>, body: Bytes| async move {
                let mut refused = s.refused.lock().expect("lock");
                if *refused < s.unavailable {
                    *refused += 1;
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let v = serde_json::from_slice(&body).expect("a JSON alert");
                s.accepted.lock().expect("lock").push(v);
                StatusCode::OK
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (url, state.accepted)
}

// Multi-threaded: the sink runs on a worker while this thread waits for `canon`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the control plane (scripts/test)"]
async fn once_delivers_its_alerts_retries_included_before_exiting() {
    let w = world().await;
    w.hydrate(
        vec![
            release("good", &w.ns, &[("t/a.yaml", configmap("alerted-good"))]),
            release("bad", &w.ns, &[("t/bad.yaml", "kind: [\n".to_string())]),
        ],
        1,
    );
    // Down for the first attempt: the alert goes out on a retry, after a backoff, which `--once`
    // must wait for.
    let (url, received) = sink(1).await;
    let config = w.agent_yaml_with(
        &format!("{{ kubeconfig: {} }}", w.plane.kubeconfig.display()),
        &format!("alerts:\n  - {{ type: webhook, url: {url} }}\n"),
    );
    let out = canon_once(&config, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    // The process has exited: whatever the sink holds now was delivered before the exit.
    let alerts = received.lock().expect("lock").clone();
    let failed = alerts
        .iter()
        .find(|a| a["event"] == "syncFailed")
        .unwrap_or_else(|| panic!("a syncFailed alert among {alerts:#?}"));
    assert_eq!(failed["app"], "bad");
    assert_eq!(failed["environment"], w.env.as_str());
    assert!(
        failed["summary"]
            .as_str()
            .is_some_and(|s| s.contains("bad/t/bad.yaml")),
        "{failed:#}"
    );
    assert!(
        alerts
            .iter()
            .all(|a| !(a["app"] == "good" && a["event"] == "syncFailed")),
        "{alerts:#?}"
    );
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn once_with_an_unreachable_state_repo_exits_1_and_deletes_nothing() {
    let w = world().await;
    w.hydrate(
        vec![release("web", &w.ns, &[("t/a.yaml", configmap("web"))])],
        1,
    );
    let config = w.default_agent_yaml();
    let out = canon_once(&config, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(w.configmap_exists("web").await);

    std::fs::rename(&w.remote, w.tmp.path().join("moved.git")).expect("hide the state repo");
    // The agent's cache of the repo goes too: a fresh agent that cannot reach git.
    let _ = std::fs::remove_dir_all(w.tmp.path().join("agent-cache"));
    let out = canon_once(&config, &["--output", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with(&format!("Error: environment {}:", w.env)))
        .unwrap_or_else(|| panic!("stderr names the environment: {err}"));
    assert!(line.contains("state.git"), "and the repo: {line}");
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert!(doc["environments"][0]["error"].is_string(), "{doc:#}");
    // Nothing is deleted because git cannot be read.
    assert!(w.configmap_exists("web").await);
}

/// A copy of the test kubeconfig with two contexts: `good` (the test control plane) and
/// `unreachable`, the current context, whose server refuses connections.
fn two_context_kubeconfig(w: &World) -> PathBuf {
    let mut kc = Kubeconfig::read_from(&w.plane.kubeconfig).expect("read the test kubeconfig");
    let current = kc.current_context.clone().expect("a current context");
    let mut good: NamedContext = kc
        .contexts
        .iter()
        .find(|c| c.name == current)
        .cloned()
        .expect("the current context");
    let ctx = good.context.clone().expect("the context's body");
    let mut bad_cluster: NamedCluster = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .cloned()
        .expect("the context's cluster");
    bad_cluster.name = "unreachable".into();
    if let Some(c) = bad_cluster.cluster.as_mut() {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        c.server = Some("https://127.0.0.1:1".into());
    }
    let mut bad_ctx = ctx.clone();
    bad_ctx.cluster = "unreachable".into();
    good.name = "good".into();
    kc.clusters.push(bad_cluster);
    kc.contexts = vec![
        good,
        NamedContext {
            name: "unreachable".into(),
            context: Some(bad_ctx),
            ..NamedContext::default()
        },
    ];
    kc.current_context = Some("unreachable".into());
    let path = w.tmp.path().join("two-contexts.kubeconfig");
    std::fs::write(&path, serde_json::to_vec(&kc).expect("encode")).expect("write");
    path
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn the_environments_context_selects_the_cluster() {
    let w = world().await;
    w.hydrate(
        vec![release("web", &w.ns, &[("t/a.yaml", configmap("ctx-web"))])],
        1,
    );
    let kc = two_context_kubeconfig(&w);

    // Without `context:` the kubeconfig's current context, the unreachable one, is used: the
    // sync fails and nothing reaches the test cluster. (This is what makes the next step mean
    // something.)
    let config = w.agent_yaml(&format!("{{ kubeconfig: {} }}", kc.display()));
    let out = canon_once(&config, &["--output", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains(&format!("Error: {}/web: ", w.env)), "{err}");
    // The error says which API server was not reached and why (kube's own text stops at
    // "client error (Connect)"), and kube's per-request error log does not repeat it.
    assert!(
        err.contains("cannot reach the API server https://127.0.0.1:1/: ")
            && err.contains("Connection refused"),
        "{err}"
    );
    assert!(!err.contains("kube_client"), "{err}");
    assert_eq!(app_json(&json(&out), "web")["objects"], 0);
    assert!(!w.configmap_exists("ctx-web").await);

    // `context: good` selects the test control plane.
    let config = w.agent_yaml(&format!(
        "{{ kubeconfig: {}, context: good }}",
        kc.display()
    ));
    let out = canon_once(&config, &["--output", "json"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(app_json(&json(&out), "web")["sync"], "Synced");
    assert!(w.configmap_exists("ctx-web").await);
}

#[tokio::test]
#[ignore = "needs the control plane (scripts/test)"]
async fn an_unknown_context_is_a_config_error_naming_the_environment() {
    let w = world().await;
    let kc = two_context_kubeconfig(&w);
    let config = w.agent_yaml(&format!(
        "{{ kubeconfig: {}, context: nope }}",
        kc.display()
    ));
    let out = canon_once(&config, &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    // agent.yaml line 9 is `    cluster: { kubeconfig: ..., context: nope }`.
    let text = std::fs::read_to_string(&config).expect("agent.yaml");
    let line9 = text.lines().nth(8).expect("line 9");
    let col = line9.find("nope").expect("the context") + 1;
    let at = format!("{}:9:{col}: ", config.display());
    assert!(err.starts_with(&format!("Error: {at}")), "{err}");
    assert!(err.contains(&format!("environment {}", w.env)), "{err}");
    assert!(err.contains("\"nope\""), "{err}");
    assert!(err.contains(&kc.display().to_string()), "{err}");
    assert!(
        err.contains("good, unreachable"),
        "the contexts it has: {err}"
    );
}

#[test]
fn output_needs_once_and_a_missing_config_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_canon"))
        .args(["agent", "--config", "agent.yaml", "--output", "json"])
        .output()
        .expect("run canon");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--once"), "{}", stderr(&out));

    let tmp = tempfile::tempdir().expect("tmp");
    let missing = tmp.path().join("nowhere.yaml");
    let out = canon_once(&missing, &["--output", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!("Error: {}: ", missing.display())),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
}
