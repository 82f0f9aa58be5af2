//! helmfile's lock file (`helmfile.lock`, helmfile's `ChartLockedRequirements` in
//! `chart_dependency.go`): helm's `Chart.lock` of a generated chart whose dependencies are the
//! state's remote charts, dependencies sorted by name and deduplicated, `version` set to the
//! helmfile version, re-marshalled with yaml.v3 (indent 2).
//!
//! Reading: when the lock exists, each remote release's version becomes the first locked
//! version of that chart name that satisfies the release's constraint (helmfile's
//! `ResolvedDependencies.Get`). Writing ([`LockFile::generate`]): what `helmfile deps` writes,
//! with helm's `HashReq` digest and `generated` time (kept when the digest is unchanged, as
//! `helm dependency update` keeps an unchanged `Chart.lock`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gotmpl::Value;
use goyaml::Node;
use sprig::semver_api::semver_compare_v3_5 as semver_compare;

use super::RepoError;

/// The helmfile version canon writes into lock files (the oracle's version).
pub const HELMFILE_VERSION: &str = "v1.8.0";

/// One locked chart (helmfile's `ResolvedChartDependency`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedDependency {
    pub name: String,
    pub repository: String,
    pub version: String,
}

/// One chart to lock (helmfile's `unresolvedChartDependency`): the chart name, its
/// repository URL (`oci://…` for OCI), the release's constraint (`*` when empty) and the alias
/// helmfile gives it (`<namespace>-<release>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub name: String,
    pub repository: String,
    pub version: String,
    pub alias: String,
}

/// A `helmfile.lock`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockFile {
    pub version: String,
    pub dependencies: Vec<LockedDependency>,
    pub digest: String,
    pub generated: String,
    /// Where it was read from (empty for a generated one).
    pub path: PathBuf,
}

fn scalar(n: &Node) -> String {
    match n {
        Node::Null => String::new(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => u.to_string(),
        Node::Float(f) => goyaml::format_float_g(*f),
        Node::Str(s) => s.clone(),
        Node::Seq(_) | Node::Map(_) => String::new(),
    }
}

fn get<'a>(m: &'a [(Node, Node)], key: &str) -> Option<&'a Node> {
    m.iter()
        .rev()
        .find(|(k, _)| matches!(k, Node::Str(s) if s == key))
        .map(|(_, v)| v)
}

