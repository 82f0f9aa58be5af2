//! JSON as `jsonschema.UnmarshalJSON` reads a schema: numbers kept as their literal text (Go's
//! `json.Number`), object members in document order.

/// A JSON value with numbers as written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    pub(crate) fn get(&self, key: &str) -> Option<&J> {
        match self {
            // Go's map keeps the last of duplicate keys.
            J::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// `jsonschema.UnmarshalJSON`: one JSON value read by Go's `json.Decoder` (so a truncated
/// document is `unexpected EOF`, an empty one `EOF`), nothing but space after it.
pub(crate) fn parse(text: &str) -> Result<J, String> {
    // Nearly every schema is valid, and then one strict pass (Go's scanner rules) gives the
    // document; only a failing one is read again to find the error Go's decoder reports.
    match goyaml::json::parse(text) {
        Ok(doc) => Ok(from_go(doc)),
        Err(_) => parse_checked(text),
    }
}

fn from_go(j: goyaml::json::Json) -> J {
    use goyaml::json::Json;
    match j {
        Json::Null => J::Null,
        Json::Bool(b) => J::Bool(b),
        Json::Number(n) => J::Num(n),
        Json::String(s) => J::Str(s),
        Json::Array(a) => J::Arr(a.into_iter().map(from_go).collect()),
        Json::Object(m) => J::Obj(m.into_iter().map(|(k, v)| (k, from_go(v))).collect()),
    }
}

/// [`parse`] the slow way: a lax parse, then the decoder's check of what it read, for the
/// exact error.
fn parse_checked(text: &str) -> Result<J, String> {
    if text.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Err("EOF".into());
    }
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
    };
    let v = match p.value() {
        Ok(v) => v,
        Err(e) => return Err(decoder_error(text).unwrap_or(e)),
    };
    if let Some(e) = decoder_error(&text[..p.i]) {
        return Err(e);
    }
    if !text[p.i..].trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Err("invalid character after top-level value".into());
    }
    Ok(v)
}

/// The error Go's decoder reports for `text` as the whole input, if any: Go's scanner texts
/// (from goyaml's port), `unexpected EOF` where the input ends inside a value. A sentinel
/// byte after the text tells the two apart: the scanner reaching it means every real byte
/// was fine.
fn decoder_error(text: &str) -> Option<String> {
    match goyaml::from_json_value(&format!("{text}\u{1}")) {
        Ok(_) => None,
        Err(e) if e.message.contains("'\\x01' after top-level value") => None,
        Err(e) if e.message.contains("'\\x01'") => Some("unexpected EOF".into()),
        Err(e) => Some(e.message),
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn bad(&self) -> String {
        format!("invalid JSON at offset {}", self.i)
    }

    fn value(&mut self) -> Result<J, String> {
        self.ws();
        match self.s.get(self.i).copied() {
            Some(b'{') => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(J::Obj(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.bad());
                    }
                    self.i += 1;
                    let v = self.value()?;
                    m.push((k, v));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(J::Obj(m));
                        }
                        _ => return Err(self.bad()),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(J::Arr(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(J::Arr(a));
                        }
                        _ => return Err(self.bad()),
                    }
                }
            }
            Some(b'"') => Ok(J::Str(self.string()?)),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(J::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(J::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(J::Null)
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                Ok(J::Num(
                    String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                ))
            }
            _ => Err(self.bad()),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.s.get(self.i) != Some(&b'"') {
            return Err(self.bad());
        }
        let start = self.i;
        self.i += 1;
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    let lit =
                        std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.bad())?;
                    return match goyaml::from_json_value(lit) {
                        Ok(gotmpl::Value::String(s)) => Ok(s.to_string()),
                        _ => Err(self.bad()),
                    };
                }
                _ => self.i += 1,
            }
        }
        Err(self.bad())
    }
}

/// The document as a value to validate (a schema checked against its metaschema): numbers
/// as float64, objects as maps (the last of duplicate keys wins, as in Go).
pub(crate) fn to_value(j: &J) -> gotmpl::Value {
    use gotmpl::Value;
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Num(n) => Value::float(n.parse().unwrap_or(f64::NAN)),
        J::Str(s) => Value::string(s),
        J::Arr(a) => Value::list(a.iter().map(to_value).collect()),
        J::Obj(m) => Value::map(m.iter().map(|(k, v)| (k.clone(), to_value(v)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "replicas": {"type": "integer", "minimum": 0, "maximum": 1e3, "default": -1.5E-2},
    "name": {"type": ["string", "null"], "pattern": "^[a-z]\\d+\u00e9\"$", "enum": [true, false, null]},
    "nested": {"type": "object", "additionalProperties": false, "properties": {}, "required": []},
    "dup": 1, "dup": 2
  }
}
"#;

    /// The one-pass parse gives exactly what the checked parse gives, document or error, on
    /// every one-byte deletion and replacement of a schema.
    #[test]
    fn one_pass_parse_matches_the_checked_one() {
        assert_eq!(parse(SCHEMA), parse_checked(SCHEMA));
        assert!(parse(SCHEMA).is_ok());
        let mut checked = 0;
        for i in 0..SCHEMA.len() {
            if !SCHEMA.is_char_boundary(i) || !SCHEMA.is_char_boundary(i + 1) {
                continue;
            }
            let (a, b) = (&SCHEMA[..i], &SCHEMA[i + 1..]);
            let mut variants = vec![format!("{a}{b}")];
            for c in [
                "\"", "\\", "}", "]", ",", ":", "1", "-", "e", " ", "\u{1}", "x", "{}",
            ] {
                variants.push(format!("{a}{c}{b}"));
            }
            for text in variants {
                assert_eq!(parse(&text), parse_checked(&text), "{text}");
                checked += 1;
            }
        }
        assert!(checked > 1000);
        for text in [
            "",
            "  ",
            "{",
            "{} x",
            "[1,]",
            "\"\\u12\"",
            "01",
            "{\"a\":1}\n\t ",
        ] {
            assert_eq!(parse(text), parse_checked(text), "{text:?}");
        }
    }
}
