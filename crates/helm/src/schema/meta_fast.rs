//! A direct check that a schema is valid against the draft-07 or the 2020-12 metaschema: each
//! keyword's value tested for what its metaschema asks, in one walk of the document.
//!
//! The library checks every schema against its draft's metaschema before using it, and the
//! port ([`super::validator`]) does it the library's way: the metaschema is a schema like any
//! other, applied with its `$ref`s, `$dynamicRef`s, `allOf` of seven vocabularies and error
//! locations. That costs 43M instructions on loki's 570 KB schema and 48M on redis's 150 KB one
//! (2020-12), nearly half of the redis render. Here the same rules are written out, as a filter
//! that is never more lenient: `true` only for a document the metaschema accepts, `false` for
//! one it may not, which then goes through the port for the library's verdict and error tree.
//! Where a rule would take care to match exactly (numbers that are integers written as
//! decimals, `enum` members that are numbers, nesting deep enough to meet the port's depth
//! limit), the filter answers `false`.

use super::json::J;

/// Nesting of the document past which the answer is "not known": the port's depth limit
/// (`MAX_DEPTH`, 200 steps, each document level several of them) is far above it.
const MAX_NESTING: usize = 32;

/// Whether `doc` is certainly valid against the metaschema of `draft` (the port's numbering:
/// 7, 2020; other drafts are not known here).
pub(super) fn valid(doc: &J, draft: u32) -> bool {
    let d = match draft {
        7 => Draft::D7,
        2020 => Draft::D2020,
        _ => return false,
    };
    schema(doc, d, 0)
}

#[derive(Clone, Copy, PartialEq)]
enum Draft {
    D7,
    D2020,
}

/// A subschema position: an object whose keywords pass, or a boolean.
fn schema(j: &J, d: Draft, depth: usize) -> bool {
    if depth > MAX_NESTING {
        return false;
    }
    match j {
        J::Bool(_) => true,
        // Every member is checked, a duplicate key too (the port keeps the last): checking
        // more than the port sees can only answer `false` more often.
        J::Obj(m) => m.iter().all(|(k, v)| keyword(k, v, d, depth + 1)),
        _ => false,
    }
}

fn keyword(k: &str, v: &J, d: Draft, depth: usize) -> bool {
    let sub = |v: &J| schema(v, d, depth);
    let subs = |v: &J| matches!(v, J::Obj(m) if m.iter().all(|(_, s)| sub(s)));
    match (k, d) {
        // Formats are asserted by the draft-07 metaschema only.
        ("$id" | "$ref", Draft::D7) => str_is(v, |s| format_ok("uri-reference", s)),
        ("$schema", Draft::D7) => str_is(v, |s| format_ok("uri", s)),
        // 2020-12: "Non-empty fragments not allowed" (`^[^#]*#?$`).
        ("$id", Draft::D2020) => str_is(v, |s| s.find('#').is_none_or(|i| i + 1 == s.len())),
        ("$schema" | "$ref" | "$dynamicRef" | "$recursiveRef", Draft::D2020) => is_str(v),
        ("$anchor" | "$dynamicAnchor" | "$recursiveAnchor", Draft::D2020) => {
            str_is(v, anchor_string)
        }
        ("$vocabulary", Draft::D2020) => {
            matches!(v, J::Obj(m) if m.iter().all(|(_, b)| matches!(b, J::Bool(_))))
        }
        ("$defs", Draft::D2020) | ("definitions" | "properties" | "patternProperties", _) => {
            subs(v)
        }
        ("dependentSchemas", Draft::D2020) => subs(v),
        ("dependentRequired", Draft::D2020) => {
            matches!(v, J::Obj(m) if m.iter().all(|(_, a)| string_array(a)))
        }
        ("dependencies", _) => {
            matches!(v, J::Obj(m) if m.iter().all(|(_, s)| sub(s) || string_array(s)))
        }
        ("items", Draft::D7) => sub(v) || schema_array(v, d, depth),
        ("prefixItems", Draft::D2020) | ("allOf" | "anyOf" | "oneOf", _) => {
            schema_array(v, d, depth)
        }
        ("items", Draft::D2020)
        | ("unevaluatedItems" | "unevaluatedProperties" | "contentSchema", Draft::D2020)
        | ("additionalItems", Draft::D7)
        | (
            "contains" | "additionalProperties" | "propertyNames" | "if" | "then" | "else" | "not",
            _,
        ) => sub(v),
        ("type", _) => simple_type(v) || types_array(v),
        ("enum", Draft::D7) => enum_d7(v),
        ("enum" | "examples", _) => matches!(v, J::Arr(_)),
        ("const" | "default", _) => true,
        ("multipleOf", _) => positive_number(v),
        ("maximum" | "exclusiveMaximum" | "minimum" | "exclusiveMinimum", _) => {
            matches!(v, J::Num(_))
        }
        ("maxContains" | "minContains", Draft::D2020)
        | (
            "maxLength" | "minLength" | "maxItems" | "minItems" | "maxProperties" | "minProperties",
            _,
        ) => non_negative_integer(v),
        ("required", _) => string_array(v),
        ("uniqueItems" | "readOnly" | "writeOnly", _) | ("deprecated", Draft::D2020) => {
            matches!(v, J::Bool(_))
        }
        // `pattern`'s format (regex) passes in the port whatever the string (its doc says why).
        (
            "$comment" | "title" | "description" | "format" | "contentMediaType"
            | "contentEncoding" | "pattern",
            _,
        ) => is_str(v),
        // Any other member is no keyword of the draft: the metaschema lets it be.
        _ => true,
    }
}

