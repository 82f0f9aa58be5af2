//! Values: user values from `-f`/`--set*` (helm's `values.Options.MergeValues`) and their
//! coalescing with chart defaults across the chart tree (helm's `CoalesceValues`), then what
//! `ToRenderValuesWithSchemaValidation` does with them ([`to_render_values`]).
//!
//! helm logs warnings while coalescing (`warning: skipped value for ...: Not a table.` and the
//! like) and processing dependencies (non-bool conditions and tags, missing import tables) on
//! stderr, never stdout. The `_logged` variants hand each to the caller as the whole line helm
//! prints (v3: `coalesce.go:316: warning: ...`; v4: `level=INFO msg="warning: ..."` or
//! `level=WARN msg=... key=value`); the plain ones drop them. Nothing here prints. Go walks maps
//! in random order, so the order of several warnings varies between helm runs.

mod coalesce;
mod read;
pub(crate) mod warn;

use std::path::PathBuf;
use std::sync::Arc;

use gotmpl::{Map, Value};
use goyaml::strvals;

use crate::HelmVersion;
use crate::chart::Chart;

pub(crate) use coalesce::{deep_copy, get, new_map, put, table};

/// Values that cannot be read or merged, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    #[error("{0}")]
    Message(String),
}

/// helm's `values.Options`: flags in the order helm applies them.
#[derive(Clone, Debug, Default)]
pub struct ValueOptions {
    /// `-f` files given by their bytes (a name for errors, the content), read before
    /// `values_files`: for callers that generate values files (helmfile's per-release layers)
    /// and would otherwise write them to disk only for helm to read them back.
    pub values_data: Vec<(String, Vec<u8>)>,
    pub values_files: Vec<PathBuf>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_file: Vec<String>,
    pub set_json: Vec<String>,
    pub set_literal: Vec<String>,
}

/// helm's `MergeValues`: the user-supplied values map. `-f -` and `--set-file k=-` read stdin.
pub fn merge_values(opts: &ValueOptions, compat: HelmVersion) -> Result<Value, ValuesError> {
    merge_values_with(opts, compat, &mut read::read_stdin)
}

/// [`merge_values`] with the standard input given by `stdin` (called each time helm reads it).
pub fn merge_values_with(
    opts: &ValueOptions,
    compat: HelmVersion,
    stdin: &mut dyn FnMut() -> Result<Vec<u8>, String>,
) -> Result<Value, ValuesError> {
    let err = |m: String| ValuesError::Message(m);
    let mut base = Value::map([]);
    for (name, raw) in &opts.values_data {
        let text = String::from_utf8_lossy(raw);
        let current =
            load_values(&text, compat).map_err(|e| err(format!("failed to parse {name}: {e}")))?;
        base = merge_maps(&base, &current);
    }
    for path in &opts.values_files {
        let path = path.to_string_lossy();
        let raw = read::read_file(&path, stdin).map_err(err)?;
        let text = String::from_utf8_lossy(&raw);
        let current =
            load_values(&text, compat).map_err(|e| err(format!("failed to parse {path}: {e}")))?;
        base = merge_maps(&base, &current);
    }
    for value in &opts.set_json {
        let trimmed = value.trim();
        if compat == HelmVersion::V4 && trimmed.starts_with('{') {
            match goyaml::json::unmarshal_map(trimmed) {
                (m, None) => base = merge_maps(&base, &m),
                (_, Some(_)) => {
                    return Err(err(format!("failed parsing --set-json data JSON: {value}")));
                }
            }
        } else if strvals::parse_into(value, &base, strvals::Into::Json, compat).is_some() {
            return Err(err(format!("failed parsing --set-json data {value}")));
        }
    }
    for value in &opts.set {
        if let Some(e) = strvals::parse_into(value, &base, strvals::Into::Set, compat) {
            return Err(err(format!("failed parsing --set data: {}", e.message)));
        }
    }
    for value in &opts.set_string {
        if let Some(e) = strvals::parse_into(value, &base, strvals::Into::SetString, compat) {
            return Err(err(format!(
                "failed parsing --set-string data: {}",
                e.message
            )));
        }
    }
    for value in &opts.set_file {
        let mut reader = |name: &str| -> Result<Value, String> {
            let bytes = read::read_file(name, stdin)?;
            Ok(Value::string(String::from_utf8_lossy(&bytes)))
        };
        if let Some(e) = strvals::parse_into(value, &base, strvals::Into::File(&mut reader), compat)
        {
            return Err(err(format!(
                "failed parsing --set-file data: {}",
                e.message
            )));
        }
    }
    for value in &opts.set_literal {
        if let Some(e) = strvals::parse_into(value, &base, strvals::Into::Literal, compat) {
            return Err(err(format!(
                "failed parsing --set-literal data: {}",
                e.message
            )));
        }
    }
    Ok(base)
}

