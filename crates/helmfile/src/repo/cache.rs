//! The chart cache outside the checkout: `<root>/<source>/<name>/<version>/sha256-<hex>.tgz`,
//! where `<source>` is a hash of the repository URL (so two repositories serving the same chart
//! name never share an entry) and the file name is the archive's own digest (so a republished
//! chart is a new entry, and a cached file is checked against its name before use).
//! Files are written to a temporary file in the same directory and renamed into place, so a
//! concurrent or interrupted render never sees half an archive.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::RepoError;

/// The default cache root: `$XDG_CACHE_HOME/canon/charts`, else `$HOME/.cache/canon/charts`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("canon/charts");
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => PathBuf::from(home).join(".cache/canon/charts"),
        None => std::env::temp_dir().join("canon-charts"),
    }
}

/// Lowercase hex sha256.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A path component from user or server data that cannot escape its directory.
fn component(s: &str) -> String {
    let c: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if c.is_empty() || c.chars().all(|c| c == '.') {
        format!("_{c}")
    } else {
        c
    }
}

/// The chart cache rooted at a directory.
#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// The directory holding the archives of one chart version from one source.
    pub fn version_dir(&self, source: &str, name: &str, version: &str) -> PathBuf {
        let key = &sha256_hex(source.as_bytes())[..16];
        self.root
            .join(key)
            .join(component(name))
            .join(component(version))
    }

    /// A cached archive of that version: the one with `digest` if given, else any whose bytes
    /// still match the digest in its name (several only if the chart was republished; the
    /// newest file wins).
    pub fn lookup(&self, dir: &Path, digest: Option<&str>) -> Option<PathBuf> {
        if let Some(d) = digest {
            let p = dir.join(format!("sha256-{}.tgz", component(&d.to_ascii_lowercase())));
            return verify(&p, d).then_some(p);
        }
        let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let hex = name
                    .strip_prefix("sha256-")?
                    .strip_suffix(".tgz")?
                    .to_string();
                let path = e.path();
                let modified = e.metadata().and_then(|m| m.modified()).ok()?;
                verify(&path, &hex).then_some((modified, path))
            })
            .collect();
        found.sort();
        found.pop().map(|(_, p)| p)
    }

    /// Stores `data` (whose sha256 is `digest`) atomically and returns its path.
    pub fn store(&self, dir: &Path, data: &[u8], digest: &str) -> Result<PathBuf, RepoError> {
        let io = |e: std::io::Error| RepoError::Cache {
            path: dir.to_path_buf(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let dest = dir.join(format!("sha256-{}.tgz", component(digest)));
        let mut tmp = tempfile::Builder::new()
            .prefix(".download-")
            .tempfile_in(dir)
            .map_err(io)?;
        tmp.write_all(data).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&dest).map_err(|e| io(e.error))?;
        Ok(dest)
    }
}

/// Whether the file at `path` exists and hashes to `hex`.
fn verify(path: &Path, hex: &str) -> bool {
    std::fs::read(path).is_ok_and(|data| sha256_hex(&data).eq_ignore_ascii_case(hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_finds_by_digest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache::new(tmp.path());
        let dir = cache.version_dir("https://charts.example/", "app", "1.0.0");
        assert!(cache.lookup(&dir, None).is_none());
        let data = b"archive";
        let digest = sha256_hex(data);
        let path = cache.store(&dir, data, &digest).expect("store");
        assert_eq!(cache.lookup(&dir, Some(&digest)), Some(path.clone()));
        assert_eq!(cache.lookup(&dir, None), Some(path.clone()));
        // A corrupted entry is not used.
        std::fs::write(&path, b"tampered").expect("write");
        assert!(cache.lookup(&dir, None).is_none());
        assert!(cache.lookup(&dir, Some(&digest)).is_none());
        // Names from servers cannot climb out of the cache.
        let odd = cache.version_dir("x", "../..", "../../etc");
        assert!(odd.starts_with(tmp.path()));
        assert!(!odd.components().any(|c| c.as_os_str() == ".."));
    }
}