fn is_str(v: &J) -> bool {
    matches!(v, J::Str(_))
}

fn str_is(v: &J, ok: impl Fn(&str) -> bool) -> bool {
    matches!(v, J::Str(s) if ok(s))
}

/// The port's format check (`format.rs`), as the metaschema applies it.
fn format_ok(format: &str, s: &str) -> bool {
    super::format::check(format, &gotmpl::Value::string(s)).is_none()
}

/// `^[A-Za-z_][-A-Za-z0-9._]*$`.
fn anchor_string(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
}

/// `schemaArray`: at least one item, each a schema.
fn schema_array(v: &J, d: Draft, depth: usize) -> bool {
    matches!(v, J::Arr(a) if !a.is_empty() && a.iter().all(|s| schema(s, d, depth)))
}

/// `stringArray`: strings, no two equal.
fn string_array(v: &J) -> bool {
    let J::Arr(a) = v else {
        return false;
    };
    let mut seen = std::collections::HashSet::with_capacity(a.len());
    a.iter()
        .all(|s| matches!(s, J::Str(s) if seen.insert(s.as_str())))
}

const SIMPLE_TYPES: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

fn simple_type(v: &J) -> bool {
    matches!(v, J::Str(s) if SIMPLE_TYPES.contains(&s.as_str()))
}

/// An array of simple types: at least one, no two equal.
fn types_array(v: &J) -> bool {
    matches!(v, J::Arr(a) if !a.is_empty() && a.iter().all(simple_type) && string_array(v))
}

/// draft-07's `enum`: at least one item, no two equal. Equality is only decided here for
/// strings, booleans and null (numbers compare by value, `1` and `1.0` alike).
fn enum_d7(v: &J) -> bool {
    let J::Arr(a) = v else {
        return false;
    };
    let mut seen = std::collections::HashSet::with_capacity(a.len());
    !a.is_empty()
        && a.iter().all(|x| match x {
            J::Str(s) => seen.insert((0, s.as_str())),
            J::Bool(b) => seen.insert((1, if *b { "t" } else { "f" })),
            J::Null => seen.insert((2, "")),
            _ => false,
        })
}

