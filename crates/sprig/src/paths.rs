//! Go's `path` (and, on Unix, identical `path/filepath`) functions: `base`, `dir`, `clean`,
//! `ext`, `isAbs` and their `os*` twins, ported from Go's lexical rules.

use gotmpl::Value;

use crate::conv::as_str;
use crate::t::*;
use crate::{Env, Reg};

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    for (name, os) in [
        ("base", "osBase"),
        ("dir", "osDir"),
        ("clean", "osClean"),
        ("ext", "osExt"),
    ] {
        let f: fn(&str) -> String = match name {
            "base" => base,
            "dir" => dir,
            "clean" => clean,
            _ => ext,
        };
        r.f(name, vec![S], None, move |a| {
            Ok(Value::string(f(as_str(&a[0]))))
        });
        r.alias(os, name);
    }
    r.f("isAbs", vec![S], None, |a| {
        Ok(Value::Bool(as_str(&a[0]).starts_with('/')))
    });
    r.alias("osIsAbs", "isAbs");
}

/// Go's `path.Clean` (also used by the helm crate for template and output paths).
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let b = p.as_bytes();
    let n = b.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if b[r] == b'/' || b[r] == b'.' && (r + 1 == n || b[r + 1] == b'/') {
            r += 1;
        } else if b[r] == b'.' && b[r + 1] == b'.' && (r + 2 == n || b[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if rooted && out.len() != 1 || !rooted && !out.is_empty() {
                out.push(b'/');
            }
            while r < n && b[r] != b'/' {
                out.push(b[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `path.Base`.
pub(crate) fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let p = p.trim_end_matches('/');
    if p.is_empty() {
        return "/".into();
    }
    match p.rfind('/') {
        Some(i) => p[i + 1..].to_string(),
        None => p.to_string(),
    }
}

/// Go's `path.Dir`.
pub(crate) fn dir(p: &str) -> String {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..i])
}

/// Go's `path.Ext`.
pub(crate) fn ext(p: &str) -> String {
    for (i, c) in p.bytes().enumerate().rev() {
        if c == b'/' {
            break;
        }
        if c == b'.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_follows_go() {
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/../a//b/./c/"), "/a/b/c");
        assert_eq!(clean(""), ".");
        assert_eq!(dir("/a/b"), "/a");
        assert_eq!(dir("a"), ".");
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(ext("a/b.tar.gz"), ".gz");
    }
}
