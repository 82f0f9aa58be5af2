//! `canon agent --config FILE [--once [--output table|json]]`: syncs the state repo to the
//! clusters of agent.yaml, watches for drift and alerts; `--once` does one fetch and one sync pass,
//! prints a summary per app (sync, health, objects) and exits 0 when every app is Synced and
//! Healthy or Progressing, 1 otherwise (for scripts and CI). Every failure (an environment whose
//! state repo cannot be read, an app that failed to sync) is also an `Error:` line on stderr naming
//! it; an invalid agent.yaml (unknown key, unknown kube context) exits 2.

use std::path::PathBuf;
use std::process::ExitCode;

use ::agent::store::{AppStatus, EnvironmentStatus, SyncStatus};
use ::agent::{Agent, AgentConfig};
use clap::{Args, ValueEnum};
use cluster::Health;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct AgentArgs {
    /// The agent's YAML config (state repo, environments and their clusters, alerts).
    #[arg(long = "config", value_name = "FILE")]
    config: PathBuf,
    /// One fetch and one sync pass, then exit: 0 when every app is Synced and Healthy or
    /// Progressing, 1 otherwise.
    #[arg(long)]
    once: bool,
    /// With --once: the summary as a table or JSON.
    #[arg(
        short = 'o',
        long = "output",
        value_enum,
        default_value_t = Output::Table,
        requires = "once"
    )]
    output: Output,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

pub fn run(args: AgentArgs) -> ExitCode {
    let config = match AgentConfig::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match crate::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    if args.once {
        return rt.block_on(once(config, args.output));
    }
    let result = rt.block_on(::agent::run(config, async {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}

/// What `--once --output json` prints.
#[derive(Serialize)]
struct OnceJson<'a> {
    /// Every app Synced and Healthy or Progressing, no environment error: the exit code 0.
    ok: bool,
    environments: Vec<EnvJson<'a>>,
    apps: Vec<AppJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvJson<'a> {
    name: &'a str,
    revision: &'a str,
    error: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppJson<'a> {
    environment: &'a str,
    app: &'a str,
    namespace: &'a str,
    revision: &'a str,
    sync: &'static str,
    health: &'static str,
    /// Objects the app's manifests hold (as applied or attempted).
    objects: usize,
    error: Option<&'a str>,
}

/// An app counts as good when it is Synced, Healthy or still Progressing, and without error.
fn good(a: &AppStatus) -> bool {
    a.sync == SyncStatus::Synced
        && matches!(a.health, Health::Healthy | Health::Progressing)
        && a.error.is_none()
}

async fn once(config: AgentConfig, output: Output) -> ExitCode {
    let store = match Agent::new(config).sync_once().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(if e.is_usage() { 2 } else { 1 });
        }
    };
    let environments = store.environments();
    let apps = store.apps();
    // The failures on stderr, whatever the output format: they name the environment or the app,
    // and the app's error names the manifest file.
    for env in &environments {
        if let Some(e) = &env.error {
            eprintln!("Error: environment {}: {e}", env.name);
        }
    }
    for a in &apps {
        if let Some(e) = &a.error {
            eprintln!("Error: {}: {e}", a.key);
        }
    }
    let ok = environments.iter().all(|e| e.error.is_none()) && apps.iter().all(good);
    match output {
        Output::Json => print_json(ok, &environments, &apps),
        Output::Table => print_table(&environments, &apps),
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_json(ok: bool, environments: &[EnvironmentStatus], apps: &[AppStatus]) {
    let doc = OnceJson {
        ok,
        environments: environments
            .iter()
            .map(|e| EnvJson {
                name: &e.name,
                revision: &e.revision,
                error: e.error.as_deref(),
            })
            .collect(),
        apps: apps
            .iter()
            .map(|a| AppJson {
                environment: &a.key.environment,
                app: &a.key.app,
                namespace: &a.namespace,
                revision: &a.revision,
                sync: ::agent::metrics::sync_str(a.sync),
                health: a.health.as_str(),
                objects: a.objects.len(),
                error: a.error.as_deref(),
            })
            .collect(),
    };
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => println!("{text}"),
        // Plain strings and numbers: encoding cannot fail; say so if it ever does.
        Err(e) => eprintln!("Error: encoding JSON: {e}"),
    }
}

/// ENVIRONMENT, APP, SYNC, HEALTH, OBJECTS, REVISION: columns padded to their widest cell and
/// separated by three spaces, as `canon status` and kubectl print them.
fn print_table(environments: &[EnvironmentStatus], apps: &[AppStatus]) {
    if apps.is_empty() {
        if environments.iter().all(|e| e.error.is_none()) {
            eprintln!("No apps found.");
        }
        return;
    }
    let header = [
        "ENVIRONMENT",
        "APP",
        "SYNC",
        "HEALTH",
        "OBJECTS",
        "REVISION",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for a in apps {
        let revision = crate::status::short_revision(&a.revision);
        rows.push(vec![
            a.key.environment.clone(),
            a.key.app.clone(),
            ::agent::metrics::sync_str(a.sync).to_string(),
            a.health.as_str().to_string(),
            a.objects.len().to_string(),
            revision,
        ]);
    }
    print!("{}", crate::status::columns(&rows));
}
