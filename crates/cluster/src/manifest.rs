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

use crate::Result;

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
    let _ = (prefix, files);
    todo!("cluster helper: manifest::parse_files")
}
