//! encoding/json as Helm and Sprig call it: `json.Marshal`, `json.MarshalIndent`, an `Encoder` without
//! HTML escaping (Sprig's `toRawJson`), and `json.Unmarshal` into `interface{}` (every number a float64).

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{Field, FloatKind, Value};

use crate::Error;
use crate::gofloat;

/// How `marshal` writes: HTML escaping (on in `json.Marshal`) and MarshalIndent's prefix and indent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    pub escape_html: bool,
    pub indent: Option<(&'a str, &'a str)>,
}

/// `json.Marshal(v)`.
pub fn marshal(v: &Value) -> Result<String, Error> {
    marshal_with(
        v,
        Options {
            escape_html: true,
            indent: None,
        },
    )
}

/// `json.MarshalIndent(v, prefix, indent)`.
pub fn marshal_indent(v: &Value, prefix: &str, indent: &str) -> Result<String, Error> {
    marshal_with(
        v,
        Options {
            escape_html: true,
            indent: Some((prefix, indent)),
        },
    )
}

/// Marshals with the given options.
pub fn marshal_with(v: &Value, opts: Options<'_>) -> Result<String, Error> {
    let mut out = String::new();
    encode(v, opts.escape_html, &mut out)?;
    if let Some((prefix, indent)) = opts.indent {
        return Ok(indent_json(&out, prefix, indent));
    }
    Ok(out)
}

fn encode(v: &Value, html: bool, out: &mut String) -> Result<(), Error> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Uint(u, _) => out.push_str(&u.to_string()),
        Value::Float(f, k) => out.push_str(&float(*f, *k == FloatKind::F32)?),
        Value::String(s) => string(s, html, out),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&base64(b));
            out.push('"');
        }
        // encoding/json writes a nil slice or map as null, an empty one as [] or {}.
        Value::List(l) if l.is_nil() => out.push_str("null"),
        Value::Map(m) if m.is_nil() => out.push_str("null"),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, html, out)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            let entries = m.entries.read().unwrap_or_else(|e| e.into_inner());
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, html, out);
                out.push(':');
                encode(item, html, out)?;
            }
            out.push('}');
        }
        Value::Object(o) => {
            if o.is_nil() {
                out.push_str("null");
            } else if let Some(text) = o.marshal_json() {
                // The host's json.Marshal of its struct. Go's encoder writes the struct's strings
                // with its own HTML-escaping mode (off for toRawJson), so canon re-encodes every
                // string of that text in this encoder's mode, compacted, keys in their order.
                let j = parse(&text).map_err(|e| {
                    Error::msg(format!(
                        "json: error calling MarshalJSON for type {}: {}",
                        o.type_name(),
                        e.message
                    ))
                })?;
                encode_json(&j, html, out);
            } else if let Some(fields) = o.fields() {
                encode_struct(&fields, html, out)?;
            } else if let Some(entries) = o.map_entries() {
                // A named map type without MarshalJSON encodes as its map.
                encode(&Value::map(entries), html, out)?;
            } else {
                return Err(Error::msg(format!(
                    "json: unsupported type: {}",
                    o.type_name()
                )));
            }
        }
    }
    Ok(())
}

/// encoding/json's struct encoder over a host object's exported fields: the `json` tag's name
/// (else the Go field name), `-` to skip, `omitempty`, `omitzero` and `string`. Embedded
/// structs and Go's dominant-field rules for duplicate names are not modelled: hosts list
/// the fields as encoding/json would see them.
fn encode_struct(fields: &[Field], html: bool, out: &mut String) -> Result<(), Error> {
    out.push('{');
    let mut first = true;
    for f in fields {
        let tag = f.tag_lookup("json").unwrap_or_default();
        if tag == "-" {
            continue;
        }
        let (name, opts) = tag.split_once(',').unwrap_or((tag.as_str(), ""));
        let has = |o: &str| opts.split(',').any(|x| x == o);
        if has("omitempty") && is_empty_value(&f.value) {
            continue;
        }
        if has("omitzero") && is_zero_value(&f.value) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let key = if is_valid_tag(name) { name } else { &f.name };
        string(key, html, out);
        out.push(':');
        let quoted = has("string")
            && matches!(
                f.value,
                Value::Bool(_)
                    | Value::Int(..)
                    | Value::Uint(..)
                    | Value::Float(..)
                    | Value::String(_)
            );
        if quoted {
            let mut inner = String::new();
            encode(&f.value, html, &mut inner)?;
            string(&inner, html, out);
        } else {
            encode(&f.value, html, out)?;
        }
    }
    out.push('}');
    Ok(())
}

