//! helm's `coalesce.go` (v4 `chart/common/util`, v3 `chartutil`): chart defaults under user values,
//! down the chart tree, with `global` propagation and null deletion.
//!
//! Ported statement by statement over shared, mutable maps (`Value::Map` is reference-counted
//! with interior mutability, like a Go map), so Go's aliasing shows the same way: globals are
//! copied shallowly, so a subchart's nested global defaults reach its parent's, as in helm.

use std::sync::Arc;

use gotmpl::{Map, Value};

use crate::HelmVersion;
use crate::chart::Chart;

use super::{ValuesError, go_fmt_t, go_fmt_v};

const GLOBAL_KEY: &str = "global";

/// Where helm's `log.Printf` warnings go (stderr in helm, never stdout): helm v3's call site
/// (`coalesce.go:316`, its log prefix) and the text.
pub(crate) type Warn<'a> = &'a mut dyn FnMut(&str, String);

fn snapshot(m: &Map) -> Vec<(String, Value)> {
    m.entries
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The keys of `m` whose value is nil, in order: what coalescing looks for in most maps, taken
/// out without copying the other entries.
fn nil_keys(m: &Map) -> Vec<String> {
    m.entries
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(_, v)| matches!(v, Value::Nil))
        .map(|(k, _)| k.clone())
        .collect()
}

pub(crate) fn get(m: &Map, key: &str) -> Option<Value> {
    m.entries
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(key)
        .cloned()
}

pub(crate) fn put(m: &Map, key: &str, v: Value) {
    m.write().insert(key.to_string(), v);
}

fn delete(m: &Map, key: &str) {
    m.write().remove(key);
}

/// `v.(map[string]any)`.
pub(crate) fn table(v: &Value) -> Option<&Arc<Map>> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn istable(v: &Value) -> bool {
    table(v).is_some()
}

pub(crate) fn new_map() -> Arc<Map> {
    Arc::new(Map::new(gotmpl::ElemType::Interface))
}

/// `copystructure.Copy`: fresh maps all the way down.
pub(crate) fn deep_copy(v: &Value) -> Value {
    match v {
        // copystructure copies a nil map or slice as nil.
        Value::Map(m) if m.is_nil() => v.clone(),
        Value::List(l) if l.is_nil() => v.clone(),
        Value::Map(m) => {
            // The tree's shape is cloned as it is (a map rebuilt from its entries sorts them
            // again), then its maps and lists are replaced by copies. Copied under the read
            // lock: values trees hold no cycles, so no lock is taken twice.
            let mut entries = m.entries.read().unwrap_or_else(|p| p.into_inner()).clone();
            for v in entries.values_mut() {
                if matches!(v, Value::Map(_) | Value::List(_)) {
                    *v = deep_copy(v);
                }
            }
            let mut copy = Map::from_map(m.elem.clone(), entries);
            copy.type_name = m.type_name.clone();
            Value::Map(Arc::new(copy))
        }
        Value::List(l) => Value::List(Arc::new(gotmpl::List::new(
            l.elem.clone(),
            l.items.iter().map(deep_copy).collect(),
        ))),
        other => other.clone(),
    }
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// `coalesce(printf, ch, dest, prefix, merge)`.
pub(crate) fn coalesce(
    w: Warn<'_>,
    ch: &Chart,
    dest: &Arc<Map>,
    prefix: &str,
    merge: bool,
    compat: HelmVersion,
) -> Result<(), ValuesError> {
    coalesce_values(w, ch, dest, prefix, merge, compat);
    coalesce_deps(w, ch, dest, prefix, merge, compat)
}

fn coalesce_deps(
    w: Warn<'_>,
    ch: &Chart,
    dest: &Arc<Map>,
    prefix: &str,
    merge: bool,
    compat: HelmVersion,
) -> Result<(), ValuesError> {
    for sub in &ch.dependencies {
        let name = sub.name();
        match get(dest, name) {
            None => put(dest, name, Value::Map(new_map())),
            Some(c) if !istable(&c) => {
                return Err(ValuesError::Message(format!(
                    "type mismatch on {name}: {}",
                    go_fmt_t(&c)
                )));
            }
            Some(_) => {}
        }
        if let Some(dv) = get(dest, name)
            && let Some(dvmap) = table(&dv)
        {
            let sub_prefix = concat_prefix(prefix, ch.name());
            coalesce_globals(w, dvmap, dest, &sub_prefix);
            coalesce(w, sub, dvmap, &sub_prefix, merge, compat)?;
            put(dest, name, dv.clone());
        }
    }
    Ok(())
}

/// `coalesceGlobals(dest, src)`: the globals of `src` (the parent) merged into `dest`'s.
fn coalesce_globals(w: Warn<'_>, dest: &Arc<Map>, src: &Arc<Map>, prefix: &str) {
    let dg = match get(dest, GLOBAL_KEY) {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            w(
                "coalesce.go:138",
                format!(
                    "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
                ),
            );
            return;
        }
    };
    let sg = match get(src, GLOBAL_KEY) {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            w(
                "coalesce.go:145",
                format!("warning: skipping globals because source {GLOBAL_KEY} is not a table."),
            );
            return;
        }
    };
    for (key, val) in snapshot(&sg) {
        if let Some(vm) = table(&val) {
            // copyMap: a shallow copy, nested maps shared with the parent's globals.
            let vv = Arc::new(Map::from_entries(gotmpl::ElemType::Interface, snapshot(vm)));
            match get(&dg, &key) {
                None => put(&dg, &key, Value::Map(vv)),
                Some(Value::Map(destvmap)) => {
                    let sub_prefix = concat_prefix(prefix, &key);
                    coalesce_tables_full_key(w, &vv, &destvmap, &sub_prefix, true);
                    put(&dg, &key, Value::Map(vv));
                }
                Some(_) => w(
                    "coalesce.go:161",
                    format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        goyaml_quote(&key)
                    ),
                ),
            }
        } else if let Some(dv) = get(&dg, &key)
            && istable(&dv)
        {
            w("coalesce.go:175", format!("key {key} is table. Skipping"));
        } else {
            put(&dg, &key, val);
        }
    }
    put(dest, GLOBAL_KEY, Value::Map(dg));
}

