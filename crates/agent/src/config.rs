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
//! Unknown keys are errors naming the file, line and column; so is a `cluster.context` that its
//! kubeconfig does not have (found when the agent connects; see
//! [`AgentConfig::context_location`]). `${VAR}` in string values expands from the environment (an
//! unset variable is an error). Durations take Go's forms (`500ms`, `60s`, `2m`).

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
    /// Where each environment's `cluster.context` value is written (`file:line:col`, or the file
    /// when it cannot be located), for messages about it; not part of the YAML.
    #[serde(skip)]
    context_at: BTreeMap<String, String>,
    /// The file this was parsed from, for messages.
    #[serde(skip)]
    origin: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateSource {
    pub repo: String,
    #[serde(default = "default_branch")]
    pub branch: String,
    #[serde(default = "default_poll", with = "duration")]
    pub poll_interval: Duration,
    /// Where a network repo is fetched to (see [`AgentConfig::cache_dir`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<String>,
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
        Self::parse_with(text, path, |k| std::env::var(k).ok())
    }

    /// [`AgentConfig::parse`] with `${VAR}` looked up by `env` (tests pass their own).
    pub fn parse_with(
        text: &str,
        path: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<AgentConfig> {
        let err = |message: String| crate::Error::Config {
            path: path.to_string(),
            message,
        };
        // Typed first, on the text as written, so unknown keys and bad values carry the
        // parser's line:col; `${VAR}` is expanded afterwards in string values only, so a value
        // can never inject YAML structure.
        let parsed: AgentConfig = serde_yaml_ng::from_str(text).map_err(|e| {
            let message = e.to_string();
            match e.location() {
                Some(loc) => {
                    // The parser appends " at line L column C"; the prefix already says it.
                    let message = match message.rfind(" at line ") {
                        Some(i) => message[..i].to_string(),
                        None => message,
                    };
                    crate::Error::Config {
                        path: format!("{path}:{}:{}", loc.line(), loc.column()),
                        message,
                    }
                }
                None => err(message),
            }
        })?;
        let mut value = serde_json::to_value(&parsed).map_err(|e| err(e.to_string()))?;
        expand_strings(&mut value, &env).map_err(|var| {
            let at = text
                .find(&format!("${{{var}}}"))
                .map(|i| {
                    let line = text[..i].matches('\n').count() + 1;
                    let col = i - text[..i].rfind('\n').map(|n| n + 1).unwrap_or(0) + 1;
                    format!(":{line}:{col}")
                })
                .unwrap_or_default();
            crate::Error::Config {
                path: format!("{path}{at}"),
                message: format!("environment variable {var} is not set"),
            }
        })?;
        let mut config: AgentConfig =
            serde_json::from_value(value).map_err(|e| err(e.to_string()))?;
        config.check().map_err(err)?;
        config.origin = path.to_string();
        config.context_at = config
            .environments
            .iter()
            .filter(|(_, e)| e.cluster.context.is_some())
            .map(|(name, _)| {
                let at = locate_context(text, name)
                    .map(|(line, col)| format!("{path}:{line}:{col}"))
                    .unwrap_or_else(|| path.to_string());
                (name.clone(), at)
            })
            .collect();
        Ok(config)
    }

    /// `file:line:col` of environment `name`'s `cluster.context` value (the file alone when it
    /// cannot be located; `agent.yaml` for a config not parsed from a file).
    pub fn context_location(&self, name: &str) -> String {
        self.context_at.get(name).cloned().unwrap_or_else(|| {
            if self.origin.is_empty() {
                "agent.yaml".to_string()
            } else {
                self.origin.clone()
            }
        })
    }

    /// Rules serde cannot express.
    fn check(&self) -> std::result::Result<(), String> {
        if self.state.repo.trim().is_empty() {
            return Err("state.repo is empty".into());
        }
        if self.state.poll_interval.is_zero() {
            return Err("state.pollInterval must be positive".into());
        }
        if self.environments.is_empty() {
            return Err("environments: at least one environment is required".into());
        }
        for (name, env) in &self.environments {
            if name.is_empty() || name.contains('/') {
                return Err(format!("environments: invalid name {name:?}"));
            }
            if env.cluster.in_cluster
                && (env.cluster.kubeconfig.is_some() || env.cluster.context.is_some())
            {
                return Err(format!(
                    "environments.{name}.cluster: inCluster excludes kubeconfig and context"
                ));
            }
        }
        for (i, sink) in self.alerts.iter().enumerate() {
            if sink.url.trim().is_empty() {
                return Err(format!("alerts[{i}]: url is empty"));
            }
        }
        Ok(())
    }

    /// Where the state repo cache lives: `state.cache`, else `$XDG_CACHE_HOME/canon/agent/<repo>`
    /// (or `~/.cache/...`, or the temp dir when there is no home, as in a container).
    pub fn cache_dir(&self) -> std::path::PathBuf {
        if let Some(c) = &self.state.cache {
            return expand_home(c);
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| std::path::PathBuf::from(h).join(".cache"))
            })
            .unwrap_or_else(std::env::temp_dir);
        let safe: String = self
            .state
            .repo
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        base.join("canon").join("agent").join(safe)
    }

    pub fn load(path: &Path) -> Result<AgentConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        AgentConfig::parse(&text, &path.display().to_string())
    }
}

