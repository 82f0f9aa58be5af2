//! `canon.yaml`: where the state repo is, how releases map to paths and branches, and which
//! git refs hydrate which environments.

use std::collections::BTreeMap;

use globset::{Glob, GlobBuilder};
use serde::Deserialize;

use crate::Error;
use crate::index::{DEFAULT_PATH_TEMPLATE, TemplateData, render_template};

/// The `state:` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateConfig {
    pub repo: String,
    #[serde(default = "default_branch")]
    pub branch: String,
    #[serde(default = "default_path_template")]
    pub path_template: String,
    /// A branch per environment, e.g. `env/{{ .Environment.Name }}`; overrides `branch`.
    #[serde(default)]
    pub branch_template: Option<String>,
}

fn default_branch() -> String {
    "main".into()
}

fn default_path_template() -> String {
    DEFAULT_PATH_TEMPLATE.into()
}

/// The refs that hydrate an environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct On {
    #[serde(default)]
    pub branches: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One entry of `environments:`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentRule {
    // YAML 1.1 (which helmfile's and Helm's Go YAML reads) turns a bare `on` key into `true`.
    #[serde(default, rename = "on", alias = "true")]
    pub on: On,
}

/// `canon.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanonConfig {
    pub state: StateConfig,
    /// Empty: staging on `master`, production on tags `v*`.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentRule>,
}

impl CanonConfig {
    /// Parses `canon.yaml`; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, Error> {
        let json = goyaml::yaml_to_json(text).map_err(|e| Error::Config(format!("{path}: {e}")))?;
        let cfg: CanonConfig =
            serde_json::from_str(&json).map_err(|e| Error::Config(format!("{path}: {e}")))?;
        if cfg.state.repo.is_empty() {
            return Err(Error::Config(format!("{path}: state.repo is empty")));
        }
        for (env, rule) in &cfg.environments {
            for g in rule.on.branches.iter().chain(&rule.on.tags) {
                glob(g).map_err(|e| {
                    Error::Config(format!("{path}: environments.{env}: bad glob {g:?}: {e}"))
                })?;
            }
        }
        Ok(cfg)
    }

    /// The rules in force: the configured ones, or the defaults when none are.
    pub fn rules(&self) -> BTreeMap<String, EnvironmentRule> {
        if !self.environments.is_empty() {
            return self.environments.clone();
        }
        BTreeMap::from([
            (
                "staging".to_string(),
                EnvironmentRule {
                    on: On {
                        branches: vec!["master".into()],
                        tags: vec![],
                    },
                },
            ),
            (
                "production".to_string(),
                EnvironmentRule {
                    on: On {
                        branches: vec![],
                        tags: vec!["v*".into()],
                    },
                },
            ),
        ])
    }

    /// The environments a git ref hydrates, sorted. `refs/heads/X` matches branch rules,
    /// `refs/tags/X` tag rules, and a bare name both.
    pub fn environments_for_ref(&self, reference: &str) -> Vec<String> {
        let (branch, tag) = if let Some(b) = reference.strip_prefix("refs/heads/") {
            (Some(b), None)
        } else if let Some(t) = reference.strip_prefix("refs/tags/") {
            (None, Some(t))
        } else {
            (Some(reference), Some(reference))
        };
        let hit = |globs: &[String], name: Option<&str>| {
            name.is_some_and(|n| globs.iter().any(|g| glob_match(g, n)))
        };
        self.rules()
            .into_iter()
            .filter(|(_, r)| hit(&r.on.branches, branch) || hit(&r.on.tags, tag))
            .map(|(e, _)| e)
            .collect()
    }

    /// The state branch an environment is committed to.
    pub fn branch_for(&self, env: &str) -> Result<String, Error> {
        match &self.state.branch_template {
            None => Ok(self.state.branch.clone()),
            Some(t) => {
                let b = render_template(
                    t,
                    &TemplateData {
                        environment: env,
                        ..Default::default()
                    },
                )?;
                if git2::Reference::is_valid_name(&format!("refs/heads/{b}")) {
                    Ok(b)
                } else {
                    Err(Error::Config(format!(
                        "state.branchTemplate {t:?} gives {b:?}, not a valid branch name"
                    )))
                }
            }
        }
    }
}

