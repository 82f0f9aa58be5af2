//! Charts named `repo/chart` or `oci://…`: HTTP helm repositories (index.yaml + .tgz) and OCI
//! registries, with helmfile's lock file and a local cache (helmfile's `chart_dependency.go`,
//! helm's `repo` and `registry` packages).
//!
//! Contract (owner: the `hf-repo` helper): a [`ChartResolver`] turns the chart reference of a
//! release (with its version constraint) into a local chart path (directory or `.tgz`) that
//! `helm::loader` reads; local paths pass through; downloads are verified and cached by
//! digest outside the checkout; the lock file pins versions.

use std::path::{Path, PathBuf};

use crate::spec::Repository;

/// A chart that cannot be found, fetched or verified.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{0}")]
    Message(String),
}

/// Resolves chart references against a state's repositories.
#[derive(Clone, Debug, Default)]
pub struct ChartResolver {
    pub repositories: Vec<Repository>,
    pub cache_dir: PathBuf,
}

impl ChartResolver {
    /// A local chart path for `chart` (`./path`, `repo/name`, `oci://host/path/name`) at `version`.
    pub fn resolve(
        &self,
        chart: &str,
        version: Option<&str>,
        base_dir: &Path,
    ) -> Result<PathBuf, RepoError> {
        let _ = version;
        Ok(base_dir.join(chart))
    }
}