/// Line and column (1-based) of environment `env`'s `context:` value in agent.yaml `text`: the
/// first `context:` after the environment's key under `environments:`. serde_yaml_ng keeps no
/// spans of values, and block and flow styles both write `context:` after the key, so a textual
/// search finds it; `None` when it does not (the message then names the file alone).
fn locate_context(text: &str, env: &str) -> Option<(usize, usize)> {
    let start = text.find("environments:")?;
    let bytes = text.as_bytes();
    let key = format!("{env}:");
    let mut from = start;
    let env_at = loop {
        let i = from + text[from..].find(&key)?;
        let before = if i == 0 { b'\n' } else { bytes[i - 1] };
        if matches!(before, b' ' | b'\n' | b'{' | b',' | b'\t') {
            break i + key.len();
        }
        from = i + key.len();
    };
    let ctx = env_at + text[env_at..].find("context:")? + "context:".len();
    let value = ctx + text[ctx..].len() - text[ctx..].trim_start_matches([' ', '\t']).len();
    let line = text[..value].matches('\n').count() + 1;
    let col = value - text[..value].rfind('\n').map(|n| n + 1).unwrap_or(0) + 1;
    Some((line, col))
}

/// `~/x` → `$HOME/x`; anything else unchanged.
pub fn expand_home(path: &str) -> std::path::PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return std::path::PathBuf::from(home).join(rest);
    }
    std::path::PathBuf::from(path)
}

/// Expands `${VAR}` in every string of `value`; `Err(var)` names the first unset variable.
/// `$$` is a literal `$`; a `$` not followed by `{` or `$` is kept as is.
fn expand_strings(
    value: &mut serde_json::Value,
    env: &impl Fn(&str) -> Option<String>,
) -> std::result::Result<(), String> {
    match value {
        serde_json::Value::String(s) => {
            if s.contains('$') {
                *s = expand(s, env)?;
            }
            Ok(())
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().try_for_each(|v| expand_strings(v, env))
        }
        serde_json::Value::Object(map) => map.values_mut().try_for_each(|v| expand_strings(v, env)),
        _ => Ok(()),
    }
}

