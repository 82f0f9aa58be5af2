//! helmfile's file functions (`readFile`, `readDir`, `readDirEntries`, `isFile`, `isDir`) and
//! the `_*.tpl` helper lookup, with Go's path joining and Go's `*os.PathError` texts
//! (`open values.txt: no such file or directory`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use gotmpl::{ElemType, Func, List, Object, Value};

use super::{TemplateError, str_of};

/// Go's `filepath.Join`: the non-empty elements joined with `/`, cleaned; `""` if all are empty.
pub(crate) fn go_join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    sprig::path_clean(&parts.join("/"))
}

/// helmfile's path resolution: absolute names as they are, others joined to the base directory.
pub(crate) fn resolve(base: &Path, name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        go_join(&[&base.to_string_lossy(), name])
    }
}

/// Go's `syscall.Errno.Error()` for the errors file functions meet.
pub(crate) fn errno_text(e: &std::io::Error) -> String {
    let known = match e.raw_os_error() {
        Some(1) => "operation not permitted",
        Some(2) => "no such file or directory",
        Some(5) => "input/output error",
        Some(7) => "argument list too long",
        Some(8) => "exec format error",
        Some(13) => "permission denied",
        Some(17) => "file exists",
        Some(20) => "not a directory",
        Some(21) => "is a directory",
        Some(26) => "text file busy",
        Some(32) => "broken pipe",
        Some(36) => "file name too long",
        Some(40) => "too many levels of symbolic links",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // Rust's text is strerror's plus " (os error N)"; Go's table is strerror's, lowercased.
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or_default();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => s.to_string(),
    }
}

/// Go's `*os.PathError` text: `OP PATH: ERRNO`.
pub(crate) fn path_error(op: &str, path: &str, e: &std::io::Error) -> String {
    format!("{op} {path}: {}", errno_text(e))
}

/// `os.ReadFile`: `open` then `read` errors as Go names them.
fn go_read_file(path: &str) -> Result<Vec<u8>, String> {
    let mut f = std::fs::File::open(path).map_err(|e| path_error("open", path, &e))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| path_error("read", path, &e))?;
    Ok(buf)
}

/// `os.Stat` for `isFile`/`isDir`: `Ok(None)` when the file does not exist (`ENOENT` only, as
/// Go's `errors.Is(err, os.ErrNotExist)`), other failures as Go's `stat PATH: ...`.
fn go_stat(path: &str) -> Result<Option<std::fs::Metadata>, String> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(path_error("stat", path, &e)),
    }
}

pub(crate) fn is_file(base: &Path, name: &Value) -> Result<Value, String> {
    let path = resolve(base, &str_of(name));
    Ok(Value::Bool(go_stat(&path)?.is_some_and(|m| !m.is_dir())))
}

pub(crate) fn is_dir(base: &Path, name: &Value) -> Result<Value, String> {
    let path = resolve(base, &str_of(name));
    Ok(Value::Bool(go_stat(&path)?.is_some_and(|m| m.is_dir())))
}

pub(crate) fn read_file(base: &Path, name: &Value) -> Result<Value, String> {
    let path = resolve(base, &str_of(name));
    let bytes = go_read_file(&path)?;
    Ok(Value::string(gotmpl::gostr::from_go_vec(bytes)))
}

/// One entry of `os.ReadDir`: its name and type (not following symlinks).
struct Entry {
    name: String,
    file_type: std::fs::FileType,
}

/// `os.ReadDir`: the entries sorted by name.
fn go_read_dir(path: &str) -> Result<Vec<Entry>, String> {
    let rd = std::fs::read_dir(if path.is_empty() { "." } else { path })
        .map_err(|e| path_error("open", path, &e))?;
    let mut out = Vec::new();
    for de in rd {
        let de = de.map_err(|e| path_error("readdirent", path, &e))?;
        let file_type = de.file_type().map_err(|e| path_error("lstat", path, &e))?;
        out.push(Entry {
            name: de.file_name().to_string_lossy().into_owned(),
            file_type,
        });
    }
    out.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok(out)
}

