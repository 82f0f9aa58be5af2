//! Go's `fmt` as `text/template` uses it: `Fprint` of action results and the `print`, `printf`, `println` builtins.
//!
//! Work in progress: the API is fixed, the bodies are being made byte-exact.

use crate::value::{ElemType, FloatKind, IntKind, UintKind, Value};
use std::fmt::Write as _;

/// Go `fmt.Sprint`: a space between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_value(&mut out, a);
        prev_string = is_string;
    }
    out
}

/// Go `fmt.Sprintln`: operands separated by spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(&mut out, a);
    }
    out.push('\n');
    out
}

/// Go `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::from(format);
    for a in args {
        out.push(' ');
        write_value(&mut out, a);
    }
    out
}

/// Go `fmt.Fprint` of one value, appended to `out`.
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u, _) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f, _) => {
            let _ = write!(out, "{f}");
        }
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            out.push('[');
            for (i, c) in b.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{c}");
            }
            out.push(']');
        }
        Value::List(l) => {
            out.push('[');
            for (i, c) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, c);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            let entries = m.entries.read().unwrap_or_else(|e| e.into_inner());
            for (i, (k, c)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, c);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.display()),
    }
}

/// The Go type name as `%T` prints it.
pub fn type_name(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Int(_, k) => int_kind_name(*k).to_string(),
        Value::Uint(_, k) => uint_kind_name(*k).to_string(),
        Value::Float(_, k) => float_kind_name(*k).to_string(),
        Value::String(_) => "string".to_string(),
        Value::Bytes(_) => "[]uint8".to_string(),
        Value::List(l) => format!("[]{}", elem_type_name(&l.elem)),
        Value::Map(m) => match &m.type_name {
            Some(n) => n.to_string(),
            None => format!("map[string]{}", elem_type_name(&m.elem)),
        },
        Value::Object(o) => o.type_name(),
    }
}

fn int_kind_name(k: IntKind) -> &'static str {
    match k {
        IntKind::Int => "int",
        IntKind::Int8 => "int8",
        IntKind::Int16 => "int16",
        IntKind::Int32 => "int32",
        IntKind::Int64 => "int64",
    }
}

fn uint_kind_name(k: UintKind) -> &'static str {
    match k {
        UintKind::Uint => "uint",
        UintKind::Uint8 => "uint8",
        UintKind::Uint16 => "uint16",
        UintKind::Uint32 => "uint32",
        UintKind::Uint64 => "uint64",
        UintKind::Uintptr => "uintptr",
    }
}

fn float_kind_name(k: FloatKind) -> &'static str {
    match k {
        FloatKind::F32 => "float32",
        FloatKind::F64 => "float64",
    }
}

/// The Go spelling of an element type, e.g. `interface {}` or `map[string][]int`.
pub fn elem_type_name(t: &ElemType) -> String {
    match t {
        ElemType::Interface => "interface {}".to_string(),
        ElemType::Bool => "bool".to_string(),
        ElemType::Int(k) => int_kind_name(*k).to_string(),
        ElemType::Uint(k) => uint_kind_name(*k).to_string(),
        ElemType::Float(k) => float_kind_name(*k).to_string(),
        ElemType::String => "string".to_string(),
        ElemType::Slice(e) => format!("[]{}", elem_type_name(e)),
        ElemType::Map(e) => format!("map[string]{}", elem_type_name(e)),
    }
}
