//! `.Files`: a chart's non-template files with helm's `Get`, `GetBytes`, `Glob`, `Lines`,
//! `AsConfig` and `AsSecrets`, as a Go object for templates (helm's `engine.files`, a
//! `map[string][]byte`: it ranges and prints like one).
//!
//! `Glob` is github.com/gobwas/glob v0.2.3 with `/` as separator (`*` and `?` stop at `/`, `**`
//! does not, `[a-z]`, `[!abc]`, `{a,b}`, `\` escapes; a pattern that does not compile matches
//! everything, as helm falls back to `**`), ported in [`gobwas`] with its optimized matchers:
//! they miss some names their pattern describes (an empty alternative, `***`, multi-byte runes
//! in fixed-length parts), and helm's output shows those misses, so no glob crate would do.

mod gobwas;

pub use gobwas::{Glob, GlobError};

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use gotmpl::{ArgType, ElemType, Func, Object, Value};

use crate::HelmVersion;
use crate::chart::{Data, File};

type FileMap = BTreeMap<String, Data>;

/// `.Files` of one chart as a template value, as helm v4 has it.
pub fn files_value(files: &[File]) -> Value {
    files_value_for(files, HelmVersion::V4)
}

/// `.Files` of one chart as the given helm has it (they differ on `Lines` of an empty file).
pub fn files_value_for(files: &[File], compat: HelmVersion) -> Value {
    let mut m = FileMap::new();
    for f in files {
        m.insert(f.name.clone(), f.data.clone());
    }
    Value::Object(Arc::new(Files(Arc::new(m), compat)))
}

/// helm's `engine.files`.
#[derive(Debug)]
struct Files(Arc<FileMap>, HelmVersion);

fn string_arg(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        _ => String::new(),
    }
}

/// `path.Base`.
fn path_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// helm's engine `toYAML` of a `map[string]string` (empty text when it cannot marshal).
fn to_yaml(m: BTreeMap<String, String>) -> String {
    let v = Value::map(m.into_iter().map(|(k, v)| (k, Value::string(v))));
    goyaml::to_yaml(&v).unwrap_or_default()
}

impl Files {
    fn get_bytes(&self, name: &str) -> Arc<[u8]> {
        self.0
            .get(name)
            .map(Data::shared)
            .unwrap_or_else(|| Arc::from(&b""[..]))
    }

    fn as_config(&self) -> String {
        let mut m = BTreeMap::new();
        for (k, v) in self.0.iter() {
            m.insert(path_base(k).to_string(), gotmpl::gostr::from_go_bytes(v));
        }
        to_yaml(m)
    }

    fn as_secrets(&self) -> String {
        let mut m = BTreeMap::new();
        for (k, v) in self.0.iter() {
            m.insert(
                path_base(k).to_string(),
                base64::engine::general_purpose::STANDARD.encode(v),
            );
        }
        to_yaml(m)
    }

    fn lines(&self, path: &str) -> Result<Value, gotmpl::FuncError> {
        let strings =
            |items: Vec<Value>| Value::List(Arc::new(gotmpl::List::new(ElemType::String, items)));
        let Some(data) = self.0.get(path) else {
            return Ok(strings(Vec::new()));
        };
        // helm v4 checks for a nil slice only, then indexes the last byte: an empty file (read
        // from a directory, so not nil) panics, which text/template reports as the call's
        // error. v3 checks the length.
        if data.is_empty() && self.1 == HelmVersion::V3 {
            return Ok(strings(Vec::new()));
        }
        if data.is_empty() {
            return Err("runtime error: index out of range [-1]".into());
        }
        let s = gotmpl::gostr::from_go_bytes(data);
        let s = s.strip_suffix('\n').unwrap_or(&s);
        Ok(strings(s.split('\n').map(Value::string).collect()))
    }

    fn glob(&self, pattern: &str) -> Files {
        let g = Glob::compile(pattern).unwrap_or_else(|_| Glob::everything());
        let m = self
            .0
            .iter()
            .filter(|(k, _)| g.matches(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Files(Arc::new(m), self.1)
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    /// Go's `%v` of a `map[string][]byte`: `map[name:[104 105]]`.
    fn display(&self) -> String {
        let items: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(u8::to_string).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", items.join(" "))
    }
    fn method(&self, name: &str) -> Option<Func> {
        let me = Files(self.0.clone(), self.1);
        Some(match name {
            "Get" => Func::simple(vec![ArgType::String], move |a| {
                Value::string(gotmpl::gostr::from_go_bytes(
                    &me.get_bytes(&string_arg(&a[0])),
                ))
            }),
            "GetBytes" => Func::simple(vec![ArgType::String], move |a| {
                Value::Bytes(me.get_bytes(&string_arg(&a[0])))
            }),
            "Glob" => Func::simple(vec![ArgType::String], move |a| {
                Value::Object(Arc::new(me.glob(&string_arg(&a[0]))))
            }),
            "AsConfig" => Func::simple(vec![], move |_| Value::string(me.as_config())),
            "AsSecrets" => Func::simple(vec![], move |_| Value::string(me.as_secrets())),
            "Lines" => Func::new(vec![ArgType::String], None, move |_, a| {
                me.lines(&string_arg(&a[0]))
            }),
            _ => return None,
        })
    }
    /// `json.Marshal` of a `map[string][]byte`: keys sorted, bytes as base64.
    fn marshal_json(&self) -> Option<String> {
        let v = Value::map(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bytes(v.shared()))),
        );
        goyaml::to_json(&v).ok()
    }
    fn map_entries(&self) -> Option<Vec<(String, Value)>> {
        Some(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bytes(v.shared())))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::compile(p).expect("compiles").matches(s)
    }

    #[test]
    fn gobwas_semantics() {
        // Cases from gobwas/glob's glob_test.go with separator '/'... adapted to '/'.
        assert!(m("*", "abc"));
        assert!(!m("*", "a/b"));
        assert!(m("**", "a/b"));
        assert!(m("files/*", "files/a.txt"));
        assert!(!m("files/*", "files/sub/a.txt"));
        assert!(m("files/**", "files/sub/a.txt"));
        assert!(m("**.yaml", "a/b/c.yaml"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
        assert!(m("[!abc]x", "dx"));
        assert!(m("{a,b}.txt", "b.txt"));
        assert!(m("{*.txt,**.md}", "x/y.md"));
        assert!(m("\\*", "*"));
        assert!(m("a,b}", "a,b}"));
        assert!(Glob::compile("[").is_err());
        assert!(Glob::compile("[z-a]").is_err());
        assert!(Glob::compile("[]").is_err());
    }
}
