//! `canon agent --config FILE [--once]`: syncs the state repo to the clusters of agent.yaml, watches
//! for drift and alerts; `--once` does one fetch and one sync pass and exits 0 when every app is
//! Synced and Healthy or Progressing, 1 otherwise (for scripts and CI).

use std::path::PathBuf;
use std::process::ExitCode;

use ::agent::store::SyncStatus;
use ::agent::{Agent, AgentConfig};
use clap::Args;
use cluster::Health;

#[derive(Args, Debug)]
pub struct AgentArgs {
    /// The agent's YAML config (state repo, environments and their clusters, alerts).
    #[arg(long = "config", value_name = "FILE")]
    config: PathBuf,
    /// One fetch and one sync pass, then exit: 0 when every app is Synced and Healthy or
    /// Progressing, 1 otherwise.
    #[arg(long)]
    once: bool,
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
        return rt.block_on(once(config));
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

async fn once(config: AgentConfig) -> ExitCode {
    let store = match Agent::new(config).sync_once().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(if e.is_usage() { 2 } else { 1 });
        }
    };
    let mut ok = true;
    for env in store.environments() {
        if let Some(e) = &env.error {
            println!("{}: error: {e}", env.name);
            ok = false;
        }
    }
    let apps = store.apps();
    for a in &apps {
        let good = a.sync == SyncStatus::Synced
            && matches!(a.health, Health::Healthy | Health::Progressing)
            && a.error.is_none();
        ok &= good;
        print!("{}\t{:?}\t{}", a.key, a.sync, a.health.as_str());
        if let Some(e) = &a.error {
            print!("\t{e}");
        }
        println!();
    }
    if apps.is_empty() && store.environments().iter().all(|e| e.error.is_none()) {
        println!("no apps");
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
