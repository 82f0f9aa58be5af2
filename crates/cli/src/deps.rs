//! `canon deps`: helmfile's `deps` command. For every helmfile (and each `helmfiles:`
//! sub-helmfile) it resolves the remote charts of the releases against their repositories now
//! and writes the state's lock file (`helmfile.lock`, or `lockFilePath`), in helmfile's format,
//! so later renders use exactly those versions (and, once cached, no network).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use helmfile::load::{self, LoadOptions};
use helmfile::release::{self, ReleaseOptions};
use helmfile::repo::{ChartResolver, LockFile, lock_path};
use helmfile::spec::HelmState;

/// Flags of `helmfile deps` that matter to canon.
#[derive(Args, Debug)]
#[command(about = "Lock the versions of remote charts (helmfile deps): writes helmfile.lock")]
pub struct DepsArgs {
    /// The helmfile, or a directory of them (default: helmfile.yaml, helmfile.yaml.gotmpl,
    /// helmfile.d/).
    #[arg(short = 'f', long = "file")]
    file: Option<PathBuf>,
    /// The environment to load the helmfile for.
    #[arg(short = 'e', long = "environment", default_value = "default")]
    environment: String,
    /// State values (key=value), merged over the environment's.
    #[arg(long = "state-values-set", value_name = "KEY=VAL")]
    state_values_set: Vec<String>,
    /// State values files, merged over the environment's.
    #[arg(long = "state-values-file", value_name = "FILE")]
    state_values_file: Vec<PathBuf>,
}

fn fail(e: helmfile::Error) -> ExitCode {
    eprintln!("Error: {e}");
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
}

/// Locks one state and its sub-helmfiles.
fn lock_state(state: &HelmState) -> Result<(), helmfile::Error> {
    let releases = release::resolve(state, &ReleaseOptions::default())?;
    let resolver = ChartResolver::for_state(state)?;
    let wanted: Vec<(String, String, String, String)> = releases
        .iter()
        .map(|r| {
            (
                r.chart.clone(),
                r.version.clone().unwrap_or_default(),
                r.namespace.clone(),
                r.name.clone(),
            )
        })
        .collect();
    let path = lock_path(state);
    match resolver.lock_dependencies(&wanted, resolver.lock.as_ref())? {
        Some(lock) => write_lock(&path, &lock)?,
        None => eprintln!(
            "There are no repositories defined in your helmfile.yaml.\nThis means helmfile cannot update your dependencies or create a lock file."
        ),
    }
    for sub in &state.sub_states {
        lock_state(&sub.state)?;
    }
    Ok(())
}

/// Writes the lock next to its final path and renames it into place.
fn write_lock(path: &Path, lock: &LockFile) -> Result<(), helmfile::Error> {
    let err = |e: std::io::Error| {
        helmfile::Error::Repo(helmfile::repo::RepoError::Lock {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, lock.to_yaml()).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)?;
    eprintln!(
        "canon: wrote {} ({} charts)",
        path.display(),
        lock.dependencies.len()
    );
    Ok(())
}

pub fn run(args: DepsArgs) -> ExitCode {
    let opts = LoadOptions {
        environment: args.environment,
        state_values_set: args.state_values_set,
        state_values_files: args.state_values_file,
        ..LoadOptions::default()
    };
    let files = match load::find(args.file.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(e.into()),
    };
    for file in files {
        let state = match load::load(&file, &opts) {
            Ok(s) => s,
            Err(e) => return fail(e.into()),
        };
        if let Err(e) = lock_state(&state) {
            return fail(e);
        }
    }
    ExitCode::SUCCESS
}