impl LockFile {
    /// Reads the lock at `path`; `Ok(None)` when there is none.
    pub fn read(path: &Path) -> Result<Option<LockFile>, RepoError> {
        match std::fs::read_to_string(path) {
            Ok(text) => LockFile::parse(&text, path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(RepoError::Lock {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        }
    }

    /// Parses a lock file's text (yaml.v3, as helmfile reads it).
    pub fn parse(text: &str, path: &Path) -> Result<LockFile, RepoError> {
        let err = |message: String, line: Option<usize>, col: Option<usize>| {
            let at = match (line, col) {
                (Some(l), Some(c)) => format!(":{l}:{c}"),
                (Some(l), None) => format!(":{l}"),
                _ => String::new(),
            };
            RepoError::Lock {
                path: PathBuf::from(format!("{}{at}", path.display())),
                message,
            }
        };
        let node = goyaml::v3::unmarshal(text).map_err(|e| err(e.message, e.line, e.column))?;
        let mut lock = LockFile {
            path: path.to_path_buf(),
            ..LockFile::default()
        };
        let Some(node) = node else {
            return Ok(lock);
        };
        let Node::Map(top) = &node else {
            return Err(err(
                "yaml: unmarshal errors: the lock file is not a mapping".into(),
                None,
                None,
            ));
        };
        lock.version = get(top, "version").map(scalar).unwrap_or_default();
        lock.digest = get(top, "digest").map(scalar).unwrap_or_default();
        lock.generated = get(top, "generated").map(scalar).unwrap_or_default();
        if let Some(Node::Seq(deps)) = get(top, "dependencies") {
            for d in deps {
                let Node::Map(m) = d else { continue };
                let field = |k: &str| get(m, k).map(scalar).unwrap_or_default();
                lock.dependencies.push(LockedDependency {
                    name: field("name"),
                    repository: field("repository"),
                    version: field("version"),
                });
            }
        }
        if !lock.version.is_empty()
            && let Err(e) = sprig::semver_api::Version::parse(&lock.version)
        {
            return Err(err(e, None, None));
        }
        Ok(lock)
    }

    /// helmfile's `ResolvedDependencies.Get`: the first locked version of `chart` satisfying
    /// `constraint` (`*` when empty).
    pub fn get(&self, chart: &str, constraint: &str) -> Result<String, RepoError> {
        let constraint = if constraint.is_empty() {
            "*"
        } else {
            constraint
        };
        for dep in self.dependencies.iter().filter(|d| d.name == chart) {
            match semver_compare(constraint, &dep.version) {
                Ok(true) => return Ok(dep.version.clone()),
                Ok(false) => {}
                Err(message) => {
                    return Err(RepoError::Lock {
                        path: self.path.clone(),
                        message,
                    });
                }
            }
        }
        Err(RepoError::Lock {
            path: self.path.clone(),
            message: format!(
                "no resolved dependency found for \"{chart}\", running \"helmfile deps\" may resolve the issue"
            ),
        })
    }

    /// The lock `helmfile deps` writes for these requirements and the versions chosen for them
    /// (`resolved`, one per requirement, in the same order), given the previous lock if any.
    pub fn generate(
        requirements: &[Requirement],
        resolved: &[LockedDependency],
        previous: Option<&LockFile>,
        now: std::time::SystemTime,
    ) -> LockFile {
        let digest = hash_req(requirements, resolved);
        let generated = match previous {
            Some(p) if p.digest == digest && !p.generated.is_empty() => p.generated.clone(),
            _ => rfc3339_nano(now),
        };
        let mut deps = resolved.to_vec();
        deps.sort_by(|a, b| a.name.cmp(&b.name));
        let mut seen = std::collections::HashSet::new();
        deps.retain(|d| seen.insert((d.name.clone(), d.repository.clone(), d.version.clone())));
        LockFile {
            version: HELMFILE_VERSION.to_string(),
            dependencies: deps,
            digest,
            generated,
            path: PathBuf::new(),
        }
    }

    /// The file's text as helmfile writes it (yaml.v3, indent 2, struct field order).
    pub fn to_yaml(&self) -> String {
        let s = |x: &str| Value::string(x);
        let field = |k: &str, v: Value| {
            goyaml::to_yaml_pretty(&Value::map([(k.to_string(), v)]))
                .map(|mut t| {
                    t.push('\n');
                    t
                })
                .unwrap_or_default()
        };
        let deps: Vec<Value> = self
            .dependencies
            .iter()
            .map(|d| {
                // Alphabetical order is also the struct's field order: name, repository, version.
                Value::map(BTreeMap::from([
                    ("name".to_string(), s(&d.name)),
                    ("repository".to_string(), s(&d.repository)),
                    ("version".to_string(), s(&d.version)),
                ]))
            })
            .collect();
        let mut out = field("version", s(&self.version));
        out.push_str(&field("dependencies", Value::list(deps)));
        out.push_str(&field("digest", s(&self.digest)));
        out.push_str(&field("generated", s(&self.generated)));
        out
    }
}

/// Go's `json.Marshal` of a string (HTML-escaped, as encoding/json does by default).
fn json_str(s: &str, out: &mut String) {
    goyaml::json::string(s, true, out);
}

/// helm's `resolver.HashReq(req, lock)`: sha256 of the JSON of both dependency lists.
fn hash_req(req: &[Requirement], lock: &[LockedDependency]) -> String {
    let mut j = String::from("[[");
    for (i, r) in req.iter().enumerate() {
        if i > 0 {
            j.push(',');
        }
        j.push_str("{\"name\":");
        json_str(&r.name, &mut j);
        if !r.version.is_empty() {
            j.push_str(",\"version\":");
            json_str(&r.version, &mut j);
        }
        j.push_str(",\"repository\":");
        json_str(&r.repository, &mut j);
        if !r.alias.is_empty() {
            j.push_str(",\"alias\":");
            json_str(&r.alias, &mut j);
        }
        j.push('}');
    }
    j.push_str("],[");
    for (i, d) in lock.iter().enumerate() {
        if i > 0 {
            j.push(',');
        }
        j.push_str("{\"name\":");
        json_str(&d.name, &mut j);
        if !d.version.is_empty() {
            j.push_str(",\"version\":");
            json_str(&d.version, &mut j);
        }
        j.push_str(",\"repository\":");
        json_str(&d.repository, &mut j);
        j.push('}');
    }
    j.push_str("]]");
    format!("sha256:{}", super::cache::sha256_hex(j.as_bytes()))
}

/// Go's `time.Time` JSON form in UTC (RFC 3339 with nanoseconds, trailing zeros trimmed).
fn rfc3339_nano(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut s = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    let nanos = d.subsec_nanos();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_are_go_rfc3339_nano() {
        assert_eq!(rfc3339_nano(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_nano(UNIX_EPOCH + Duration::new(1_795_864_741, 120_000_000)),
            "2026-11-28T11:19:01.12Z"
        );
        assert_eq!(
            rfc3339_nano(UNIX_EPOCH + Duration::new(951_782_400, 1)),
            "2000-02-29T00:00:00.000000001Z"
        );
    }

    #[test]
    fn reads_and_matches_constraints() {
        let text = "version: v1.8.0\ndependencies:\n  - name: app\n    repository: http://x/\n    version: 1.2.3\n  - name: app\n    repository: http://x/\n    version: 2.0.0\ndigest: sha256:00\ngenerated: \"2026-01-01T00:00:00Z\"\n";
        let lock = LockFile::parse(text, Path::new("helmfile.lock")).expect("parses");
        assert_eq!(lock.dependencies.len(), 2);
        assert_eq!(lock.get("app", "").expect("any"), "1.2.3");
        assert_eq!(lock.get("app", "^2").expect("v2"), "2.0.0");
        let e = lock.get("other", "").expect_err("missing");
        assert!(
            e.to_string().contains(
                "no resolved dependency found for \"other\", running \"helmfile deps\" may resolve the issue"
            ),
            "{e}"
        );
        assert_eq!(lock.to_yaml(), text);
        assert!(LockFile::parse("version: [\n", Path::new("l")).is_err());
    }
}
