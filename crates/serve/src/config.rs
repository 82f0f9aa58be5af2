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
        })
    }
}
