//! Case files (`tests/cases/*.jsonl`), the typed-JSON to `Value` converter mirroring the oracle's
//! `decodeData`, and running one case through the engine with panics and hangs caught.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use gotmpl::{ElemType, FloatKind, IntKind, List, Map, Template, UintKind, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One case: the oracle request fields plus the oracle's answer.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Case {
    pub id: String,
    pub template: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Json>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub funcs: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub missingkey: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delims: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub want: Option<Outcome>,
}

/// What a template run produced: output so far, error text, and the phase that failed
/// ("parse", "exec", or "" for success).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Outcome {
    pub output: String,
    pub error: String,
    pub phase: String,
}

pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Every case file, sorted by name, with its cases in file order.
pub fn load_all() -> Vec<(String, Vec<Case>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("case file is readable");
            let cases = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| {
                    serde_json::from_str(l)
                        .unwrap_or_else(|e| panic!("{}:{}: bad case: {e}", p.display(), i + 1))
                })
                .collect();
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (name, cases)
        })
        .collect()
}

/// Converts the oracle's typed JSON to a `Value` exactly as `decodeData` in tools/oracle/main.go:
/// integer literal → int, number with `.`/`e`/`E` → float64, `{"$type": T, "value": V}` → Go type T,
/// object → `map[string]interface {}`, array → `[]interface {}`.
pub fn to_value(j: &Json) -> Result<Value, String> {
    match j {
        Json::Null => Ok(Value::Nil),
        Json::Bool(b) => Ok(Value::Bool(*b)),
        Json::String(s) => Ok(Value::string(s)),
        Json::Number(n) => number(n),
        Json::Array(a) => Ok(Value::List(Arc::new(List::new(
            ElemType::Interface,
            a.iter().map(to_value).collect::<Result<_, _>>()?,
        )))),
        Json::Object(o) => {
            if o.len() == 2
                && let (Some(Json::String(t)), Some(v)) = (o.get("$type"), o.get("value"))
            {
                return typed(t, v);
            }
            let mut m = BTreeMap::new();
            for (k, v) in o {
                m.insert(k.clone(), to_value(v)?);
            }
            Ok(Value::Map(Arc::new(Map::from_entries(
                ElemType::Interface,
                m,
            ))))
        }
    }
}

fn number(n: &serde_json::Number) -> Result<Value, String> {
    let s = n.to_string();
    if s.contains(['.', 'e', 'E']) || n.is_f64() {
        return Ok(Value::Float(n.as_f64().ok_or("bad float")?, FloatKind::F64));
    }
    s.parse::<i64>()
        .map(|i| Value::Int(i, IntKind::Int))
        .map_err(|e| format!("int {s}: {e}"))
}

fn typed(t: &str, v: &Json) -> Result<Value, String> {
    match t {
        "nil-map" => return Ok(Value::nil_map()),
        "nil-slice" => return Ok(Value::nil_list()),
        _ => {}
    }
    let ty = parse_type(t)?;
    build(&ty, v)
}

fn parse_type(t: &str) -> Result<ElemType, String> {
    Ok(match t {
        "interface {}" | "any" => ElemType::Interface,
        "bool" => ElemType::Bool,
        "string" => ElemType::String,
        "int" => ElemType::Int(IntKind::Int),
        "int8" => ElemType::Int(IntKind::Int8),
        "int16" => ElemType::Int(IntKind::Int16),
        "int32" | "rune" => ElemType::Int(IntKind::Int32),
        "int64" => ElemType::Int(IntKind::Int64),
        "uint" => ElemType::Uint(UintKind::Uint),
        "uint8" | "byte" => ElemType::Uint(UintKind::Uint8),
        "uint16" => ElemType::Uint(UintKind::Uint16),
        "uint32" => ElemType::Uint(UintKind::Uint32),
        "uint64" => ElemType::Uint(UintKind::Uint64),
        "uintptr" => ElemType::Uint(UintKind::Uintptr),
        "float32" => ElemType::Float(FloatKind::F32),
        "float64" => ElemType::Float(FloatKind::F64),
        _ => {
            if let Some(e) = t.strip_prefix("[]") {
                ElemType::Slice(Box::new(parse_type(e)?))
            } else if let Some(e) = t.strip_prefix("map[string]") {
                ElemType::Map(Box::new(parse_type(e)?))
            } else {
                return Err(format!("unknown type {t:?}"));
            }
        }
    })
}

/// Go's zero value of a type (what a JSON null gives for a typed value).
fn zero(ty: &ElemType) -> Value {
    match ty {
        ElemType::Interface => Value::Nil,
        ElemType::Bool => Value::Bool(false),
        ElemType::Int(k) => Value::Int(0, *k),
        ElemType::Uint(k) => Value::Uint(0, *k),
        ElemType::Float(k) => Value::Float(0.0, *k),
        ElemType::String => Value::string(""),
        ElemType::Slice(e) if **e == ElemType::Uint(UintKind::Uint8) => {
            Value::Bytes(Arc::from(&b""[..]))
        }
        ElemType::Slice(e) => Value::List(Arc::new(List::nil((**e).clone()))),
        ElemType::Map(e) => Value::Map(Arc::new(Map::nil((**e).clone()))),
    }
}