/// encoding/json's `isValidTag`.
fn is_valid_tag(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            "!#$%&()*+-./:;<=>?@[]^_{|}~ ".contains(c) || c.is_alphabetic() || c.is_numeric()
        })
}

/// encoding/json's `isEmptyValue` (for `omitempty`).
fn is_empty_value(v: &Value) -> bool {
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

/// `reflect.Value.IsZero` (for `omitzero`): a struct is zero when all its fields are.
fn is_zero_value(v: &Value) -> bool {
    match v {
        Value::List(l) => l.is_nil(),
        Value::Map(m) => m.is_nil(),
        Value::Bytes(_) => false,
        Value::Float(f, _) => f.to_bits() == 0,
        Value::Object(o) => {
            o.is_nil()
                || (!o.type_name().starts_with('*')
                    && o.fields()
                        .is_some_and(|fs| fs.iter().all(|f| is_zero_value(&f.value))))
        }
        other => is_empty_value(other),
    }
}

/// Writes parsed JSON back compactly (numbers as written), strings escaped per `html`.
fn encode_json(j: &Json, html: bool, out: &mut String) {
    match j {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n),
        Json::String(s) => string(s, html, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_json(item, html, out);
            }
            out.push(']');
        }
        Json::Object(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, html, out);
                out.push(':');
                encode_json(v, html, out);
            }
            out.push('}');
        }
    }
}

/// encoding/json's floatEncoder.
pub fn float(f: f64, bits32: bool) -> Result<String, Error> {
    if f.is_nan() || f.is_infinite() {
        return Err(Error::msg(format!(
            "json: unsupported value: {}",
            gofloat::format(f, b'g', bits32)
        )));
    }
    let abs = f.abs();
    let mut fmt = b'f';
    if abs != 0.0 {
        let small_or_big = if bits32 {
            let a = abs as f32;
            !(1e-6..1e21).contains(&a)
        } else {
            !(1e-6..1e21).contains(&abs)
        };
        if small_or_big {
            fmt = b'e';
        }
    }
    let mut s = gofloat::format(f, fmt, bits32);
    if fmt == b'e' {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            let last = b[n - 1] as char;
            s.truncate(n - 2);
            s.push(last);
        }
    }
    Ok(s)
}

/// encoding/json's string encoder (`appendString`).
pub fn string(s: &str, html: bool, out: &mut String) {
    if gotmpl::gostr::may_have_escapes(s) {
        return go_bytes_string(&gotmpl::gostr::to_go_bytes(s), html, out);
    }
    out.push('"');
    chars(s, html, out);
    out.push('"');
}

