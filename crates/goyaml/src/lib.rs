//! YAML and JSON exactly as Helm's Go code reads and writes them.
//!
//! Helm reads values with `sigs.k8s.io/yaml` (yaml.v2, keys made strings, then a JSON round trip that
//! makes every number a float64), writes `toYaml` with yaml.v2's emitter after a JSON round trip,
//! `toYamlPretty` with yaml.v3, `toJson` with `encoding/json`, `toToml` with BurntSushi/toml, and
//! `--set` with its own `strvals`. Every byte of those paths shows in rendered manifests: YAML 1.1
//! resolution (`yes`, `0777`, `1_000`, `1:20`), yaml.v2's numeric-aware and non-transitive key order
//! sorted by Go's own pdqsort, its quoting and 80-column folding, Go's shortest float formatting
//! with round-half-even ties, the error texts with their (quirky) line numbers. No Rust crate
//! reproduces them (serde_yaml/yaml-rust2/saphyr follow YAML 1.2 and their own emitters and error
//! texts), so the scanner, parser, resolver and emitters here are ports of yaml.v2's (and yaml.v3's)
//! libyaml-derived Go code, checked against the real Go code by `tools/yaml-oracle`.
//!
//! Entry points: [`to_json`], [`to_pretty_json`], [`to_raw_json`], [`from_json`],
//! [`from_json_array`], [`to_yaml`], [`to_yaml_pretty`], [`from_yaml`], [`from_yaml_array`],
//! [`read_values`], [`to_toml`], [`strvals::parse_set`], [`split_manifests`]; natively typed
//! reading (helmfile) with [`parse_yaml_v2`] and [`native_to_value`]. Errors carry Go's text and,
//! for YAML syntax errors, the 1-based line and column of the problem.
//!
//! Host objects ([`gotmpl::Object`], e.g. Helm's `.Chart`) are encoded as Go encodes the struct
//! behind them: `encoding/json` (and so `toYaml`, which goes through JSON) uses the object's
//! `marshal_json` text, or else walks its `fields` by their `json` tags; yaml.v3
//! (`toYamlPretty`) walks the fields by `yaml` tags, defaulting to the lowercased Go field name
//! in declaration order; BurntSushi/toml by `toml` tags, defaulting to the Go field name.
mod emit;
mod error;
mod gofloat;
mod goquote;
mod gosort;
pub mod json;
mod json_node;
pub mod manifest;
pub mod node;
mod parse;
pub mod resolve;
mod scan;
pub mod strvals;
mod toml;

pub use error::Error;
use gotmpl::Value;
pub use manifest::{HelmVersion, split_manifests};
pub use node::Node;
pub use parse::pruned::Keep;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_float_g(f: f64) -> String {
    gofloat::g64(f)
}

/// `strconv.FormatFloat(f, 'g', -1, 32)` (sigs.k8s.io/yaml's number-to-string coercion).
pub fn format_float_g32(f: f64) -> String {
    gofloat::g32(f)
}

/// Helm's `toJson`: `json.Marshal(v)`.
pub fn to_json(v: &Value) -> Result<String, Error> {
    json::marshal(v)
}

/// Sprig's `toPrettyJson`: `json.MarshalIndent(v, "", "  ")`.
pub fn to_pretty_json(v: &Value) -> Result<String, Error> {
    json::marshal_indent(v, "", "  ")
}

/// Sprig's `toRawJson`: an Encoder with HTML escaping off (without the Encoder's trailing newline).
pub fn to_raw_json(v: &Value) -> Result<String, Error> {
    json::marshal_with(
        v,
        json::Options {
            escape_html: false,
            indent: None,
        },
    )
}

/// `json.Unmarshal` into `interface{}` (Sprig's `fromJson` target-free form): numbers are float64.
pub fn from_json_value(s: &str) -> Result<Value, Error> {
    json::unmarshal(s)
}

/// Helm's `fromJson`: a `map[string]interface{}`, or on error a map holding only `Error`.
pub fn from_json(s: &str) -> Value {
    match json::unmarshal_map(s) {
        (v, None) => v,
        (v, Some(e)) => {
            if let Value::Map(m) = &v {
                m.write()
                    .insert("Error".to_string(), Value::string(&e.message));
            }
            v
        }
    }
}