fn build(ty: &ElemType, v: &Json) -> Result<Value, String> {
    if v.is_null() {
        return Ok(zero(ty));
    }
    match ty {
        ElemType::Interface => to_value(v),
        ElemType::Bool => v
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| "bool wants a bool".into()),
        ElemType::String => v
            .as_str()
            .map(Value::string)
            .ok_or_else(|| "string wants a string".into()),
        ElemType::Slice(e) => {
            if **e == ElemType::Uint(UintKind::Uint8) {
                if let Some(s) = v.as_str() {
                    return Ok(Value::Bytes(Arc::from(s.as_bytes())));
                }
                let arr = v.as_array().ok_or("[]uint8 wants an array or string")?;
                let bytes = arr
                    .iter()
                    .map(|x| match build(e, x)? {
                        Value::Uint(u, _) => Ok(u as u8),
                        _ => Err("byte".to_string()),
                    })
                    .collect::<Result<Vec<u8>, String>>()?;
                return Ok(Value::Bytes(Arc::from(bytes)));
            }
            let arr = v.as_array().ok_or("slice wants an array")?;
            Ok(Value::List(Arc::new(List::new(
                (**e).clone(),
                arr.iter().map(|x| build(e, x)).collect::<Result<_, _>>()?,
            ))))
        }
        ElemType::Map(e) => {
            let obj = v.as_object().ok_or("map wants an object")?;
            let mut m = BTreeMap::new();
            for (k, x) in obj {
                m.insert(k.clone(), build(e, x)?);
            }
            Ok(Value::Map(Arc::new(Map::from_entries((**e).clone(), m))))
        }
        ElemType::Int(k) => {
            let i = go_int(&num_text(v)?)?;
            let ok = match k {
                IntKind::Int8 => i8::try_from(i).is_ok(),
                IntKind::Int16 => i16::try_from(i).is_ok(),
                IntKind::Int32 => i32::try_from(i).is_ok(),
                IntKind::Int | IntKind::Int64 => true,
            };
            if !ok {
                return Err(format!("{i} out of range for {k:?}"));
            }
            Ok(Value::Int(i, *k))
        }
        ElemType::Uint(k) => {
            let u = go_uint(&num_text(v)?)?;
            let ok = match k {
                UintKind::Uint8 => u8::try_from(u).is_ok(),
                UintKind::Uint16 => u16::try_from(u).is_ok(),
                UintKind::Uint32 => u32::try_from(u).is_ok(),
                _ => true,
            };
            if !ok {
                return Err(format!("{u} out of range for {k:?}"));
            }
            Ok(Value::Uint(u, *k))
        }
        ElemType::Float(k) => {
            let s = num_text(v)?;
            let f = match k {
                FloatKind::F32 => f64::from(go_float32(&s)?),
                FloatKind::F64 => go_float64(&s)?,
            };
            Ok(Value::Float(f, *k))
        }
    }
}