fn expand(s: &str, env: &impl Fn(&str) -> Option<String>) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{')
            && let Some(end) = body.find('}')
        {
            let name = &body[..end];
            let value = env(name).ok_or_else(|| name.to_string())?;
            out.push_str(&value);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
state:
  repo: https://git.example.com/gitops-state.git
  branch: main
  pollInterval: 30s
listen: 127.0.0.1:9090
webhookSecret: ${SECRET}
namespace: canon-system
environments:
  staging:
    cluster: { kubeconfig: ~/.kube/config, context: kind-staging }
    sync: auto
    selfHeal: true
    prune: false
  production:
    cluster: { inCluster: true }
    sync: manual
alerts:
  - { type: webhook, url: "http://127.0.0.1:9000/hook", secret: s3cret, events: [driftDetected] }
  - { type: slack, url: "https://hooks.slack.com/services/${SLACK}" }
leaderElection: { enabled: true, leaseName: agent-lease, leaseDuration: 20s }
"#;

    fn env(k: &str) -> Option<String> {
        match k {
            "SECRET" => Some("hush".into()),
            "SLACK" => Some("T0/B0/x".into()),
            _ => None,
        }
    }

    #[test]
    fn parses_the_documented_example_with_defaults_and_expansion() {
        let c = AgentConfig::parse_with(FULL, "agent.yaml", env).expect("valid config");
        assert_eq!(c.state.poll_interval, Duration::from_secs(30));
        assert_eq!(c.listen, "127.0.0.1:9090");
        assert_eq!(c.webhook_secret.as_deref(), Some("hush"));
        let staging = &c.environments["staging"];
        assert_eq!(staging.cluster.context.as_deref(), Some("kind-staging"));
        assert!(staging.self_heal);
        assert!(!staging.prune);
        assert!(staging.force, "force defaults to true");
        assert!(!staging.allow_empty);
        let prod = &c.environments["production"];
        assert!(prod.cluster.in_cluster);
        assert_eq!(prod.sync, SyncMode::Manual);
        assert!(prod.prune, "prune defaults to true");
        assert_eq!(c.alerts.len(), 2);
        assert_eq!(c.alerts[0].kind, SinkKind::Webhook);
        assert_eq!(c.alerts[0].events, vec!["driftDetected".to_string()]);
        assert_eq!(c.alerts[1].url, "https://hooks.slack.com/services/T0/B0/x");
        assert!(c.leader_election.enabled);
        assert_eq!(c.leader_election.lease_name, "agent-lease");
        assert_eq!(c.leader_election.lease_duration, Duration::from_secs(20));
    }

    #[test]
    fn minimal_config_takes_defaults() {
        let c = AgentConfig::parse_with(
            "state: { repo: /srv/state.git }\nenvironments: { dev: {} }\n",
            "a.yaml",
            env,
        )
        .expect("valid");
        assert_eq!(c.state.branch, "main");
        assert_eq!(c.state.poll_interval, Duration::from_secs(60));
        assert_eq!(c.namespace, "canon-system");
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert!(!c.leader_election.enabled);
        assert_eq!(c.environments["dev"].sync, SyncMode::Auto);
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let text =
            "state:\n  repo: /srv/state.git\n  pollIntervall: 5s\nenvironments: { dev: {} }\n";
        let e = AgentConfig::parse_with(text, "agent.yaml", env).expect_err("unknown key");
        let msg = e.to_string();
        assert!(msg.starts_with("agent.yaml:3:3: "), "{msg}");
        assert!(msg.contains("unknown field `pollIntervall`"), "{msg}");
        assert!(!msg.contains(" at line "), "location said once: {msg}");
        assert!(e.is_usage());
    }

    #[test]
    fn unknown_key_in_an_environment_is_an_error() {
        let text = "state: { repo: x }\nenvironments:\n  dev:\n    selfheal: true\n";
        let msg = AgentConfig::parse_with(text, "a.yaml", env)
            .expect_err("unknown key")
            .to_string();
        assert!(msg.starts_with("a.yaml:4:5: "), "{msg}");
        assert!(msg.contains("selfheal"), "{msg}");
    }

    #[test]
    fn bad_values_are_errors_with_location() {
        let text = "state: { repo: x, pollInterval: 10 }\nenvironments: { dev: {} }\n";
        let msg = AgentConfig::parse_with(text, "a.yaml", env)
            .expect_err("bad duration")
            .to_string();
        assert!(msg.starts_with("a.yaml:1:"), "{msg}");
        assert!(msg.contains("invalid duration"), "{msg}");
        let text = "state: { repo: x }\nenvironments: { dev: { sync: sometimes } }\n";
        let msg = AgentConfig::parse_with(text, "a.yaml", env)
            .expect_err("bad sync mode")
            .to_string();
        assert!(msg.contains("sometimes"), "{msg}");
        let text = "state: { repo: x }\nenvironments: {}\n";
        let msg = AgentConfig::parse_with(text, "a.yaml", env)
            .expect_err("no environments")
            .to_string();
        assert!(msg.contains("at least one environment"), "{msg}");
        let msg = AgentConfig::parse_with("state: [\n", "a.yaml", env)
            .expect_err("not YAML")
            .to_string();
        assert!(msg.starts_with("a.yaml:"), "{msg}");
    }

    #[test]
    fn unset_variable_is_an_error_naming_it_and_where() {
        let text = "state: { repo: x }\nwebhookSecret: \"${NOPE}\"\nenvironments: { dev: {} }\n";
        let msg = AgentConfig::parse_with(text, "a.yaml", env)
            .expect_err("unset")
            .to_string();
        assert_eq!(msg, "a.yaml:2:17: environment variable NOPE is not set");
    }

    #[test]
    fn context_values_are_located() {
        let c = AgentConfig::parse_with(FULL, "agent.yaml", env).expect("valid config");
        // Line 11 of FULL (which starts with a newline): `    cluster: { kubeconfig: ..., context: kind-staging }`.
        let line = FULL.lines().nth(10).expect("line 11");
        let col = line.find("kind-staging").expect("the value") + 1;
        assert_eq!(
            c.context_location("staging"),
            format!("agent.yaml:11:{col}")
        );
        assert_eq!(c.context_location("production"), "agent.yaml");
        let text = "state: { repo: x }\nenvironments:\n  prod:\n    cluster:\n      kubeconfig: k\n      context:   other\n";
        let c = AgentConfig::parse_with(text, "a.yaml", env).expect("valid");
        assert_eq!(c.context_location("prod"), "a.yaml:6:18");
    }

    #[test]
    fn expansion_rules() {
        assert_eq!(expand("a${SECRET}b", &env).as_deref(), Ok("ahushb"));
        assert_eq!(expand("$$SECRET", &env).as_deref(), Ok("$SECRET"));
        assert_eq!(expand("cost $5", &env).as_deref(), Ok("cost $5"));
        assert_eq!(expand("${SECRET", &env).as_deref(), Ok("${SECRET"));
        assert_eq!(expand("${X}", &env), Err("X".to_string()));
    }
}
