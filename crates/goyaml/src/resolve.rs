//! yaml.v2's `resolve`: which tag and Go value a plain scalar gets (YAML 1.1 booleans, octal, base 60,
//! `_` in numbers, timestamps), and the regular expressions the encoder uses to decide on quoting.

use crate::node::Node;
use gotmpl::strconv;

/// The resolved tag of a plain scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Merge,
}

/// `resolve("", s)`: the tag and value yaml.v2 gives the plain scalar `s`. A timestamp's value is its
/// text, as yaml.v2 hands it to an `interface{}`.
pub fn resolve(s: &str) -> (Tag, Node) {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 {
        return (Tag::Str, Node::Str(s.to_string()));
    }
    if let Some(r) = resolve_map(s) {
        return r;
    }
    match hint {
        b'.' => {
            if let Some(f) = go_parse_float(s) {
                return (Tag::Float, Node::Float(f));
            }
        }
        b'D' | b'S' => {
            if is_timestamp(s) {
                return (Tag::Timestamp, Node::Str(s.to_string()));
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return (Tag::Int, Node::Int(i));
            }
            if let Some(u) = go_parse_uint(&plain) {
                return (Tag::Int, Node::Uint(u));
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return (Tag::Float, Node::Float(f));
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Some(i) = strconv::parse_int(rest, 2) {
                    return (Tag::Int, Node::Int(i));
                }
                if let Some(u) = strconv::parse_uint(rest, 2) {
                    return (Tag::Int, Node::Uint(u));
                }
            } else if let Some(rest) = plain.strip_prefix("-0b")
                && let Some(i) = strconv::parse_int(&format!("-{rest}"), 2)
            {
                return (Tag::Int, Node::Int(i));
            }
        }
        _ => {}
    }
    (Tag::Str, Node::Str(s.to_string()))
}