pub(crate) fn read_dir(base: &Path, name: &Value) -> Result<Value, String> {
    let path = str_of(name);
    let context_path = resolve(base, &path);
    let entries = go_read_dir(&context_path)
        .map_err(|e| format!("ReadDir {}: {e}", gotmpl::fmt::quote(&context_path)))?;
    let files: Vec<Value> = entries
        .iter()
        .filter(|e| !e.file_type.is_dir())
        .map(|e| Value::string(go_join(&[&path, &e.name])))
        .collect();
    // Go appends to a nil slice: no files is a nil `[]string`.
    Ok(Value::List(Arc::new(if files.is_empty() {
        List::nil(ElemType::String)
    } else {
        List::new(ElemType::String, files)
    })))
}

pub(crate) fn read_dir_entries(base: &Path, name: &Value) -> Result<Value, String> {
    let context_path = resolve(base, &str_of(name));
    let entries = go_read_dir(&context_path)
        .map_err(|e| format!("ReadDirEntries {}: {e}", gotmpl::fmt::quote(&context_path)))?;
    Ok(Value::list(
        entries
            .into_iter()
            .map(|e| Value::Object(Arc::new(DirEntry(e))))
            .collect(),
    ))
}

/// Go's `fs.DirEntry` from `os.ReadDir` (`*os.unixDirent`).
struct DirEntry(Entry);

impl std::fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DirEntry({:?})", self.0.name)
    }
}

impl DirEntry {
    /// Go's `fs.FileMode.String()` of the type bits (permission bits are zero in a dirent).
    fn mode_string(&self) -> String {
        use std::os::unix::fs::FileTypeExt;
        let t = &self.0.file_type;
        let c = if t.is_dir() {
            "d"
        } else if t.is_symlink() {
            "L"
        } else if t.is_fifo() {
            "p"
        } else if t.is_socket() {
            "S"
        } else if t.is_char_device() {
            "Dc"
        } else if t.is_block_device() {
            "D"
        } else {
            "-"
        };
        format!("{c}---------")
    }
}

impl Object for DirEntry {
    fn type_name(&self) -> String {
        "*os.unixDirent".into()
    }
    fn display(&self) -> String {
        format!("&{{{} {}}}", self.0.name, self.mode_string())
    }
    fn method(&self, name: &str) -> Option<Func> {
        match name {
            "Name" => {
                let n = self.0.name.clone();
                Some(Func::new(vec![], None, move |_, _| Ok(Value::string(&n))))
            }
            "IsDir" => {
                let d = self.0.file_type.is_dir();
                Some(Func::new(vec![], None, move |_, _| Ok(Value::Bool(d))))
            }
            "Type" => {
                let m = self.mode_string();
                Some(Func::new(vec![], None, move |_, _| Ok(Value::string(&m))))
            }
            _ => None,
        }
    }
}

/// One `_*.tpl` helper file and what tells whether it changed since it was parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HelperFile {
    /// The path as helmfile's glob returns it (named in errors).
    pub file: String,
    pub modified: Option<std::time::SystemTime>,
    pub len: u64,
}

/// The `_*.tpl` files of `base`, by name (helmfile's `filepath.Glob`).
pub(crate) fn helper_files(base: &Path) -> Vec<HelperFile> {
    let dir = base.to_string_lossy();
    let glob_dir = if dir.is_empty() { "." } else { &*dir };
    // filepath.Glob reads the directory; an unreadable or missing one matches nothing.
    let Ok(rd) = std::fs::read_dir(glob_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('_') && n.ends_with(".tpl") && n.len() >= 5)
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let file = go_join(&[glob_dir, &n]);
            let meta = std::fs::metadata(&file).ok();
            HelperFile {
                modified: meta.as_ref().and_then(|m| m.modified().ok()),
                len: meta.map_or(0, |m| m.len()),
                file,
            }
        })
        .collect()
}

/// helmfile's `helperTPLs`: the contents of `files`.
pub(crate) fn read_helpers(files: &[HelperFile]) -> Result<Vec<String>, TemplateError> {
    files
        .iter()
        .map(|h| {
            go_read_file(&h.file)
                .map(gotmpl::gostr::from_go_vec)
                .map_err(|e| {
                    TemplateError::Message(format!(
                        "failed to read helper template {}: {e}",
                        h.file
                    ))
                })
        })
        .collect()
}
