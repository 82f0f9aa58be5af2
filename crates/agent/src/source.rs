//! The state repo as the agent sees it: fetched, indexes read, and checked before anything is applied.
//!
//! Contract (agent helper): [`StateRepo::fetch`] fetches the configured branch into a cache repo
//! (`state::git`, the same URLs and auth as `canon hydrate`) and returns the head commit;
//! [`StateRepo::snapshot`] reads `.canon/environments/<env>.yaml` for each configured environment at
//! that commit and, per release, the files under its path. An environment's snapshot is usable only
//! when its index parses, every listed path exists in the tree, and each release's digest
//! (`state::index::digest`) equals the index's: otherwise the environment gets `error` set and the
//! agent keeps the last good snapshot (never a half-rendered state). A release directory not in any
//! index is never read. Manifests are parsed per app ([`cluster::manifest::parse_files`]); an app
//! whose files do not parse carries its error and the others are unaffected. A snapshot keeps each
//! object as compact JSON text ([`StoredManifest`]) and parses it again only when its app is applied:
//! parsed objects of every app were the largest part of the agent's memory at 10,000 objects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cluster::{Manifest, ObjectRef};
use state::git;
use state::index::{Index, digest, index_path};

use crate::drift::CompactJson;
use crate::{Error, Result};

/// One app of an environment at one state commit.
#[derive(Debug, Clone)]
pub struct AppDesired {
    pub name: String,
    pub namespace: String,
    pub path: String,
    pub chart: String,
    pub chart_version: String,
    pub kube_context: Option<String>,
    /// The index's digest of the release's files (auto sync applies an app when it changes).
    pub digest: String,
    /// The parsed manifests, or why they could not be parsed.
    pub manifests: std::result::Result<Vec<StoredManifest>, String>,
}

/// One object of an app as a snapshot holds it until the app is applied.
#[derive(Debug, Clone)]
pub struct StoredManifest {
    pub id: ObjectRef,
    /// The file it came from, relative to the state repo root.
    pub source: String,
    object: CompactJson,
}

impl StoredManifest {
    pub fn new(manifest: Manifest) -> Self {
        Self {
            object: CompactJson::new(&manifest.object),
            id: manifest.id,
            source: manifest.source,
        }
    }

    /// The manifest with its object parsed again.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            id: self.id.clone(),
            object: self.object.value(),
            source: self.source.clone(),
        }
    }
}

/// One environment at one state commit.
#[derive(Debug, Clone)]
pub struct EnvironmentSnapshot {
    pub name: String,
    /// State repo commit.
    pub revision: String,
    pub source_commit: String,
    pub source_ref: String,
    pub apps: Vec<AppDesired>,
}

/// What one fetch yields: per configured environment, its snapshot or why it is unusable.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub revision: String,
    /// Shared, not copied, by the fetch loop, every environment loop and their last good ones.
    pub environments: BTreeMap<String, std::result::Result<Arc<EnvironmentSnapshot>, String>>,
}

/// The state repo, fetched into a cache directory.
pub struct StateRepo {
    url: String,
    branch: String,
    cache: PathBuf,
}

