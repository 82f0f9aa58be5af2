//! The `--values` files and `--set*` flags helmfile hands to `helm template` for a release
//! (`namespaceAndValuesFlags`, `generateTemporaryReleaseValuesFilesCore`, `setFlags`,
//! `setStringFlags`, `escape`, and the storage's `resolveFile`/`normalizePath`).

use std::path::{Component, Path, PathBuf};

use gotmpl::Value;

use super::typed::{SetValue, Spec};
use crate::funcs::FuncContext;
use crate::spec::{SetFlag, ValuesLayer};

/// What [`layers`] needs from the state besides the release.
pub(crate) struct Inputs<'a> {
    pub base_dir: &'a Path,
    /// The base directory as helmfile names it in errors (`.` for the helmfile's own, as
    /// helmfile runs in that directory).
    pub base_display: String,
    /// `missingFileHandler` of the release, else of the state (`Error`, `Warn`, `Info`, `Debug`).
    pub missing_file_handler: String,
    /// The data of release templates (`.gotmpl` values files).
    pub data: &'a Value,
    /// Messages helmfile logs (skipped missing files).
    pub warnings: &'a mut Vec<String>,
}

/// helmfile's `escape`: `{`, `}` and `,` are backslash-escaped in `--set` names and values.
pub(crate) fn escape(v: &str) -> String {
    v.replace('{', "\\{")
        .replace('}', "\\}")
        .replace(',', "\\,")
}

/// `Storage.normalizePath`: URLs and absolute paths stay, the rest joins the base directory.
pub(crate) fn normalize_path(base: &Path, path: &str) -> PathBuf {
    if has_url_scheme(path) || Path::new(path).is_absolute() {
        return PathBuf::from(path);
    }
    let b = base.to_string_lossy();
    if !b.is_empty() && b != "." && path.starts_with(&format!("{b}/")) {
        return PathBuf::from(path);
    }
    clean_join(base, path)
}

