//! A shortcut for yaml.v2 reading the compact JSON that `json.Marshal` writes (the middle step of
//! sigs.k8s.io/yaml's `Marshal`, so of Helm's `toYaml`): the [`Node`] the full YAML scanner,
//! parser and decoder would build, without them. JSON is a flow collection whose scalars are
//! double-quoted strings and plain numbers, `true`, `false`, `null`, so the tree is the JSON's
//! with each plain scalar resolved as yaml.v2 resolves it. Whatever yaml.v2 would read
//! differently from JSON gives `None`, and the caller takes the full parser: a character the
//! YAML reader refuses or folds (DEL, C1 controls, NEL, U+2028/2029, BOM, U+FFFE/FFFF), a
//! surrogate escape, a `\/` escape (json.Marshal never writes it; yaml.v2 refuses it), a key
//! too long for a YAML simple key, whitespace, anything not compact
//! JSON.

use crate::node::Node;
use crate::resolve;

/// Nesting deeper than this is left to the full parser (which reports Go's depth errors).
const MAX_DEPTH: usize = 500;

/// Longest JSON key text (escapes included) taken here; yaml.v2 drops a simple key whose `:`
/// comes more than 1024 characters after its start.
const MAX_KEY_BYTES: usize = 1000;

/// The node yaml.v2 decodes `json` into, or `None` when only the full parser can tell.
pub(crate) fn parse(json: &str) -> Option<Node> {
    let mut p = P {
        b: json.as_bytes(),
        s: json,
        i: 0,
    };
    let n = p.value(0)?;
    (p.i == p.b.len()).then_some(n)
}

struct P<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl P<'_> {
    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                let mut sorted = true;
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(Node::Map(entries));
                }
                loop {
                    if self.b.get(self.i) != Some(&b'"') {
                        return None;
                    }
                    let start = self.i;
                    let k = self.string()?;
                    if self.i - start > MAX_KEY_BYTES {
                        return None;
                    }
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    // json.Marshal writes each key once (a map's in order); a repeat is not
                    // its output. Only out-of-order keys need the search.
                    sorted = sorted
                        && match entries.last() {
                            None => true,
                            Some((Node::Str(prev), _)) => *prev < k,
                            Some(_) => false,
                        };
                    if !sorted
                        && entries
                            .iter()
                            .any(|(ek, _): &(Node, Node)| matches!(ek, Node::Str(s) if *s == k))
                    {
                        return None;
                    }
                    entries.push((Node::Str(k), v));
                    match *self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Node::Map(entries));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(Node::Seq(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    match *self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Node::Seq(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(Node::Str),
            _ => {
                // A plain scalar: a number, true, false or null.
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
                {
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                let valid = match text.as_bytes().first()? {
                    b'-' | b'0'..=b'9' => true,
                    _ => matches!(text, "true" | "false" | "null"),
                };
                valid.then(|| resolve::resolve(text).1)
            }
        }
    }

    /// A double-quoted string at `self.i`, its escapes decoded as YAML decodes them.
    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let c = *self.b.get(self.i)?;
            match c {
                b'"' => {
                    out.push_str(&self.s[run..self.i]);
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(&self.s[run..self.i]);
                    let e = *self.b.get(self.i + 1)?;
                    self.i += 2;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'b' => '\x08',
                        b'f' => '\x0c',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4)?;
                            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                                return None;
                            }
                            self.i += 4;
                            // Surrogates are an error in YAML; leave them to the parser.
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                        }
                        _ => return None,
                    };
                    out.push(ch);
                    run = self.i;
                }
                0x20..=0x7e => self.i += 1,
                0x00..=0x1f | 0x7f => return None,
                _ => {
                    let ch = self.s[self.i..].chars().next()?;
                    let ok = matches!(ch as u32,
                        0xa0..=0x2027 | 0x202a..=0xd7ff | 0xe000..=0xfefe | 0xff00..=0xfffd | 0x10000..)
                        && ch as u32 != 0x85;
                    if !ok {
                        return None;
                    }
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut agrees with the full yaml.v2 reading wherever it answers, and declines
    /// what the YAML reader treats differently from JSON.
    #[test]
    fn agrees_with_the_full_parser() {
        let long_key = format!("{{\"{}\":1}}", "k".repeat(1100));
        let cases = [
            r#"{"a":1,"b":[true,false,null,-2.5,1e+21,"x"],"c":{}}"#,
            r#"[]"#,
            r#""plain""#,
            r#"{"s":"\u003c\u0026\u003e \"q\" \\ \b\f\n\r\t \u00e9 é 日本 😀"}"#,
            r#"{"s":"\/"}"#,
            r#"{"n":[0,-0,1.5,1e6,9223372036854775807,9223372036854775808,18446744073709551616,0.1,1e-7]}"#,
            r#"{"<<":{"a":1},"b":"<<"}"#,
            r#"{"y":"yes","o":"on","t":"~","e":""}"#,
            r#"{"a":"x","a":"y"}"#,
            r#"{"c":1,"a":2,"c":3}"#,
            "{\"del\":\"\x7f\"}",
            "{\"nel\":\"a\u{85}b\"}",
            "{\"ls\":\"a\u{2028}b\"}",
            "{\"bom\":\"a\u{feff}b\"}",
            "{\"c1\":\"a\u{90}b\"}",
            r#"{"sur":"\ud83d\ude00"}"#,
            r#"{"a": 1}"#,
            &long_key,
        ];
        let mut fast = 0;
        for c in cases {
            let full = crate::parse::parse_first(c).map_err(|e| e.message().0);
            if let Some(n) = parse(c) {
                fast += 1;
                assert_eq!(Ok(Some(n)), full, "{c}");
            }
        }
        assert_eq!(fast, 7);
        for declined in [
            "{\"del\":\"\x7f\"}",
            "{\"nel\":\"a\u{85}b\"}",
            "{\"ls\":\"a\u{2028}b\"}",
            "{\"bom\":\"a\u{feff}b\"}",
            r#"{"sur":"\ud83d\ude00"}"#,
            r#"{"s":"\/"}"#,
            r#"{"a": 1}"#,
            r#"{"c":1,"a":2,"c":3}"#,
            long_key.as_str(),
        ] {
            assert_eq!(parse(declined), None, "{declined}");
        }
    }
}