fn num_text(v: &Json) -> Result<String, String> {
    match v {
        Json::Number(n) => Ok(n.to_string()),
        Json::String(s) => Ok(s.clone()),
        _ => Err("number wants a number".into()),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` prefixes and underscores (the oracle parses typed ints so).
fn split_base(s: &str) -> (bool, u32, String) {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.to_ascii_lowercase();
    let (base, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    (neg, base, digits.replace('_', ""))
}

fn go_int(s: &str) -> Result<i64, String> {
    let (neg, base, digits) = split_base(s);
    let mag = u64::from_str_radix(&digits, base).map_err(|e| format!("int {s}: {e}"))?;
    if neg {
        0i64.checked_sub_unsigned(mag)
            .ok_or_else(|| format!("int {s} out of range"))
    } else {
        i64::try_from(mag).map_err(|e| format!("int {s}: {e}"))
    }
}

fn go_uint(s: &str) -> Result<u64, String> {
    let (neg, base, digits) = split_base(s);
    if neg {
        return Err(format!("uint {s} is negative"));
    }
    u64::from_str_radix(&digits, base).map_err(|e| format!("uint {s}: {e}"))
}

fn go_float64(s: &str) -> Result<f64, String> {
    match s {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s
            .replace('_', "")
            .parse::<f64>()
            .map_err(|e| format!("float {s}: {e}")),
    }
}

fn go_float32(s: &str) -> Result<f32, String> {
    match s {
        "NaN" => Ok(f32::NAN),
        "+Inf" | "Inf" => Ok(f32::INFINITY),
        "-Inf" => Ok(f32::NEG_INFINITY),
        _ => s
            .replace('_', "")
            .parse::<f32>()
            .map_err(|e| format!("float32 {s}: {e}")),
    }
}

/// Runs a case through the engine (parse, then execute), as the oracle runs it through Go.
pub fn run_engine(case: &Case) -> Outcome {
    let data = match case.data.as_ref().map(to_value).transpose() {
        Ok(d) => d.unwrap_or(Value::Nil),
        Err(e) => {
            return Outcome {
                error: format!("harness: bad data: {e}"),
                phase: "request".into(),
                ..Default::default()
            };
        }
    };
    if !case.funcs.is_empty() && case.funcs != "go" {
        return Outcome {
            error: format!("harness: funcs {} not supported", case.funcs),
            phase: "request".into(),
            ..Default::default()
        };
    }
    let name = if case.name.is_empty() {
        "t"
    } else {
        &case.name
    };
    let mut t = Template::new(name);
    if let Some(d) = &case.delims
        && d.len() == 2
    {
        t.delims(&d[0], &d[1]);
    }
    if !case.missingkey.is_empty()
        && let Err(e) = t.option(&format!("missingkey={}", case.missingkey))
    {
        return Outcome {
            error: format!("harness: option: {e}"),
            phase: "request".into(),
            ..Default::default()
        };
    }
    if let Err(e) = t.parse(&case.template) {
        return Outcome {
            error: e.to_string(),
            phase: "parse".into(),
            ..Default::default()
        };
    }
    let mut out = String::new();
    // The oracle answers in JSON: Go's encoding/json writes each invalid UTF-8 byte as U+FFFD.
    let json = |s: &str| gotmpl::gostr::to_valid_utf8(s).into_owned();
    match t.execute(&mut out, &data) {
        Ok(()) => Outcome {
            output: json(&out),
            ..Default::default()
        },
        Err(e) => Outcome {
            output: json(&out),
            error: json(&e.to_string()),
            phase: "exec".into(),
        },
    }
}

/// Runs cases on a worker thread with a big stack, catching panics and giving up on a case
/// that takes longer than `timeout` (reported as a hang; the stuck worker is abandoned and a
/// new one continues with the next case). Returns one outcome per case, in order.
pub fn run_all_guarded(cases: &[Case], timeout: Duration) -> Vec<Outcome> {
    let cases: Arc<Vec<Case>> = Arc::new(cases.to_vec());
    let mut results: Vec<Outcome> = Vec::with_capacity(cases.len());
    while results.len() < cases.len() {
        let start = results.len();
        let (tx, rx) = mpsc::channel();
        let worker_cases = Arc::clone(&cases);
        std::thread::Builder::new()
            .name("gotmpl-case".into())
            .stack_size(512 << 20)
            .spawn(move || {
                for c in &worker_cases[start..] {
                    let r = std::panic::catch_unwind(|| run_engine(c)).unwrap_or_else(|p| {
                        let msg = p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        Outcome {
                            error: format!("PANIC: {msg}"),
                            phase: "panic".into(),
                            ..Default::default()
                        }
                    });
                    if tx.send(r).is_err() {
                        return;
                    }
                }
            })
            .expect("spawn case worker");
        loop {
            match rx.recv_timeout(timeout) {
                Ok(r) => {
                    results.push(r);
                    if results.len() == cases.len() {
                        break;
                    }
                }
                Err(_) => {
                    results.push(Outcome {
                        error: format!("HANG: no result within {timeout:?}"),
                        phase: "hang".into(),
                        ..Default::default()
                    });
                    break;
                }
            }
        }
    }
    results
}

/// A readable report of one mismatch.
pub fn describe(file: &str, case: &Case, want: &Outcome, got: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "MISMATCH {} ({file})", case.id);
    let _ = writeln!(s, "  template:   {:?}", case.template);
    if let Some(d) = &case.data {
        let _ = writeln!(s, "  data:       {d}");
    }
    if !case.missingkey.is_empty() {
        let _ = writeln!(s, "  missingkey: {}", case.missingkey);
    }
    if let Some(d) = &case.delims {
        let _ = writeln!(s, "  delims:     {d:?}");
    }
    if !case.name.is_empty() {
        let _ = writeln!(s, "  name:       {:?}", case.name);
    }
    if want.output != got.output {
        let _ = writeln!(s, "  want output: {:?}", want.output);
        let _ = writeln!(s, "  got  output: {:?}", got.output);
    } else {
        let _ = writeln!(s, "  output (same): {:?}", want.output);
    }
    if want.error != got.error || want.phase != got.phase {
        let _ = writeln!(s, "  want error [{}]: {:?}", want.phase, want.error);
        let _ = writeln!(s, "  got  error [{}]: {:?}", got.phase, got.error);
    }
    s
}
