//! helmfile's ways of combining values maps, which differ from each other and show in the
//! result: `maputil.MergeMaps` (environments, layers: maps merge, a `nil` never erases, lists
//! replace unless sparse), `mergo.Merge(..., WithOverride)` (values files of one environment:
//! maps merge, a `nil` erases, lists replace) and `maputil.Set` (`--state-values-set`).
//!
//! Values are [`gotmpl::Value`] trees; maps are never mutated in place (they may be shared), each
//! merge builds new ones.

use std::collections::BTreeMap;

use gotmpl::Value;

/// A map value's entries, or `None` for anything else.
pub(crate) fn entries(v: &Value) -> Option<BTreeMap<String, Value>> {
    match v {
        Value::Map(m) => Some(m.entries.read().unwrap_or_else(|p| p.into_inner()).clone()),
        _ => None,
    }
}

pub(crate) fn map(m: BTreeMap<String, Value>) -> Value {
    Value::map(m)
}

pub(crate) fn empty_map() -> Value {
    Value::map(BTreeMap::new())
}

fn list_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.items.clone()),
        _ => None,
    }
}

/// How `MergeMaps` treats lists present on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArrayStrategy {
    /// A list holding a `nil` merges item by item, any other replaces (the default).
    Sparse,
    /// Always item by item (`--state-values-set` layers).
    Merge,
}

/// `maputil.MergeMaps(a, b, strategy)`: `b` over `a`.
pub(crate) fn merge_maps(a: &Value, b: &Value, strategy: ArrayStrategy) -> Value {
    let mut out = entries(a).unwrap_or_default();
    for (k, v) in entries(b).unwrap_or_default() {
        if matches!(v, Value::Nil) {
            out.entry(k).or_insert(Value::Nil);
            continue;
        }
        if let (Value::Map(_), Some(base @ Value::Map(_))) = (&v, out.get(&k)) {
            let merged = merge_maps(base, &v, strategy);
            out.insert(k, merged);
            continue;
        }
        if let (Some(over), Some(base)) = (list_items(&v), out.get(&k).and_then(list_items)) {
            out.insert(k, Value::list(merge_slices(&base, &over, strategy)));
            continue;
        }
        out.insert(k, v);
    }
    map(out)
}

fn merge_slices(base: &[Value], over: &[Value], strategy: ArrayStrategy) -> Vec<Value> {
    if strategy == ArrayStrategy::Sparse && !over.iter().any(|v| matches!(v, Value::Nil)) {
        return over.to_vec();
    }
    let mut out: Vec<Value> = base.to_vec();
    out.resize(base.len().max(over.len()), Value::Nil);
    for (i, v) in over.iter().enumerate() {
        if matches!(v, Value::Nil) {
            continue;
        }
        if let (Value::Map(_), Some(b @ Value::Map(_))) = (v, base.get(i)) {
            out[i] = merge_maps(b, v, strategy);
            continue;
        }
        out[i] = v.clone();
    }
    out
}

/// `mergo.Merge(&dst, src, mergo.WithOverride)` on `map[string]interface{}`: `src` over `dst`;
/// nested maps merge, a `nil` in `src` overwrites, anything else replaces.
pub(crate) fn mergo_override(dst: &Value, src: &Value) -> Value {
    let mut out = entries(dst).unwrap_or_default();
    for (k, v) in entries(src).unwrap_or_default() {
        if let (Value::Map(_), Some(d @ Value::Map(_))) = (&v, out.get(&k)) {
            let merged = mergo_override(d, &v);
            out.insert(k, merged);
            continue;
        }
        out.insert(k, v);
    }
    map(out)
}

/// `maputil.ParseKey`: a dotted key with `\.` escapes.
pub(crate) fn parse_key(key: &str) -> Vec<String> {
    let mut r = Vec::new();
    let mut part = String::new();
    let mut escaped = false;
    for c in key.chars() {
        if !escaped && c == '\\' {
            escaped = true;
            continue;
        }
        let split = c == '.' && !escaped;
        escaped = false;
        if split {
            r.push(std::mem::take(&mut part));
        } else {
            part.push(c);
        }
    }
    if !part.is_empty() {
        r.push(part);
    }
    r
}

/// The `key=value` pairs of one `--state-values-set-string` argument, as helmfile's regular
/// expression ``(?:,|^)([^\s=]+)=(['"][^'"]*['"]|[^,]+)`` finds them (quotes kept).
pub(crate) fn set_string_ops(s: &str) -> Vec<(String, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    let mut start = 0;
    while start <= b.len() {
        let at_start = start == 0 || (start > 0 && b[start - 1] == b',');
        if start >= from && at_start {
            let key_end = b[start..]
                .iter()
                .position(|&c| c == b'=' || c.is_ascii_whitespace())
                .map_or(b.len(), |i| start + i);
            if key_end > start && b.get(key_end) == Some(&b'=') {
                let v = key_end + 1;
                let quoted = matches!(b.get(v), Some(b'\'' | b'"'))
                    .then(|| {
                        b[v + 1..]
                            .iter()
                            .position(|&c| c == b'\'' || c == b'"')
                            .map(|i| v + 1 + i + 1)
                    })
                    .flatten();
                let end = quoted.unwrap_or_else(|| {
                    b[v..]
                        .iter()
                        .position(|&c| c == b',')
                        .map_or(b.len(), |i| v + i)
                });
                if end > v {
                    out.push((s[start..key_end].to_string(), s[v..end].to_string()));
                    from = end;
                    start = end + 1;
                    continue;
                }
            }
        }
        start += 1;
    }
    out
}