/// yaml.v3's `resolve("", s)`: the YAML 1.2 core schema (only `true`/`false` in three spellings
/// are booleans, `null`/`~`/empty are null) plus `0o17` and 1.1's `0777` octals, `0b` binaries and
/// `_` in numbers. A timestamp's value is its text (Go makes it a `time.Time`).
pub fn resolve_v3(s: &str) -> (Tag, Node) {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 {
        return (Tag::Str, Node::Str(s.to_string()));
    }
    let mapped = match s {
        "true" | "True" | "TRUE" => Some((Tag::Bool, Node::Bool(true))),
        "false" | "False" | "FALSE" => Some((Tag::Bool, Node::Bool(false))),
        "" | "~" | "null" | "Null" | "NULL" => Some((Tag::Null, Node::Null)),
        ".nan" | ".NaN" | ".NAN" => Some((Tag::Float, Node::Float(f64::NAN))),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            Some((Tag::Float, Node::Float(f64::INFINITY)))
        }
        "-.inf" | "-.Inf" | "-.INF" => Some((Tag::Float, Node::Float(f64::NEG_INFINITY))),
        "<<" => Some((Tag::Merge, Node::Str("<<".to_string()))),
        _ => None,
    };
    if let Some(r) = mapped {
        return r;
    }
    match hint {
        b'.' => {
            if let Some(f) = strconv::parse_float(s) {
                return (Tag::Float, Node::Float(f));
            }
        }
        b'D' | b'S' => {
            if is_timestamp(s) {
                return (Tag::Timestamp, Node::Str(s.to_string()));
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = strconv::parse_int(&plain, 0) {
                return (Tag::Int, Node::Int(i));
            }
            if let Some(u) = strconv::parse_uint(&plain, 0) {
                return (Tag::Int, Node::Uint(u));
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = strconv::parse_float(&plain)
            {
                return (Tag::Float, Node::Float(f));
            }
            for (prefix, base) in [("0b", 2), ("0o", 8)] {
                if let Some(rest) = plain.strip_prefix(prefix) {
                    if let Some(i) = strconv::parse_int(rest, base) {
                        return (Tag::Int, Node::Int(i));
                    }
                    if let Some(u) = strconv::parse_uint(rest, base) {
                        return (Tag::Int, Node::Uint(u));
                    }
                } else if let Some(rest) = plain.strip_prefix(&format!("-{prefix}"))
                    && let Some(i) = strconv::parse_int(&format!("-{rest}"), base)
                {
                    return (Tag::Int, Node::Int(i));
                }
            }
        }
        _ => {}
    }
    (Tag::Str, Node::Str(s.to_string()))
}

fn resolve_map(s: &str) -> Option<(Tag, Node)> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            (Tag::Bool, Node::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (Tag::Bool, Node::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (Tag::Null, Node::Null),
        ".nan" | ".NaN" | ".NAN" => (Tag::Float, Node::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            (Tag::Float, Node::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => (Tag::Float, Node::Float(f64::NEG_INFINITY)),
        _ => return None,
    })
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`, behind yaml.v2's `isBase60Float` fast path.
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !(b[0] == b'+' || b[0] == b'-' || b[0].is_ascii_digit()) || !s.contains(':')
    {
        return false;
    }
    let mut i = 0;
    if b[i] == b'+' || b[i] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]: one or two digits, the first of two at most 5.
        let d1 = i < b.len() && b[i].is_ascii_digit();
        let d2 = i + 1 < b.len() && b[i + 1].is_ascii_digit();
        if d1 && d2 && b[i] <= b'5' {
            i += 2;
        } else if d1 {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` success (out of range is an error).
pub fn go_parse_float(s: &str) -> Option<f64> {
    strconv::parse_float(s)
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
pub fn go_parse_uint(s: &str) -> Option<u64> {
    strconv::parse_uint(s, 0)
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub fn go_parse_int(s: &str) -> Option<i64> {
    strconv::parse_int(s, 0)
}

/// yaml.v2's `parseTimestamp` success: four digits and '-', then one of Go's layouts
/// `2006-1-2T15:4:5.999999999Z07:00`, the same with 't', `2006-1-2 15:4:5.999999999`, `2006-1-2`.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != 4 || i == b.len() || b[i] != b'-' {
        return false;
    }
    for layout in 0..4 {
        if parse_layout(b, layout) {
            return true;
        }
    }
    false
}

/// Go's `getnum(s, false)`: one or two digits.
fn num12(b: &[u8], i: &mut usize) -> Option<u32> {
    if *i >= b.len() || !b[*i].is_ascii_digit() {
        return None;
    }
    let mut v = (b[*i] - b'0') as u32;
    *i += 1;
    if *i < b.len() && b[*i].is_ascii_digit() {
        v = v * 10 + (b[*i] - b'0') as u32;
        *i += 1;
    }
    Some(v)
}

fn parse_layout(b: &[u8], layout: u8) -> bool {
    let mut i = 0;
    let year: u32 = match std::str::from_utf8(&b[..4])
        .ok()
        .and_then(|y| y.parse().ok())
    {
        Some(y) => y,
        None => return false,
    };
    i += 4;
    let lit = |i: &mut usize, c: u8| -> bool {
        if *i < b.len() && b[*i] == c {
            *i += 1;
            true
        } else {
            false
        }
    };
    if !lit(&mut i, b'-') {
        return false;
    }
    let Some(month) = num12(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    if !lit(&mut i, b'-') {
        return false;
    }
    let Some(day) = num12(b, &mut i) else {
        return false;
    };
    // Go checks the day against the month only after the whole layout parsed; the result is the same.
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let dim = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > dim {
        return false;
    }
    if layout == 3 {
        return i == b.len();
    }
    let sep = match layout {
        0 => b'T',
        1 => b't',
        _ => b' ',
    };
    if !lit(&mut i, sep) {
        return false;
    }
    let Some(h) = num12(b, &mut i) else {
        return false;
    };
    if h >= 24 || !lit(&mut i, b':') {
        return false;
    }
    let Some(m) = num12(b, &mut i) else {
        return false;
    };
    if m >= 60 || !lit(&mut i, b':') {
        return false;
    }
    let Some(sec) = num12(b, &mut i) else {
        return false;
    };
    if sec >= 60 {
        return false;
    }
    // Fractional seconds (".999999999" accepts '.' or ',' followed by digits; absent is fine).
    if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if layout == 2 {
        return i == b.len();
    }
    // Z07:00: 'Z' or ±hh:mm.
    if i < b.len() && b[i] == b'Z' {
        return i + 1 == b.len();
    }
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        let r = &b[i + 1..];
        if r.len() == 5
            && r[0].is_ascii_digit()
            && r[1].is_ascii_digit()
            && r[2] == b':'
            && r[3].is_ascii_digit()
            && r[4].is_ascii_digit()
        {
            let hh = (r[0] - b'0') * 10 + (r[1] - b'0');
            let mm = (r[3] - b'0') * 10 + (r[4] - b'0');
            return hh <= 24 && mm < 60;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11() {
        assert_eq!(resolve("yes").0, Tag::Bool);
        assert_eq!(resolve("0777").1, Node::Int(511));
        assert_eq!(resolve("1_000").1, Node::Int(1000));
        assert_eq!(resolve("1e3").1, Node::Float(1000.0));
        assert_eq!(resolve("0x1F").1, Node::Int(31));
        assert_eq!(resolve("2001-12-14").0, Tag::Timestamp);
        assert_eq!(resolve("2001-12-14t21:59:43.10-05:00").0, Tag::Timestamp);
        assert_eq!(resolve("1.2.3").0, Tag::Str);
        assert_eq!(resolve("18446744073709551615").1, Node::Uint(u64::MAX));
        assert!(is_base60_float("1:20"));
        assert!(!is_base60_float("1:2a"));
    }
}
