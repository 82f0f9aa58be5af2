//! The environment index `.canon/environments/<env>.yaml`, release digests, release path
//! templates, and validation of an index against the tree it was committed with.
//!
//! The index is written by hand in a fixed key order with every string double-quoted (JSON
//! escapes are valid YAML), so it diffs well and never depends on YAML 1.1 implicit typing;
//! it is read back through `goyaml` (sigs.k8s.io/yaml semantics) and serde.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;

/// The schema version this crate writes and reads.
pub const SCHEMA_VERSION: u32 = 1;
/// The directory holding one index per environment.
pub const INDEX_DIR: &str = ".canon/environments";
/// The default release path template (helmfile's `--output-dir-template '{{ .OutputDir }}/{{ .Release.Name }}'`).
pub const DEFAULT_PATH_TEMPLATE: &str = "{{ .Release.Name }}";

/// The path of an environment's index in the state repo.
pub fn index_path(env: &str) -> String {
    format!("{INDEX_DIR}/{env}.yaml")
}

/// Where the rendered state came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    pub repo: String,
    pub commit: String,
    #[serde(rename = "ref")]
    pub reference: String,
    /// The source commit's committer time (Unix seconds): the monotonic field that orders
    /// hydrations when ancestry cannot.
    pub commit_time: i64,
}

/// The chart a release was rendered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Chart {
    pub name: String,
    pub version: String,
}

/// One release of an environment as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    pub chart: Chart,
    /// The release's directory in the state repo: the environment owns everything below it.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_context: Option<String>,
    /// [`digest`] of the files below `path`.
    pub digest: String,
}

/// An environment index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Index {
    pub schema_version: u32,
    pub environment: String,
    pub source: Source,
    pub canon_version: String,
    #[serde(default)]
    pub releases: Vec<Release>,
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes to JSON")
}

impl Index {
    /// The YAML text committed to the state repo.
    pub fn to_yaml(&self) -> String {
        let mut o = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(o, "schemaVersion: {}", self.schema_version);
        let _ = writeln!(o, "environment: {}", q(&self.environment));
        let _ = writeln!(o, "source:");
        let _ = writeln!(o, "  repo: {}", q(&self.source.repo));
        let _ = writeln!(o, "  commit: {}", q(&self.source.commit));
        let _ = writeln!(o, "  ref: {}", q(&self.source.reference));
        let _ = writeln!(o, "  commitTime: {}", self.source.commit_time);
        let _ = writeln!(o, "canonVersion: {}", q(&self.canon_version));
        if self.releases.is_empty() {
            let _ = writeln!(o, "releases: []");
        } else {
            let _ = writeln!(o, "releases:");
        }
        for r in &self.releases {
            let _ = writeln!(o, "- name: {}", q(&r.name));
            let _ = writeln!(o, "  namespace: {}", q(&r.namespace));
            let _ = writeln!(o, "  chart:");
            let _ = writeln!(o, "    name: {}", q(&r.chart.name));
            let _ = writeln!(o, "    version: {}", q(&r.chart.version));
            let _ = writeln!(o, "  path: {}", q(&r.path));
            if let Some(k) = &r.kube_context {
                let _ = writeln!(o, "  kubeContext: {}", q(k));
            }
            let _ = writeln!(o, "  digest: {}", q(&r.digest));
        }
        o
    }

