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
use crate::chart::Data;

/// How many sets are kept; the oldest goes first. A helmfile seldom uses more charts than this,
/// and a long-running process does not grow without bound.
const CAPACITY: usize = 16;

static CACHE: Mutex<Vec<(Key, Template)>> = Mutex::new(Vec::new());

/// The exact identity of a parse: the mode, then every `(name, text)` in parse order. The
/// texts are the chart's own shared buffers, not copies: a big chart has megabytes of them.
#[derive(PartialEq, Eq)]
pub(super) struct Key {
    compat: HelmVersion,
    texts: Vec<(String, Data)>,
}

pub(super) fn key<'a>(
    texts: impl Iterator<Item = (&'a str, &'a Data)>,
    compat: HelmVersion,
) -> Key {
    Key {
        compat,
        texts: texts.map(|(n, t)| (n.to_string(), t.clone())).collect(),
    }
}

/// A clone (shared trees) of the set parsed for `key`, if any.
pub(super) fn get(key: &Key) -> Option<Template> {
    let cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache.iter().find(|(k, _)| k == key).map(|(_, t)| t.clone())
}

/// Keeps `set` (every template of `key` parsed into it) for later renders.
pub(super) fn put(key: Key, set: &Template) {
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
        let (c, bc, ab): (Data, Data, Data) = (b"c"[..].into(), b"bc"[..].into(), b"ab"[..].into());
        let a = key([("ab", &c)].into_iter(), HelmVersion::V4);
        assert!(a != key([("a", &bc)].into_iter(), HelmVersion::V4));
        assert!(a != key([("ab", &c)].into_iter(), HelmVersion::V3));
        assert!(a != key([("ab", &ab)].into_iter(), HelmVersion::V4));
        let copy: Data = b"c"[..].into();
        assert!(a == key([("ab", &copy)].into_iter(), HelmVersion::V4));
    }
}
