//! Sprig's dict functions (`dict.go`): in-place `set`/`unset`, `dig`'s type assertions, and
//! `merge`/`mergeOverwrite` as `dario.cat/mergo` v1.0.1 does them on `map[string]interface {}`
//! (nested maps merged in place and shared, `0`/`false`/`""` treated as empty, nil sources
//! skipped unless overwriting). Go iterates maps in random order; `keys`/`values` use sorted order.

use std::sync::Arc;

use gotmpl::{ElemType, List, Map, Value};

use crate::conv::{as_str, empty, list_of, str_list, strval};
use crate::t::*;
use crate::{Env, Reg};

fn entries(m: &Map) -> Vec<(String, Value)> {
    m.entries
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn get(m: &Map, k: &str) -> Option<Value> {
    m.entries
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(k)
        .cloned()
}

fn put(m: &Map, k: &str, v: Value) {
    m.write().insert(k.to_string(), v);
}

/// Whether `a` and `b` are the same Go scalar (type and value). Maps and lists are not
/// compared: they are shared, so which of two equal ones a map holds shows through later
/// writes to them.
fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, k), Value::Int(y, l)) => x == y && k == l,
        (Value::Uint(x, k), Value::Uint(y, l)) => x == y && k == l,
        (Value::Float(x, k), Value::Float(y, l)) => x.to_bits() == y.to_bits() && k == l,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

fn map_arg(v: &Value) -> Option<&Arc<Map>> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn new_map(e: Vec<(String, Value)>) -> Value {
    Value::map(e)
}

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    r.f("get", vec![M, S], None, |a| {
        Ok(map_arg(&a[0])
            .and_then(|m| get(m, as_str(&a[1])))
            .unwrap_or_else(|| Value::string("")))
    });
    r.f("set", vec![M, S, A], None, |a| {
        match map_arg(&a[0]) {
            Some(m) if !m.is_nil() => {
                // Storing the scalar a key already holds changes nothing, so it is no write:
                // a template run in isolation that re-stores a value it read (a chart's
                // helper keeping a generated password in `.Values`) then does not cross.
                let k = as_str(&a[1]);
                if !get(m, k).is_some_and(|old| same_scalar(&old, &a[2])) {
                    put(m, k, a[2].clone());
                }
            }
            _ => return Err("assignment to entry in nil map".into()),
        }
        Ok(a[0].clone())
    });
    r.f("unset", vec![M, S], None, |a| {
        if let Some(m) = map_arg(&a[0]) {
            m.write().remove(as_str(&a[1]));
        }
        Ok(a[0].clone())
    });
    r.f("hasKey", vec![M, S], None, |a| {
        Ok(Value::Bool(
            map_arg(&a[0]).is_some_and(|m| get(m, as_str(&a[1])).is_some()),
        ))
    });
    r.f("pluck", vec![S], Some(M), |a| {
        let k = as_str(&a[0]);
        let out: Vec<Value> = a[1..]
            .iter()
            .filter_map(|d| map_arg(d).and_then(|m| get(m, k)))
            .collect();
        Ok(list_of(ElemType::Interface, out))
    });
    r.f("keys", vec![], Some(M), |a| {
        let mut out = Vec::new();
        for d in &a {
            if let Some(m) = map_arg(d) {
                out.extend(entries(m).into_iter().map(|(k, _)| k));
            }
        }
        Ok(str_list(out))
    });
    r.f("values", vec![M], None, |a| {
        let out = map_arg(&a[0]).map_or_else(Vec::new, |m| {
            entries(m).into_iter().map(|(_, v)| v).collect()
        });
        Ok(list_of(ElemType::Interface, out))
    });
    r.f("pick", vec![M], Some(S), |a| {
        let mut out = Vec::new();
        if let Some(m) = map_arg(&a[0]) {
            for k in &a[1..] {
                if let Some(v) = get(m, as_str(k)) {
                    out.push((as_str(k).to_string(), v));
                }
            }
        }
        Ok(new_map(out))
    });
    r.f("omit", vec![M], Some(S), |a| {
        let omit: Vec<&str> = a[1..].iter().map(as_str).collect();
        let out = map_arg(&a[0]).map_or_else(Vec::new, |m| {
            entries(m)
                .into_iter()
                .filter(|(k, _)| !omit.contains(&k.as_str()))
                .collect()
        });
        Ok(new_map(out))
    });
    r.f("dict", vec![], Some(A), |a| {
        let mut out = std::collections::BTreeMap::new();
        for pair in a.chunks(2) {
            let key = strval(&pair[0]);
            let v = pair.get(1).cloned().unwrap_or_else(|| Value::string(""));
            out.insert(key, v);
        }
        Ok(new_map(out.into_iter().collect()))
    });
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        r.f(name, vec![M], Some(M), move |a| {
            // A nil dst (nil or a nil map) stays nil until mergo meets a non-nil src map,
            // then it makes a fresh map.
            let mut dst = match &a[0] {
                Value::Map(m) => m.clone(),
                _ => Arc::new(Map::nil(ElemType::Interface)),
            };
            for src in &a[1..] {
                if let Value::Map(s) = src {
                    if dst.is_nil() && !s.is_nil() {
                        dst = Arc::new(Map::new(dst.elem.clone()));
                    }
                    deep_merge(&dst, s, overwrite)?;
                }
            }
            Ok(Value::Map(dst))
        });
    }
    r.f("deepCopy", vec![A], None, |a| {
        if matches!(a[0], Value::Nil) {
            return Err("reflect: call of reflect.Value.Type on zero Value".into());
        }
        Ok(deep_copy(&a[0]))
    });
    r.alias("mustDeepCopy", "deepCopy");
    r.f("dig", vec![], Some(A), |a| {
        if a.len() < 3 {
            return Err("dig needs at least three arguments".into());
        }
        let n = a.len();
        let mut cur = assert_map(&a[n - 1])?;
        let def = a[n - 2].clone();
        let mut keys = Vec::new();
        for k in &a[..n - 2] {
            match k {
                Value::String(s) => keys.push(s.to_string()),
                other => return Err(assertion(other, "string")),
            }
        }
        for (i, k) in keys.iter().enumerate() {
            let Some(step) = get(&cur, k) else {
                return Ok(def);
            };
            if i == keys.len() - 1 {
                return Ok(step);
            }
            cur = assert_map(&step)?;
        }
        Ok(def)
    });
}