    /// Parses an index; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, Error> {
        let err = |message: String| Error::Index {
            path: path.to_string(),
            message,
        };
        let json = goyaml::yaml_to_json(text).map_err(|e| err(e.to_string()))?;
        let idx: Index = serde_json::from_str(&json).map_err(|e| err(e.to_string()))?;
        if idx.schema_version != SCHEMA_VERSION {
            return Err(err(format!(
                "schemaVersion {} is not supported (this canon reads {SCHEMA_VERSION})",
                idx.schema_version
            )));
        }
        Ok(idx)
    }

    /// Checks the index on its own: unique release names, safe and disjoint paths.
    pub fn check(&self, path: &str) -> Result<(), Error> {
        let err = |message: String| Error::Index {
            path: path.to_string(),
            message,
        };
        if index_path(&self.environment) != path {
            return Err(err(format!(
                "names environment {:?}, expected at {}",
                self.environment,
                index_path(&self.environment)
            )));
        }
        let mut names = BTreeSet::new();
        for r in &self.releases {
            if !names.insert(&r.name) {
                return Err(err(format!("release {:?} listed twice", r.name)));
            }
            check_release_path(&r.path).map_err(err)?;
        }
        check_disjoint(self.releases.iter().map(|r| r.path.as_str())).map_err(err)
    }

    /// Validates the index against the tree it lives in: every listed release directory exists
    /// (unless the release rendered no file) and its files hash to the recorded digest
    /// (complete and consistent).
    pub fn validate_against(
        &self,
        repo: &git2::Repository,
        tree: &git2::Tree<'_>,
    ) -> Result<(), Error> {
        let path = index_path(&self.environment);
        self.check(&path)?;
        for r in &self.releases {
            let files = crate::git::files_under(repo, tree, &r.path)?;
            // A release may render nothing (every template disabled); git holds no empty
            // directory, so such a release is present exactly when its digest is the empty one.
            if files.is_empty() && r.digest != digest(&BTreeMap::new()) {
                return Err(Error::Index {
                    path: path.clone(),
                    message: format!("release {:?}: {} is missing from the tree", r.name, r.path),
                });
            }
            let mut contents = BTreeMap::new();
            for (p, e) in &files {
                let blob = repo
                    .find_blob(e.oid)
                    .map_err(|e| Error::git(format!("read {p}"), &e))?;
                let rel = p
                    .strip_prefix(&format!("{}/", r.path))
                    .unwrap_or(p.as_str())
                    .to_string();
                contents.insert(rel, blob.content().to_vec());
            }
            let d = digest(&contents);
            if d != r.digest {
                return Err(Error::Index {
                    path: path.clone(),
                    message: format!(
                        "release {:?}: files under {} have digest {d}, the index says {}",
                        r.name, r.path, r.digest
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The digest of a release's rendered files (paths relative to the release directory):
/// `sha256:` and the hex SHA-256 over, for each file in byte order of its path, the path, a NUL,
/// the content length as 8 big-endian bytes, and the content.
pub fn digest(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut h = Sha256::new();
    for (p, c) in files {
        h.update(p.as_bytes());
        h.update([0]);
        h.update((c.len() as u64).to_be_bytes());
        h.update(c);
    }
    let mut s = String::from("sha256:");
    for b in h.finalize() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A release path must be relative, normalized, and outside `.canon/`.
pub fn check_release_path(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("a release path is empty".into());
    }
    if p.starts_with('/') || p.ends_with('/') {
        return Err(format!(
            "release path {p:?} must be relative, without a trailing /"
        ));
    }
    for c in p.split('/') {
        if c.is_empty() || c == "." || c == ".." || c == ".git" {
            return Err(format!("release path {p:?} is not normalized"));
        }
    }
    if p == ".canon" || p.starts_with(".canon/") {
        return Err(format!("release path {p:?} is inside .canon/"));
    }
    Ok(())
}

/// True when `a` and `b` are the same path or one lies below the other.
pub fn overlaps(a: &str, b: &str) -> bool {
    a == b
        || (a.len() > b.len() && a.starts_with(b) && a.as_bytes()[b.len()] == b'/')
        || (b.len() > a.len() && b.starts_with(a) && b.as_bytes()[a.len()] == b'/')
}

/// No path equal to or nested in another.
pub fn check_disjoint<'a>(paths: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut v: Vec<&str> = paths.collect();
    v.sort_unstable();
    // Sorted, the paths starting with `a` follow it contiguously: only those can overlap it.
    for (i, a) in v.iter().enumerate() {
        for b in &v[i + 1..] {
            if !b.starts_with(a) {
                break;
            }
            if overlaps(a, b) {
                return Err(format!("release paths {a:?} and {b:?} overlap"));
            }
        }
    }
    Ok(())
}

/// Data a path or branch template sees.
#[derive(Debug, Clone, Default)]
pub struct TemplateData<'a> {
    pub environment: &'a str,
    pub release_name: &'a str,
    pub release_namespace: &'a str,
    pub release_chart: &'a str,
    pub release_kube_context: &'a str,
}

/// Renders a path (or branch) template with Go `text/template`: `.Release.Name`,
/// `.Release.Namespace`, `.Release.Chart`, `.Release.KubeContext`, `.Environment.Name` (as
/// helmfile's `--output-dir-template` offers them, minus `.OutputDir`, which is the repo root).
pub fn render_template(template: &str, data: &TemplateData<'_>) -> Result<String, Error> {
    use gotmpl::{Template, Value};
    let err = |message: String| Error::PathTemplate {
        template: template.to_string(),
        message,
    };
    let mut t = Template::new("path");
    t.parse(template).map_err(|e| err(e.to_string()))?;
    let s = |v: &str| Value::string(v);
    let release = Value::map([
        ("Name".to_string(), s(data.release_name)),
        ("Namespace".to_string(), s(data.release_namespace)),
        ("Chart".to_string(), s(data.release_chart)),
        ("KubeContext".to_string(), s(data.release_kube_context)),
    ]);
    let env = Value::map([("Name".to_string(), s(data.environment))]);
    let root = Value::map([
        ("Release".to_string(), release),
        ("Environment".to_string(), env),
        ("OutputDir".to_string(), s("")),
    ]);
    let mut out = String::new();
    t.execute(&mut out, &root).map_err(|e| err(e.to_string()))?;
    // `{{ .OutputDir }}/...` templates copied from helmfile start with a slash here.
    Ok(out.trim_start_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips() {
        let idx = Index {
            schema_version: 1,
            environment: "staging".into(),
            source: Source {
                repo: "git@example.com:a/b.git".into(),
                commit: "0123".into(),
                reference: "refs/heads/master".into(),
                commit_time: 1_764_316_800,
            },
            canon_version: "0.1.0".into(),
            releases: vec![Release {
                name: "on".into(),
                namespace: "yes".into(),
                chart: Chart {
                    name: "monochart".into(),
                    version: "1.0".into(),
                },
                path: "demo--staging".into(),
                kube_context: Some("kind-a\"b".into()),
                digest: digest(&BTreeMap::new()),
            }],
        };
        let text = idx.to_yaml();
        let back = Index::parse(&text, &index_path("staging")).expect("parses");
        assert_eq!(back, idx);
        back.check(&index_path("staging")).expect("valid");
        assert!(back.check(&index_path("production")).is_err());
    }

    #[test]
    fn digest_depends_on_paths_and_contents() {
        let a = BTreeMap::from([("x".to_string(), b"ab".to_vec())]);
        let b = BTreeMap::from([("xa".to_string(), b"b".to_vec())]);
        assert_ne!(digest(&a), digest(&b));
        // Python: hashlib.sha256(b"x\0" + (2).to_bytes(8, "big") + b"ab").hexdigest()
        assert_eq!(
            digest(&a),
            "sha256:ed4785766234666d8764d406f9c3be6b010b9bf4f4d25f7a4d3b8e99fd61323d"
        );
    }

    #[test]
    fn paths() {
        assert!(check_release_path("a/b").is_ok());
        for bad in [
            "", "/a", "a/", "a//b", "a/../b", ".canon/x", ".canon", "./a",
        ] {
            assert!(check_release_path(bad).is_err(), "{bad}");
        }
        assert!(check_disjoint(["a", "ab", "b"].into_iter()).is_ok());
        assert!(check_disjoint(["a", "a/b"].into_iter()).is_err());
        assert!(check_disjoint(["a", "a-b", "a/b"].into_iter()).is_err());
        assert!(check_disjoint(["x", "x"].into_iter()).is_err());
    }

    #[test]
    fn templates() {
        let d = TemplateData {
            environment: "staging",
            release_name: "demo",
            ..Default::default()
        };
        assert_eq!(
            render_template(DEFAULT_PATH_TEMPLATE, &d).expect("renders"),
            "demo"
        );
        assert_eq!(
            render_template(
                "{{ .OutputDir }}/{{ .Environment.Name }}/{{ .Release.Name }}",
                &d
            )
            .expect("renders"),
            "staging/demo"
        );
        assert!(render_template("{{ .Release.Name", &d).is_err());
    }
}
