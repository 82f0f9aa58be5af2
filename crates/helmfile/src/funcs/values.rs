//! helmfile's value functions: `get`/`getOrNil` (`get_or_nil.go`), `setValueAtPath`, `toYaml`,
//! `fromYaml`, `required`, `requiredEnv` and the `vals` pair, with helmfile's error texts.

use std::sync::Arc;

use gotmpl::{ElemType, Value};
use goyaml::node::Node;

use super::str_of;

/// Go's `%v` of one value.
fn v(val: &Value) -> String {
    let mut s = String::new();
    gotmpl::fmt::write_value(&mut s, val);
    s
}

/// The entry `key` of a map value.
fn map_get(val: &Value, key: &str) -> Option<Value> {
    match val {
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned(),
        _ => None,
    }
}

/// helmfile's `get(path, [def,] obj)` with the arguments already split.
/// Every failure is helmfile's `*noValueError` (which `getOrNil` turns into nil).
pub(crate) fn get(path: &str, def: Option<&Value>, obj: &Value) -> Result<Value, String> {
    if path.is_empty() {
        return Ok(obj.clone());
    }
    let (first, rest) = path.split_once('.').unwrap_or((path, ""));
    let next = match obj {
        // map[string]any (and helmfile's map[any]any, which canon's values never are).
        Value::Map(m) if m.elem == ElemType::Interface => match map_get(obj, first) {
            Some(x) => x,
            None => {
                if let Some(d) = def {
                    return Ok(d.clone());
                }
                return Err(format!("no value exist for key \"{first}\" in {}", v(obj)));
            }
        },
        // map[string]string: the value is returned whatever the rest of the path is.
        Value::Map(m) if m.elem == ElemType::String => {
            return match map_get(obj, first) {
                Some(x) => Ok(x),
                None => match def {
                    Some(d) => Ok(d.clone()),
                    None => Err(format!("no value exist for key \"{first}\" in {}", v(obj))),
                },
            };
        }
        // A struct (not a pointer to one: reflect.ValueOf(ptr).Kind() is Ptr).
        Value::Object(o) if !o.type_name().starts_with('*') && o.fields().is_some() => {
            let fields = o.fields().unwrap_or_default();
            if fields.is_empty() {
                return Err(format!("no accessible struct fields for key \"{first}\""));
            }
            match fields.into_iter().find(|f| f.name == first) {
                Some(f) => f.value,
                None => {
                    if let Some(d) = def {
                        return Ok(d.clone());
                    }
                    return Err(format!("no field named \"{first}\" exist in {}", v(obj)));
                }
            }
        }
        _ => {
            return Err(format!(
                "unexpected type({}) of value for key \"{first}\": it must be either map[string]any or any struct",
                gotmpl::fmt::type_name(obj)
            ));
        }
    };
    get(rest, def, &next)
}

/// The template function `get(path string, varArgs ...any)`.
pub(crate) fn get_fn(path: &Value, rest: &[Value]) -> Result<Value, String> {
    let path = str_of(path);
    match rest {
        [obj] => get(&path, None, obj),
        [def, obj] => get(&path, Some(def), obj),
        _ => Err(format!(
            "unexpected number of args passed to the template function get(path, [def, ]obj): expected 1 or 2, got {}, args was {}",
            rest.len(),
            v(&Value::list(rest.to_vec()))
        )),
    }
}

/// `getOrNil(path string, o any)`.
pub(crate) fn get_or_nil(path: &Value, obj: &Value) -> Result<Value, String> {
    // With one argument, every error of `get` is a `*noValueError`.
    Ok(get(&str_of(path), None, obj).unwrap_or(Value::Nil))
}

/// `setValueAtPath(path string, value any, values map[string]any)`: sets in place (Go maps
/// are references) and returns the map.
pub(crate) fn set_value_at_path(
    path: &Value,
    value: &Value,
    values: &Value,
) -> Result<Value, String> {
    let path = str_of(path);
    let components: Vec<&str> = path.split('.').collect();
    let (key, to_map) = components
        .split_last()
        .expect("strings.Split always returns at least one element");
    let not_a_map = |k: &str| {
        format!("failed to set value at path \"{path}\": value for key \"{k}\" was not a map")
    };
    let is_map = |x: &Value| matches!(x, Value::Map(m) if m.elem == ElemType::Interface);
    let mut current = values.clone();
    for k in to_map {
        if !is_map(&current) {
            return Err(not_a_map(k));
        }
        let Some(elem) = map_get(&current, k) else {
            return Err(format!(
                "failed to set value at path \"{path}\": value for key \"{k}\" does not exist"
            ));
        };
        if !is_map(&elem) {
            return Err(not_a_map(k));
        }
        current = elem;
    }
    match &current {
        Value::Map(m) if m.elem == ElemType::Interface => {
            if m.is_nil() {
                // Go panics; text/template reports the panic's text.
                return Err("assignment to entry in nil map".into());
            }
            m.write().insert(key.to_string(), value.clone());
        }
        _ => return Err(not_a_map(key)),
    }
    Ok(values.clone())
}