/// Go's failed type assertion panic text.
fn assertion(v: &Value, want: &str) -> String {
    let got = match v {
        Value::Nil => "nil".to_string(),
        v => gotmpl::fmt::type_name(v),
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

fn assert_map(v: &Value) -> Result<Arc<Map>, String> {
    match v {
        Value::Map(m) if m.elem == ElemType::Interface && m.type_name.is_none() => Ok(m.clone()),
        other => Err(assertion(other, "map[string]interface {}")),
    }
}

fn is_slice(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Bytes(_))
}

/// mergo's `deepMerge` of one `map[string]interface {}` into another.
pub(crate) fn deep_merge(dst: &Arc<Map>, src: &Arc<Map>, overwrite: bool) -> Result<(), String> {
    // reflect's SetMapIndex: the value's static type must be assignable to the map's.
    let set = |key: &str, v: Value, static_t: &ElemType| -> Result<(), String> {
        if dst.elem != ElemType::Interface && *static_t != dst.elem {
            return Err(format!(
                "reflect.Value.SetMapIndex: value of type {} is not assignable to type {}",
                gotmpl::fmt::elem_type_name(static_t),
                gotmpl::fmt::elem_type_name(&dst.elem)
            ));
        }
        put(dst, key, v);
        Ok(())
    };
    for (key, s) in entries(src) {
        let d = get(dst, &key);
        if matches!(s, Value::Nil) {
            if overwrite {
                set(&key, Value::Nil, &src.elem)?;
            }
            continue;
        }
        match &s {
            Value::Map(sm) => {
                // A nil map held in a map is not settable: mergo leaves it, and the empty
                // check below replaces it with the source map.
                if let Some(Value::Map(dm)) = &d
                    && !dm.is_nil()
                {
                    deep_merge(dm, sm, overwrite)?;
                }
            }
            v if is_slice(v) => {
                let dst_empty = dst
                    .entries
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_empty();
                let slice = if overwrite || dst_empty {
                    s.clone()
                } else {
                    match &d {
                        None | Some(Value::Nil) => match &s {
                            Value::List(l) => {
                                Value::List(Arc::new(List::new(l.elem.clone(), vec![])))
                            }
                            _ => Value::Bytes(Arc::from(&[][..])),
                        },
                        Some(x) => x.clone(),
                    }
                };
                let static_t = match &slice {
                    Value::List(l) => ElemType::Slice(Box::new(l.elem.clone())),
                    Value::Bytes(_) => {
                        ElemType::Slice(Box::new(ElemType::Uint(gotmpl::UintKind::Uint8)))
                    }
                    _ => src.elem.clone(),
                };
                set(&key, slice, &static_t)?;
            }
            _ => {}
        }
        if let Some(dv) = &d
            && !empty(dv)
            && (is_slice(&s) || matches!((&s, dv), (Value::Map(_), Value::Map(_))))
        {
            continue;
        }
        if overwrite || d.as_ref().is_none_or(empty) {
            set(&key, s, &src.elem)?;
        }
    }
    Ok(())
}

/// copystructure's `Copy`: fresh maps and slices all the way down.
pub(crate) fn deep_copy(v: &Value) -> Value {
    match v {
        // copystructure makes a nil map or slice for a nil one.
        Value::List(l) if l.is_nil() => v.clone(),
        Value::Map(m) if m.is_nil() => v.clone(),
        Value::List(l) => Value::List(Arc::new(List::new(
            l.elem.clone(),
            l.items.iter().map(deep_copy).collect(),
        ))),
        Value::Map(m) => {
            let mut copy = Map::from_entries(
                m.elem.clone(),
                entries(m).into_iter().map(|(k, v)| (k, deep_copy(&v))),
            );
            copy.type_name = m.type_name.clone();
            Value::Map(Arc::new(copy))
        }
        Value::Bytes(b) => Value::Bytes(Arc::from(&b[..])),
        other => other.clone(),
    }
}
