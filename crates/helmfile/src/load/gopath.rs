//! Go's `path/filepath` as helmfile uses it on Unix (`Join`, `Dir`, `Base`, `Ext`, `Glob`):
//! the paths helmfile prints in its messages and the order in which globs expand come from
//! these, so they are reproduced rather than replaced by `std::path` (which neither cleans nor
//! globs).

use std::path::Path;

/// `filepath.Join(elems...)`: non-empty elements joined by `/`, cleaned.
pub(crate) fn join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    sprig::path_clean(&parts.join("/"))
}

/// `filepath.Dir`.
pub(crate) fn dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    sprig::path_clean(&p[..i])
}

/// `filepath.Base`.
pub(crate) fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// `filepath.Ext`.
pub(crate) fn ext(p: &str) -> &str {
    let b = p.as_bytes();
    let mut i = b.len();
    while i > 0 && b[i - 1] != b'/' {
        i -= 1;
        if b[i] == b'.' {
            return &p[i..];
        }
    }
    ""
}

/// helmfile's `remote.IsRemote`, roughly: a go-getter source (`git::https://…`, `s3::…`) or a
/// URL. canon reads local files only.
pub(crate) fn is_remote(p: &str) -> bool {
    !is_abs(p) && (p.contains("::") || p.contains("://"))
}

pub(crate) fn is_abs(p: &str) -> bool {
    p.starts_with('/')
}

fn has_meta(p: &str) -> bool {
    p.contains(['*', '?', '[', '\\'])
}

/// `p` as seen from the process when helmfile's working directory is `cwd` (helmfile changes
/// into each helmfile's directory; canon keeps Go's relative paths for messages and resolves
/// them here for I/O).
pub(crate) fn at(cwd: &str, p: &str) -> String {
    if is_abs(p) || cwd.is_empty() || cwd == "." {
        p.to_string()
    } else {
        join(&[cwd, p])
    }
}

/// `filepath.Glob(pattern)` run in `cwd`: matches in lexical order per directory; a pattern
/// without metacharacters names itself if it exists. A malformed pattern is Go's
/// `ErrBadPattern`.
pub(crate) fn glob(cwd: &str, pattern: &str) -> Result<Vec<String>, String> {
    // Go checks the whole pattern's syntax first.
    helm::ignore::filepath_match(pattern, "").map_err(|_| "syntax error in pattern".to_string())?;
    if !has_meta(pattern) {
        return Ok(if std::fs::symlink_metadata(at(cwd, pattern)).is_ok() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    }
    let (d, file) = match pattern.rfind('/') {
        Some(i) => (&pattern[..i + 1], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let d = clean_glob_path(d);
    if !has_meta(&d) {
        return glob_in(cwd, &d, file);
    }
    if d == pattern {
        return Err("syntax error in pattern".into());
    }
    let mut out = Vec::new();
    for m in glob(cwd, &d)? {
        out.extend(glob_in(cwd, &m, file)?);
    }
    Ok(out)
}

fn clean_glob_path(p: &str) -> String {
    match p {
        "" => ".".into(),
        "/" => "/".into(),
        _ => p[..p.len() - 1].to_string(),
    }
}

fn glob_in(cwd: &str, d: &str, pattern: &str) -> Result<Vec<String>, String> {
    let real = at(cwd, d);
    let Ok(md) = std::fs::metadata(&real) else {
        return Ok(Vec::new());
    };
    if !md.is_dir() {
        return Ok(Vec::new());
    }
    let Ok(rd) = std::fs::read_dir(&real) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        if helm::ignore::filepath_match(pattern, &n).map_err(|_| "syntax error in pattern")? {
            out.push(join(&[d, &n]));
        }
    }
    Ok(out)
}

pub(crate) fn is_file(cwd: &str, p: &str) -> bool {
    Path::new(&at(cwd, p)).is_file()
}

pub(crate) fn is_dir(cwd: &str, p: &str) -> bool {
    Path::new(&at(cwd, p)).is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_like_go() {
        assert_eq!(join(&[".", "helmfile.yaml"]), "helmfile.yaml");
        assert_eq!(join(&["a/b", "../c"]), "a/c");
        assert_eq!(dir("helmfile.yaml"), ".");
        assert_eq!(dir("a/b/c.yaml"), "a/b");
        assert_eq!(base("a/b/c.yaml"), "c.yaml");
        assert_eq!(ext("a/b.yaml.gotmpl"), ".gotmpl");
        assert_eq!(ext("a.d/b"), "");
    }
}
