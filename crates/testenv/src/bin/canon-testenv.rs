//! `canon-testenv`: runs one shared local control plane for a whole test run (`scripts/test`,
//! later `scripts/demo`), so each test does not pay for its own etcd and kube-apiserver.
//!
//! `canon-testenv controlplane up --dir D` starts it, writes `D/env` (an `export
//! CANON_TEST_KUBECONFIG=...` line) and `D/pids` once `/readyz` answers, then runs until SIGTERM
//! or SIGINT, when it stops every process it started.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use testenv::{ControlPlane, ControlPlaneOptions, KUBECONFIG_ENV};
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser)]
#[command(about = "Test environment helper for canon")]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand)]
enum Top {
    /// Manage a local control plane.
    Controlplane {
        #[command(subcommand)]
        command: Cp,
    },
}

#[derive(Subcommand)]
enum Cp {
    /// Start etcd, kube-apiserver and kube-controller-manager and keep them running until
    /// SIGTERM or SIGINT.
    Up {
        /// Data dir (certificates, etcd data, logs, kubeconfig); created if missing.
        #[arg(long)]
        dir: PathBuf,
        /// Do not start kube-controller-manager.
        #[arg(long)]
        no_controller_manager: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Top::Controlplane {
            command:
                Cp::Up {
                    dir,
                    no_controller_manager,
                },
        } => up(dir, !no_controller_manager).await,
    }
}

async fn up(dir: PathBuf, controller_manager: bool) -> anyhow::Result<()> {
    // Install the handlers before starting anything, so a signal during startup still stops it.
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let opts = ControlPlaneOptions {
        controller_manager,
        dir: Some(dir),
    };
    let cp = tokio::select! {
        cp = ControlPlane::start_with(opts) => cp.context("starting the control plane")?,
        _ = term.recv() => anyhow::bail!("SIGTERM during startup"),
        _ = int.recv() => anyhow::bail!("SIGINT during startup"),
    };
    let pids: Vec<String> = cp.pids().iter().map(u32::to_string).collect();
    std::fs::write(cp.dir().join("pids"), pids.join("\n") + "\n").context("writing pids")?;
    let env_line = format!(
        "export {KUBECONFIG_ENV}={}\n",
        cp.kubeconfig_path().display()
    );
    // Written last and renamed into place: its presence means ready.
    let tmp = cp.dir().join("env.tmp");
    std::fs::write(&tmp, &env_line).context("writing env")?;
    std::fs::rename(&tmp, cp.dir().join("env")).context("renaming env")?;
    print!("{env_line}");
    eprintln!(
        "canon-testenv: control plane ready at {} (pids {}); SIGTERM or SIGINT stops it",
        cp.server(),
        pids.join(" ")
    );
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
    eprintln!("canon-testenv: stopping");
    drop(cp);
    Ok(())
}
