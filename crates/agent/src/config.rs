//! `agent.yaml`: where the state repo is, which cluster each environment syncs to, how, and where
//! alerts go.
//!
//! ```yaml
//! state:
//!   repo: https://git.example.com/gitops-state.git   # any git URL or path (auth as `canon hydrate`)
//!   branch: main
//!   pollInterval: 60s
//! listen: 127.0.0.1:8080
//! webhookSecret: ${CANON_AGENT_WEBHOOK_SECRET}        # HMAC key of /api/v1/webhook/git
//! namespace: canon-system                             # inventories, Lease, Events
//! environments:
//!   staging:
//!     cluster: { kubeconfig: ~/.kube/config, context: kind-staging }   # or { inCluster: true }
//!     sync: auto            # auto | manual
//!     selfHeal: false       # false = detect-only: alert, never revert
//!     prune: true
//!     allowEmpty: false
//!     force: true
//! alerts:
//!   - { type: webhook, url: http://127.0.0.1:9000/hook, secret: s3cret }
//!   - { type: slack, url: https://hooks.slack.com/services/... }
//! leaderElection: { enabled: false, leaseName: canon-agent }
//! ```
//!
//! Unknown keys are errors naming the file, line and column. `${VAR}` in string values expands from
//! the environment (an unset variable is an error). Durations take Go's forms (`500ms`, `60s`, `2m`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Result;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentConfig {
    pub state: StateSource,
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default)]
    pub webhook_secret: Option<String>,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub environments: BTreeMap<String, EnvironmentConfig>,
    #[serde(default)]
    pub alerts: Vec<SinkConfig>,
    #[serde(default)]
    pub leader_election: LeaderElection,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateSource {
    pub repo: String,
    #[serde(default = "default_branch")]
    pub branch: String,
    #[serde(default = "default_poll", with = "duration")]
    pub poll_interval: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentConfig {
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub sync: SyncMode,
    #[serde(default)]
    pub self_heal: bool,
    #[serde(default = "yes")]
    pub prune: bool,
    #[serde(default)]
    pub allow_empty: bool,
    #[serde(default = "yes")]
    pub force: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterConfig {
    /// A kubeconfig file; default `$KUBECONFIG` or `~/.kube/config`.
    #[serde(default)]
    pub kubeconfig: Option<String>,
    /// A context in it; default its current context.
    #[serde(default)]
    pub context: Option<String>,
    /// Use the pod's service account (running in the cluster).
    #[serde(default)]
    pub in_cluster: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    #[default]
    Auto,
    Manual,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SinkConfig {
    #[serde(rename = "type")]
    pub kind: SinkKind,
    pub url: String,
    /// HMAC-SHA256 key for the generic webhook (`X-Canon-Signature-256: sha256=<hex>`).
    #[serde(default)]
    pub secret: Option<String>,
    /// Only these events (default all).
    #[serde(default)]
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    Webhook,
    Slack,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaderElection {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default = "default_lease")]
    pub lease_name: String,
    #[serde(default = "default_lease_duration", with = "duration")]
    pub lease_duration: Duration,
}

impl Default for LeaderElection {
    fn default() -> Self {
        LeaderElection {
            enabled: false,
            lease_name: default_lease(),
            lease_duration: default_lease_duration(),
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_namespace() -> String {
    "canon-system".into()
}
fn default_branch() -> String {
    "main".into()
}
fn default_poll() -> Duration {
    Duration::from_secs(60)
}
fn default_lease() -> String {
    "canon-agent".into()
}
fn default_lease_duration() -> Duration {
    Duration::from_secs(15)
}
fn yes() -> bool {
    true
}

impl AgentConfig {
    /// Parses agent.yaml text (see the module doc); `path` is for messages.
    pub fn parse(text: &str, path: &str) -> Result<AgentConfig> {
        let _ = (text, path);
        todo!("agent helper: AgentConfig::parse")
    }

    pub fn load(path: &Path) -> Result<AgentConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        AgentConfig::parse(&text, &path.display().to_string())
    }
}

/// Go-style durations (`500ms`, `60s`, `1m30s`) in serde.
mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}ms", d.as_millis()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("invalid duration {text:?}")))
    }

    /// `1h2m3s4ms`-style, units h, m, s, ms.
    pub fn parse(text: &str) -> Option<Duration> {
        let mut total = Duration::ZERO;
        let mut rest = text.trim();
        if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit())?;
            let n: u64 = rest[..digits].parse().ok()?;
            rest = &rest[digits..];
            let (unit, len) = if rest.starts_with("ms") {
                (Duration::from_millis(1), 2)
            } else if rest.starts_with('h') {
                (Duration::from_secs(3600), 1)
            } else if rest.starts_with('m') {
                (Duration::from_secs(60), 1)
            } else if rest.starts_with('s') {
                (Duration::from_secs(1), 1)
            } else {
                return None;
            };
            total += unit * u32::try_from(n).ok()?;
            rest = &rest[len..];
        }
        Some(total)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn go_durations() {
            assert_eq!(parse("60s"), Some(Duration::from_secs(60)));
            assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
            assert_eq!(parse("500ms"), Some(Duration::from_millis(500)));
            assert_eq!(parse("2h"), Some(Duration::from_secs(7200)));
            assert_eq!(parse("10"), None);
            assert_eq!(parse("5x"), None);
            assert_eq!(parse(""), None);
        }
    }
}
