//! helm's template functions on top of Sprig (`pkg/engine/funcs.go` and the late-bound ones of
//! `engine.go`): `include`, `tpl`, `required`, `fail`, `lookup`, the YAML/JSON/TOML helpers.
//!
//! `fromToml` reads with the `toml` crate (no TOML reader in goyaml), mapped to the Go types
//! BurntSushi/toml decodes into an `interface{}` (int64, float64, string, bool, `[]interface{}`,
//! `map[string]interface{}`, `[]map[string]interface{}` for `[[...]]` arrays of tables).
//! Known differences: date-times become their TOML text (Go holds a `time.Time`, same JSON),
//! and parse errors carry the `toml` crate's message, not BurntSushi's.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use gotmpl::{ArgType, Ctx, ElemType, FuncMap, IntKind, List, Value};
use gotmpl::{Func, FuncError};

use super::EngineOptions;
use super::errors::warn_wrap;
use crate::HelmVersion;

/// helm's `recursionMaxNums`.
const RECURSION_MAX: usize = 1000;

thread_local! {
    /// helm's `includedNames`: how deep each named template is nested in `include`s on this
    /// thread. helm keeps one per render, but every `include` takes back what it added, so
    /// it holds only the nesting of the executions in progress, and those are per thread when
    /// a render runs templates on several ([`super::render_templates`]).
    static INCLUDED: RefCell<HashMap<String, usize>> = RefCell::new(HashMap::new());
}

/// The whole function map of one render: Sprig (Helm's variant) plus helm's own functions.
pub(crate) fn func_map(opts: &EngineOptions) -> FuncMap {
    let mut sp = opts.sprig.clone();
    sp.helm = true;
    let mut m = sprig::funcs(&sp);
    let v4 = opts.compat != HelmVersion::V3;
    m.insert("include".into(), include_fn());
    m.insert("tpl".into(), tpl_fn());

    let lint = opts.lint_mode;
    m.insert(
        "required".into(),
        Func::new(vec![ArgType::String, ArgType::Any], None, move |_, a| {
            let (warn, val) = two(a);
            let missing = match &val {
                Value::Nil => true,
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            if missing {
                if lint {
                    return Ok(Value::string(""));
                }
                return Err(warn_wrap(str_of(&warn)));
            }
            Ok(val)
        }),
    );
    m.insert(
        "fail".into(),
        Func::new(vec![ArgType::String], None, move |_, a| {
            if lint {
                return Ok(Value::string(""));
            }
            Err(warn_wrap(str_of(&a[0])))
        }),
    );
    m.insert(
        "lookup".into(),
        Func::new(vec![ArgType::String; 4], None, |_, _| {
            Ok(Value::map(BTreeMap::new()))
        }),
    );

    m.insert(
        "toYaml".into(),
        Func::new(vec![ArgType::Any], None, |_, a| {
            Ok(Value::string(goyaml::to_yaml(&a[0]).unwrap_or_default()))
        }),
    );
    m.insert(
        "toYamlPretty".into(),
        Func::new(vec![ArgType::Any], None, |_, a| {
            Ok(Value::string(
                goyaml::to_yaml_pretty(&a[0]).unwrap_or_default(),
            ))
        }),
    );
    m.insert(
        "fromYaml".into(),
        Func::new(vec![ArgType::String], None, |_, a| {
            Ok(goyaml::from_yaml(str_of(&a[0])))
        }),
    );
    m.insert(
        "fromYamlArray".into(),
        Func::new(vec![ArgType::String], None, |_, a| {
            Ok(goyaml::from_yaml_array(str_of(&a[0])))
        }),
    );
    m.insert(
        "toToml".into(),
        Func::new(vec![ArgType::Any], None, |_, a| {
            Ok(Value::string(match goyaml::to_toml(&a[0]) {
                Ok(s) => s,
                Err(e) => e.to_string(),
            }))
        }),
    );
    m.insert(
        "fromToml".into(),
        Func::new(vec![ArgType::String], None, |_, a| {
            Ok(from_toml(str_of(&a[0])))
        }),
    );
    m.insert(
        "toJson".into(),
        Func::new(vec![ArgType::Any], None, |_, a| {
            Ok(Value::string(goyaml::to_json(&a[0]).unwrap_or_default()))
        }),
    );
    m.insert(
        "fromJson".into(),
        Func::new(vec![ArgType::String], None, |_, a| {
            Ok(goyaml::from_json(str_of(&a[0])))
        }),
    );
    m.insert(
        "fromJsonArray".into(),
        Func::new(vec![ArgType::String], None, |_, a| {
            Ok(goyaml::from_json_array(str_of(&a[0])))
        }),
    );
    if v4 {
        // helm v4's must* variants panic on error, which Go's safeCall turns into the error.
        m.insert(
            "mustToYaml".into(),
            Func::new(vec![ArgType::Any], None, |_, a| {
                goyaml::to_yaml(&a[0])
                    .map(Value::string)
                    .map_err(|e| e.to_string())
            }),
        );
        m.insert(
            "mustToJson".into(),
            Func::new(vec![ArgType::Any], None, |_, a| {
                goyaml::to_json(&a[0])
                    .map(Value::string)
                    .map_err(|e| e.to_string())
            }),
        );
        m.insert(
            "mustToToml".into(),
            Func::new(vec![ArgType::Any], None, |_, a| {
                goyaml::to_toml(&a[0])
                    .map(Value::string)
                    .map_err(|e| e.to_string())
            }),
        );
    }
    m
}

fn two(a: Vec<Value>) -> (Value, Value) {
    let mut it = a.into_iter();
    (
        it.next().unwrap_or(Value::Nil),
        it.next().unwrap_or(Value::Nil),
    )
}

fn str_of(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

/// helm's `includeFun`: runs a named template of the executing set (the main set, or a `tpl`
/// clone, so that `define`s inside `tpl` text are includable), with helm's nesting limit.
fn include_fn() -> Func {
    Func::new(
        vec![ArgType::String, ArgType::Any],
        None,
        move |ctx: &Ctx<'_>, a| {
            let (name, data) = two(a);
            let name = str_of(&name).to_string();
            let nested = INCLUDED.with_borrow_mut(|m| {
                let n = m.entry(name.clone()).or_insert(0);
                if *n > RECURSION_MAX {
                    return false;
                }
                *n += 1;
                true
            });
            if !nested {
                return Err(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                ));
            }
            let r = ctx.execute_template(&name, &data);
            INCLUDED.with_borrow_mut(|m| {
                if let Some(n) = m.get_mut(&name) {
                    *n = n.saturating_sub(1);
                }
            });
            r.map(Value::string).map_err(|e| e.to_string())
        },
    )
}

