//! Go conversions Sprig leans on: `strval`, `spf13/cast`'s `ToInt64`/`ToFloat64` (with Go's
//! float-to-int truncation and `strconv` parse rules), `reflect` kinds, `reflect.DeepEqual`, and
//! Go's runtime panic texts. Written by hand because the exact Go edge cases are the contract.

use std::sync::Arc;

use gotmpl::{ElemType, FloatKind, IntKind, List, UintKind, Value};

use crate::t::*;
use crate::{Env, R, Reg};

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    r.f("toString", vec![A], None, |a| {
        Ok(Value::string(strval(&a[0])))
    });
    r.f("toStrings", vec![A], None, |a| {
        // strslice hands a []string back as is, so a nil one stays nil.
        if is_nil_string_list(&a[0]) {
            return Ok(a[0].clone());
        }
        Ok(str_list(strslice(&a[0])))
    });
    r.f("atoi", vec![S], None, |a| {
        Ok(Value::int(parse_int(as_str(&a[0]), 10).unwrap_or(0)))
    });
    r.f("int64", vec![A], None, |a| {
        Ok(Value::Int(to_int64(&a[0]), IntKind::Int64))
    });
    r.f("int", vec![A], None, |a| Ok(Value::int(to_int64(&a[0]))));
    r.f("float64", vec![A], None, |a| {
        Ok(Value::float(to_float64(&a[0])))
    });
    r.f("toDecimal", vec![A], None, |a| {
        let s = gotmpl::fmt::sprint(std::slice::from_ref(&a[0]));
        Ok(Value::Int(parse_int(&s, 8).unwrap_or(0), IntKind::Int64))
    });
}

/// The string inside a `string` argument (the executor guarantees the type).
pub(crate) fn as_str(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

/// The integer inside an `int` argument.
pub(crate) fn as_int(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        _ => 0,
    }
}

/// A Go `[]string`.
pub(crate) fn str_list(items: Vec<String>) -> Value {
    Value::List(Arc::new(List::new(
        ElemType::String,
        items.into_iter().map(Value::string).collect(),
    )))
}

/// A Go `[]interface {}` (or `[]T`).
pub(crate) fn list_of(elem: ElemType, items: Vec<Value>) -> Value {
    Value::List(Arc::new(List::new(elem, items)))
}

/// Whether `v` is a nil `[]string`.
pub(crate) fn is_nil_string_list(v: &Value) -> bool {
    matches!(v, Value::List(l) if l.elem == ElemType::String && l.is_nil())
}

/// A nil Go `[]T` (what `var x []T` or `return nil` of a slice type gives).
pub(crate) fn nil_list_of(elem: ElemType) -> Value {
    Value::List(Arc::new(List::nil(elem)))
}

/// Go's `string(b)` for bytes that may not be UTF-8: lossless, the bytes that are not
/// UTF-8 are kept as escapes (see [`gotmpl::gostr`]) that byte-oriented functions read back.
pub(crate) fn bytes_str(b: &[u8]) -> String {
    gotmpl::gostr::from_go_bytes(b)
}

/// Sprig's `strval`: strings and bytes as is, Stringers' `String()`, else `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => bytes_str(b),
        _ => gotmpl::fmt::sprint(std::slice::from_ref(v)),
    }
}

/// The items of a Go slice or array value, `None` for other kinds.
pub(crate) fn slice_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.items.clone()),
        Value::Bytes(b) => Some(
            b.iter()
                .map(|c| Value::Uint(u64::from(*c), UintKind::Uint8))
                .collect(),
        ),
        _ => None,
    }
}

/// Sprig's `strslice`: a list's non-nil items through `strval`; a scalar as a one-item list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match slice_items(v) {
        Some(items) => items
            .iter()
            .filter(|x| !matches!(x, Value::Nil))
            .map(strval)
            .collect(),
        None => match v {
            Value::Nil => vec![],
            _ => vec![strval(v)],
        },
    }
}

