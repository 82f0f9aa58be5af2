//! Tests of Go's fmt: every expected string was produced by Go 1.26 (the oracle in tools/oracle via
//! `testdata/gen_cases.py`, or Go's own `fmt_test.go` / `quote_test.go` tables), never by this code.

use super::*;
use crate::value::{List, Map};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

fn list(elem: ElemType, items: Vec<Value>) -> Value {
    Value::List(Arc::new(List { elem, items }))
}

fn map(elem: ElemType, entries: BTreeMap<String, Value>) -> Value {
    Value::Map(Arc::new(Map {
        elem,
        type_name: None,
        entries: RwLock::new(entries),
    }))
}

fn num_text(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_f64(s: &str) -> f64 {
    match s {
        "NaN" => f64::NAN,
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => s.parse().expect("float literal"),
    }
}

/// The oracle's decoding of case data (tools/oracle/main.go `convert` and `decodeTyped`).
fn convert(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => Value::Int(i, IntKind::Int),
            _ => Value::Float(n.as_f64().expect("number"), FloatKind::F64),
        },
        Json::String(s) => Value::String(s.as_str().into()),
        Json::Array(a) => list(ElemType::Interface, a.iter().map(convert).collect()),
        Json::Object(o) => {
            if let (Some(Json::String(t)), Some(v), 2) = (o.get("$type"), o.get("value"), o.len()) {
                return typed(t, v);
            }
            map(
                ElemType::Interface,
                o.iter().map(|(k, v)| (k.clone(), convert(v))).collect(),
            )
        }
    }
}

fn elem_of(t: &str) -> ElemType {
    match t {
        "interface {}" => ElemType::Interface,
        "string" => ElemType::String,
        "bool" => ElemType::Bool,
        "int" => ElemType::Int(IntKind::Int),
        "int64" => ElemType::Int(IntKind::Int64),
        "float64" => ElemType::Float(FloatKind::F64),
        other => panic!("unsupported element type {other}"),
    }
}

fn typed(t: &str, v: &Json) -> Value {
    if t == "[]byte" {
        return Value::Bytes(v.as_str().expect("[]byte wants a string").as_bytes().into());
    }
    if let Some(e) = t.strip_prefix("[]") {
        let items = v.as_array().expect("array");
        return list(elem_of(e), items.iter().map(|x| typed(e, x)).collect());
    }
    if let Some(e) = t.strip_prefix("map[string]") {
        let o = v.as_object().expect("object");
        return map(
            elem_of(e),
            o.iter().map(|(k, x)| (k.clone(), typed(e, x))).collect(),
        );
    }
    let s = num_text(v);
    let int = |k| Value::Int(s.parse().expect("int literal"), k);
    let uint = |k| Value::Uint(s.parse().expect("uint literal"), k);
    match t {
        "interface {}" => convert(v),
        "string" => Value::String(v.as_str().expect("string").into()),
        "bool" => Value::Bool(v.as_bool().expect("bool")),
        "int" => int(IntKind::Int),
        "int8" => int(IntKind::Int8),
        "int16" => int(IntKind::Int16),
        "int32" => int(IntKind::Int32),
        "int64" => int(IntKind::Int64),
        "uint" => uint(UintKind::Uint),
        "uint8" => uint(UintKind::Uint8),
        "uint16" => uint(UintKind::Uint16),
        "uint32" => uint(UintKind::Uint32),
        "uint64" => uint(UintKind::Uint64),
        "uintptr" => uint(UintKind::Uintptr),
        "float32" => {
            let f: f32 = match s.as_str() {
                "NaN" => f32::NAN,
                "+Inf" => f32::INFINITY,
                "-Inf" => f32::NEG_INFINITY,
                _ => s.parse().expect("float32 literal"),
            };
            Value::Float(f64::from(f), FloatKind::F32)
        }
        "float64" => Value::Float(parse_f64(&s), FloatKind::F64),
        other => panic!("unknown type {other}"),
    }
}

/// What the case's template prints, computed by this module.
fn run_case(c: &Json) -> String {
    let args: Vec<Value> = c["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(convert)
        .collect();
    match c["kind"].as_str().expect("kind") {
        "printf" => sprintf(c["format"].as_str().expect("format"), &args),
        "print" => sprint(&args),
        "println" => sprintln(&args),
        "value" => {
            let mut out = String::new();
            write_value(&mut out, &args[0]);
            out
        }
        other => panic!("unknown kind {other}"),
    }
}

/// Thousands of cases from the Go oracle (see testdata/gen_cases.py).
#[test]
fn oracle_cases() {
    let data = include_str!("testdata/cases.jsonl");
    let mut failures = Vec::new();
    let mut total = 0;
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let c: Json = serde_json::from_str(line).expect("case line");
        total += 1;
        let want = c["want"].as_str().expect("want");
        let got = run_case(&c);
        if got != want {
            failures.push(format!("{line}\n   got: {got:?}\n  want: {want:?}"));
        }
    }
    assert!(
        total > 1000,
        "expected the oracle case file, found {total} cases"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Go:\n{}",
        failures.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
