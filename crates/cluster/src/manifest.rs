//! Desired objects as the state repo holds them: rendered manifest files parsed into objects with an
//! identity.
//!
//! Contract (cluster helper): [`parse_files`] reads the files of one release directory (relative path
//! → bytes, as `state::source::read_release_dir` or a git tree gives them), splits each on YAML
//! document markers the way kubectl does, skips empty documents and comment-only ones (`# Source:`),
//! decodes each with YAML 1.1 semantics as sigs.k8s.io/yaml does (goyaml), converts to JSON, and
//! requires `apiVersion`, `kind` and `metadata.name`; a `List` kind is flattened into its items.
//! Errors name the file and, where the parser gives one, line:col. The order of the result is file
//! path order, then document order. Duplicate identities within one app are an error naming both
//! files.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, Result};

/// The identity of an object. Equality and order ignore `version`: one object, several API versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectRef {
    /// API group, "" for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// `None` for cluster-scoped objects (after discovery has said so; see [`crate::Cluster`]).
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// `apiVersion` as written in a manifest (`v1`, `apps/v1`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Reads the identity of an object (`apiVersion`, `kind`, `metadata.namespace`, `metadata.name`).
    pub fn from_object(obj: &Value) -> Option<ObjectRef> {
        let api_version = obj.get("apiVersion")?.as_str()?;
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let meta = obj.get("metadata")?;
        Some(ObjectRef {
            group,
            version,
            kind: obj.get("kind")?.as_str()?.to_string(),
            namespace: meta
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            name: meta.get("name")?.as_str()?.to_string(),
        })
    }

    fn key(&self) -> (&str, &str, Option<&str>, &str) {
        (
            &self.group,
            &self.kind,
            self.namespace.as_deref(),
            &self.name,
        )
    }
}

impl PartialEq for ObjectRef {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for ObjectRef {}
impl PartialOrd for ObjectRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ObjectRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}
impl std::hash::Hash for ObjectRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}

impl fmt::Display for ObjectRef {
    /// `Deployment.apps/ns/name`, `Namespace/name`: kind, group when not core, namespace, name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        if let Some(ns) = &self.namespace {
            write!(f, "/{ns}")?;
        }
        write!(f, "/{}", self.name)
    }
}

/// One desired object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub id: ObjectRef,
    /// The object as rendered (JSON), before canon adds its labels.
    pub object: Value,
    /// The file it came from, relative to the state repo root.
    pub source: String,
}

/// Parses the rendered files of one release. `prefix` is the release directory in the state repo,
/// joined to each file path for [`Manifest::source`] and error messages.
pub fn parse_files(prefix: &str, files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<Manifest>> {
    let mut out: Vec<Manifest> = Vec::new();
    let mut seen: BTreeMap<ObjectRef, String> = BTreeMap::new();
    for (path, bytes) in files {
        let source = join(prefix, path);
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Manifest {
            path: source.clone(),
            message: format!("not UTF-8 text: {e}"),
        })?;
        for (first_line, doc) in split_documents(text) {
            let value = decode(doc, first_line).map_err(|message| Error::Manifest {
                path: source.clone(),
                message,
            })?;
            let Some(value) = value else { continue };
            let mut objects = Vec::new();
            flatten(value, first_line, &mut objects).map_err(|message| Error::Manifest {
                path: source.clone(),
                message,
            })?;
            for (id, object) in objects {
                if let Some(other) = seen.get(&id) {
                    return Err(Error::Manifest {
                        path: source.clone(),
                        message: format!("{id} is defined twice: in {other} and in {source}"),
                    });
                }
                seen.insert(id.clone(), source.clone());
                out.push(Manifest {
                    id,
                    object,
                    source: source.clone(),
                });
            }
        }
    }
    Ok(out)
}

fn join(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

/// Splits a stream at document separators the way kubectl's `YAMLReader` does: a line that starts
/// with `---` and holds nothing else but whitespace. Each document comes with its 1-based first
/// line in the file, so errors can name file lines.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1usize;
    let mut offset = 0usize;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let line_no = index + 1;
        let is_separator = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.trim().is_empty());
        if is_separator {
            docs.push((start_line, &text[start..offset]));
            start = offset + line.len();
            start_line = line_no + 1;
        }
        offset += line.len();
    }
    docs.push((start_line, &text[start..]));
    docs
}

/// One document to JSON as sigs.k8s.io/yaml's `YAMLToJSON` reads it (yaml.v2, YAML 1.1
/// resolution); `None` for an empty or comment-only document. Errors carry the file's line:col.
fn decode(doc: &str, first_line: usize) -> std::result::Result<Option<Value>, String> {
    if doc
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(None);
    }
    let json = goyaml::yaml_to_json(doc).map_err(|e| {
        let mut message = e.message.clone();
        // Go's text names the line within the document; the position prefix names the file's.
        if let Some(line) = e.line {
            let go_prefix = format!("yaml: line {line}: ");
            if let Some(rest) = message.strip_prefix(&go_prefix) {
                message = format!("yaml: {rest}");
            }
        }
        match (e.line, e.column) {
            (Some(line), Some(col)) => format!("{}:{col}: {message}", first_line + line - 1),
            (Some(line), None) => format!("{}: {message}", first_line + line - 1),
            _ => message,
        }
    })?;
    let value: Value = serde_json::from_str(&json)
        .map_err(|e| format!("{first_line}: converting the document to JSON: {e}"))?;
    Ok(match value {
        Value::Null => None,
        v => Some(v),
    })
}

