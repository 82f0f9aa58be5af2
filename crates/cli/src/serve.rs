//! `canon serve --config FILE`: the webhook receiver. Verified pushes become hydrations, run
//! in-process (`hydrator: inProcess`, the default: [`crate::hydrate::InProcessHydrator`]) or by
//! the config's `hydrateCommand` (`hydrator: command`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use ::serve::{App, CommandHydrator, Hydrator, HydratorKind, Settings};
use clap::Args;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The receiver's YAML config (listen, secrets by env var name, sourceRepo, canonYaml,
    /// hydrateCommand).
    #[arg(long = "config", value_name = "FILE")]
    config: PathBuf,
}

pub fn run(args: ServeArgs) -> ExitCode {
    let settings = match Settings::load(&args.config, |k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
        }
    };
    let hydrator: Arc<dyn Hydrator> = match settings.hydrator {
        HydratorKind::InProcess => Arc::new(crate::hydrate::InProcessHydrator {
            source_url: settings.source_url.clone(),
            helmfile: settings.helmfile.clone(),
            relative_base: settings.source_repo.clone(),
            state_repo: settings.state_repo.clone(),
            checkout_root: state::git::default_cache_root("source"),
            cache_root: state::git::default_cache_root("state"),
        }),
        HydratorKind::Command => match CommandHydrator::new(
            settings.hydrate_command.clone(),
            settings.source_repo.clone(),
        ) {
            Ok(h) => Arc::new(h),
            Err(e) => {
                eprintln!("Error: {}: {e}", args.config.display());
                return ExitCode::from(2);
            }
        },
    };
    let rt = match crate::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result: anyhow::Result<()> = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .map_err(|e| anyhow::anyhow!("listening on {}: {e}", settings.listen))?;
        tracing::info!(addr = %listener.local_addr()?, "canon serve listening");
        eprintln!("canon serve: listening on {}", listener.local_addr()?);
        let app = App::new(settings, hydrator);
        ::serve::serve(listener, app, async {
            // Ctrl-C or SIGTERM: stop accepting, let running hydrations finish.
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
        })
        .await?;
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}