/// Go's `int64(f)` on amd64: truncation, and the "integer indefinite" value out of range.
pub(crate) fn f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `cast.ToInt64`: errors become 0.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Float(f, _) => f64_to_i64(*f),
        Value::String(s) => parse_int(&trim_zero_decimal(s), 0).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// `cast.ToFloat64`: errors become 0.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u, _) => *u as f64,
        Value::Float(f, _) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// cast's `trimZeroDecimal`: `"12.000"` -> `"12"`.
fn trim_zero_decimal(s: &str) -> String {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return s[..i - 1].to_string();
                }
            }
            b'0' => found_zero = true,
            _ => return s.to_string(),
        }
    }
    s.to_string()
}

/// Go's `strconv.ParseInt(s, base, 64)` (base 0 reads prefixes and underscores).
pub(crate) fn parse_int(s: &str, base: u32) -> Option<i64> {
    gotmpl::strconv::parse_int(s, base)
}

/// Go's `strconv.ParseUint(s, base, 64)`.
pub(crate) fn parse_uint(s: &str, base: u32) -> Option<u64> {
    gotmpl::strconv::parse_uint(s, base)
}

/// Go's `strconv.ParseFloat(s, 64)`.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    gotmpl::strconv::parse_float(s)
}

/// Go's `reflect.Kind` name of a value (`invalid` for nil).
pub(crate) fn kind_name(v: &Value) -> String {
    match v {
        Value::Nil => "invalid".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_, k) => match k {
            IntKind::Int => "int",
            IntKind::Int8 => "int8",
            IntKind::Int16 => "int16",
            IntKind::Int32 => "int32",
            IntKind::Int64 => "int64",
        }
        .into(),
        Value::Uint(_, k) => match k {
            UintKind::Uint => "uint",
            UintKind::Uint8 => "uint8",
            UintKind::Uint16 => "uint16",
            UintKind::Uint32 => "uint32",
            UintKind::Uint64 => "uint64",
            UintKind::Uintptr => "uintptr",
        }
        .into(),
        Value::Float(_, FloatKind::F32) => "float32".into(),
        Value::Float(_, FloatKind::F64) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::Bytes(_) | Value::List(_) => "slice".into(),
        Value::Map(_) => "map".into(),
        Value::Object(o) => {
            if o.type_name().starts_with('*') {
                "ptr".into()
            } else {
                "struct".into()
            }
        }
    }
}

/// Sprig's `empty`: nil, zero numbers, false, and empty strings, lists and maps.
pub(crate) fn empty(v: &Value) -> bool {
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
            .unwrap_or_else(|e| e.into_inner())
            .is_empty(),
        Value::Object(o) => o.is_nil(),
    }
}

/// Go's `reflect.DeepEqual` on interface values.
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, k), Value::Int(y, l)) => k == l && x == y,
        (Value::Uint(x, k), Value::Uint(y, l)) => k == l && x == y,
        (Value::Float(x, k), Value::Float(y, l)) => k == l && x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.elem == y.elem
                && x.is_nil() == y.is_nil()
                && x.items.len() == y.items.len()
                && x.items
                    .iter()
                    .zip(y.items.iter())
                    .all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Arc::ptr_eq(x, y) {
                return true;
            }
            if x.elem != y.elem || x.type_name != y.type_name || x.is_nil() != y.is_nil() {
                return false;
            }
            let xe = x.entries.read().unwrap_or_else(|e| e.into_inner());
            let ye = y.entries.read().unwrap_or_else(|e| e.into_inner());
            xe.len() == ye.len()
                && xe
                    .iter()
                    .all(|(k, v)| ye.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.type_name() == y.type_name() && x.display() == y.display()
        }
        _ => false,
    }
}

/// Go's panic text for `s[lo:hi]` on a string of length `len` (`None` if in bounds).
pub(crate) fn slice_oob(lo: Option<i64>, hi: Option<i64>, len: usize) -> Option<String> {
    let len = len as i64;
    let h = hi.unwrap_or(len);
    let l = lo.unwrap_or(0);
    if let Some(h) = hi {
        if h < 0 {
            return Some(format!("runtime error: slice bounds out of range [:{h}]"));
        }
        if h > len {
            return Some(format!(
                "runtime error: slice bounds out of range [:{h}] with length {len}"
            ));
        }
    }
    if l < 0 {
        return Some(format!("runtime error: slice bounds out of range [{l}:]"));
    }
    if l > h {
        return Some(format!(
            "runtime error: slice bounds out of range [{l}:{h}]"
        ));
    }
    None
}