impl StateRepo {
    pub fn new(url: &str, branch: &str, cache: &Path) -> Self {
        StateRepo {
            url: url.to_string(),
            branch: branch.to_string(),
            cache: cache.to_path_buf(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Fetches the branch; returns its head commit (hex).
    pub fn fetch(&self) -> Result<String> {
        if git::local_path(&self.url).is_none()
            && let Some(parent) = self.cache.parent()
        {
            std::fs::create_dir_all(parent)?;
        }
        let mut remote = git::open(&self.url, &self.cache)?;
        match remote.fetch(&self.branch)? {
            Some(oid) => Ok(oid.to_string()),
            None => Err(Error::Other(format!(
                "state repo {}: branch {} does not exist",
                self.url, self.branch
            ))),
        }
    }

    /// Reads the given environments at `revision` (see the module doc).
    pub fn snapshot(&self, revision: &str, environments: &[String]) -> Result<Snapshot> {
        // `open` on a network URL only opens the cache that `fetch` filled.
        let remote = git::open(&self.url, &self.cache)?;
        let repo = remote.repo();
        let oid = git2::Oid::from_str(revision)
            .map_err(|e| Error::Other(format!("revision {revision:?}: {e}")))?;
        let commit = repo.find_commit(oid).map_err(|e| {
            Error::Other(format!("state repo {}: commit {revision}: {e}", self.url))
        })?;
        let tree = commit.tree().map_err(|e| {
            Error::Other(format!("state repo {}: tree of {revision}: {e}", self.url))
        })?;
        let environments = environments
            .iter()
            .map(|env| {
                let snap = read_environment(repo, &tree, revision, env).map(Arc::new);
                (env.clone(), snap)
            })
            .collect();
        Ok(Snapshot {
            revision: revision.to_string(),
            environments,
        })
    }
}

/// One environment at one tree: the index checked against the files, then manifests parsed per
/// release. Any inconsistency makes the whole environment unusable; a parse error only its app.
fn read_environment(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    revision: &str,
    env: &str,
) -> std::result::Result<EnvironmentSnapshot, String> {
    let path = index_path(env);
    let short = &revision[..revision.len().min(12)];
    let text = git::read_blob(repo, tree, &path)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{path}: no such index at state commit {short}"))?;
    let text = String::from_utf8(text).map_err(|_| format!("{path}: not UTF-8"))?;
    let index = Index::parse(&text, &path).map_err(|e| e.to_string())?;
    index.check(&path).map_err(|e| e.to_string())?;
    let mut apps = Vec::with_capacity(index.releases.len());
    for r in &index.releases {
        let entries = git::files_under(repo, tree, &r.path).map_err(|e| e.to_string())?;
        if entries.is_empty() {
            return Err(format!(
                "{path}: release {:?}: {} is missing from state commit {short}",
                r.name, r.path
            ));
        }
        let prefix = format!("{}/", r.path);
        let mut files = BTreeMap::new();
        for (p, e) in &entries {
            let blob = repo
                .find_blob(e.oid)
                .map_err(|err| format!("read {p} at state commit {short}: {err}"))?;
            let rel = p.strip_prefix(&prefix).unwrap_or(p.as_str());
            files.insert(rel.to_string(), blob.content().to_vec());
        }
        let d = digest(&files);
        if d != r.digest {
            return Err(format!(
                "{path}: release {:?}: files under {} have digest {d}, the index says {} \
                 (incomplete or tampered state commit {short})",
                r.name, r.path, r.digest
            ));
        }
        let manifests = cluster::manifest::parse_files(&r.path, &files)
            .map(|ms| ms.into_iter().map(StoredManifest::new).collect())
            .map_err(|e| e.to_string());
        apps.push(AppDesired {
            name: r.name.clone(),
            namespace: r.namespace.clone(),
            path: r.path.clone(),
            chart: r.chart.name.clone(),
            chart_version: r.chart.version.clone(),
            kube_context: r.kube_context.clone(),
            digest: r.digest.clone(),
            manifests,
        });
    }
    Ok(EnvironmentSnapshot {
        name: env.to_string(),
        revision: revision.to_string(),
        source_commit: index.source.commit.clone(),
        source_ref: index.source.reference.clone(),
        apps,
    })
}

/// The newest usable snapshot per environment: a snapshot whose environment is unusable keeps
/// the previous good one (never a half-rendered state) and records why.
#[derive(Debug, Default, Clone)]
pub struct LastGood {
    good: BTreeMap<String, Arc<EnvironmentSnapshot>>,
    errors: BTreeMap<String, String>,
}

impl LastGood {
    /// Takes in one environment's entry of a new snapshot; returns the snapshot to sync.
    pub fn update(
        &mut self,
        env: &str,
        entry: &std::result::Result<Arc<EnvironmentSnapshot>, String>,
    ) -> Option<Arc<EnvironmentSnapshot>> {
        match entry {
            Ok(snap) => {
                self.errors.remove(env);
                self.good.insert(env.to_string(), snap.clone());
            }
            Err(e) => {
                self.errors.insert(env.to_string(), e.clone());
            }
        }
        self.get(env)
    }

    pub fn get(&self, env: &str) -> Option<Arc<EnvironmentSnapshot>> {
        self.good.get(env).cloned()
    }

    /// Why the newest snapshot of `env` was not usable, if it was not.
    pub fn error(&self, env: &str) -> Option<&str> {
        self.errors.get(env).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_manifest_gives_back_the_parsed_object() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: \"1\"}\n\
                    data:\n  big: \"9007199254740993\"\n  list: \"[1, 2.5]\"\n";
        let files = BTreeMap::from([("t/c.yaml".to_string(), text.as_bytes().to_vec())]);
        let parsed = cluster::manifest::parse_files("web", &files).expect("parses");
        let stored: Vec<StoredManifest> = parsed.iter().cloned().map(StoredManifest::new).collect();
        for (p, s) in parsed.iter().zip(&stored) {
            let back = s.manifest();
            assert_eq!(back.id, p.id);
            assert_eq!(back.source, p.source);
            assert_eq!(back.object, p.object);
        }
        assert_eq!(stored[0].source, "web/t/c.yaml");
    }
}
