//! A helm repository's `index.yaml` (helm's `repo.IndexFile`): read as helm reads it
//! (sigs.k8s.io/yaml, or JSON), entries sorted newest first, and a version picked for a
//! constraint with helm's `IndexFile.Get` rules (an exact string match first, then the first
//! entry, newest first, whose version satisfies the Masterminds constraint; prereleases only
//! when the constraint names one).

use std::collections::BTreeMap;

use goyaml::Node;
use sprig::semver_api::{Version, semver_compare_v3_5 as semver_compare};

/// One chart version of an index (helm's `ChartVersion`, the fields canon needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartVersion {
    pub name: String,
    pub version: String,
    pub urls: Vec<String>,
    /// The archive's sha256 in hex as the index gives it (`digest:`), if any.
    pub digest: Option<String>,
}

/// A parsed `index.yaml`.
#[derive(Clone, Debug, Default)]
pub struct IndexFile {
    /// Chart name → versions, newest first (helm's `SortEntries`).
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
}

/// Why an index could not be read: helm's text, and the YAML position when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl IndexError {
    fn msg(message: impl Into<String>) -> IndexError {
        IndexError {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

fn field<'a>(m: &'a [(Node, Node)], key: &str) -> Option<&'a Node> {
    m.iter()
        .rev()
        .find(|(k, _)| matches!(k, Node::Str(s) if s == key))
        .map(|(_, v)| v)
}

fn str_field(m: &[(Node, Node)], key: &str) -> Option<String> {
    match field(m, key) {
        Some(Node::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

/// helm's `ChartVersions.Less`, reversed: versions that do not parse go last.
fn newest_first(a: &ChartVersion, b: &ChartVersion) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (Version::parse(&a.version), Version::parse(&b.version)) {
        (Ok(x), Ok(y)) => y.compare(&x),
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Err(_)) => Ordering::Equal,
    }
}

impl IndexFile {
    /// helm's `loadIndex`: empty files, a missing `apiVersion` and YAML errors are errors;
    /// entries without a name or a version are skipped (helm skips entries that fail
    /// validation, with a warning).
    pub fn parse(data: &[u8]) -> Result<IndexFile, IndexError> {
        if data.is_empty() {
            return Err(IndexError::msg("empty index.yaml file"));
        }
        let text = String::from_utf8_lossy(data);
        let node = goyaml::parse_yaml_v2(&text).map_err(|e| IndexError {
            message: format!("error converting YAML to JSON: {}", e.message),
            line: e.line,
            column: e.column,
        })?;
        let Some(Node::Map(top)) = &node else {
            return Err(IndexError::msg(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal into Go value of type repo.IndexFile",
            ));
        };
        let mut entries = BTreeMap::new();
        if let Some(Node::Map(es)) = field(top, "entries") {
            for (name, list) in es {
                let Node::Str(name) = name else { continue };
                let mut versions = Vec::new();
                if let Node::Seq(items) = list {
                    for item in items {
                        let Node::Map(m) = item else { continue };
                        let Some(version) = str_field(m, "version").filter(|v| !v.is_empty())
                        else {
                            continue;
                        };
                        let urls = match field(m, "urls") {
                            Some(Node::Seq(us)) => us
                                .iter()
                                .filter_map(|u| match u {
                                    Node::Str(s) => Some(s.clone()),
                                    _ => None,
                                })
                                .collect(),
                            _ => Vec::new(),
                        };
                        versions.push(ChartVersion {
                            name: str_field(m, "name").unwrap_or_else(|| name.clone()),
                            version,
                            urls,
                            digest: str_field(m, "digest").filter(|d| !d.is_empty()),
                        });
                    }
                }
                versions.sort_by(newest_first);
                entries.insert(name.clone(), versions);
            }
        }
        if !matches!(field(top, "apiVersion"), Some(Node::Str(s)) if !s.is_empty()) {
            return Err(IndexError::msg("no API version specified"));
        }
        Ok(IndexFile { entries })
    }

    /// helm's `IndexFile.Get(name, version)`: the chart version to use, or helm's error text.
    pub fn get(&self, name: &str, version: &str) -> Result<&ChartVersion, String> {
        let Some(vs) = self.entries.get(name) else {
            return Err("no chart name found".into());
        };
        if vs.is_empty() {
            return Err("no chart version found".into());
        }
        let constraint = if version.is_empty() { "*" } else { version };
        // The constraint is checked on its own first: Masterminds rejects a bad constraint
        // before looking at any version.
        semver_compare(constraint, "0.0.0")?;
        if !version.is_empty()
            && let Some(v) = vs.iter().find(|v| v.version == version)
        {
            return Ok(v);
        }
        for v in vs {
            if Version::parse(&v.version).is_err() {
                continue;
            }
            if semver_compare(constraint, &v.version) == Ok(true) {
                return Ok(v);
            }
        }
        Err(format!("no chart version found for {name}-{version}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.2.0\n    urls: [app-1.2.0.tgz]\n    digest: abc\n  - name: app\n    version: 1.10.0\n    urls: [app-1.10.0.tgz]\n  - name: app\n    version: 2.0.0-rc.1\n    urls: [app-2.0.0-rc.1.tgz]\n  - name: app\n    version: 1.9.3\n    urls: [app-1.9.3.tgz]\n";

    #[test]
    fn picks_the_newest_release_matching() {
        let i = IndexFile::parse(INDEX.as_bytes()).expect("parses");
        let versions: Vec<&str> = i.entries["app"]
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(versions, ["2.0.0-rc.1", "1.10.0", "1.9.3", "1.2.0"]);
        assert_eq!(i.get("app", "").map(|v| &v.version[..]), Ok("1.10.0"));
        assert_eq!(i.get("app", "~1.9").map(|v| &v.version[..]), Ok("1.9.3"));
        assert_eq!(i.get("app", "1.2.0").map(|v| &v.version[..]), Ok("1.2.0"));
        assert_eq!(
            i.get("app", ">=2.0.0-0").map(|v| &v.version[..]),
            Ok("2.0.0-rc.1")
        );
        assert_eq!(
            i.get("app", "2.0.0-rc.1").map(|v| v.digest.clone()),
            Ok(None)
        );
        assert_eq!(
            i.get("app", "3.x").map(|v| &v.version[..]),
            Err("no chart version found for app-3.x".to_string())
        );
        assert_eq!(
            i.get("nope", "").map(|v| &v.version[..]),
            Err("no chart name found".to_string())
        );
    }

    #[test]
    fn reports_helm_errors() {
        assert_eq!(
            IndexFile::parse(b"").map(|_| ()).map_err(|e| e.message),
            Err("empty index.yaml file".to_string())
        );
        assert_eq!(
            IndexFile::parse(b"entries: {}\n")
                .map(|_| ())
                .map_err(|e| e.message),
            Err("no API version specified".to_string())
        );
        let e = IndexFile::parse(b"apiVersion: v1\nentries:\n  a: [\n")
            .map(|_| ())
            .expect_err("malformed");
        assert!(e.line.is_some(), "{e:?}");
        let i = IndexFile::parse(INDEX.as_bytes()).expect("parses");
        assert!(i.get("app", "not a constraint!").is_err());
    }
}