/// Helm's `fromJsonArray`: a `[]interface{}`, or on error a list holding only the error text.
pub fn from_json_array(s: &str) -> Value {
    json::unmarshal_list(s).unwrap_or_else(|e| Value::list(vec![Value::string(&e.message)]))
}

fn error_map(e: &Error) -> Value {
    Value::map([("Error".to_string(), Value::string(&e.message))])
}

/// Helm's `toYaml` (and `mustToYaml`'s success value): sigs.k8s.io/yaml `Marshal` (JSON first, then
/// yaml.v2 reads the JSON and writes YAML), without the final newline.
pub fn to_yaml(v: &Value) -> Result<String, Error> {
    let j = json::marshal(v).map_err(|e| e.wrap("error marshaling into JSON: "))?;
    // yaml.v2 reads the JSON text as YAML: NEL folds as a line break, DEL is refused, and so on.
    let node = match json_node::parse(&j) {
        Some(n) => n,
        None => parse_yaml_v2(&j)?.unwrap_or(Node::Null),
    };
    let mut out = emit::marshal(&node);
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

/// yaml.v2 `Unmarshal` of the first document into `interface{}`, natively typed (ints stay ints,
/// maps keep non-string keys): the reading mode helmfile uses. `None` for an empty stream.
pub fn parse_yaml_v2(text: &str) -> Result<Option<Node>, Error> {
    parse::parse_first(text).map_err(|e| {
        let (msg, line, column) = e.message();
        Error {
            message: format!("yaml: {msg}"),
            line,
            column,
        }
    })
}

/// [`parse_yaml_v2`] for a reader that needs only some entries near the top of the document
/// (helm's manifest heads): `keep` is asked about each entry of the root mapping (depth 0) and of
/// the mappings it says to descend into; other entries are walked without building them. `None`
/// when only the full parse can tell the answer (errors, anchors, aliases, tags, merge keys,
/// non-scalar keys, non-finite floats, a root that is not a mapping): the caller then calls
/// [`parse_yaml_v2`]. Otherwise the result equals the full parse with the skipped entries removed.
pub fn parse_yaml_v2_pruned(
    text: &str,
    keep: &dyn Fn(usize, &Node) -> Keep,
) -> Option<Option<Node>> {
    parse::pruned::parse_first_pruned(text, keep)
}

/// yaml.v3 reading (helmfile reads its state files and `fromYaml` with yaml.v3).
pub mod v3 {
    pub use crate::parse::{Composed, ComposedKind, SpannedDoc};
    use crate::{Error, Node, parse};

    /// Every document of a yaml.v3 stream (successive `Decoder.Decode` calls into
    /// `interface{}`), each with its composed nodes and their 1-based positions, for readers that
    /// check keys strictly and name `line:col` (helmfile's state files). A syntax error stops the
    /// stream, as in Go; a document's collected type errors are its `value`'s error.
    pub fn unmarshal_all_spanned(text: &str) -> Result<Vec<SpannedDoc>, Error> {
        parse::parse_all_v3_spanned(text).map_err(|e| {
            let (msg, line, column) = e.message_v3();
            Error {
                message: format!("yaml: {msg}"),
                line,
                column,
            }
        })
    }

    /// yaml.v3 `Unmarshal` of the first document into `interface{}`: YAML 1.2 core schema
    /// (`yes`/`on` are strings, only `true`/`false` are booleans), ints stay ints, `0o17` and
    /// `0777` octals, `<<` merges where the map's own keys win, duplicate keys an error, error
    /// texts like yaml.v3's. `None` for an empty stream. A mapping whose keys are all strings is
    /// Go's `map[string]interface{}`, any other `map[interface{}]interface{}`.
    ///
    /// Differences from Go: timestamps stay strings (Go gives `time.Time`); on an error Go
    /// returns its partial value beside it, canon only the error; yaml.v3's scanner also
    /// collects comments, which on some malformed inputs makes it report a different error
    /// first (about 1 in 10^5 generated documents in the fuzzer); a quoted scalar tagged `!`
    /// resolves like a plain one (Go keeps it a string).
    pub fn unmarshal(text: &str) -> Result<Option<Node>, Error> {
        match parse::parse_first_v3(text) {
            Ok(Ok(n)) => Ok(n),
            Ok(Err(msg)) => Err(Error::msg(format!("yaml: {msg}"))),
            Err(e) => {
                let (msg, line, column) = e.message_v3();
                Err(Error {
                    message: format!("yaml: {msg}"),
                    line,
                    column,
                })
            }
        }
    }
}

/// The Go target type of a sigs.k8s.io/yaml `Unmarshal`, as json's errors name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A map type with this Go name, e.g. `map[string]interface {}` or helm v4's `common.Values`.
    Map(&'a str),
    /// `[]interface {}`.
    List,
}

/// sigs.k8s.io/yaml `Unmarshal(text, &target)`: yaml.v2, keys made strings, a JSON round trip (every
/// number a float64). Errors read like Go's (`error converting YAML to JSON: yaml: line 3: ...`).
pub fn sigs_unmarshal(text: &str, target: Target<'_>) -> Result<Value, Error> {
    let node = parse_yaml_v2(text).map_err(|e| e.wrap("error converting YAML to JSON: "))?;
    let v = match node {
        None => Value::Nil,
        Some(n) => jsonable(n, true).map_err(|e| e.wrap("error converting YAML to JSON: "))?,
    };
    let what = match &v {
        Value::Nil => None,
        Value::Map(_) if matches!(target, Target::Map(_)) => None,
        Value::List(_) if target == Target::List => None,
        Value::Map(_) => Some("object"),
        Value::List(_) => Some("array"),
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("bool"),
        _ => Some("number"),
    };
    if let Some(what) = what {
        let ty = match target {
            Target::Map(t) => t,
            Target::List => "[]interface {}",
        };
        return Err(Error::msg(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {what} into Go value of type {ty}"
        )));
    }
    // sigs.k8s.io/yaml decodes JSON null through `Decode(&obj)` with obj an interface holding
    // the target pointer: the interface is set to nil, the caller's (non-nil) target is untouched.
    Ok(match (v, target) {
        (Value::Nil, Target::Map(_)) => Value::map(BTreeMap::new()),
        (Value::Nil, Target::List) => Value::list(Vec::new()),
        (v, _) => v,
    })
}

