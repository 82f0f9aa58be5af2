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
//! whose files do not parse carries its error and the others are unaffected.

use std::collections::BTreeMap;

use cluster::Manifest;

use crate::Result;

/// One app of an environment at one state commit.
#[derive(Debug, Clone)]
pub struct AppDesired {
    pub name: String,
    pub namespace: String,
    pub path: String,
    pub chart: String,
    pub chart_version: String,
    pub kube_context: Option<String>,
    /// The parsed manifests, or why they could not be parsed.
    pub manifests: std::result::Result<Vec<Manifest>, String>,
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
    pub environments: BTreeMap<String, std::result::Result<EnvironmentSnapshot, String>>,
}

/// The state repo, fetched into a cache directory.
pub struct StateRepo {
    url: String,
    branch: String,
    cache: std::path::PathBuf,
}

impl StateRepo {
    pub fn new(url: &str, branch: &str, cache: &std::path::Path) -> Self {
        StateRepo {
            url: url.to_string(),
            branch: branch.to_string(),
            cache: cache.to_path_buf(),
        }
    }

    /// Fetches the branch; returns its head commit (hex).
    pub fn fetch(&self) -> Result<String> {
        let _ = (&self.url, &self.branch, &self.cache);
        todo!("agent helper: StateRepo::fetch")
    }

    /// Reads the given environments at `revision` (see the module doc).
    pub fn snapshot(&self, revision: &str, environments: &[String]) -> Result<Snapshot> {
        let _ = (revision, environments);
        todo!("agent helper: StateRepo::snapshot")
    }
}
