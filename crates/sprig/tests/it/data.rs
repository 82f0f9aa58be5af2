//! The oracle's typed JSON data (`{"$type": T, "value": V}`) as `gotmpl::Value`s, and running
//! one case through canon's engine with Sprig's functions.

use std::sync::Arc;

use gotmpl::{ElemType, FloatKind, IntKind, List, Map, Template, UintKind, Value};
use serde_json::Value as J;

/// Converts oracle request data to a Go value.
pub fn value(j: &J) -> Value {
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::int(i)
            } else if let Some(u) = n.as_u64() {
                Value::int(u as i64)
            } else {
                Value::float(n.as_f64().unwrap_or(0.0))
            }
        }
        J::String(s) => Value::string(s),
        J::Array(a) => Value::list(a.iter().map(value).collect()),
        J::Object(o) => {
            if o.len() == 2
                && let (Some(J::String(t)), Some(v)) = (o.get("$type"), o.get("value"))
            {
                return typed(t, v);
            }
            Value::map(o.iter().map(|(k, v)| (k.clone(), value(v))))
        }
    }
}

fn elem_of(t: &str) -> ElemType {
    match t {
        "string" => ElemType::String,
        "int" => ElemType::Int(IntKind::Int),
        "int64" => ElemType::Int(IntKind::Int64),
        "float64" => ElemType::Float(FloatKind::F64),
        "bool" => ElemType::Bool,
        _ => ElemType::Interface,
    }
}

fn typed(t: &str, v: &J) -> Value {
    match t {
        "nil-map" => return Value::nil_map(),
        "nil-slice" => return Value::nil_list(),
        _ => {}
    }
    if t == "[]byte" {
        return Value::Bytes(Arc::from(v.as_str().unwrap_or("").as_bytes()));
    }
    if let Some(e) = t.strip_prefix("[]") {
        // A JSON null is the type's zero value: a nil slice.
        let Some(a) = v.as_array() else {
            return Value::List(Arc::new(List::nil(elem_of(e))));
        };
        let items = a.iter().map(|x| typed(e, x)).collect();
        return Value::List(Arc::new(List::new(elem_of(e), items)));
    }
    if let Some(e) = t.strip_prefix("map[string]") {
        if v.is_null() {
            return Value::Map(Arc::new(Map::nil(elem_of(e))));
        }
        let entries: Vec<(String, Value)> = v
            .as_object()
            .map(|o| o.iter().map(|(k, x)| (k.clone(), typed(e, x))).collect())
            .unwrap_or_default();
        return Value::Map(Arc::new(Map::from_entries(elem_of(e), entries)));
    }
    let num = || -> String {
        match v {
            J::String(s) => s.clone(),
            other => other.to_string(),
        }
    };
    match t {
        "interface {}" => value(v),
        "string" => Value::string(v.as_str().unwrap_or("")),
        "bool" => Value::Bool(v.as_bool().unwrap_or(false)),
        "int" => Value::Int(num().parse().unwrap_or(0), IntKind::Int),
        "int8" => Value::Int(num().parse().unwrap_or(0), IntKind::Int8),
        "int16" => Value::Int(num().parse().unwrap_or(0), IntKind::Int16),
        "int32" => Value::Int(num().parse().unwrap_or(0), IntKind::Int32),
        "int64" => Value::Int(num().parse().unwrap_or(0), IntKind::Int64),
        "uint" => Value::Uint(num().parse().unwrap_or(0), UintKind::Uint),
        "uint8" => Value::Uint(num().parse().unwrap_or(0), UintKind::Uint8),
        "uint16" => Value::Uint(num().parse().unwrap_or(0), UintKind::Uint16),
        "uint32" => Value::Uint(num().parse().unwrap_or(0), UintKind::Uint32),
        "uint64" => Value::Uint(num().parse().unwrap_or(0), UintKind::Uint64),
        "uintptr" => Value::Uint(num().parse().unwrap_or(0), UintKind::Uintptr),
        "float32" => Value::Float(
            f64::from(num().parse::<f32>().unwrap_or(0.0)),
            FloatKind::F32,
        ),
        "float64" => Value::float(num().parse().unwrap_or(0.0)),
        _ => Value::Nil,
    }
}

/// What Go printed for a case: output, error text, and phase (`parse`, `exec` or empty).
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Outcome {
    pub output: String,
    pub error: String,
    pub phase: String,
}

/// Runs one oracle request (JSON object) through canon with `funcs`.
pub fn run(case: &J, funcs: &gotmpl::FuncMap) -> Outcome {
    let name = case["name"].as_str().unwrap_or("t");
    let mut t = Template::new(name);
    t.funcs(funcs.clone());
    if let Some(d) = case["delims"].as_array()
        && d.len() == 2
    {
        t.delims(d[0].as_str().unwrap_or(""), d[1].as_str().unwrap_or(""));
    }
    if let Some(mk) = case["missingkey"].as_str()
        && let Err(e) = t.option(&format!("missingkey={mk}"))
    {
        return Outcome {
            output: String::new(),
            error: e.to_string(),
            phase: "option".into(),
        };
    }
    if let Err(e) = t.parse(case["template"].as_str().unwrap_or("")) {
        return Outcome {
            output: String::new(),
            error: e.to_string(),
            phase: "parse".into(),
        };
    }
    let data = value(&case["data"]);
    let mut out = String::new();
    // The oracle answers in JSON: Go's encoding/json writes each invalid UTF-8 byte as U+FFFD.
    let json = |s: &str| gotmpl::gostr::to_valid_utf8(s).into_owned();
    match t.execute(&mut out, &data) {
        Ok(()) => Outcome {
            output: json(&out),
            error: String::new(),
            phase: String::new(),
        },
        Err(e) => Outcome {
            output: json(&out),
            error: json(&e.to_string()),
            phase: "exec".into(),
        },
    }
}

/// Go's `encoding/json` replaces invalid UTF-8 per byte; canon's strings are UTF-8 already.
pub fn same(got: &Outcome, want: &Outcome) -> bool {
    got == want
}
