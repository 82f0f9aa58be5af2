//! BurntSushi/toml v1.6.0's `Encoder` (what Helm's `toToml` calls) over template values: tables
//! after plain keys, sorted keys, `[a.b]` headers indented two spaces per level, `[[arrays]]` of
//! tables, inline tables inside arrays, Go float formatting with a forced `.0`.

use gotmpl::{Field, FloatKind, Value};

use crate::Error;
use crate::gofloat;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Type {
    Bool,
    Integer,
    Float,
    String,
    Array,
    Hash,
    ArrayHash,
}

const ERR_NIL_ELEMENT: &str = "toml: cannot encode array with nil element";
const ERR_NO_KEY: &str = "toml: top-level values must be Go maps or structs";

struct Encoder {
    out: String,
    has_written: bool,
}

fn is_bare(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|r| r.is_ascii_alphanumeric() || r == '_' || r == '-')
}

/// The encoder's `dblQuotedReplacer`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn maybe_quoted(k: &str) -> String {
    if k.is_empty() {
        "\"\"".to_string()
    } else if is_bare(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn key_string(key: &[String]) -> String {
    key.iter()
        .map(|k| maybe_quoted(k))
        .collect::<Vec<_>>()
        .join(".")
}

fn entries(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Value::Object(o) => match o.fields() {
            Some(f) => struct_entries(&f),
            // A named map type encodes as its map.
            None => o.map_entries().unwrap_or_default(),
        },
        _ => Vec::new(),
    }
}

/// A struct's fields as the encoder writes them (`eStruct` with `getOptions`), in declaration
/// order: the `toml` tag's name (else the Go field name), `-` skipped, `omitempty` (`isEmpty`)
/// and `omitzero` applied. Nil fields are skipped later, like nil map values.
fn struct_entries(fields: &[Field]) -> Vec<(String, Value)> {
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let tag = f.tag_lookup("toml").unwrap_or_default();
        if tag == "-" {
            continue;
        }
        let mut parts = tag.split(',');
        let name = parts.next().unwrap_or_default();
        let (mut omitempty, mut omitzero) = (false, false);
        for p in parts {
            match p {
                "omitempty" => omitempty = true,
                "omitzero" => omitzero = true,
                _ => {}
            }
        }
        if omitempty && is_empty(&f.value) {
            continue;
        }
        if omitzero && is_zero(&f.value) {
            continue;
        }
        let key = if name.is_empty() {
            f.name.clone()
        } else {
            name.to_string()
        };
        out.push((key, f.value.clone()));
    }
    out
}

/// The encoder's `isEmpty` (numbers are never empty; see `omitzero`).
fn is_empty(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty(),
        Value::Bool(b) => !b,
        Value::Object(o) => {
            o.is_nil()
                || (!o.type_name().starts_with('*')
                    && o.fields()
                        .is_some_and(|fs| fs.iter().all(|f| is_zero(&f.value))))
        }
        _ => false,
    }
}

/// `reflect.Value.IsZero`.
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f, _) => f.to_bits() == 0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(_) => false,
        Value::List(l) => l.is_nil(),
        Value::Map(m) => m.is_nil(),
        Value::Object(o) => {
            o.is_nil()
                || (!o.type_name().starts_with('*')
                    && o.fields()
                        .is_some_and(|fs| fs.iter().all(|f| is_zero(&f.value))))
        }
    }
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.items.clone(),
        Value::Bytes(b) => b
            .iter()
            .map(|&x| Value::Uint(u64::from(x), gotmpl::UintKind::Uint8))
            .collect(),
        _ => Vec::new(),
    }
}

/// BurntSushi's `isNil`: nil interfaces, maps, slices and pointers, which the encoder skips.
fn is_nil(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::List(l) => l.is_nil(),
        Value::Map(m) => m.is_nil(),
        Value::Object(o) => o.is_nil(),
        _ => false,
    }
}

/// `tomlTypeOfGo`; `None` for nil.
fn toml_type(v: &Value) -> Result<Option<Type>, Error> {
    if is_nil(v) {
        return Ok(None);
    }
    Ok(Some(match v {
        Value::Nil => return Ok(None),
        Value::Bool(_) => Type::Bool,
        Value::Int(..) | Value::Uint(..) => Type::Integer,
        Value::Float(..) => Type::Float,
        Value::String(_) => Type::String,
        Value::List(_) | Value::Bytes(_) => {
            if is_table_array(v)? {
                Type::ArrayHash
            } else {
                Type::Array
            }
        }
        Value::Map(_) => Type::Hash,
        Value::Object(o) => {
            if o.is_nil() {
                return Ok(None);
            }
            if o.fields().is_some() || o.map_entries().is_some() {
                return Ok(Some(Type::Hash));
            }
            return Err(Error::msg(format!("unsupported type: {}", o.type_name())));
        }
    }))
}

fn is_table_array(v: &Value) -> Result<bool, Error> {
    let items = items(v);
    if items.is_empty() {
        return Ok(false);
    }
    let mut ret = true;
    for it in &items {
        match toml_type(it)? {
            None => return Err(Error::msg(ERR_NIL_ELEMENT)),
            Some(t) => {
                if ret && t != Type::Hash {
                    ret = false;
                }
            }
        }
    }
    Ok(ret)
}