/// Git-style globs: `*` stays within one path component, `**` crosses them.
fn glob(g: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(g).literal_separator(true).build()
}

/// Whether the branch or tag name `name` (without `refs/heads/` or `refs/tags/`) matches the
/// rule glob `pattern`: `*` and `?` stay within one `/`-separated component (`release/*`
/// matches `release/1.2`, not `release/1/2`), `**` crosses components (`feature/**` matches
/// `feature/a/b`), `[...]` is a character class. The one ref matcher of canon (`canon hydrate`
/// and `canon serve` both use it); an invalid glob matches nothing ([`CanonConfig::parse`]
/// refuses it up front).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    glob(pattern).is_ok_and(|m| m.compile_matcher().is_match(name))
}

/// Checks a rule glob, for configuration loaders that want to refuse a bad one.
pub fn check_glob(pattern: &str) -> Result<(), String> {
    glob(pattern).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_rules() {
        let c = CanonConfig::parse("state:\n  repo: ../gitops-state.git\n", "canon.yaml")
            .expect("parses");
        assert_eq!(c.state.branch, "main");
        assert_eq!(c.state.path_template, "{{ .Release.Name }}");
        assert_eq!(c.environments_for_ref("refs/heads/master"), vec!["staging"]);
        assert_eq!(
            c.environments_for_ref("refs/tags/v1.0.0"),
            vec!["production"]
        );
        assert!(c.environments_for_ref("refs/tags/1.0").is_empty());
        assert!(c.environments_for_ref("refs/heads/v1").is_empty());
        assert_eq!(c.environments_for_ref("master"), vec!["staging"]);
    }

    #[test]
    fn design_example() {
        let text = r#"
state:
  repo: ../gitops-state.git
  branch: main
  pathTemplate: "{{ .Environment.Name }}/{{ .Release.Name }}"
  branchTemplate: "env/{{ .Environment.Name }}"
environments:
  staging:    { on: { branches: [master, "release/*"] } }
  production: { on: { tags: ["v*"] } }
  preview:    { on: { branches: ["feature/**"] } }
"#;
        let c = CanonConfig::parse(text, "canon.yaml").expect("parses");
        assert_eq!(
            c.environments_for_ref("refs/heads/release/1.2"),
            vec!["staging"]
        );
        assert!(c.environments_for_ref("refs/heads/release/1/2").is_empty());
        assert_eq!(
            c.environments_for_ref("refs/heads/feature/a/b"),
            vec!["preview"]
        );
        assert_eq!(
            c.branch_for("production").expect("branch"),
            "env/production"
        );
    }

    #[test]
    fn globs() {
        for (p, n, want) in [
            ("v*", "v1.0.0", true),
            ("v*", "v", true),
            ("v*", "1.0.0", false),
            ("master", "master", true),
            ("master", "master2", false),
            ("release/*", "release/1.2", true),
            ("release/*", "release/1/2", false),
            ("release/**", "release/1/2", true),
            ("feature/**", "feature/a", true),
            ("*", "a/b", false),
            ("**", "a/b", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "a/c", false),
            ("*-rc*", "v1-rc2", true),
            ("v[0-9]*", "v1", true),
            ("v[0-9]*", "vx", false),
            ("[", "[", false),
        ] {
            assert_eq!(glob_match(p, n), want, "{p:?} ~ {n:?}");
        }
        assert!(check_glob("[").is_err());
        assert!(check_glob("v*").is_ok());
    }

    #[test]
    fn errors() {
        for bad in [
            "state: {repo: x, brnch: main}\n",
            "environments: {}\n",
            "state: {repo: x}\nenvironments: {s: {on: {branches: ['[']}}}\n",
            "state: {repo: x}\nextra: 1\n",
            "state: [\n",
        ] {
            let e = CanonConfig::parse(bad, "canon.yaml").expect_err(bad);
            assert!(e.is_usage(), "{e}");
            assert!(e.to_string().starts_with("canon.yaml: "), "{e}");
        }
        let c = CanonConfig::parse(
            "state: {repo: x, branchTemplate: 'a..{{ .Environment.Name }}'}\n",
            "c",
        )
        .expect("parses");
        assert!(c.branch_for("s").is_err());
    }
}