/// A values file as `MergeValues` reads it: helm v4's `loader.LoadValues` (every YAML document,
/// merged in order), helm v3's single `yaml.Unmarshal`.
pub fn load_values(text: &str, compat: HelmVersion) -> Result<Value, String> {
    let target = goyaml::Target::Map("map[string]interface {}");
    match compat {
        HelmVersion::V3 => goyaml::sigs_unmarshal(text, target).map_err(|e| e.message),
        HelmVersion::V4 => {
            let docs = read::yaml_documents(text)
                .map_err(|e| format!("error reading yaml document: {e}"))?;
            let mut values = Value::map([]);
            for doc in docs {
                let current = goyaml::sigs_unmarshal(&doc, target)
                    .map_err(|e| format!("cannot unmarshal yaml document: {}", e.message))?;
                values = merge_maps(&values, &current);
            }
            Ok(values)
        }
    }
}

/// helm's `MergeMaps(a, b)`: a new map, `b` over `a`, maps merged recursively.
pub fn merge_maps(a: &Value, b: &Value) -> Value {
    let out = new_map();
    if let Some(a) = table(a) {
        for (k, v) in entries(a) {
            put(&out, &k, v);
        }
    }
    if let Some(b) = table(b) {
        for (k, v) in entries(b) {
            if table(&v).is_some()
                && let Some(bv) = get(&out, &k)
                && table(&bv).is_some()
            {
                put(&out, &k, merge_maps(&bv, &v));
                continue;
            }
            put(&out, &k, v);
        }
    }
    Value::Map(out)
}