fn goyaml_quote(s: &str) -> String {
    // Go's %q of a string; keys are plain text in practice.
    format!("{s:?}")
}

/// `coalesceValues`: the chart's own defaults under `v`.
fn coalesce_values(
    w: Warn<'_>,
    ch: &Chart,
    v: &Arc<Map>,
    prefix: &str,
    merge: bool,
    compat: HelmVersion,
) {
    let sub_prefix = concat_prefix(prefix, ch.name());
    let vc = deep_copy(&ch.values);
    let Some(vc) = table(&vc) else {
        w(
            "coalesce.go:217",
            "warning: unable to convert values copy to values type".into(),
        );
        return;
    };
    let v4 = compat == HelmVersion::V4;
    for (key, val) in snapshot(vc) {
        if let Some(value) = get(v, &key) {
            if matches!(value, Value::Nil) && !merge {
                delete(v, &key);
            } else if let Some(dest) = table(&value) {
                match table(&val) {
                    None => {
                        if !matches!(val, Value::Nil) {
                            w(
                                "coalesce.go:237",
                                format!(
                                    "warning: skipped value for {sub_prefix}.{key}: Not a table."
                                ),
                            );
                        }
                    }
                    Some(src) => {
                        let merge = child_chart_merge_true(ch, &key, merge);
                        if v4 && !merge {
                            clean_nil_values(src);
                        }
                        coalesce_tables_full_key(
                            w,
                            dest,
                            src,
                            &concat_prefix(&sub_prefix, &key),
                            merge,
                        );
                    }
                }
            }
        } else {
            if v4 && !merge {
                if matches!(val, Value::Nil) {
                    continue;
                }
                if let Some(sub) = table(&val) {
                    clean_nil_values(sub);
                }
            }
            put(v, &key, val);
        }
    }
}

fn child_chart_merge_true(ch: &Chart, key: &str, merge: bool) -> bool {
    ch.dependencies.iter().any(|s| s.name() == key) || merge
}

