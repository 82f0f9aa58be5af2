//! The `canon` binary: parses flags and hands the work to the library crates.
//!
//! Exit codes (../shared/DESIGN.md): 0 success, 1 the operation failed (printed as helm prints
//! it, `Error: <message>` on stderr), 2 bad usage. Logs go to stderr, filtered by `RUST_LOG`.

mod agent;
mod deps;
mod diff;
mod hydrate;
mod render;
mod serve;
mod status;
mod template;

// Rendering allocates and frees many small values (template trees, YAML nodes, strings);
// mimalloc is markedly cheaper than glibc's malloc for that pattern (scripts/bench-helm). Its
// v2 line, not the crate's default v3: a render's CPU is a sixth the kernel zeroing the
// transparent huge pages the allocator touches, and v3 touched more (kube-prometheus-stack: 17
// against 15) and measured 4-12% more CPU on the corpus charts (40 alternated runs each). Its
// pages are made smaller at build time (.cargo/config.toml, MI_SEGMENT_SLICE_SHIFT), which
// spreads a render over fewer of those huge pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "canon",
    version,
    about = "GitOps over helmfile: render natively, commit to git, sync and watch clusters"
)]
struct Cli {
    /// Log format on stderr (levels from RUST_LOG): `text`, coloured only on a terminal, or
    /// `json`, one object per line for a log pipeline (Flux's `--log-encoding`, Argo CD's
    /// `--logformat`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CANON_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Print canon's version.
    Version,
    /// Render a chart locally, byte for byte what `helm template` prints.
    Template(Box<template::TemplateArgs>),
    /// Lock the versions of remote charts (helmfile deps): writes helmfile.lock.
    Deps(deps::DepsArgs),
    /// Render a helmfile's releases for one environment, byte for byte what `helmfile template` prints.
    Render(Box<render::RenderArgs>),
    /// Receive push webhooks (GitHub, GitLab, Gitea, generic HMAC) and run hydrations.
    Serve(serve::ServeArgs),
    /// Render the environments a git ref maps to and commit them to the state repo.
    Hydrate(Box<hydrate::HydrateArgs>),
    /// Diff the rendered manifests of one environment between two source revisions.
    Diff(Box<diff::DiffArgs>),
    /// What the agent sees: sync, health and drift of every app, as a table or JSON.
    Status(status::StatusArgs),
    /// Sync the state repo to clusters, detect drift, alert (`--once`: one pass, then exit).
    Agent(agent::AgentArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Without RUST_LOG only errors are logged, less kube's per-request "failed with error"
    // line: canon reports those failures itself, naming the app and the API server.
    let filter = std::env::var_os("RUST_LOG").map_or_else(
        || tracing_subscriber::EnvFilter::new("error,kube_client::client::builder=off"),
        |_| tracing_subscriber::EnvFilter::from_default_env(),
    );
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => logs.json().init(),
    }
    match cli.command {
        Command::Version => {
            println!("canon {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Template(args) => template::run(*args),
        Command::Deps(args) => deps::run(args),
        Command::Render(args) => render::run(*args),
        Command::Serve(args) => serve::run(args),
        Command::Diff(args) => diff::run(*args),
        Command::Status(args) => status::run(args),
        Command::Agent(args) => agent::run(args),
        Command::Hydrate(args) => hydrate::run(*args),
    }
}

/// The multi-threaded tokio runtime of the long-running commands (`agent`, `serve`); on failure
/// the error is printed and the exit code returned.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("Error: starting the runtime: {e}");
            ExitCode::from(1)
        })
}