/// `toYaml`: yaml.v3's encoder with indent 2, with its final newline.
pub(crate) fn to_yaml(val: &Value) -> Result<Value, String> {
    goyaml::to_yaml_pretty(val)
        .map(|s| Value::string(s + "\n"))
        .map_err(|e| e.message)
}

/// Go's `%T` of a yaml.v3-decoded key.
fn node_type(n: &Node) -> &'static str {
    match n {
        Node::Null => "<nil>",
        Node::Bool(_) => "bool",
        Node::Int(_) => "int",
        Node::Uint(_) => "uint64",
        Node::Float(_) => "float64",
        Node::Str(_) => "string",
        Node::Seq(_) => "[]interface {}",
        Node::Map(_) => "map[string]interface {}",
    }
}

/// helmfile's `maputil.RecursivelyStringifyMapKey` over a yaml.v3-decoded value: every key of
/// every map must be a string.
fn stringify_keys(n: &Node) -> Result<Value, String> {
    Ok(match n {
        Node::Seq(items) => {
            Value::list(items.iter().map(stringify_keys).collect::<Result<_, _>>()?)
        }
        Node::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, x) in entries {
                let Node::Str(key) = k else {
                    let m = goyaml::native_to_value(n);
                    return Err(format!(
                        "unexpected type of key in map: expected string, got {}: value={}, map={}",
                        node_type(k),
                        v(&goyaml::native_to_value(k)),
                        v(&m)
                    ));
                };
                out.push((key.clone(), stringify_keys(x)?));
            }
            Value::map(out)
        }
        other => goyaml::native_to_value(other),
    })
}

/// `fromYaml`: yaml.v3 into `any`, keys made strings; errors end with the offending text.
pub(crate) fn from_yaml(text: &Value) -> Result<Value, String> {
    let text = str_of(text);
    let node = goyaml::v3::unmarshal(&text)
        .map_err(|e| format!("{}, offending yaml: {text}", e.message))?;
    match node {
        None => Ok(Value::Nil),
        Some(n) => stringify_keys(&n).map_err(|e| format!("{e}, offending yaml: {text}")),
    }
}

/// `requiredEnv(name string)`.
pub(crate) fn required_env(name: &Value) -> Result<Value, String> {
    let name = str_of(name);
    match std::env::var_os(&name) {
        Some(x) if !x.is_empty() => Ok(Value::string(x.to_string_lossy())),
        _ => Err(format!("required env var `{name}` is not set")),
    }
}

/// `required(warn string, val any)`.
pub(crate) fn required(warn: &Value, val: &Value) -> Result<Value, String> {
    match val {
        Value::Nil => Err(str_of(warn)),
        Value::String(s) if s.is_empty() => Err(str_of(warn)),
        _ => Ok(val.clone()),
    }
}

/// Whether `s` holds a `vals` reference (`ref+SCHEME://…` or `secretref+SCHEME://…`, vals'
/// `DefaultRefRegexp`, roughly).
fn has_ref(s: &str) -> bool {
    s.match_indices("ref+").any(|(i, _)| {
        let rest = &s[i + 4..];
        rest.find("://")
            .is_some_and(|p| !rest[..p].contains(['+', ':']) && rest.len() > p + 3)
    })
}

/// One string through `vals`: a string without references stays as it is; a whole-string
/// `ref+echo://X` (no fragment, nothing around it) is `X` without trailing slashes, as vals'
/// echo provider gives it; anything else needs a backend canon does not have.
fn eval_ref(s: &str) -> Result<String, String> {
    if !has_ref(s) {
        return Ok(s.to_string());
    }
    if let Some(x) = s.strip_prefix("ref+echo://") {
        let x = x.strip_suffix('+').unwrap_or(x);
        if !x.is_empty() && !x.contains(['+', '#', ' ', '\n', '"', ',']) {
            return Ok(x.trim_end_matches('/').to_string());
        }
    }
    Err(format!(
        "canon does not support this vals secret reference (only ref+echo:// without a fragment): {}",
        gotmpl::fmt::quote(s)
    ))
}

/// `fetchSecretValue(path string)`.
pub(crate) fn fetch_secret_value(path: &Value) -> Result<Value, String> {
    eval_ref(&str_of(path)).map(Value::string)
}

/// `expandSecretRefs(values map[string]any)`: every string in the map evaluated.
pub(crate) fn expand_secret_refs(values: &Value) -> Result<Value, String> {
    fn walk(x: &Value) -> Result<Value, String> {
        Ok(match x {
            Value::String(s) => Value::string(eval_ref(s)?),
            Value::Map(m) => {
                let e = m.entries.read().unwrap_or_else(|p| p.into_inner());
                let mut out = Vec::with_capacity(e.len());
                for (k, x) in e.iter() {
                    out.push((k.clone(), walk(x)?));
                }
                Value::Map(Arc::new(gotmpl::Map::from_entries(m.elem.clone(), out)))
            }
            Value::List(l) => Value::List(Arc::new(gotmpl::List::new(
                l.elem.clone(),
                l.items.iter().map(walk).collect::<Result<_, _>>()?,
            ))),
            other => other.clone(),
        })
    }
    walk(values)
}