fn entries(m: &Map) -> Vec<(String, Value)> {
    m.entries
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// helm's `CoalesceValues(chart, vals)`: user values over chart defaults, subcharts included.
pub fn coalesce_values(
    chart: &Chart,
    vals: &Value,
    compat: HelmVersion,
) -> Result<Value, ValuesError> {
    coalesce_values_logged(chart, vals, compat, &mut |_| {})
}

/// [`coalesce_values`], handing helm's log warnings to `warn`.
pub fn coalesce_values_logged(
    chart: &Chart,
    vals: &Value,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<Value, ValuesError> {
    run_coalesce(chart, vals, compat, false, warn)
}

/// helm's `MergeValues(chart, vals)` (the `chartutil` one): like [`coalesce_values`] but nulls
/// are kept.
pub fn merge_chart_values(
    chart: &Chart,
    vals: &Value,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<Value, ValuesError> {
    run_coalesce(chart, vals, compat, true, warn)
}

fn run_coalesce(
    chart: &Chart,
    vals: &Value,
    compat: HelmVersion,
    merge: bool,
    warn: &mut dyn FnMut(String),
) -> Result<Value, ValuesError> {
    let copy = deep_copy(vals);
    let dest = match table(&copy) {
        Some(m) => m.clone(),
        None => new_map(),
    };
    coalesce::coalesce(
        &mut |site, text| warn(warn::logf(compat, site, &text)),
        chart,
        &dest,
        "",
        merge,
        compat,
    )?;
    Ok(Value::Map(dest))
}

/// helm's `CoalesceTables(dst, src)`: `src` under `dst` (which it returns, changed in place).
pub fn coalesce_tables(
    dst: &Value,
    src: &Value,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Value {
    tables(dst, src, false, compat, warn)
}

/// helm's `MergeTables(dst, src)`: [`coalesce_tables`] keeping nulls.
pub fn merge_tables(
    dst: &Value,
    src: &Value,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Value {
    tables(dst, src, true, compat, warn)
}

fn tables(
    dst: &Value,
    src: &Value,
    merge: bool,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Value {
    match (table(dst), table(src)) {
        (Some(d), Some(s)) => {
            coalesce::coalesce_tables_full_key(
                &mut |site, text| warn(warn::logf(compat, site, &text)),
                d,
                s,
                "",
                merge,
            );
            dst.clone()
        }
        (None, _) => src.clone(),
        (Some(_), None) => dst.clone(),
    }
}

/// What `ToRenderValuesWithSchemaValidation` does to the values: coalesce `user_vals` with the
/// chart tree's defaults, then (unless `skip_schema`) validate every chart's schema, failing
/// with helm's "values don't meet the specifications..." message. Returns `.Values`.
pub fn to_render_values(
    chart: &Chart,
    user_vals: &Value,
    compat: HelmVersion,
    skip_schema: bool,
) -> Result<Value, crate::Error> {
    to_render_values_logged(chart, user_vals, compat, skip_schema, &mut |_| {})
}

/// [`to_render_values`], handing helm's log warnings to `warn`.
pub fn to_render_values_logged(
    chart: &Chart,
    user_vals: &Value,
    compat: HelmVersion,
    skip_schema: bool,
    warn: &mut dyn FnMut(String),
) -> Result<Value, crate::Error> {
    let vals = coalesce_values_logged(chart, user_vals, compat, warn)?;
    if !skip_schema {
        crate::schema::validate(chart, &vals, compat)?;
    }
    Ok(vals)
}

/// A fresh `map[string]interface{}` holding `entries`.
pub(crate) fn map_of(entries: Vec<(String, Value)>) -> Value {
    Value::Map(Arc::new(Map::from_entries(
        gotmpl::ElemType::Interface,
        entries,
    )))
}

/// Go's `%v` of a value (for helm's warnings and `fmt.Sprintf("%v", ...)`).
pub(crate) fn go_fmt_v(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i, _) => i.to_string(),
        Value::Uint(u, _) => u.to_string(),
        Value::Float(f, _) => goyaml::format_float_g(*f),
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => format!(
            "[{}]",
            b.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
        ),
        Value::List(l) => format!(
            "[{}]",
            l.items.iter().map(go_fmt_v).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => format!(
            "map[{}]",
            entries(m)
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_fmt_v(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::Object(o) => o.display(),
    }
}

/// Go's `%t` of a value: a bool as is, anything else as `%!t(type=value)`.
pub(crate) fn go_fmt_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".into(),
        Value::List(l) => format!(
            "[{}]",
            l.items.iter().map(go_fmt_t).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => format!(
            "map[{}]",
            entries(m)
                .iter()
                .map(|(k, v)| format!("%!t(string={k}):{}", go_fmt_t(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => format!("%!t({}={})", go_type(other), go_fmt_v(other)),
    }
}

/// Go's `%T`.
pub(crate) fn go_type(v: &Value) -> String {
    use gotmpl::{FloatKind, IntKind, UintKind};
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_, IntKind::Int) => "int".into(),
        Value::Int(_, IntKind::Int8) => "int8".into(),
        Value::Int(_, IntKind::Int16) => "int16".into(),
        Value::Int(_, IntKind::Int32) => "int32".into(),
        Value::Int(_, IntKind::Int64) => "int64".into(),
        Value::Uint(_, UintKind::Uint8) => "uint8".into(),
        Value::Uint(_, UintKind::Uint64) => "uint64".into(),
        Value::Uint(..) => "uint".into(),
        Value::Float(_, FloatKind::F32) => "float32".into(),
        Value::Float(..) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::Bytes(_) => "[]uint8".into(),
        Value::List(_) => "[]interface {}".into(),
        Value::Map(_) => "map[string]interface {}".into(),
        Value::Object(o) => o.type_name(),
    }
}