/// `s[lo:hi]` on bytes, as Go slices strings.
pub(crate) fn byte_slice(s: &str, lo: Option<i64>, hi: Option<i64>) -> R {
    let b = gotmpl::gostr::to_go_bytes(s);
    if let Some(e) = slice_oob(lo, hi, b.len()) {
        return Err(e);
    }
    let l = lo.unwrap_or(0) as usize;
    let h = hi.map_or(b.len(), |h| h as usize);
    Ok(Value::string(bytes_str(&b[l..h])))
}

/// Go's `unicode.IsSpace`.
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    ) || (c as u32 > 0xFF && c.is_whitespace())
}

/// Go's `unicode.ToUpper` (simple case mapping: one rune to one rune).
pub(crate) fn to_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` (simple case mapping).
pub(crate) fn to_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToTitle` (simple mapping; the Latin digraphs have their own title forms).
pub(crate) fn to_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        _ => to_upper(c),
    }
}

/// Go's `unicode.IsTitle` (category Lt).
pub(crate) fn is_title(c: char) -> bool {
    matches!(c as u32, 0x1C5 | 0x1C8 | 0x1CB | 0x1F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F
        | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Go's `unicode.IsUpper` (category Lu; ASCII exact, elsewhere Rust's Uppercase property).
pub(crate) fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        c.is_uppercase() && !is_title(c)
    }
}

/// Go's `unicode.IsLower`.
pub(crate) fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_lowercase()
    } else {
        c.is_lowercase() && !is_title(c)
    }
}

/// Go's `unicode.IsPunct` (category P): exact for ASCII and Latin-1.
pub(crate) fn is_punct(c: char) -> bool {
    match c {
        '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':'
        | ';' | '?' | '@' | '[' | '\\' | ']' | '_' | '{' | '}' => true,
        '\u{A1}' | '\u{A7}' | '\u{AB}' | '\u{B6}' | '\u{B7}' | '\u{BB}' | '\u{BF}' => true,
        c if (c as u32) < 0x100 => false,
        c => {
            matches!(c as u32, 0x2010..=0x2027 | 0x2030..=0x205E | 0x3001..=0x3003 | 0x3008..=0x3011)
        }
    }
}

/// Go's `unicode.IsLetter`.
pub(crate) fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_numeric() && !matches!(c, '\u{345}' | '\u{2160}'..='\u{2188}')
}

/// Go's `unicode.IsNumber` (category N).
pub(crate) fn is_number(c: char) -> bool {
    c.is_numeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_int64_follows_go() {
        assert_eq!(to_int64(&Value::string("0x1F")), 31);
        assert_eq!(to_int64(&Value::string("010")), 8);
        assert_eq!(to_int64(&Value::string("1_000")), 1000);
        assert_eq!(to_int64(&Value::string("_1")), 0);
        assert_eq!(to_int64(&Value::string("12.000")), 12);
        assert_eq!(to_int64(&Value::string("12.5")), 0);
        assert_eq!(to_int64(&Value::float(-3.9)), -3);
        assert_eq!(to_int64(&Value::float(f64::NAN)), i64::MIN);
        assert_eq!(to_int64(&Value::string("-9223372036854775808")), i64::MIN);
        assert_eq!(to_int64(&Value::string("9223372036854775808")), 0);
    }

    #[test]
    fn parse_float_follows_go() {
        assert_eq!(parse_float("1_0.5"), Some(10.5));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("0x1p-2"), Some(0.25));
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_float("+Inf"), Some(f64::INFINITY));
    }

    #[test]
    fn slice_panics_read_like_go() {
        assert_eq!(
            slice_oob(None, Some(5), 3).as_deref(),
            Some("runtime error: slice bounds out of range [:5] with length 3")
        );
        assert_eq!(
            slice_oob(Some(4), None, 3).as_deref(),
            Some("runtime error: slice bounds out of range [4:3]")
        );
    }
}