/// `coalesceTablesFullKey(dst, src)`: `src` merged under `dst` (dst wins).
pub(crate) fn coalesce_tables_full_key(
    w: Warn<'_>,
    dst: &Arc<Map>,
    src: &Arc<Map>,
    prefix: &str,
    merge: bool,
) {
    // dst's nils are copied into src first; src's entries as they were before that decide
    // whether a nil in dst deletes the key. Without nils in dst (nearly always) there is nothing
    // to remember, and only the keys are copied out of dst, not every entry.
    let dst_nils = nil_keys(dst);
    let original = if dst_nils.is_empty() {
        Vec::new()
    } else {
        let original = snapshot(src);
        for key in &dst_nils {
            put(src, key, Value::Nil);
        }
        original
    };
    // `snapshot` lists keys in order, so a key is found by bisection.
    let was_non_nil = |key: &str| {
        original
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .is_ok_and(|i| !matches!(original[i].1, Value::Nil))
    };
    for (key, val) in snapshot(src) {
        let dv = get(dst, &key);
        match dv {
            Some(Value::Nil) if !merge && was_non_nil(&key) => {
                delete(dst, &key);
            }
            None => put(dst, &key, val),
            Some(dv) => {
                if let Some(vm) = table(&val) {
                    let fullkey = concat_prefix(prefix, &key);
                    if let Some(dm) = table(&dv) {
                        coalesce_tables_full_key(w, dm, vm, &fullkey, merge);
                    } else {
                        w(
                            "coalesce.go:316",
                            format!(
                                "warning: cannot overwrite table with non table for {fullkey} ({})",
                                go_fmt_v(&val)
                            ),
                        );
                    }
                } else if istable(&dv) && !matches!(val, Value::Nil) {
                    let fullkey = concat_prefix(prefix, &key);
                    w(
                        "coalesce.go:319",
                        format!(
                            "warning: destination for {fullkey} is a table. Ignoring non-table value ({})",
                            go_fmt_v(&val)
                        ),
                    );
                }
            }
        }
    }
}

/// `cleanNilValues` (helm v4): chart default nils removed in place. Only the nil keys and the
/// nested maps are taken out of each map (a snapshot of every entry cost more than the work).
fn clean_nil_values(m: &Arc<Map>) {
    let tables: Vec<Arc<Map>> = m
        .entries
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .filter_map(table)
        .cloned()
        .collect();
    for key in &nil_keys(m) {
        delete(m, key);
    }
    for sub in &tables {
        clean_nil_values(sub);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotmpl::{ElemType, List};

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(Arc::new(Map::from_entries(
            ElemType::Interface,
            entries.into_iter().map(|(k, v)| (k.to_string(), v)),
        )))
    }

    #[test]
    fn clean_nil_values_removes_nils_at_every_depth() {
        let inner = map(vec![
            ("n", Value::Nil),
            ("s", Value::String("x".into())),
            (
                "deeper",
                map(vec![("n2", Value::Nil), ("b", Value::Bool(false))]),
            ),
        ]);
        let top = map(vec![
            ("a", Value::Nil),
            ("inner", inner),
            ("i", Value::int(1)),
        ]);
        let Value::Map(m) = &top else { unreachable!() };
        clean_nil_values(m);
        assert_eq!(
            go_fmt_v(&top),
            "map[i:1 inner:map[deeper:map[b:false] s:x]]"
        );
    }

    #[test]
    fn deep_copies_share_no_map() {
        let inner = map(vec![("x", Value::String("1".into()))]);
        let in_list = map(vec![("y", Value::Bool(true))]);
        let list = Value::List(Arc::new(List::new(
            ElemType::Interface,
            vec![in_list.clone()],
        )));
        let named = Value::Map(Arc::new(
            Map::from_entries(ElemType::Interface, []).named("common.Values"),
        ));
        let original = map(vec![
            ("a", inner.clone()),
            ("l", list),
            ("n", Value::Map(Arc::new(Map::nil(ElemType::Interface)))),
            ("t", named),
            ("s", Value::String("s".into())),
        ]);
        let copy = deep_copy(&original);
        let (Some(o), Some(c)) = (table(&original), table(&copy)) else {
            panic!("maps");
        };
        assert!(!Arc::ptr_eq(o, c));
        let keys = |m: &Map| {
            m.entries
                .read()
                .expect("lock")
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(c), keys(o));
        // Nested maps, maps in lists: fresh, so a write to the copy is not seen in the original.
        let copied_inner = get(c, "a").expect("a");
        put(
            table(&copied_inner).expect("a map"),
            "x",
            Value::String("2".into()),
        );
        assert!(
            matches!(get(table(&inner).expect("a map"), "x"), Some(Value::String(s)) if &*s == "1")
        );
        let Some(Value::List(l)) = get(c, "l") else {
            panic!("a list");
        };
        put(table(&l.items[0]).expect("a map"), "y", Value::Bool(false));
        assert!(matches!(
            get(table(&in_list).expect("a map"), "y"),
            Some(Value::Bool(true))
        ));
        // A nil map stays nil; a named map keeps its type.
        assert!(matches!(get(c, "n"), Some(Value::Map(m)) if m.is_nil()));
        assert!(
            matches!(get(c, "t"), Some(Value::Map(m)) if m.type_name.as_deref() == Some("common.Values"))
        );
    }
}
