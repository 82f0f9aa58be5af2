//! The agent at scale (run by `scripts/bench-agent`): 1,000 apps / 10,000 objects (ConfigMaps,
//! small Deployments and Services in generated manifests hydrated into a real bare state repo)
//! synced to the real control plane. Prints the initial sync time, the agent's steady CPU and RSS
//! over 30 s, drift latency under that load, and, when `CANON_KUBECTL` names a kubectl, the time of
//! `kubectl apply --server-side` of the same manifests for comparison. Numbers, never assertions.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

// The allocator the `canon` binary runs with (crates/cli/src/main.rs), so RSS here is what
// `canon agent` would hold, not glibc's per-thread arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use agent::store::{AppKey, SyncStatus};
use agent::{Agent, AgentConfig};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;
use state::{EnvironmentRender, HydrateOptions, Provenance, RenderedRelease, Target};

const APPS: usize = 1000;
const NAMESPACES: usize = 10;
const CONFIGMAPS_PER_APP: usize = 8;
const STEADY: Duration = Duration::from_secs(30);
const DRIFT_TRIALS: usize = 50;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One app's files: ConfigMaps, a Deployment scaled to 0 (no Pods to schedule: the bench
/// measures canon, not the controller manager) and a Service. `ns` is set only for kubectl.
fn app_files(app: &str, ns: Option<&str>) -> BTreeMap<String, Vec<u8>> {
    let meta_ns = ns
        .map(|n| format!("\n  namespace: {n}"))
        .unwrap_or_default();
    let mut files = BTreeMap::new();
    for i in 0..CONFIGMAPS_PER_APP {
        files.insert(
            format!("gen/templates/cm-{i}.yaml"),
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}-cm-{i}{meta_ns}\ndata:\n  key: \"value {i} of {app}\"\n"
            )
            .into_bytes(),
        );
    }
    files.insert(
        "gen/templates/deployment.yaml".into(),
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}{meta_ns}\nspec:\n  replicas: 0\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n      containers:\n      - name: app\n        image: registry.example/app:1.0\n        resources:\n          requests:\n            cpu: 10m\n            memory: 16Mi\n"
        )
        .into_bytes(),
    );
    files.insert(
        "gen/templates/service.yaml".into(),
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {app}{meta_ns}\nspec:\n  selector:\n    app: {app}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
        )
        .into_bytes(),
    );
    files
}

/// CPU seconds (user + system) and RSS bytes of this process.
fn self_usage() -> (f64, u64) {
    usage("self")
}

/// CPU seconds (user + system) and RSS bytes of process `pid` (`self` for this one).
fn usage(pid: &str) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // sysconf(_SC_CLK_TCK) is 100 on Linux.
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024;
    (cpu, rss)
}