/// Checks a decoded document is a Kubernetes object and flattens `List` kinds into their items.
fn flatten(
    value: Value,
    first_line: usize,
    out: &mut Vec<(ObjectRef, Value)>,
) -> std::result::Result<(), String> {
    let Value::Object(map) = &value else {
        return Err(format!(
            "{first_line}: the document is not a Kubernetes object (a mapping), but {}",
            json_kind(&value)
        ));
    };
    let field = |name: &str| map.get(name).and_then(Value::as_str).unwrap_or_default();
    if field("apiVersion").is_empty() {
        return Err(format!(
            "{first_line}: the object has no apiVersion (a string)"
        ));
    }
    let kind = field("kind");
    if kind.is_empty() {
        return Err(format!("{first_line}: the object has no kind (a string)"));
    }
    if kind.ends_with("List")
        && let Some(Value::Array(_)) = map.get("items")
    {
        let Value::Object(mut map) = value else {
            unreachable!("matched as an object above")
        };
        let Some(Value::Array(items)) = map.remove("items") else {
            unreachable!("matched as an array above")
        };
        for item in items {
            flatten(item, first_line, out)?;
        }
        return Ok(());
    }
    let name = map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() {
        return Err(format!(
            "{first_line}: {kind} has no metadata.name (a non-empty string)"
        ));
    }
    if let Some(ns) = map.get("metadata").and_then(|m| m.get("namespace"))
        && !ns.is_string()
        && !ns.is_null()
    {
        return Err(format!(
            "{first_line}: {kind}/{name}: metadata.namespace is not a string"
        ));
    }
    let id = ObjectRef::from_object(&value)
        .ok_or_else(|| format!("{first_line}: {kind}/{name}: not an object identity"))?;
    out.push((id, value));
    Ok(())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        list.iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn helm_output_dir_files_parse_in_order() {
        let f = files(&[
            (
                "chart/templates/svc.yaml",
                "---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n",
            ),
            (
                "chart/templates/cm.yaml",
                "---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns1\ndata:\n  on: yes\n  n: 0777\n  mode: 0777\n---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            ),
        ]);
        let got = parse_files("demo", &f).expect("parses");
        let names: Vec<String> = got.iter().map(|m| m.id.to_string()).collect();
        assert_eq!(names, ["ConfigMap/ns1/a", "ConfigMap/b", "Service/web"]);
        assert_eq!(got[0].source, "demo/chart/templates/cm.yaml");
        // YAML 1.1 as sigs.k8s.io/yaml reads it: `on` and `yes` are booleans, 0777 is octal.
        assert_eq!(got[0].object["data"]["true"], Value::Bool(true));
        assert_eq!(got[0].object["data"]["mode"], serde_json::json!(511));
        // ... and so is `n` (false), as a key.
        assert_eq!(got[0].object["data"]["false"], serde_json::json!(511));
        assert_eq!(
            got[2].object["spec"]["ports"][0]["port"],
            serde_json::json!(80)
        );
        assert_eq!(got[2].id.namespace, None);
    }

    #[test]
    fn empty_and_comment_only_documents_are_skipped() {
        let f = files(&[(
            "x.yaml",
            "---\n# Source: x\n---\n\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n",
        )]);
        let got = parse_files("", &f).expect("parses");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].source, "x.yaml");
    }

    #[test]
    fn list_kinds_are_flattened() {
        let f = files(&[(
            "l.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata: {name: r, namespace: x}\n",
        )]);
        let got = parse_files("p", &f).expect("parses");
        let names: Vec<String> = got.iter().map(|m| m.id.to_string()).collect();
        assert_eq!(names, ["ConfigMap/a", "Role.rbac.authorization.k8s.io/x/r"]);
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let f = files(&[(
            "t/bad.yaml",
            "---\n# Source: t\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: [x\n",
        )]);
        let err = parse_files("rel", &f).expect_err("bad yaml");
        let text = err.to_string();
        assert!(text.starts_with("rel/t/bad.yaml: 1"), "{text}");
        // The error is in the second document (lines 8..), not at the top of the file.
        let line: usize = text["rel/t/bad.yaml: ".len()..]
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a line number");
        assert!(line >= 12, "{text}");
        assert!(text.contains("yaml:"), "{text}");
    }

    #[test]
    fn missing_identity_fields_are_errors() {
        for (doc, want) in [
            ("kind: ConfigMap\nmetadata: {name: a}\n", "apiVersion"),
            ("apiVersion: v1\nmetadata: {name: a}\n", "kind"),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
                "metadata.name",
            ),
            ("- a\n- b\n", "not a Kubernetes object"),
        ] {
            let err = parse_files("p", &files(&[("f.yaml", doc)])).expect_err(doc);
            let text = err.to_string();
            assert!(text.starts_with("p/f.yaml: "), "{text}");
            assert!(text.contains(want), "{doc}: {text}");
        }
    }

    #[test]
    fn duplicates_name_both_files() {
        let doc = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\n";
        let f = files(&[("a.yaml", doc), ("b.yaml", doc)]);
        let text = parse_files("r", &f).expect_err("dup").to_string();
        assert!(
            text.contains("r/a.yaml") && text.contains("r/b.yaml"),
            "{text}"
        );
        // Another version of the same kind is the same object.
        let other = doc.replace("apps/v1", "apps/v1beta2");
        let f = files(&[("a.yaml", doc), ("b.yaml", &other)]);
        assert!(parse_files("r", &f).is_err());
    }

    #[test]
    fn separator_rules_follow_kubectl() {
        let text = "a: 1\n--- \nb: 2\n----\nc: 3\n---\n";
        let docs = split_documents(text);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0], (1, "a: 1\n"));
        assert_eq!(docs[1], (3, "b: 2\n----\nc: 3\n"));
        assert_eq!(docs[2], (7, ""));
    }
}