/// helm's `tplFun`: parses `text` as template `gotpl` into a clone of the executing set and
/// runs it, `<no value>` removed.
fn tpl_fn() -> Func {
    Func::new(
        vec![ArgType::String, ArgType::Any],
        None,
        move |ctx: &Ctx<'_>, a| -> Result<Value, FuncError> {
            let (text, vals) = two(a);
            let text = str_of(&text);
            let quoted = gotmpl::fmt::quote(text);
            let mut t = ctx.template().clone();
            let name = t.name().to_string();
            t.parse_named(&name, text)
                .map_err(|e| format!("cannot parse template {quoted}: {e}"))?;
            let out = ctx
                .execute_in(&t, &name, &vals)
                .map_err(|e| format!("error during tpl function execution for {quoted}: {e}"))?;
            Ok(Value::string(out.replace("<no value>", "")))
        },
    )
}

/// helm's `fromTOML`: a `map[string]interface{}`, or `{"Error": msg}`.
fn from_toml(text: &str) -> Value {
    match text.parse::<toml::Table>() {
        Ok(t) => {
            let aot = arrays_of_tables(text);
            toml_table(&t, &mut Vec::new(), &aot)
        }
        Err(e) => Value::map([("Error".to_string(), Value::string(e.message()))]),
    }
}

/// The key paths of `[[...]]` headers: BurntSushi decodes those arrays as
/// `[]map[string]interface{}`, inline arrays (of tables too) as `[]interface{}`; the `toml`
/// crate's values do not tell the two apart.
fn arrays_of_tables(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start().strip_prefix("[[")?;
            let end = l.find("]]")?;
            Some(
                l[..end]
                    .split('.')
                    .map(|k| k.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
                    .collect(),
            )
        })
        .collect()
}

fn toml_table(t: &toml::Table, path: &mut Vec<String>, aot: &[Vec<String>]) -> Value {
    Value::map(t.iter().map(|(k, v)| {
        path.push(k.clone());
        let v = toml_value(v, path, aot);
        path.pop();
        (k.clone(), v)
    }))
}

fn toml_value(v: &toml::Value, path: &mut Vec<String>, aot: &[Vec<String>]) -> Value {
    match v {
        toml::Value::String(s) => Value::string(s),
        toml::Value::Integer(i) => Value::Int(*i, IntKind::Int64),
        toml::Value::Float(f) => Value::float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::string(d.to_string()),
        toml::Value::Array(items) => {
            let elem = if aot.iter().any(|p| p == path) {
                ElemType::Map(Box::new(ElemType::Interface))
            } else {
                ElemType::Interface
            };
            Value::List(Arc::new(List::new(
                elem,
                items.iter().map(|i| toml_value(i, path, aot)).collect(),
            )))
        }
        toml::Value::Table(t) => toml_table(t, path, aot),
    }
}