async fn create_namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).expect("ns");
    match api.create(&PostParams::default(), &ns).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("create namespace {name}: {e}"),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let apps = env_usize("CANON_BENCH_APPS", APPS);
    let tc = testenv::cluster()
        .await
        .unwrap_or_else(|e| panic!("the bench needs the control plane: {e}"));
    let client = tc.client();
    let run = format!("b{:x}", std::process::id());
    let tmp = tempfile::tempdir().expect("tmp");

    // The state repo: every app hydrated in one commit by the real pipeline.
    let t = Instant::now();
    let remote = tmp.path().join("state.git");
    git2::Repository::init_bare(&remote).expect("init");
    let namespaces: Vec<String> = (0..NAMESPACES).map(|i| format!("{run}-{i}")).collect();
    let releases: Vec<RenderedRelease> = (0..apps)
        .map(|i| {
            let name = format!("app-{i:04}");
            RenderedRelease {
                files: app_files(&name, None),
                name,
                namespace: namespaces[i % NAMESPACES].clone(),
                chart_name: "gen".into(),
                chart_version: "1.0.0".into(),
                kube_context: None,
            }
        })
        .collect();
    let objects: usize = releases.iter().map(|r| r.files.len()).sum();
    let env = format!("bench-{run}");
    let mut r =
        state::git::open(remote.to_str().expect("utf-8"), &tmp.path().join("c")).expect("open");
    state::hydrate(
        r.as_mut(),
        &Target {
            branch: "main".into(),
            path_template: state::index::DEFAULT_PATH_TEMPLATE.into(),
        },
        &EnvironmentRender {
            environment: env.clone(),
            releases,
        },
        &Provenance {
            source_repo: "bench".into(),
            source_commit: "0".repeat(40),
            source_subject: "bench".into(),
            source_commit_time: 1,
            source_ref: "refs/heads/main".into(),
            canon_version: state::CANON_VERSION.into(),
        },
        &HydrateOptions::default(),
    )
    .expect("hydrate");
    println!(
        "state repo: {apps} apps, {objects} objects, hydrated in {:.2?}",
        t.elapsed()
    );
    // What the bench itself holds before the agent starts (runtime, client, the in-process
    // hydration's leftovers): the agent's own share is the RSS below minus this.
    println!("RSS before the agent starts: {} MiB", self_usage().1 >> 20);

    let agent_ns = format!("{run}-canon");
    create_namespace(&client, &agent_ns).await;
    let text = format!(
        "state: {{ repo: {}, pollInterval: 60s }}\nlisten: 127.0.0.1:0\nnamespace: {agent_ns}\nenvironments:\n  {env}: {{ selfHeal: false }}\n",
        remote.display()
    );
    let config = AgentConfig::parse(&text, "bench.yaml").expect("config");
    let agent = Agent::new(config).with_client(&env, client.clone());
    let store = agent.store();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (cpu0, _) = self_usage();
    let started = Instant::now();
    let task = tokio::spawn(agent.run(async {
        let _ = stop_rx.await;
    }));
    let mut rx = store.subscribe();
    loop {
        let done = store
            .apps()
            .iter()
            .filter(|a| a.sync == SyncStatus::Synced)
            .count();
        if done == apps {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            panic!("only {done} of {apps} apps synced after 30 min");
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await;
    }
    let initial = started.elapsed();
    let (cpu1, rss1) = self_usage();
    println!(
        "initial sync: {apps} apps / {objects} objects in {initial:.2?} ({:.0} objects/s), CPU {:.1}s, RSS {} MiB",
        objects as f64 / initial.as_secs_f64(),
        cpu1 - cpu0,
        rss1 >> 20
    );

    // Steady state: the agent holds its watches and does nothing else.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (c0, _) = self_usage();
    let mut rss_max = 0;
    let t = Instant::now();
    while t.elapsed() < STEADY {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_max = rss_max.max(self_usage().1);
    }
    let (c1, rss) = self_usage();
    println!(
        "steady {STEADY:?}: CPU {:.2}% of one core, RSS {} MiB (max {} MiB)",
        (c1 - c0) / t.elapsed().as_secs_f64() * 100.0,
        rss >> 20,
        rss_max >> 20
    );

    // Drift latency under that load: patch a ConfigMap as another manager, wait for the store.
    let mut samples = Vec::new();
    for trial in 0..DRIFT_TRIALS {
        let i = (trial * 7919) % apps;
        let app = format!("app-{i:04}");
        let ns = &namespaces[i % NAMESPACES];
        let key = AppKey {
            environment: env.clone(),
            app: app.clone(),
        };
        let want = format!("drift {trial}");
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        while rx.try_recv().is_ok() {}
        let t = Instant::now();
        cms.patch(
            &format!("{app}-cm-0"),
            &PatchParams {
                field_manager: Some("bench-drift".into()),
                ..Default::default()
            },
            &Patch::Merge(json!({"data": {"key": want}})),
        )
        .await
        .expect("patch");
        loop {
            let seen = store.app(&key).is_some_and(|a| {
                a.objects
                    .iter()
                    .flat_map(|o| o.drift.iter())
                    .any(|d| d.live == Some(json!(want)))
            });
            if seen {
                samples.push(t.elapsed());
                break;
            }
            if t.elapsed() > Duration::from_secs(60) {
                panic!("trial {trial}: drift never reached the store");
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await;
        }
    }
    samples.sort();
    let pct = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    println!(
        "drift latency under load ({} trials, patch → store): p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        samples.len(),
        pct(50),
        pct(99),
        samples[samples.len() - 1]
    );
    let _ = stop_tx.send(());
    let _ = task.await;

    // The real `canon agent` process on the same 10,000 objects (already applied above, so its
    // sync applies no change): its own CPU and RSS, without the bench's hydration and runtime.
    match std::env::var("CANON_BENCH_BIN") {
        Ok(bin) if !bin.is_empty() => {
            process_agent(&bin, tmp.path(), &remote, &agent_ns, &env, apps)
        }
        _ => println!("canon agent process: CANON_BENCH_BIN not set (scripts/bench-agent sets it)"),
    }

    // The same manifests through kubectl's server-side apply, in namespaces of their own.
    match std::env::var("CANON_KUBECTL") {
        Ok(kubectl) if !kubectl.is_empty() => {
            let kubeconfig = std::env::var(testenv::KUBECONFIG_ENV)
                .expect("scripts/bench-agent exports the control plane's kubeconfig");
            let dir = tmp.path().join("kubectl");
            for n in 0..NAMESPACES {
                create_namespace(&client, &format!("{run}-k{n}")).await;
            }
            for i in 0..apps {
                let app = format!("app-{i:04}");
                let ns = format!("{run}-k{}", i % NAMESPACES);
                for (p, c) in app_files(&app, Some(&ns)) {
                    let path = dir.join(&app).join(p);
                    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                    std::fs::write(path, c).expect("write");
                }
            }
            let t = Instant::now();
            let out = std::process::Command::new(&kubectl)
                .args(["--kubeconfig", &kubeconfig, "apply", "--server-side"])
                .args(["--field-manager", "kubectl-bench", "-R", "-f"])
                .arg(&dir)
                .output()
                .expect("run kubectl");
            let took = t.elapsed();
            assert!(
                out.status.success(),
                "kubectl: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            println!(
                "kubectl apply --server-side of the same {objects} objects: {took:.2?}; canon/kubectl = {:.2}",
                initial.as_secs_f64() / took.as_secs_f64()
            );
        }
        _ => println!("kubectl: not provisioned (scripts/testenv kubectl), no comparison"),
    }
}

/// Runs `canon agent` (the binary `bin`) for `env` until every app is Synced, then measures its
/// steady CPU and RSS the way the in-process run does.
fn process_agent(
    bin: &str,
    dir: &std::path::Path,
    remote: &std::path::Path,
    agent_ns: &str,
    env: &str,
    apps: usize,
) {
    let kubeconfig = std::env::var(testenv::KUBECONFIG_ENV)
        .expect("scripts/bench-agent exports the control plane's kubeconfig");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = dir.join("agent.yaml");
    std::fs::write(
        &config,
        format!(
            "state: {{ repo: {}, pollInterval: 60s }}\nlisten: 127.0.0.1:{port}\nnamespace: {agent_ns}\nenvironments:\n  {env}:\n    selfHeal: false\n    cluster: {{ kubeconfig: {kubeconfig} }}\n",
            remote.display()
        ),
    )
    .expect("write agent.yaml");
    let mut child = std::process::Command::new(bin)
        .args(["agent", "--config"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start canon agent");
    let pid = child.id().to_string();
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("http://127.0.0.1:{port}/api/v1/environments");
    let started = Instant::now();
    loop {
        let synced = http
            .get(&url)
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json::<serde_json::Value>().ok())
            .and_then(|v| {
                v.as_array()?
                    .iter()
                    .find(|e| e["name"] == env)?
                    .pointer("/sync/Synced")?
                    .as_u64()
            })
            .unwrap_or(0);
        if synced as usize == apps {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            let _ = child.kill();
            panic!("canon agent: only {synced} of {apps} apps Synced after 30 min");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let (cpu, rss) = usage(&pid);
    println!(
        "canon agent process: {apps} apps Synced (no change to apply) in {:.2?}, CPU {cpu:.1}s, RSS {} MiB",
        started.elapsed(),
        rss >> 20
    );
    std::thread::sleep(Duration::from_secs(2));
    let (c0, _) = usage(&pid);
    let mut rss_max = 0;
    let t = Instant::now();
    while t.elapsed() < STEADY {
        std::thread::sleep(Duration::from_secs(1));
        rss_max = rss_max.max(usage(&pid).1);
    }
    let (c1, rss) = usage(&pid);
    println!(
        "canon agent process steady {STEADY:?}: CPU {:.2}% of one core, RSS {} MiB (max {} MiB)",
        (c1 - c0) / t.elapsed().as_secs_f64() * 100.0,
        rss >> 20,
        rss_max >> 20
    );
    let _ = child.kill();
    let _ = child.wait();
}