/// The escaped characters of a JSON string, without the quotes.
fn chars(s: &str, html: bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// [`string`] of a Go string that is not all UTF-8 (see `gotmpl::gostr`): encoding/json writes
/// each invalid byte as the six characters `\ufffd`.
fn go_bytes_string(b: &[u8], html: bool, out: &mut String) {
    out.push('"');
    for chunk in b.utf8_chunks() {
        let mut valid = String::new();
        chars(chunk.valid(), html, &mut valid);
        out.push_str(&gotmpl::gostr::from_runes(valid));
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (if n > 1 { chunk[1] as u32 } else { 0 }) << 8
            | (if n > 2 { chunk[2] as u32 } else { 0 });
        out.push(T[(v >> 18) as usize & 63] as char);
        out.push(T[(v >> 12) as usize & 63] as char);
        out.push(if n > 1 {
            T[(v >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if n > 2 {
            T[v as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// encoding/json's `Indent` over compact, valid JSON.
fn indent_json(src: &str, prefix: &str, indent: &str) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    let mut need_indent = false;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(prefix);
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    for c in src.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                need_indent = true;
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A decoded JSON value before it becomes a Go value: numbers keep their text, objects their
/// members in document order (duplicates too).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// `json.Unmarshal(data, &v)` with `v interface{}`: objects become `map[string]interface{}`,
/// arrays `[]interface{}`, numbers `float64`.
pub fn unmarshal(data: &str) -> Result<Value, Error> {
    let j = parse(data)?;
    let mut err = None;
    let v = to_value(&j, &mut err);
    err.map_or(Ok(v), Err)
}

/// `json.Unmarshal` into `map[string]interface{}` (Helm's `fromJson`): like Go, a number out of
/// range leaves `nil` in its place, decoding goes on, and the first such error is returned
/// beside the map.
pub fn unmarshal_map(data: &str) -> (Value, Option<Error>) {
    let empty = || Value::map(BTreeMap::new());
    let j = match parse(data) {
        Ok(j) => j,
        Err(e) => return (empty(), Some(e)),
    };
    match &j {
        Json::Object(_) | Json::Null => {}
        other => return (empty(), Some(type_error(other, "map[string]interface {}"))),
    }
    let mut err = None;
    match to_value(&j, &mut err) {
        // Unmarshaling null into a map sets the map to nil.
        Value::Nil => (Value::nil_map(), err),
        v => (v, err),
    }
}

/// `json.Unmarshal` into `[]interface{}` (Helm's `fromJsonArray`).
pub fn unmarshal_list(data: &str) -> Result<Value, Error> {
    let j = parse(data)?;
    match &j {
        Json::Array(_) | Json::Null => {}
        other => return Err(type_error(other, "[]interface {}")),
    }
    let mut err = None;
    let v = to_value(&j, &mut err);
    if let Some(e) = err {
        return Err(e);
    }
    match v {
        // Unmarshaling null into a slice sets the slice to nil.
        Value::Nil => Ok(Value::nil_list()),
        v => Ok(v),
    }
}

fn type_error(j: &Json, target: &str) -> Error {
    let what = match j {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    Error::msg(format!(
        "json: cannot unmarshal {what} into Go value of type {target}"
    ))
}

fn to_value(j: &Json, err: &mut Option<Error>) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match parse_number(n) {
            Ok(f) => Value::float(f),
            Err(e) => {
                err.get_or_insert(e);
                Value::Nil
            }
        },
        Json::String(s) => Value::String(Arc::from(s.as_str())),
        Json::Array(items) => Value::list(items.iter().map(|i| to_value(i, err)).collect()),
        Json::Object(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                m.insert(k.clone(), to_value(v, err));
            }
            Value::map(m)
        }
    }
}

fn parse_number(n: &str) -> Result<f64, Error> {
    match n.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(Error::msg(format!(
            "json: cannot unmarshal number {n} into Go value of type float64"
        ))),
    }
}

/// Parses JSON text (one value, nothing but JSON space around it) as strictly as
/// encoding/json's scanner, with its error messages.
pub fn parse(data: &str) -> Result<Json, Error> {
    let mut p = Parser {
        b: data.as_bytes(),
        s: data,
        i: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.invalid("after top-level value"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = crate::goquote::quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl Parser<'_> {
    fn eof() -> Error {
        Error::msg("unexpected end of JSON input")
    }

    fn invalid(&self, ctx: &str) -> Error {
        // Go's scanner reports a byte; a byte >= 0x80 reads as the rune of that value. At the end
        // of input Go's scanner steps once more with a space.
        let c = self.b.get(self.i).copied().unwrap_or(b' ');
        let ch = if c < 0x80 { c as char } else { char::from(c) };
        Error::msg(format!("invalid character {} {ctx}", quote_char(ch)))
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Result<u8, Error> {
        self.b.get(self.i).copied().ok_or_else(Self::eof)
    }

    fn value(&mut self) -> Result<Json, Error> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Json::String(self.string()?)),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            _ => Err(self.invalid("looking for beginning of value")),
        }
    }

    /// The current byte, or the space Go's scanner sees at the end of input.
    fn cur(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(b' ')
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, Error> {
        for (k, &w) in word.as_bytes().iter().enumerate() {
            let c = self.cur();
            if c != w {
                return Err(self.invalid(&format!(
                    "in literal {word} (expecting {})",
                    quote_char(w as char)
                )));
            }
            let _ = k;
            self.i += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
    }

    fn number(&mut self) -> Result<Json, Error> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
            let c = self.cur();
            if !c.is_ascii_digit() {
                return Err(self.invalid("in numeric literal"));
            }
        }
        if self.b[self.i] == b'0' {
            self.i += 1;
        } else {
            self.digits();
        }
        if self.i < self.b.len() && self.b[self.i] == b'.' {
            self.i += 1;
            let c = self.cur();
            if !c.is_ascii_digit() {
                return Err(self.invalid("after decimal point in numeric literal"));
            }
            self.digits();
        }
        if self.i < self.b.len() && matches!(self.b[self.i], b'e' | b'E') {
            self.i += 1;
            let mut c = self.cur();
            if c == b'+' || c == b'-' {
                self.i += 1;
                c = self.cur();
            }
            if !c.is_ascii_digit() {
                return Err(self.invalid("in exponent of numeric literal"));
            }
            self.digits();
        }
        Ok(Json::Number(self.s[start..self.i].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.peek()?;
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.invalid("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, Error> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let r = self.hex4()?;
                            if (0xD800..0xDC00).contains(&r) {
                                // A surrogate pair, if the next escape completes it.
                                let save = self.i;
                                if self.b.get(self.i) == Some(&b'\\')
                                    && self.b.get(self.i + 1) == Some(&b'u')
                                {
                                    self.i += 2;
                                    let r2 = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&r2) {
                                        let c = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                                        out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                        continue;
                                    }
                                    self.i = save;
                                }
                                out.push('\u{fffd}');
                            } else {
                                out.push(char::from_u32(r).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.invalid("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                _ => {
                    let start = self.i;
                    while self.i < self.b.len() && !matches!(self.b[self.i], b'"' | b'\\' | 0..0x20)
                    {
                        self.i += 1;
                    }
                    out.push_str(&self.s[start..self.i]);
                }
            }
        }
    }

    fn array(&mut self) -> Result<Json, Error> {
        self.i += 1;
        self.ws();
        let mut items = Vec::new();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.invalid("after array element")),
            }
        }
    }

    fn object(&mut self) -> Result<Json, Error> {
        self.i += 1;
        self.ws();
        let mut entries: Vec<(String, Json)> = Vec::new();
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(Json::Object(entries));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return Err(self.invalid("looking for beginning of object key string"));
            }
            let k = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return Err(self.invalid("after object key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            entries.push((k, v));
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(Json::Object(entries));
                }
                _ => return Err(self.invalid("after object key:value pair")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_encoding_json() {
        assert_eq!(float(1e21, false).ok().as_deref(), Some("1e+21"));
        assert_eq!(
            float(1e20, false).ok().as_deref(),
            Some("100000000000000000000")
        );
        assert_eq!(float(1e-7, false).ok().as_deref(), Some("1e-7"));
        assert_eq!(float(0.000001, false).ok().as_deref(), Some("0.000001"));
        assert_eq!(float(-0.0, false).ok().as_deref(), Some("-0"));
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        string("<a&b>\u{2028}\u{1}", true, &mut s);
        assert_eq!(s, "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\"");
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse("").unwrap_err().message,
            "unexpected end of JSON input"
        );
        assert_eq!(
            parse("[1,]").unwrap_err().message,
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            parse("{\"a\" 1}").unwrap_err().message,
            "invalid character '1' after object key"
        );
    }
}