/// Go's `url.Parse(p)` having a non-empty scheme: `scheme:` where the scheme is a letter
/// followed by letters, digits, `+`, `-`, `.`.
fn has_url_scheme(p: &str) -> bool {
    let Some(i) = p.find(':') else { return false };
    let s = &p[..i];
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Go's `filepath.Join` (which cleans the result).
pub(crate) fn clean_join(base: &Path, rel: &str) -> PathBuf {
    let joined = if base.as_os_str().is_empty() {
        PathBuf::from(rel)
    } else {
        base.join(rel)
    };
    clean(&joined)
}

/// Go's `filepath.Clean`.
pub(crate) fn clean(p: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Go's `filepath.Glob`: the pattern's matches, sorted; a pattern without meta characters
/// matches itself if it exists.
pub(crate) fn glob(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let s = pattern.to_string_lossy();
    if !s.contains(['*', '?', '[', '\\']) {
        return Ok(if std::fs::symlink_metadata(pattern).is_ok() {
            vec![pattern.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let (dir, file) = match s.rfind('/') {
        Some(i) => (&s[..i.max(1)], &s[i + 1..]),
        None => (".", &s[..]),
    };
    // Check the pattern is well formed even when the directory does not exist.
    helm::ignore::filepath_match(file, "").map_err(|_| "syntax error in pattern".to_string())?;
    let dirs = if dir.contains(['*', '?', '[', '\\']) {
        glob(Path::new(dir))?
    } else {
        vec![PathBuf::from(dir)]
    };
    let mut out = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for n in names {
            if helm::ignore::filepath_match(file, &n).unwrap_or(false) {
                out.push(if s.contains('/') {
                    d.join(&n)
                } else {
                    PathBuf::from(&n)
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

/// yaml.v3's encoder (indent 2) as helmfile writes an inline values map to its temp file.
pub(crate) fn marshal_v3(v: &Value) -> Result<String, String> {
    let mut s = goyaml::to_yaml_pretty(v).map_err(|e| e.message)?;
    s.push('\n');
    Ok(s)
}

/// A values entry that cannot be turned into a layer: helmfile's message, the entry (an index
/// into the release's `values`), and the place in a `.gotmpl` values file a template error
/// points at.
#[derive(Debug)]
pub(crate) struct LayerError {
    pub message: String,
    pub entry: Option<usize>,
    pub at: Option<crate::spec::Pos>,
}

impl From<String> for LayerError {
    fn from(message: String) -> LayerError {
        LayerError {
            message,
            entry: None,
            at: None,
        }
    }
}

/// The `--values` layers of a templated release, in flag order.
pub(crate) fn layers(
    spec: &Spec,
    where_: &str,
    inp: &mut Inputs<'_>,
) -> Result<Vec<ValuesLayer>, LayerError> {
    if !spec.secrets.is_empty() {
        return Err(LayerError::from(format!(
            "release {:?}: `secrets` are not supported by canon (helmfile decrypts them with helm-secrets); use plain values files",
            spec.name
        )));
    }
    let mut out = Vec::new();
    for (i, v) in spec.values.iter().enumerate() {
        let about = |message: String| LayerError {
            message,
            entry: Some(i),
            at: None,
        };
        match v {
            Value::String(s) => {
                let path = normalize_path(inp.base_dir, &format!("{}{s}", spec.values_path_prefix));
                let Some(file) = resolve_file(inp, "values", &path, s).map_err(about)? else {
                    continue;
                };
                let shown = if inp.base_display == "." {
                    file.strip_prefix(inp.base_dir).unwrap_or(&file)
                } else {
                    &file
                };
                let data = render_values_file(&file, shown, inp.data).map_err(|e| {
                    let at =
                        crate::load::template_error_pos(&e).map(|(line, col)| crate::spec::Pos {
                            file: file.clone(),
                            line,
                            col,
                        });
                    LayerError {
                        at,
                        ..about(format!("failed to render values files \"{s}\": {e}"))
                    }
                })?;
                out.push(ValuesLayer {
                    source: file.display().to_string(),
                    data,
                });
            }
            Value::Map(_) => out.push(ValuesLayer {
                source: format!("{where_}.values[{i}]"),
                data: marshal_v3(v).map_err(about)?.into_bytes(),
            }),
            other => {
                return Err(about(format!(
                    "unexpected type of value: value={}, type={}",
                    go_v(other),
                    go_type(other)
                )));
            }
        }
    }
    Ok(out)
}

/// `Storage.resolveFile` for a local path: the one file it names, `None` when missing and the
/// handler says to skip.
fn resolve_file(
    inp: &mut Inputs<'_>,
    tpe: &str,
    path: &Path,
    written: &str,
) -> Result<Option<PathBuf>, String> {
    let files = glob(path).map_err(|e| format!("failed processing {written}: {e}"))?;
    if files.is_empty() {
        let base = &inp.base_display;
        return match inp.missing_file_handler.as_str() {
            "Error" => Err(format!(
                "{tpe} file matching \"{written}\" does not exist in \"{base}\""
            )),
            // helmfile logs these at their levels; its default level shows Warn and Info.
            h @ ("Warn" | "Info" | "Debug") => {
                if h != "Debug" {
                    inp.warnings.push(format!(
                        "skipping missing {tpe} file matching \"{written}\""
                    ));
                }
                Ok(None)
            }
            other => Err(format!(
                "invalid missing file handler \"{other}\" while processing \"{written}\" in \"{base}\": it must be one of [Error Warn Info Debug]"
            )),
        };
    }
    if files.len() > 1 {
        return Err("glob patterns in release values and secrets is not supported yet. please submit a feature request if necessary".into());
    }
    Ok(files.into_iter().next())
}

/// `FileRenderer.RenderToBytes`: `.gotmpl` files are templates (run in the file's directory),
/// others are read as they are.
/// `shown` is the path as helmfile names it in errors (relative to the helmfile's directory).
fn render_values_file(path: &Path, shown: &Path, data: &Value) -> Result<Vec<u8>, String> {
    let p = shown.display();
    let is_tmpl = path
        .to_string_lossy()
        .rsplit('.')
        .next()
        .is_some_and(|ext| ext == "gotmpl");
    if !is_tmpl {
        return std::fs::read(path)
            .map_err(|e| format!("failed to load [{p}]: {}", go_io(&e, path)));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("failed to render [{p}], because of {}", go_io(&e, shown)))?;
    let ctx = FuncContext {
        base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    super::tmpl::render(&ctx, &text, data)
        .map(String::into_bytes)
        .map_err(|e| format!("failed to render [{p}], because of {e}"))
}

fn go_io(e: &std::io::Error, path: &Path) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ if path.is_dir() => "is a directory".to_string(),
        _ => e.to_string(),
    };
    format!("open {}: {what}", path.display())
}

/// The `--set`/`--set-string`/`--set-file` flags of `set`, `setString` and `env`, in
/// helmfile's order.
pub(crate) fn set_flags(spec: &Spec, base_dir: &Path) -> Result<Vec<SetFlag>, String> {
    let mut out = Vec::new();
    for s in &spec.set {
        if !s.value.is_empty() {
            out.push(SetFlag::Set(format!(
                "{}={}",
                escape(&s.name),
                escape(&s.value)
            )));
        } else if !s.file.is_empty() {
            out.push(SetFlag::SetFile(format!(
                "{}={}",
                escape(&s.name),
                normalize_path(base_dir, &s.file).display()
            )));
        } else if !s.values.is_empty() {
            out.push(SetFlag::Set(format!(
                "{}={{{}}}",
                escape(&s.name),
                list_items(s)?
            )));
        }
    }
    for s in &spec.set_string {
        if !s.value.is_empty() {
            out.push(SetFlag::SetString(format!(
                "{}={}",
                escape(&s.name),
                escape(&s.value)
            )));
        } else if !s.values.is_empty() {
            out.push(SetFlag::SetString(format!(
                "{}={{{}}}",
                escape(&s.name),
                list_items(s)?
            )));
        }
    }
    if !spec.env.is_empty() {
        let mut vals = Vec::new();
        let mut missing = Vec::new();
        for s in &spec.env {
            match std::env::var(&s.value) {
                Ok(v) => vals.push(format!("{}={}", escape(&s.name), escape(&v))),
                Err(_) => missing.push(format!("\t{}", s.value)),
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "Environment Variables not found. Please make sure they are set and try again:\n{}",
                missing.join("\n")
            ));
        }
        out.push(SetFlag::Set(vals.join(",")));
    }
    Ok(out)
}

/// `renderValsSecretsAny`: strings as they are, anything else as JSON; each escaped.
fn list_items(s: &SetValue) -> Result<String, String> {
    let mut items = Vec::new();
    for (i, v) in s.values.iter().enumerate() {
        let raw = match v {
            Value::String(s) => s.to_string(),
            other => goyaml::to_json(other)
                .map_err(|e| format!("failed to marshal set value at index {i}: {}", e.message))?,
        };
        items.push(escape(&raw));
    }
    Ok(items.join(","))
}

/// Go's `%T` of a decoded YAML value.
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(..) => "int",
        Value::Uint(..) => "uint64",
        Value::Float(..) => "float64",
        Value::String(_) => "string",
        Value::Bytes(_) => "[]uint8",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::Object(_) => "struct",
    }
}

/// Go's `%v` of a decoded YAML value.
pub(crate) fn go_v(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i, _) => i.to_string(),
        Value::Uint(u, _) => u.to_string(),
        Value::Float(f, _) => goyaml::format_float_g(*f),
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => format!("{b:?}"),
        Value::List(l) => format!(
            "[{}]",
            l.items.iter().map(go_v).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => {
            let e = m.entries.read().unwrap_or_else(|p| p.into_inner());
            format!(
                "map[{}]",
                e.iter()
                    .map(|(k, v)| format!("{k}:{}", go_v(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        Value::Object(o) => o.display(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_helmfile() {
        assert_eq!(escape("a,b{c}"), "a\\,b\\{c\\}");
    }

    #[test]
    fn normalizes_paths_like_storage() {
        let b = Path::new("/h");
        assert_eq!(normalize_path(b, "v.yaml"), PathBuf::from("/h/v.yaml"));
        assert_eq!(
            normalize_path(b, "./x/../v.yaml"),
            PathBuf::from("/h/v.yaml")
        );
        assert_eq!(
            normalize_path(b, "/abs/v.yaml"),
            PathBuf::from("/abs/v.yaml")
        );
        assert_eq!(
            normalize_path(Path::new("."), "v.yaml"),
            PathBuf::from("v.yaml")
        );
    }
}
