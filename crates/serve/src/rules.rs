//! Maps a pushed git ref to the environments `canon.yaml` renders for it.
//!
//! Globs are matched by the state crate's matcher, the same `canon hydrate` uses: `*` does not
//! cross `/` (`release/*` matches `release/1.2`, not `release/1/2`), `**` does.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `environments:` part of `canon.yaml`; other keys (`state:`) are ignored here.
#[derive(Debug, Clone, Deserialize)]
pub struct CanonYaml {
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnvironmentRule {
    #[serde(default)]
    pub on: Triggers,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub branches: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Ref → environment rules, in environment-name order.
#[derive(Debug, Clone)]
pub struct Rules {
    envs: BTreeMap<String, Triggers>,
}

impl Default for Rules {
    /// DESIGN.md's default: master → staging, `v*` tags → production.
    fn default() -> Self {
        let mut envs = BTreeMap::new();
        envs.insert(
            "staging".to_string(),
            Triggers {
                branches: vec!["master".into()],
                tags: vec![],
            },
        );
        envs.insert(
            "production".to_string(),
            Triggers {
                branches: vec![],
                tags: vec!["v*".into()],
            },
        );
        Rules { envs }
    }
}

impl Rules {
    /// Rules from a parsed `canon.yaml`; without an `environments:` section, the defaults.
    pub fn from_canon_yaml(doc: CanonYaml) -> Self {
        if doc.environments.is_empty() {
            return Rules::default();
        }
        Rules {
            envs: doc
                .environments
                .into_iter()
                .map(|(name, rule)| (name, rule.on))
                .collect(),
        }
    }

    /// The environments a push of `git_ref` (`refs/heads/…`, `refs/tags/…`) renders.
    pub fn environments_for(&self, git_ref: &str) -> Vec<String> {
        let (patterns_of, name): (fn(&Triggers) -> &Vec<String>, &str) =
            if let Some(b) = git_ref.strip_prefix("refs/heads/") {
                (|t| &t.branches, b)
            } else if let Some(t) = git_ref.strip_prefix("refs/tags/") {
                (|t| &t.tags, t)
            } else {
                return Vec::new();
            };
        self.envs
            .iter()
            .filter(|(_, t)| patterns_of(t).iter().any(|p| glob_match(p, name)))
            .map(|(env, _)| env.clone())
            .collect()
    }
}

/// Whether the branch or tag name matches a rule glob: canon's one ref matcher,
/// [`state::config::glob_match`] (`*` and `?` stay within a `/`-separated component, `**`
/// crosses them), so `canon serve` and `canon hydrate` agree on every ref.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    state::config::glob_match(pattern, text)
}

impl Rules {
    /// Every glob that does not parse, as `environments.ENV: GLOB: why`.
    pub fn bad_globs(&self) -> Vec<String> {
        self.envs
            .iter()
            .flat_map(|(env, t)| {
                t.branches.iter().chain(&t.tags).filter_map(move |g| {
                    state::config::check_glob(g)
                        .err()
                        .map(|e| format!("environments.{env}: {g:?}: {e}"))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("v*", "v1.0.0"));
        assert!(glob_match("v*", "v"));
        assert!(!glob_match("v*", "1.0.0"));
        assert!(glob_match("master", "master"));
        assert!(!glob_match("master", "master2"));
        assert!(glob_match("release/*", "release/1.2"));
        // One matcher with canon hydrate's: `*` stays within a component, `**` crosses.
        assert!(!glob_match("release/*", "release/1/2"));
        assert!(glob_match("release/**", "release/1/2"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*-rc*", "v1-rc2"));
        assert!(!glob_match("", "x"));
    }

    #[test]
    fn default_rules() {
        let r = Rules::default();
        assert_eq!(r.environments_for("refs/heads/master"), vec!["staging"]);
        assert_eq!(r.environments_for("refs/tags/v1.0.0"), vec!["production"]);
        assert!(r.environments_for("refs/heads/feature").is_empty());
        assert!(r.environments_for("refs/tags/1.0").is_empty());
        // A branch named like a tag pattern is not a tag.
        assert!(r.environments_for("refs/heads/v1").is_empty());
        assert!(r.environments_for("master").is_empty());
    }

    #[test]
    fn canon_yaml_rules() {
        let doc: CanonYaml = serde_yaml_ng::from_str(
            "state: {repo: ../s.git}\nenvironments:\n  dev: {on: {branches: [\"feature/*\", main]}}\n  prod: {on: {tags: [\"v*\"]}}\n  qa: {on: {branches: [main]}}\n",
        )
        .expect("valid canon.yaml");
        let r = Rules::from_canon_yaml(doc);
        assert_eq!(r.environments_for("refs/heads/main"), vec!["dev", "qa"]);
        assert_eq!(r.environments_for("refs/heads/feature/x"), vec!["dev"]);
        assert_eq!(r.environments_for("refs/tags/v2"), vec!["prod"]);
        assert!(r.environments_for("refs/heads/master").is_empty());
    }
}