/// sigs.k8s.io/yaml `YAMLToJSON`.
pub fn yaml_to_json(text: &str) -> Result<String, Error> {
    let node = parse_yaml_v2(text)?;
    let v = match node {
        None => Value::Nil,
        Some(n) => jsonable(n, false)?,
    };
    json::marshal(&v)
}

/// Helm v4's `ReadValues` (values files, `-f`).
pub fn read_values(text: &str) -> Result<Value, Error> {
    read_values_for(text, HelmVersion::V4)
}

/// `ReadValues` of the given helm: the same reading; only the Go type named in a "cannot
/// unmarshal" error differs (`common.Values` in v4, `chartutil.Values` in v3).
pub fn read_values_for(text: &str, helm: HelmVersion) -> Result<Value, Error> {
    let ty = match helm {
        HelmVersion::V4 => "common.Values",
        HelmVersion::V3 => "chartutil.Values",
    };
    sigs_unmarshal(text, Target::Map(ty))
}

/// Helm v4's `ReadValues` with both results, as Go returns them: the values (empty on error) and
/// the error.
pub fn read_values_lenient(text: &str) -> (Value, Option<Error>) {
    match read_values(text) {
        Ok(v) => (v, None),
        Err(e) => (Value::map(BTreeMap::new()), Some(e)),
    }
}

/// Helm's `fromYaml`: a map, or on error a map holding only `Error`.
pub fn from_yaml(text: &str) -> Value {
    sigs_unmarshal(text, Target::Map("map[string]interface {}")).unwrap_or_else(|e| error_map(&e))
}

