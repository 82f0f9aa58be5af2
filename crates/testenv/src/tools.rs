//! Where the test tools are: the binaries `scripts/testenv` builds, the repository, the corpus.
//!
//! A tool is looked up, in order, in its `CANON_*` environment variable (what
//! `scripts/testenv --print-env` exports), in `<repo>/.cache/testenv.env` (written by every
//! `scripts/testenv` run, so plain `cargo test -- --ignored` works after one provisioning), and
//! in the default cache path for the version pinned in `scripts/versions`.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// `scripts/versions`, the single source of the pinned tool versions.
const VERSIONS: &str = include_str!("../../../scripts/versions");

fn version(name: &str) -> Option<&'static str> {
    VERSIONS.lines().find_map(|line| {
        let (key, value) = line.trim().split_once('=')?;
        (key == name).then_some(value.trim())
    })
}

/// The root of the repository this crate was built from.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The shared rendering corpus (`../shared/corpus` beside the repository, or `CANON_CORPUS`).
pub fn corpus_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("CANON_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("../shared/corpus"),
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    if dir.join("charts").is_dir() {
        Ok(dir)
    } else {
        Err(Error::MissingCorpus(dir))
    }
}

fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CANON_CACHE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("canon"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/canon"))
}

/// The value `scripts/testenv` recorded for `env` in `<repo>/.cache/testenv.env`.
fn recorded(env: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string(repo_root().join(".cache/testenv.env")).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.trim().strip_prefix("export ")?.split_once('=')?;
        (key == env).then(|| PathBuf::from(value))
    })
}

fn locate(tool: &'static str, env: &'static str, default: Option<PathBuf>) -> Result<PathBuf> {
    let missing = |detail: String| Error::MissingTool { tool, env, detail };
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(missing(format!("{env}={} does not exist", path.display())))
        };
    }
    let mut tried = Vec::new();
    for candidate in [recorded(env), default].into_iter().flatten() {
        if candidate.is_file() {
            return Ok(candidate);
        }
        tried.push(candidate.display().to_string());
    }
    Err(missing(if tried.is_empty() {
        format!("{env} is not set and no cache path is known")
    } else {
        format!("{env} is not set, and nothing at {}", tried.join(", "))
    }))
}

fn default_path(version_key: &str, dir_prefix: &str, bin: &str) -> Option<PathBuf> {
    let version = version(version_key)?;
    Some(cache_dir()?.join(format!("{dir_prefix}-{version}/bin/{bin}")))
}

/// Which helm major version a test wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelmVersion {
    V4,
    V3,
}

impl HelmVersion {
    /// The exact version `scripts/testenv` builds, e.g. `v4.2.4`.
    pub fn pinned(self) -> &'static str {
        let key = match self {
            HelmVersion::V4 => "HELM4_VERSION",
            HelmVersion::V3 => "HELM3_VERSION",
        };
        version(key).expect("scripts/versions pins both helm versions")
    }
}

/// The real helm binary of that major version.
pub fn helm(v: HelmVersion) -> Result<PathBuf> {
    match v {
        HelmVersion::V4 => locate(
            "helm v4",
            "CANON_HELM4",
            default_path("HELM4_VERSION", "helm", "helm"),
        ),
        HelmVersion::V3 => locate(
            "helm v3",
            "CANON_HELM3",
            default_path("HELM3_VERSION", "helm", "helm"),
        ),
    }
}

/// The real helmfile binary.
pub fn helmfile() -> Result<PathBuf> {
    locate(
        "helmfile",
        "CANON_HELMFILE",
        default_path("HELMFILE_VERSION", "helmfile", "helmfile"),
    )
}

/// The Go `text/template` + Sprig oracle built from `tools/oracle` (keyed by a hash of its
/// sources, so there is no default path: `scripts/testenv` records it).
pub fn oracle() -> Result<PathBuf> {
    locate(
        "the Go template oracle (tools/oracle)",
        "CANON_ORACLE",
        None,
    )
}

pub fn kube_apiserver() -> Result<PathBuf> {
    locate(
        "kube-apiserver",
        "CANON_KUBE_APISERVER",
        default_path("KUBERNETES_VERSION", "kubernetes", "kube-apiserver"),
    )
}

pub fn kube_controller_manager() -> Result<PathBuf> {
    locate(
        "kube-controller-manager",
        "CANON_KUBE_CONTROLLER_MANAGER",
        default_path(
            "KUBERNETES_VERSION",
            "kubernetes",
            "kube-controller-manager",
        ),
    )
}

pub fn etcd() -> Result<PathBuf> {
    locate(
        "etcd",
        "CANON_ETCD",
        default_path("ETCD_VERSION", "etcd", "etcd"),
    )
}

/// The CNCF distribution registry (`registry serve CONFIG`), for OCI chart tests.
pub fn registry() -> Result<PathBuf> {
    locate(
        "the distribution registry",
        "CANON_REGISTRY",
        default_path("REGISTRY_VERSION", "registry", "registry"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_file_pins_every_tool() {
        for key in [
            "HELM4_VERSION",
            "HELM3_VERSION",
            "HELMFILE_VERSION",
            "KUBERNETES_VERSION",
            "ETCD_VERSION",
            "REGISTRY_VERSION",
        ] {
            let v = version(key).unwrap_or_else(|| panic!("{key} missing from scripts/versions"));
            assert!(v.starts_with('v'), "{key}={v}");
        }
        assert_eq!(HelmVersion::V4.pinned(), "v4.2.4");
        assert_eq!(HelmVersion::V3.pinned(), "v3.21.4");
    }

    #[test]
    fn repo_root_holds_the_workspace() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("scripts/testenv").is_file());
    }
}