/// `maputil.typedVal`: what a `--state-values-set` value becomes.
fn typed_val(v: &str, string_only: bool) -> Value {
    if string_only {
        return Value::string(v);
    }
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if v == "0" {
        return Value::Int(0, gotmpl::IntKind::Int64);
    }
    if !v.is_empty()
        && !v.starts_with('0')
        && let Some(i) = go_parse_int(v)
    {
        return Value::Int(i, gotmpl::IntKind::Int64);
    }
    Value::string(v)
}

/// `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A `key[3]` step of `maputil.Set` (Go's `fmt.Sscanf("%s %d")` after replacing brackets).
fn cursor(key: &str) -> (String, Option<usize>) {
    let k = key.replace(['[', ']'], " ");
    let mut it = k.split_whitespace();
    if let (Some(name), Some(idx)) = (it.next(), it.next())
        && let Ok(i) = idx.parse::<usize>()
    {
        return (name.to_string(), Some(i));
    }
    (k, None)
}

/// `maputil.Set(m, key, value, stringBool)`: sets a dotted key path in `m`, making maps (and
/// lists for `a[2]`) on the way.
pub(crate) fn set_path(m: &Value, key: &[String], value: &str, string_only: bool) -> Value {
    let mut entries = entries(m).unwrap_or_default();
    let Some((first, rest)) = key.split_first() else {
        return m.clone();
    };
    let (name, idx) = cursor(first);
    let leaf = || typed_val(value, string_only);
    match idx {
        None => {
            let v = if rest.is_empty() {
                leaf()
            } else {
                let child = match entries.get(&name) {
                    Some(c @ Value::Map(_)) => c.clone(),
                    _ => empty_map(),
                };
                set_path(&child, rest, value, string_only)
            };
            entries.insert(name, v);
        }
        Some(i) => {
            let mut items = entries.get(&name).and_then(list_items).unwrap_or_default();
            if items.len() <= i {
                items.resize(i + 1, Value::Nil);
            }
            items[i] = if rest.is_empty() {
                leaf()
            } else {
                let child = match &items[i] {
                    c @ Value::Map(_) => c.clone(),
                    _ => empty_map(),
                };
                set_path(&child, rest, value, string_only)
            };
            entries.insert(name, Value::list(items));
        }
    }
    map(entries)
}

/// A goyaml value as helmfile holds it after `maputil.CastKeysToStrings`: maps with string keys.
pub(crate) fn from_node(n: &goyaml::Node) -> Value {
    goyaml::native_to_value(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Value {
        from_node(&goyaml::v3::unmarshal(s).expect("yaml").expect("doc"))
    }

    #[test]
    fn merge_maps_keeps_base_on_nil_and_replaces_lists() {
        let a = y("a: 1\nl: [1, 2]\nm: {x: 1}\n");
        let b = y("a: null\nl: [3]\nm: {y: 2}\nn: null\n");
        let m = merge_maps(&a, &b, ArrayStrategy::Sparse);
        assert_eq!(
            goyaml::to_json(&m).expect("json"),
            r#"{"a":1,"l":[3],"m":{"x":1,"y":2},"n":null}"#
        );
        let sparse = y("l: [null, 5]\n");
        let m = merge_maps(&a, &sparse, ArrayStrategy::Sparse);
        assert_eq!(
            goyaml::to_json(&m).expect("json"),
            r#"{"a":1,"l":[1,5],"m":{"x":1}}"#
        );
    }

    #[test]
    fn mergo_lets_nil_erase() {
        let m = mergo_override(&y("a: 1\nm: {x: 1}\n"), &y("a: null\nm: {y: 2}\n"));
        assert_eq!(
            goyaml::to_json(&m).expect("json"),
            r#"{"a":null,"m":{"x":1,"y":2}}"#
        );
    }

    #[test]
    fn set_string_ops_like_helmfiles_regexp() {
        let ops = set_string_ops(r#"a=1,b="x,y",c.d=true,=skip,e f=g,h="open,i=2"#);
        let ops: Vec<String> = ops.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        // What Go's regexp.FindAllStringSubmatch gives for the same input.
        assert_eq!(
            ops,
            [r#"a=1"#, r#"b="x,y""#, "c.d=true", r#"h="open"#, "i=2"]
        );
    }

    #[test]
    fn set_paths_like_maputil() {
        let m = set_path(&empty_map(), &parse_key("a.b"), "1", false);
        let m = set_path(&m, &parse_key("l[1]"), "x", false);
        let m = set_path(&m, &parse_key("d\\.e"), "007", false);
        assert_eq!(
            goyaml::to_json(&m).expect("json"),
            r#"{"a":{"b":1},"d.e":"007","l":[null,"x"]}"#
        );
    }
}