/// Helm's `fromYamlArray`: a list, or on error a list holding only the error text.
pub fn from_yaml_array(text: &str) -> Value {
    sigs_unmarshal(text, Target::List)
        .unwrap_or_else(|e| Value::list(vec![Value::string(&e.message)]))
}

fn go_type_name(n: &Node) -> &'static str {
    match n {
        Node::Null => "%!s(<nil>)",
        Node::Bool(_) => "bool",
        Node::Int(_) => "int",
        Node::Uint(_) => "uint64",
        Node::Float(_) => "float64",
        Node::Str(_) => "string",
        Node::Seq(_) => "[]interface {}",
        Node::Map(_) => "map[interface {}]interface {}",
    }
}

fn go_plus_sharp_v(n: &Node) -> String {
    match n {
        Node::Null => "<nil>".to_string(),
        other => parse::go_sharp_v(other),
    }
}

/// sigs.k8s.io/yaml's `convertToJSONableObject` then `json.Marshal` (then, when `json_numbers`,
/// `json.Unmarshal`'s float64 numbers). The tree is consumed: map keys move into the result.
fn jsonable(n: Node, json_numbers: bool) -> Result<Value, Error> {
    let mut bad_float: Option<f64> = None;
    let v = jsonable_rec(n, json_numbers, &mut bad_float)?;
    if bad_float.is_some() {
        // json.Marshal reports the first one it meets, walking maps in sorted key order.
        if let Some(f) = first_non_finite(&v) {
            return Err(Error::msg(format!(
                "json: unsupported value: {}",
                gofloat::g64(f)
            )));
        }
    }
    Ok(v)
}

fn first_non_finite(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f, _) if !f.is_finite() => Some(*f),
        Value::List(l) => l.items.iter().find_map(first_non_finite),
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .find_map(first_non_finite),
        _ => None,
    }
}

fn jsonable_rec(n: Node, jn: bool, bad: &mut Option<f64>) -> Result<Value, Error> {
    Ok(match n {
        Node::Null => Value::Nil,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => {
            if jn {
                Value::float(i as f64)
            } else {
                Value::int(i)
            }
        }
        Node::Uint(u) => {
            if jn {
                Value::float(u as f64)
            } else {
                Value::Uint(u, gotmpl::UintKind::Uint64)
            }
        }
        Node::Float(f) => {
            if !f.is_finite() && bad.is_none() {
                *bad = Some(f);
            }
            Value::float(f)
        }
        Node::Str(s) => Value::String(Arc::from(s.as_str())),
        Node::Seq(items) => Value::list(
            items
                .into_iter()
                .map(|i| jsonable_rec(i, jn, bad))
                .collect::<Result<_, _>>()?,
        ),
        Node::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                let key = match k {
                    Node::Str(s) => s,
                    Node::Int(i) => i.to_string(),
                    Node::Float(f) => match gofloat::g32(f).as_str() {
                        "+Inf" => ".inf".to_string(),
                        "-Inf" => "-.inf".to_string(),
                        "NaN" => ".nan".to_string(),
                        s => s.to_string(),
                    },
                    Node::Bool(b) => b.to_string(),
                    other => {
                        return Err(Error::msg(format!(
                            "unsupported map key of type: {}, key: {}, value: {}",
                            go_type_name(&other),
                            go_plus_sharp_v(&other),
                            go_plus_sharp_v(&v)
                        )));
                    }
                };
                m.insert(key, jsonable_rec(v, jn, bad)?);
            }
            Value::map(m)
        }
    })
}

/// A natively typed yaml.v2 value as a template value: ints stay `int`, `uint64` stays, keys are
/// printed with Go's `%v` (what helmfile's map conversions do).
pub fn native_to_value(n: &Node) -> Value {
    match n {
        Node::Null => Value::Nil,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::int(*i),
        Node::Uint(u) => Value::Uint(*u, gotmpl::UintKind::Uint64),
        Node::Float(f) => Value::float(*f),
        Node::Str(s) => Value::string(s),
        Node::Seq(items) => Value::list(items.iter().map(native_to_value).collect()),
        Node::Map(entries) => Value::map(entries.iter().map(|(k, v)| {
            let key = match k {
                Node::Str(s) => s.clone(),
                Node::Null => "<nil>".to_string(),
                Node::Float(f) => gofloat::g64(*f),
                Node::Int(i) => i.to_string(),
                Node::Uint(u) => u.to_string(),
                Node::Bool(b) => b.to_string(),
                other => parse::go_sharp_v(other),
            };
            (key, native_to_value(v))
        })),
    }
}