fn is_table(t: Option<Type>) -> bool {
    matches!(t, Some(Type::Hash | Type::ArrayHash))
}

fn float_add_decimal(s: String) -> String {
    if s.contains(['e', '.']) { s } else { s + ".0" }
}

impl Encoder {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.has_written = true;
    }

    fn newline(&mut self) {
        if self.has_written {
            self.write("\n");
        }
    }

    fn indent_str(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), Error> {
        match v {
            Value::Nil => Ok(()),
            Value::Bool(_)
            | Value::Int(..)
            | Value::Uint(..)
            | Value::Float(..)
            | Value::String(_) => self.write_key_value(key, v, false),
            Value::List(_) | Value::Bytes(_) => {
                if toml_type(v)? == Some(Type::ArrayHash) {
                    self.array_of_tables(key, v)
                } else {
                    self.write_key_value(key, v, false)
                }
            }
            Value::Map(_) => self.table(key, v),
            Value::Object(o) => {
                if o.is_nil() {
                    return Ok(());
                }
                if o.fields().is_some() || o.map_entries().is_some() {
                    return self.table(key, v);
                }
                Err(Error::msg(format!(
                    "unsupported type for key '{}': struct",
                    key_string(key)
                )))
            }
        }
    }

    fn element(&mut self, v: &Value) -> Result<(), Error> {
        match v {
            Value::String(s) => self.write(&quote(s)),
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Int(i, _) => self.write(&i.to_string()),
            Value::Uint(u, _) => self.write(&u.to_string()),
            Value::Float(f, k) => {
                if f.is_nan() || f.is_infinite() {
                    if f.is_sign_negative() {
                        self.write("-");
                    }
                    self.write(if f.is_nan() { "nan" } else { "inf" });
                } else {
                    let s = gofloat::format(*f, b'g', *k == FloatKind::F32);
                    self.write(&float_add_decimal(s));
                }
            }
            Value::List(_) | Value::Bytes(_) => {
                let items = items(v);
                self.write("[");
                for (i, it) in items.iter().enumerate() {
                    self.element(it)?;
                    if i != items.len() - 1 {
                        self.write(", ");
                    }
                }
                self.write("]");
            }
            Value::Map(_) => self.map(&[], v, true)?,
            Value::Object(o) if o.fields().is_some() || o.map_entries().is_some() => {
                self.map(&[], v, true)?
            }
            Value::Nil => {
                return Err(Error::msg(
                    "reflect: call of reflect.Value.Interface on zero Value",
                ));
            }
            Value::Object(o) => {
                return Err(Error::msg(format!("unexpected type: {}", o.type_name())));
            }
        }
        Ok(())
    }

    fn array_of_tables(&mut self, key: &[String], v: &Value) -> Result<(), Error> {
        if key.is_empty() {
            return Err(Error::msg(ERR_NO_KEY));
        }
        for it in items(v) {
            if is_nil(&it) {
                continue;
            }
            self.newline();
            let line = format!("{}[[{}]]", Self::indent_str(key), key_string(key));
            self.write(&line);
            self.newline();
            self.map(key, &it, false)?;
        }
        Ok(())
    }

    fn table(&mut self, key: &[String], v: &Value) -> Result<(), Error> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let line = format!("{}[{}]", Self::indent_str(key), key_string(key));
            self.write(&line);
            self.newline();
        }
        self.map(key, v, false)
    }

    fn map(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), Error> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, val) in entries(v) {
            if is_table(toml_type(&val)?) {
                sub.push((k, val));
            } else {
                direct.push((k, val));
            }
        }
        if inline {
            self.write("{");
        }
        let trail = !sub.is_empty();
        self.map_keys(key, &direct, inline, trail)?;
        self.map_keys(key, &sub, inline, false)?;
        if inline {
            self.write("}");
        }
        Ok(())
    }

    fn map_keys(
        &mut self,
        key: &[String],
        keys: &[(String, Value)],
        inline: bool,
        trail: bool,
    ) -> Result<(), Error> {
        // Already sorted: the map's keys iterate in byte order, like Go's string comparison.
        for (i, (k, val)) in keys.iter().enumerate() {
            if is_nil(val) {
                continue;
            }
            if inline {
                self.write_key_value(std::slice::from_ref(k), val, true)?;
                if trail || i != keys.len() - 1 {
                    self.write(", ");
                }
            } else {
                let mut sub = key.to_vec();
                sub.push(k.clone());
                self.encode(&sub, val)?;
            }
        }
        Ok(())
    }

    fn write_key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), Error> {
        if key.is_empty() {
            return self.element(v);
        }
        let head = format!(
            "{}{} = ",
            Self::indent_str(key),
            maybe_quoted(&key[key.len() - 1])
        );
        self.write(&head);
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }
}

/// `toml.NewEncoder(w).Encode(v)`: the TOML text, or the encoder's error.
pub fn encode(v: &Value) -> Result<String, Error> {
    if matches!(v, Value::Nil) {
        return Err(Error::msg(
            "reflect: call of reflect.Value.Type on zero Value",
        ));
    }
    let mut e = Encoder {
        out: String::new(),
        has_written: false,
    };
    e.encode(&[], v)?;
    Ok(e.out)
}
