//! Parsed template sets kept for the life of the process, keyed by every template's name and
//! text: `canon render` renders the same chart for many releases, and parsing its templates
//! costs more than executing them.
//!
//! A cached set is only reused for exactly the same names and texts, in the same order and helm
//! mode. Parsing depends on nothing else but the names of the functions (which a mode fixes),
//! so the trees are the same a fresh parse would give; the caller installs its own functions
//! over the cached ones (gotmpl re-resolves identifiers by name when the set's functions
//! changed). Failed parses are not kept: the error is reported anew each time.

use std::sync::Mutex;

use gotmpl::Template;

use crate::HelmVersion;

/// How many sets are kept; the oldest goes first. A helmfile seldom uses more charts than this,
/// and a long-running process does not grow without bound.
const CAPACITY: usize = 16;

static CACHE: Mutex<Vec<(Vec<u8>, Template)>> = Mutex::new(Vec::new());

/// The exact identity of a parse: the mode, then every `(name, text)` in parse order.
pub(super) fn key(texts: &[(&str, &[u8])], compat: HelmVersion) -> Vec<u8> {
    let len: usize = texts.iter().map(|(n, t)| n.len() + t.len() + 16).sum();
    let mut k = Vec::with_capacity(len + 1);
    k.push(match compat {
        HelmVersion::V3 => 3,
        _ => 4,
    });
    for (name, text) in texts {
        k.extend_from_slice(&(name.len() as u64).to_le_bytes());
        k.extend_from_slice(name.as_bytes());
        k.extend_from_slice(&(text.len() as u64).to_le_bytes());
        k.extend_from_slice(text);
    }
    k
}

/// A clone (shared trees) of the set parsed for `key`, if any.
pub(super) fn get(key: &[u8]) -> Option<Template> {
    let cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .iter()
        .find(|(k, _)| k.as_slice() == key)
        .map(|(_, t)| t.clone())
}

/// Keeps `set` (every template of `key` parsed into it) for later renders.
pub(super) fn put(key: Vec<u8>, set: &Template) {
    let evicted = {
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        if cache.iter().any(|(k, _)| *k == key) {
            return;
        }
        let evicted = (cache.len() >= CAPACITY).then(|| cache.remove(0));
        cache.push((key, set.clone()));
        evicted
    };
    // Freeing a big set takes a while; not under the lock.
    drop(evicted);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_names_from_texts() {
        let a = key(&[("ab", b"c")], HelmVersion::V4);
        let b = key(&[("a", b"bc")], HelmVersion::V4);
        assert_ne!(a, b);
        assert_ne!(a, key(&[("ab", b"c")], HelmVersion::V3));
        assert_eq!(a, key(&[("ab", b"c")], HelmVersion::V4));
    }
}
