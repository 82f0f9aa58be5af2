//! The receiver's configuration file (`canon serve --config FILE`), YAML.
//!
//! Secrets are never written in the file: it names the environment variables that hold them.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::{CanonYaml, Rules};

/// Default bound of a webhook body: 1 MiB (GitHub caps payloads at 25 MB, pushes are far smaller).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_yaml_ng::Error,
    },
    #[error("{path}: secrets.{provider}: environment variable {var} is not set or empty")]
    MissingSecret {
        path: PathBuf,
        provider: &'static str,
        var: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "{path}: no provider is enabled (set at least one of secrets.github/gitlab/gitea/generic)"
    )]
    NoProvider { path: PathBuf },
}

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigFile {
    /// `host:port` to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    #[serde(default = "default_workers")]
    pub workers: usize,
    #[serde(default)]
    pub secrets: SecretEnvVars,
    /// Checkout of the source repo the hydrator renders from; relative to the config file.
    #[serde(default = "default_source_repo")]
    pub source_repo: PathBuf,
    /// `canon.yaml` with the ref → environment rules; relative to `sourceRepo`. Missing file:
    /// the default rules.
    #[serde(default = "default_canon_yaml")]
    pub canon_yaml: PathBuf,
    /// Command (argv, no shell) run per hydration in `sourceRepo` by [`crate::CommandHydrator`].
    #[serde(default)]
    pub hydrate_command: Vec<String>,
    /// How hydrations run: `inProcess` (canon's own render and commit, the default without a
    /// `hydrateCommand`) or `command` (the default with one).
    #[serde(default)]
    pub hydrator: Option<HydratorKind>,
    /// Where the in-process hydrator fetches pushed commits from (any git URL or path);
    /// default: `sourceRepo`. A relative path is relative to the config file.
    #[serde(default)]
    pub source_url: Option<String>,
    /// The helmfile, relative to the top of the source repo (default: helmfile.yaml,
    /// helmfile.yaml.gotmpl or helmfile.d at the top); canon.yaml is read beside it.
    #[serde(default)]
    pub helmfile: Option<PathBuf>,
    /// Overrides canon.yaml's `state.repo` for the in-process hydrator. A relative path is
    /// relative to the config file.
    #[serde(default)]
    pub state_repo: Option<String>,
}

/// Which [`crate::Hydrator`] runs hydrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HydratorKind {
    /// In the receiver's process: fetch the pushed commit, render, commit to the state repo.
    InProcess,
    /// `hydrateCommand`, once per hydration.
    Command,
}

/// Names of the environment variables holding each provider's secret; an absent provider is
/// disabled (its endpoint answers 404).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretEnvVars {
    pub github: Option<String>,
    pub gitlab: Option<String>,
    pub gitea: Option<String>,
    pub generic: Option<String>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_max_body() -> usize {
    DEFAULT_MAX_BODY_BYTES
}
fn default_workers() -> usize {
    2
}
fn default_source_repo() -> PathBuf {
    ".".into()
}
fn default_canon_yaml() -> PathBuf {
    "canon.yaml".into()
}

/// Provider secrets, resolved.
#[derive(Clone, Default)]
pub struct Secrets {
    pub github: Option<Vec<u8>>,
    pub gitlab: Option<Vec<u8>>,
    pub gitea: Option<Vec<u8>>,
    pub generic: Option<Vec<u8>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on = |s: &Option<Vec<u8>>| if s.is_some() { "set" } else { "-" };
        f.debug_struct("Secrets")
            .field("github", &on(&self.github))
            .field("gitlab", &on(&self.gitlab))
            .field("gitea", &on(&self.gitea))
            .field("generic", &on(&self.generic))
            .finish()
    }
}

/// Everything the receiver needs, resolved from the file and the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub max_body_bytes: usize,
    pub workers: usize,
    pub secrets: Secrets,
    pub source_repo: PathBuf,
    pub rules: Rules,
    /// `hydrateCommand`; empty when not configured.
    pub hydrate_command: Vec<String>,
    pub hydrator: HydratorKind,
    /// `sourceUrl`, resolved (default: `sourceRepo`).
    pub source_url: String,
    /// `helmfile`, relative to the source repo's top.
    pub helmfile: Option<PathBuf>,
    /// `stateRepo`, resolved.
    pub state_repo: Option<String>,
}

impl Settings {
    /// Reads `path`, resolves secrets with `env` (`std::env::var` in the binary) and loads the
    /// rules from `canon.yaml`.
    pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: ConfigFile =
            serde_yaml_ng::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let source_repo = base.join(&file.source_repo);
        let canon_yaml = source_repo.join(&file.canon_yaml);
        let rules = match std::fs::read_to_string(&canon_yaml) {
            Ok(text) => {
                Rules::from_canon_yaml(serde_yaml_ng::from_str::<CanonYaml>(&text).map_err(
                    |source| ConfigError::Parse {
                        path: canon_yaml.clone(),
                        source,
                    },
                )?)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Rules::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: canon_yaml,
                    source,
                });
            }
        };
        if let Some(bad) = rules.bad_globs().into_iter().next() {
            return Err(ConfigError::Invalid {
                path: canon_yaml,
                message: format!("bad glob: {bad}"),
            });
        }
        let hydrator = match file.hydrator {
            Some(k) => k,
            None if file.hydrate_command.is_empty() => HydratorKind::InProcess,
            None => HydratorKind::Command,
        };
        if hydrator == HydratorKind::Command && file.hydrate_command.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: "hydrator: command needs hydrateCommand".into(),
            });
        }
        // A relative local path is relative to the config file; URLs pass through.
        let local = |u: &str| -> String {
            let is_url = u.contains("://")
                || u.split_once(':')
                    .is_some_and(|(host, _)| !host.contains('/'));
            if is_url || Path::new(u).is_absolute() {
                u.to_string()
            } else {
                base.join(u).to_string_lossy().into_owned()
            }
        };
        let source_url = match &file.source_url {
            Some(u) => local(u),
            None => source_repo.to_string_lossy().into_owned(),
        };
        let state_repo = file.state_repo.as_deref().map(local);
        let resolve = |provider: &'static str, var: &Option<String>| match var {
            None => Ok(None),
            Some(var) => match env(var) {
                Some(v) if !v.is_empty() => Ok(Some(v.into_bytes())),
                _ => Err(ConfigError::MissingSecret {
                    path: path.to_path_buf(),
                    provider,
                    var: var.clone(),
                }),
            },
        };
        let secrets = Secrets {
            github: resolve("github", &file.secrets.github)?,
            gitlab: resolve("gitlab", &file.secrets.gitlab)?,
            gitea: resolve("gitea", &file.secrets.gitea)?,
            generic: resolve("generic", &file.secrets.generic)?,
        };
        if secrets.github.is_none()
            && secrets.gitlab.is_none()
            && secrets.gitea.is_none()
            && secrets.generic.is_none()
        {
            return Err(ConfigError::NoProvider {
                path: path.to_path_buf(),
            });
        }
        Ok(Settings {
            listen: file.listen,
            max_body_bytes: file.max_body_bytes,
            workers: file.workers,
            secrets,
            source_repo,
            rules,
            hydrate_command: file.hydrate_command,
            hydrator,
            source_url,
            helmfile: file.helmfile,
            state_repo,
        })
    }
}