/// Go's `unicode.IsPrint` (as `strconv.Quote` uses it), approximated outside the ranges canon meets.
pub fn go_is_print(c: char) -> bool {
    goquote::is_print(c)
}

/// Whether two keys of one mapping become the same string in sigs.k8s.io/yaml's conversion (`1`
/// and `"1"`, `01` and `1`), or two keys cannot be converted at all (`~`, an uint64): Go's result
/// then depends on its random map iteration order.
pub fn has_ambiguous_keys(n: &Node) -> bool {
    count_bad_keys(n) >= 2 || has_colliding_keys(n)
}

fn count_bad_keys(n: &Node) -> usize {
    match n {
        Node::Seq(items) => items.iter().map(count_bad_keys).sum(),
        Node::Map(entries) => entries
            .iter()
            .map(|(k, v)| usize::from(matches!(k, Node::Null | Node::Uint(_))) + count_bad_keys(v))
            .sum(),
        _ => 0,
    }
}

fn has_colliding_keys(n: &Node) -> bool {
    match n {
        Node::Seq(items) => items.iter().any(has_colliding_keys),
        Node::Map(entries) => {
            let mut seen = std::collections::HashSet::new();
            for (k, v) in entries {
                let key = match k {
                    Node::Str(s) => s.clone(),
                    Node::Int(i) => i.to_string(),
                    Node::Float(f) => gofloat::g32(*f),
                    Node::Bool(b) => b.to_string(),
                    _ => continue,
                };
                if !seen.insert(key) || has_colliding_keys(v) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// Helm's `toYamlPretty`: yaml.v3's `Encoder` with indent 2 straight from the value (no JSON step:
/// ints stay ints, floats keep their Go width), without the final newline.
pub fn to_yaml_pretty(v: &Value) -> Result<String, Error> {
    // Maps are sorted as they become nodes; structs keep their field order.
    let node = value_to_node(v)?;
    let mut out = emit::marshal_v3_presorted(&node);
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

fn value_to_node(v: &Value) -> Result<Node, Error> {
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i, _) => Node::Int(*i),
        Value::Uint(u, _) => Node::Uint(*u),
        // A float32 prints with 32-bit shortest digits; those digits read back as the float64
        // whose shortest form they are.
        Value::Float(f, gotmpl::FloatKind::F32) if f.is_finite() => {
            Node::Float(gofloat::g32(*f).parse().unwrap_or(*f))
        }
        Value::Float(f, _) => Node::Float(*f),
        Value::String(s) => Node::Str(s.to_string()),
        // yaml.v3 has no special case for []byte: a sequence of integers.
        Value::Bytes(b) => Node::Seq(b.iter().map(|&x| Node::Int(i64::from(x))).collect()),
        Value::List(l) => Node::Seq(
            l.items
                .iter()
                .map(value_to_node)
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries.iter() {
                out.push((Node::Str(k.clone()), value_to_node(v)?));
            }
            let mut refs: Vec<&(Node, Node)> = out.iter().collect();
            emit::sort_entries(&mut refs, true);
            Node::Map(refs.into_iter().cloned().collect())
        }
        Value::Object(o) if o.is_nil() => Node::Null,
        Value::Object(o) => match o.fields() {
            Some(fields) => {
                let mut out = Vec::with_capacity(fields.len());
                v3_struct(&o.type_name(), &fields, &mut out)?;
                Node::Map(out)
            }
            // A named map type marshals as its map.
            None => match o.map_entries() {
                Some(entries) => value_to_node(&Value::map(entries))?,
                None => {
                    return Err(Error::msg(format!(
                        "yaml: cannot marshal type: {}",
                        o.type_name()
                    )));
                }
            },
        },
    })
}

/// yaml.v3's `structv` over a host object's exported fields (`getStructInfo`): the `yaml` tag
/// (or the whole tag when it has no `key:` pair) names the key, else the lowercased Go field
/// name; `-` skips; `omitempty` drops zero values (`isZero`); `inline` splices a struct's
/// fields. `flow` is accepted but not applied (canon's nodes carry no style).
fn v3_struct(
    type_name: &str,
    fields: &[gotmpl::Field],
    out: &mut Vec<(Node, Node)>,
) -> Result<(), Error> {
    for f in fields {
        let mut tag = f.tag_lookup("yaml").unwrap_or_default();
        if tag.is_empty() && !f.tag.contains(':') {
            tag = f.tag.clone();
        }
        if tag == "-" {
            continue;
        }
        let mut parts = tag.split(',');
        let name = parts.next().unwrap_or_default().to_string();
        let (mut omit, mut inline) = (false, false);
        for flag in parts {
            match flag {
                "omitempty" => omit = true,
                "flow" => {}
                "inline" => inline = true,
                other => {
                    let st = type_name.trim_start_matches('*');
                    return Err(Error::msg(format!(
                        "unsupported flag {} in tag {} of type {st}",
                        goquote::quote(other),
                        goquote::quote(&tag)
                    )));
                }
            }
        }
        if inline
            && let Value::Object(o) = &f.value
            && let Some(inner) = o.fields()
        {
            v3_struct(&o.type_name(), &inner, out)?;
            continue;
        }
        if omit && v3_is_zero(&f.value) {
            continue;
        }
        let key = if name.is_empty() {
            f.name.to_lowercase()
        } else {
            name
        };
        out.push((Node::Str(key), value_to_node(&f.value)?));
    }
    Ok(())
}

/// yaml.v3's `isZero`.
fn v3_is_zero(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty(),
        Value::Object(o) => {
            o.is_nil()
                || (!o.type_name().starts_with('*')
                    && o.fields()
                        .is_some_and(|fs| fs.iter().all(|f| v3_is_zero(&f.value))))
        }
    }
}

/// Helm's `toToml`: BurntSushi/toml's encoder; on error Helm returns the error text, which is
/// what `Err` holds.
pub fn to_toml(v: &Value) -> Result<String, Error> {
    toml::encode(v)
}

/// Whether some map in `v` has keys that yaml.v2's (or, with `v3`, yaml.v3's) key order cannot
/// rank consistently (`"10" < "1E3" < "01" < "10"`). Go then sorts its random map order into
/// different outputs from run to run; canon always gives one of them (Go's sort over keys in byte
/// order), so such values are not byte-comparable with a single Go run.
pub fn has_unstable_key_order(v: &Value, v3: bool) -> bool {
    match v {
        Value::List(l) => l.items.iter().any(|i| has_unstable_key_order(i, v3)),
        Value::Map(m) => {
            let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
            let mut keys: Vec<Node> = entries.keys().map(|k| Node::Str(k.clone())).collect();
            gosort::sort(&mut keys, |a, b| emit::key_less(a, b, v3));
            for i in 0..keys.len() {
                for j in i + 1..keys.len() {
                    if emit::key_less(&keys[j], &keys[i], v3) {
                        return true;
                    }
                }
            }
            entries.values().any(|i| has_unstable_key_order(i, v3))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_go_text_and_true_position() {
        // Texts as tools/yaml-oracle gives them. A scanner error: Go prints the 1-based line.
        let e = from_yaml_checked("a: 1\n b: 2\n");
        assert_eq!(
            e.message,
            "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context"
        );
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
        // A parser error: Go prints the 0-based line of the offending token; canon's position is true.
        let e = from_yaml_checked("a:\n  - b\n  c: d\n");
        assert_eq!(
            e.message,
            "error converting YAML to JSON: yaml: line 2: did not find expected '-' indicator"
        );
        assert_eq!((e.line, e.column), (Some(3), Some(3)));
    }

    fn from_yaml_checked(s: &str) -> Error {
        sigs_unmarshal(s, Target::Map("map[string]interface {}")).expect_err("invalid YAML")
    }
}

#[cfg(test)]
mod object_tests {
    use super::*;

    /// A Go named map type with methods and no marshaler (Helm's `Files`): Go's encoders see
    /// its kind, a map, so every encoder must write exactly what it writes for the plain map.
    #[derive(Debug)]
    struct NamedMap(Vec<(String, Value)>);

    impl gotmpl::Object for NamedMap {
        fn type_name(&self) -> String {
            "chart.Files".into()
        }
        fn display(&self) -> String {
            "map[]".into()
        }
        fn map_entries(&self) -> Option<Vec<(String, Value)>> {
            Some(self.0.clone())
        }
    }

    #[test]
    fn named_maps_encode_as_their_map() {
        let entries = vec![
            ("b.txt".to_string(), Value::Bytes(Arc::from(&b"<hi>"[..]))),
            (
                "a".to_string(),
                Value::map([("x".to_string(), Value::int(1))]),
            ),
        ];
        let obj = Value::Object(Arc::new(NamedMap(entries.clone())));
        let plain = Value::map(entries);
        type Enc = fn(&Value) -> Result<String, Error>;
        let encoders: [(&str, Enc); 6] = [
            ("toJson", to_json),
            ("toPrettyJson", to_pretty_json),
            ("toRawJson", to_raw_json),
            ("toYaml", to_yaml),
            ("toYamlPretty", to_yaml_pretty),
            ("toToml", to_toml),
        ];
        for (name, f) in encoders {
            let want = f(&plain).map_err(|e| e.message);
            assert!(want.is_ok(), "{name}: {want:?}");
            assert_eq!(f(&obj).map_err(|e| e.message), want, "{name}");
        }
    }
}

#[cfg(test)]
mod spanned_tests {
    use crate::v3::{ComposedKind, unmarshal_all_spanned};
    use crate::{Node, v3};

    #[test]
    fn documents_positions_and_values() {
        let text = "a: 1\nb:\n  - &x {c: 2}\n  - *x\n--- \nd: [e]\n";
        let docs = unmarshal_all_spanned(text).expect("valid stream");
        assert_eq!(docs.len(), 2);
        let first = &docs[0];
        // The same values as a plain yaml.v3 decoding.
        let plain = v3::unmarshal(text).expect("valid").expect("a document");
        assert_eq!(first.value.as_ref().expect("no type errors"), &plain);
        let ComposedKind::Map(kv) = &first.nodes[first.root].kind else {
            panic!("root is a mapping");
        };
        let b = &first.nodes[kv[2]];
        assert_eq!((b.line, b.column), (2, 1));
        let ComposedKind::Seq(items) = &first.nodes[kv[3]].kind else {
            panic!("b is a sequence");
        };
        let anchored = &first.nodes[items[0]];
        assert_eq!((anchored.line, anchored.column), (3, 5));
        assert!(matches!(first.nodes[items[1]].kind, ComposedKind::Alias(t) if t == items[0]));
        let second = &docs[1];
        assert_eq!(
            second.value.as_ref().expect("no type errors"),
            &Node::Map(vec![(
                Node::Str("d".into()),
                Node::Seq(vec![Node::Str("e".into())])
            )])
        );
        let ComposedKind::Map(kv) = &second.nodes[second.root].kind else {
            panic!("root is a mapping");
        };
        assert_eq!(second.nodes[kv[0]].line, 6);
    }

    #[test]
    fn duplicate_keys_are_the_documents_error_and_syntax_errors_stop() {
        let docs = unmarshal_all_spanned("a: 1\na: 2\n").expect("valid syntax");
        let err = docs[0].value.as_ref().expect_err("duplicate key");
        assert!(
            err.contains("mapping key \"a\" already defined at line 1"),
            "{err}"
        );
        let err = unmarshal_all_spanned("a: [\n").expect_err("syntax error");
        assert_eq!(
            err.message,
            "yaml: line 1: did not find expected node content"
        );
    }
}