/// `{"type": "integer", "minimum": 0}`, for a number written with digits only.
fn non_negative_integer(v: &J) -> bool {
    matches!(v, J::Num(n) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// `{"type": "number", "exclusiveMinimum": 0}`, for a number without a sign whose value is
/// not 0 (nor rounds to it).
fn positive_number(v: &J) -> bool {
    matches!(v, J::Num(n) if !n.starts_with('-')
        && n.parse::<f64>().is_ok_and(|f| f > 0.0 && f.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The port's verdict: the metaschema check without this filter.
    fn full(doc: &J, draft: u32) -> bool {
        super::super::check_metaschema_full(doc, draft).is_ok()
    }

    fn parse(text: &str) -> J {
        super::super::json::parse(text).expect("the test schema parses")
    }

    /// Every keyword of both drafts, in valid use.
    const RICH: &str = r##"{
      "$id": "https://example.com/s.json", "$comment": "c", "title": "t", "description": "d",
      "type": "object", "default": {"a": 1}, "examples": [1, "x"], "readOnly": false,
      "writeOnly": true, "deprecated": false, "format": "email",
      "definitions": {"d1": {"type": ["string", "null"], "maxLength": 3, "minLength": 0}},
      "$defs": {"d2": {"$anchor": "a_1", "$dynamicAnchor": "dyn", "enum": ["a", "b", null, true]}},
      "properties": {
        "n": {"type": "number", "multipleOf": 0.5, "maximum": 10, "exclusiveMaximum": 11,
              "minimum": -1, "exclusiveMinimum": -2.5e1, "const": 3},
        "i": {"type": "integer", "enum": ["x", "y"]},
        "s": {"type": "string", "pattern": "^[a-z]+$", "contentMediaType": "text/plain",
              "contentEncoding": "base64", "contentSchema": {"type": "string"}},
        "arr": {"type": "array", "items": {"type": "string"}, "maxItems": 4, "minItems": 1,
                "uniqueItems": true, "contains": {"const": "x"}, "maxContains": 2,
                "minContains": 1, "additionalItems": false, "prefixItems": [true, {}],
                "unevaluatedItems": false},
        "obj": {"type": "object", "maxProperties": 3, "minProperties": 1, "required": ["a"],
                "additionalProperties": {"type": "integer"},
                "patternProperties": {"^x-": {"type": "string"}},
                "propertyNames": {"pattern": "^[a-z-]+$"},
                "dependencies": {"a": ["b"], "c": {"required": ["d"]}},
                "dependentRequired": {"a": ["b", "c"]},
                "dependentSchemas": {"a": {"required": ["e"]}},
                "unevaluatedProperties": false},
        "logic": {"allOf": [true], "anyOf": [{"type": "string"}, false],
                  "oneOf": [{"minimum": 1}, {"maximum": 0}], "not": {"type": "null"},
                  "if": {"type": "string"}, "then": {"minLength": 1}, "else": true},
        "ref": {"$ref": "#/definitions/d1"}, "dref": {"$dynamicRef": "#dyn"},
        "x-vendor": {"anything": [1, 2, {"type": 5}]}
      },
      "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true}
    }"##;

    /// Values each keyword is tried with in turn: wrong types, bounds and uniqueness.
    fn replacements() -> Vec<J> {
        let s = |x: &str| J::Str(x.to_string());
        let n = |x: &str| J::Num(x.to_string());
        vec![
            J::Null,
            J::Bool(true),
            n("-1"),
            n("0"),
            n("1.5"),
            n("2.0"),
            n("1e2"),
            n("-0"),
            n("0.0"),
            s("x"),
            s("string"),
            s("#frag"),
            s("a#b"),
            s("1bad"),
            s("http://[::1"),
            s("::"),
            J::Arr(vec![]),
            J::Arr(vec![s("a"), s("a")]),
            J::Arr(vec![s("string"), s("null")]),
            J::Arr(vec![s("string"), s("string")]),
            J::Arr(vec![n("1"), n("1.0")]),
            J::Arr(vec![J::Bool(true), J::Obj(vec![])]),
            J::Arr(vec![J::Obj(vec![("type".into(), n("1"))])]),
            J::Obj(vec![]),
            J::Obj(vec![("a".into(), J::Bool(true))]),
            J::Obj(vec![("a".into(), s("x"))]),
            J::Obj(vec![("a".into(), J::Arr(vec![s("b"), s("b")]))]),
            J::Obj(vec![("type".into(), s("nope"))]),
        ]
    }

    /// Every object member of `j` (by path), for the mutations.
    fn member_paths(j: &J, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        match j {
            J::Obj(m) => {
                for (i, (_, v)) in m.iter().enumerate() {
                    path.push(i);
                    out.push(path.clone());
                    member_paths(v, path, out);
                    path.pop();
                }
            }
            J::Arr(a) => {
                for (i, v) in a.iter().enumerate() {
                    path.push(i);
                    member_paths(v, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn at_mut<'j>(j: &'j mut J, path: &[usize]) -> &'j mut J {
        match (j, path.split_first()) {
            (j, None) => j,
            (J::Obj(m), Some((i, rest))) => at_mut(&mut m[*i].1, rest),
            (J::Arr(a), Some((i, rest))) => at_mut(&mut a[*i], rest),
            _ => unreachable!("paths come from the document"),
        }
    }

    #[test]
    fn never_accepts_what_the_metaschema_rejects() {
        for (draft, schema_uri) in [
            (7, "http://json-schema.org/draft-07/schema#"),
            (2020, "https://json-schema.org/draft/2020-12/schema"),
        ] {
            let mut doc = parse(RICH);
            if let J::Obj(m) = &mut doc {
                m.insert(0, ("$schema".into(), J::Str(schema_uri.into())));
            }
            let mut paths = Vec::new();
            member_paths(&doc, &mut Vec::new(), &mut paths);
            let (mut accepted, mut rejected) = (0, 0);
            for path in &paths {
                for r in replacements() {
                    let mut d = doc.clone();
                    *at_mut(&mut d, path) = r.clone();
                    let fast = valid(&d, draft);
                    let full = full(&d, draft);
                    assert!(!fast || full, "draft {draft}: accepted {path:?} = {r:?}");
                    accepted += usize::from(fast);
                    rejected += usize::from(!full);
                }
            }
            // The filter is no `false` everywhere, and the mutations do reach invalid schemas.
            eprintln!("draft {draft}: {accepted} accepted, {rejected} rejected by the port");
            assert!(accepted > 400, "draft {draft}: {accepted} accepted");
            assert!(rejected > 400, "draft {draft}: {rejected} rejected");
        }
    }

    #[test]
    fn accepts_the_rich_schema_and_the_corpus_kind() {
        let doc = parse(RICH);
        assert!(valid(&doc, 2020), "2020-12 accepts every keyword here");
        assert!(full(&doc, 2020));
        // draft-07's `items` may be an array, 2020-12's may not.
        let tuple = parse(r#"{"items": [{"type": "string"}]}"#);
        assert!(valid(&tuple, 7) && full(&tuple, 7));
        assert!(!valid(&tuple, 2020) && !full(&tuple, 2020));
        // Unknown drafts are left to the port.
        assert!(!valid(&parse("{}"), 4));
    }

    #[test]
    fn deep_nesting_is_left_to_the_port() {
        let mut text = String::from("true");
        for _ in 0..=MAX_NESTING {
            text = format!(r#"{{"not": {text}}}"#);
        }
        assert!(!valid(&parse(&text), 2020));
        assert!(valid(&parse(r#"{"not": {"not": true}}"#), 2020));
    }
}
