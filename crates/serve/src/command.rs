//! A [`Hydrator`] that runs a configured command per hydration, until the state crate's
//! in-process hydrator is wired in (`hydrateCommand` in the config file).
//!
//! The request travels in environment variables, never through a shell's parsing of webhook
//! data: `CANON_ENVIRONMENT`, `CANON_SOURCE_REF`, `CANON_SOURCE_COMMIT`.

use std::path::PathBuf;
use std::process::Command;

use crate::queue::{HydrateError, HydrationRequest, Hydrator};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("hydrateCommand is empty")]
    Empty,
    #[error("running {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} exited with {status}: {stderr}")]
    Failed {
        program: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
}

/// Runs `argv` in `dir` for each hydration; a non-zero exit is a failed hydration.
#[derive(Debug, Clone)]
pub struct CommandHydrator {
    argv: Vec<String>,
    dir: PathBuf,
}

impl CommandHydrator {
    pub fn new(argv: Vec<String>, dir: PathBuf) -> Result<Self, CommandError> {
        if argv.is_empty() {
            return Err(CommandError::Empty);
        }
        Ok(CommandHydrator { argv, dir })
    }
}

impl Hydrator for CommandHydrator {
    fn hydrate(&self, req: HydrationRequest) -> Result<(), HydrateError> {
        let program = self.argv[0].clone();
        let out = Command::new(&program)
            .args(&self.argv[1..])
            .current_dir(&self.dir)
            .env("CANON_ENVIRONMENT", &req.environment)
            .env("CANON_SOURCE_REF", &req.source_ref)
            .env("CANON_SOURCE_COMMIT", &req.commit)
            .output()
            .map_err(|source| CommandError::Spawn {
                program: program.clone(),
                source,
            })?;
        if !out.stdout.is_empty() {
            tracing::info!(environment = %req.environment, output = %String::from_utf8_lossy(&out.stdout).trim_end(), "hydrateCommand output");
        }
        if out.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            // Keep the tail: that is where a failing command says why.
            let tail: String = {
                let chars: Vec<char> = stderr.trim_end().chars().collect();
                chars[chars.len().saturating_sub(2000)..].iter().collect()
            };
            Err(Box::new(CommandError::Failed {
                program,
                status: out.status,
                stderr: tail,
            }))
        }
    }
}
