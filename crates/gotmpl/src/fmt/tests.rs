//! Tests of Go's fmt: every expected string was produced by Go 1.26 (the oracle in tools/oracle via
//! the `testdata/gen_*` scripts, or Go's own `fmt_test.go` / `quote_test.go` tables), never by this code.
//!
//! Larger runs: `testdata/gen_floats.py ORACLE 1 150000 > /tmp/f.jsonl` (or any generator), then
//! `GOTMPL_FMT_CASES=/tmp/f.jsonl cargo test --release -p canon-gotmpl --lib oracle_cases`.

use super::*;
use crate::value::{List, Map};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

fn list(elem: ElemType, items: Vec<Value>) -> Value {
    Value::List(Arc::new(List::new(elem, items)))
}

fn map(elem: ElemType, entries: BTreeMap<String, Value>) -> Value {
    Value::Map(Arc::new(Map::from_entries(elem, entries)))
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

/// A Go complex number as the engine carries it: a host object printing `(re+imi)` like Go's `%v`.
#[derive(Debug)]
struct TestComplex {
    re: f64,
    im: f64,
    kind: FloatKind,
}

impl crate::value::Object for TestComplex {
    fn type_name(&self) -> String {
        match self.kind {
            FloatKind::F32 => "complex64".to_string(),
            FloatKind::F64 => "complex128".to_string(),
        }
    }
    fn display(&self) -> String {
        let re = sprint(&[Value::Float(self.re, self.kind)]);
        let im = sprint(&[Value::Float(self.im, self.kind)]);
        let sign = if im.starts_with(['+', '-']) { "" } else { "+" };
        format!("({re}{sign}{im}i)")
    }
}

fn typed(t: &str, v: &Json) -> Value {
    if t == "complex128" || t == "complex64" {
        let s = v.as_str().expect("complex wants \"re im\"");
        let (re, im) = s.split_once(' ').expect("complex wants \"re im\"");
        let kind = if t == "complex64" {
            FloatKind::F32
        } else {
            FloatKind::F64
        };
        let part = |p: &str| match kind {
            FloatKind::F32 => f64::from(p.parse::<f32>().unwrap_or_else(|_| parse_f64(p) as f32)),
            FloatKind::F64 => parse_f64(p),
        };
        return Value::Object(Arc::new(TestComplex {
            re: part(re),
            im: part(im),
            kind,
        }));
    }
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

/// Oracle case files: the verb × value × flag matrix and error cases (gen_cases.py), random floats
/// (gen_floats.py), hard floats under random precisions (gen_float_edges.py), random strings and runes (gen_strings.py), and Go's own fmtTests table
/// (gen_go_fmt_tests.sh), and random format strings over random operands (gen_fuzz.py).
const CASE_FILES: [(&str, &str); 6] = [
    ("fuzz.jsonl", include_str!("testdata/fuzz.jsonl")),
    ("cases.jsonl", include_str!("testdata/cases.jsonl")),
    ("floats.jsonl", include_str!("testdata/floats.jsonl")),
    (
        "float_edges.jsonl",
        include_str!("testdata/float_edges.jsonl"),
    ),
    ("strings.jsonl", include_str!("testdata/strings.jsonl")),
    (
        "go_fmt_tests.jsonl",
        include_str!("testdata/go_fmt_tests.jsonl"),
    ),
];

/// Runs the committed case files, plus the case file `GOTMPL_FMT_CASES` names if set (large
/// oracle runs kept out of the repo).
#[test]
fn oracle_cases() {
    let extra = std::env::var("GOTMPL_FMT_CASES")
        .map(|path| std::fs::read_to_string(&path).expect("read GOTMPL_FMT_CASES"))
        .unwrap_or_default();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in CASE_FILES
        .iter()
        .flat_map(|(_, data)| data.lines())
        .chain(extra.lines())
        .filter(|l| !l.trim().is_empty())
    {
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

/// `[]byte` operands that are not UTF-8, which JSON cannot carry to the oracle: expected strings
/// printed by Go 1.26 `fmt.Sprintf(format, []byte(input))`.
#[test]
fn invalid_utf8_bytes() {
    #[rustfmt::skip]
    let cases: &[(&str, &[u8], &str)] = &[
            ("%q", b"abc\xffdef", "\"abc\\xffdef\""),
            ("%+q", b"abc\xffdef", "\"abc\\xffdef\""),
            ("%#q", b"abc\xffdef", "\"abc\\xffdef\""),
            ("%x", b"abc\xffdef", "616263ff646566"),
            ("% X", b"abc\xffdef", "61 62 63 FF 64 65 66"),
            ("%.2q", b"abc\xffdef", "\"ab\""),
            ("%8q", b"abc\xffdef", "\"abc\\xffdef\""),
            ("%-9q|", b"abc\xffdef", "\"abc\\xffdef\"|"),
            ("%#v", b"abc\xffdef", "[]byte{0x61, 0x62, 0x63, 0xff, 0x64, 0x65, 0x66}"),
            ("%v", b"abc\xffdef", "[97 98 99 255 100 101 102]"),
            ("%.3x", b"abc\xffdef", "616263"),
            ("%T", b"abc\xffdef", "[]uint8"),
            ("%d", b"abc\xffdef", "[97 98 99 255 100 101 102]"),
            ("%c", b"abc\xffdef", "[a b c ÿ d e f]"),
            ("%q", b"\xe2\x82", "\"\\xe2\\x82\""),
            ("%+q", b"\xe2\x82", "\"\\xe2\\x82\""),
            ("%#q", b"\xe2\x82", "\"\\xe2\\x82\""),
            ("%x", b"\xe2\x82", "e282"),
            ("% X", b"\xe2\x82", "E2 82"),
            ("%.2q", b"\xe2\x82", "\"\\xe2\\x82\""),
            ("%8q", b"\xe2\x82", "\"\\xe2\\x82\""),
            ("%-9q|", b"\xe2\x82", "\"\\xe2\\x82\"|"),
            ("%#v", b"\xe2\x82", "[]byte{0xe2, 0x82}"),
            ("%v", b"\xe2\x82", "[226 130]"),
            ("%.3x", b"\xe2\x82", "e282"),
            ("%T", b"\xe2\x82", "[]uint8"),
            ("%d", b"\xe2\x82", "[226 130]"),
            ("%c", b"\xe2\x82", "[â \u{0082}]"),
            ("%q", b"\xed\xa0\x80x", "\"\\xed\\xa0\\x80x\""),
            ("%+q", b"\xed\xa0\x80x", "\"\\xed\\xa0\\x80x\""),
            ("%#q", b"\xed\xa0\x80x", "\"\\xed\\xa0\\x80x\""),
            ("%x", b"\xed\xa0\x80x", "eda08078"),
            ("% X", b"\xed\xa0\x80x", "ED A0 80 78"),
            ("%.2q", b"\xed\xa0\x80x", "\"\\xed\\xa0\""),
            ("%8q", b"\xed\xa0\x80x", "\"\\xed\\xa0\\x80x\""),
            ("%-9q|", b"\xed\xa0\x80x", "\"\\xed\\xa0\\x80x\"|"),
            ("%#v", b"\xed\xa0\x80x", "[]byte{0xed, 0xa0, 0x80, 0x78}"),
            ("%v", b"\xed\xa0\x80x", "[237 160 128 120]"),
            ("%.3x", b"\xed\xa0\x80x", "eda080"),
            ("%T", b"\xed\xa0\x80x", "[]uint8"),
            ("%d", b"\xed\xa0\x80x", "[237 160 128 120]"),
            ("%c", b"\xed\xa0\x80x", "[í \u{00a0} \u{0080} x]"),
            ("%q", b"\xf0\x9f\x98", "\"\\xf0\\x9f\\x98\""),
            ("%+q", b"\xf0\x9f\x98", "\"\\xf0\\x9f\\x98\""),
            ("%#q", b"\xf0\x9f\x98", "\"\\xf0\\x9f\\x98\""),
            ("%x", b"\xf0\x9f\x98", "f09f98"),
            ("% X", b"\xf0\x9f\x98", "F0 9F 98"),
            ("%.2q", b"\xf0\x9f\x98", "\"\\xf0\\x9f\""),
            ("%8q", b"\xf0\x9f\x98", "\"\\xf0\\x9f\\x98\""),
            ("%-9q|", b"\xf0\x9f\x98", "\"\\xf0\\x9f\\x98\"|"),
            ("%#v", b"\xf0\x9f\x98", "[]byte{0xf0, 0x9f, 0x98}"),
            ("%v", b"\xf0\x9f\x98", "[240 159 152]"),
            ("%.3x", b"\xf0\x9f\x98", "f09f98"),
            ("%T", b"\xf0\x9f\x98", "[]uint8"),
            ("%d", b"\xf0\x9f\x98", "[240 159 152]"),
            ("%c", b"\xf0\x9f\x98", "[ð \u{009f} \u{0098}]"),
            ("%q", b"ok\xc0\xaf\xc3\xa9", "\"ok\\xc0\\xafé\""),
            ("%+q", b"ok\xc0\xaf\xc3\xa9", "\"ok\\xc0\\xaf\\u00e9\""),
            ("%#q", b"ok\xc0\xaf\xc3\xa9", "\"ok\\xc0\\xafé\""),
            ("%x", b"ok\xc0\xaf\xc3\xa9", "6f6bc0afc3a9"),
            ("% X", b"ok\xc0\xaf\xc3\xa9", "6F 6B C0 AF C3 A9"),
            ("%.2q", b"ok\xc0\xaf\xc3\xa9", "\"ok\""),
            ("%8q", b"ok\xc0\xaf\xc3\xa9", "\"ok\\xc0\\xafé\""),
            ("%-9q|", b"ok\xc0\xaf\xc3\xa9", "\"ok\\xc0\\xafé\"|"),
            ("%#v", b"ok\xc0\xaf\xc3\xa9", "[]byte{0x6f, 0x6b, 0xc0, 0xaf, 0xc3, 0xa9}"),
            ("%v", b"ok\xc0\xaf\xc3\xa9", "[111 107 192 175 195 169]"),
            ("%.3x", b"ok\xc0\xaf\xc3\xa9", "6f6bc0"),
            ("%T", b"ok\xc0\xaf\xc3\xa9", "[]uint8"),
            ("%d", b"ok\xc0\xaf\xc3\xa9", "[111 107 192 175 195 169]"),
            ("%c", b"ok\xc0\xaf\xc3\xa9", "[o k À ¯ Ã ©]"),
    ];
    for (format, input, want) in cases {
        let got = sprintf(format, &[Value::Bytes((*input).into())]);
        assert_eq!(&got, want, "Sprintf({format:?}, {input:?})");
    }
}

/// Go's strconv quote_test.go tables (Quote, QuoteToASCII, QuoteRune, QuoteRuneToASCII).
#[test]
fn strconv_quote_tables() {
    let quote_tests: &[(&[u8], &str, &str)] = &[
        (
            b"\x07\x08\x0c\r\n\t\x0b",
            r#""\a\b\f\r\n\t\v""#,
            r#""\a\b\f\r\n\t\v""#,
        ),
        (b"\\", r#""\\""#, r#""\\""#),
        (b"abc\xffdef", r#""abc\xffdef""#, r#""abc\xffdef""#),
        ("\u{263a}".as_bytes(), "\"\u{263a}\"", r#""\u263a""#),
        (
            "\u{10ffff}".as_bytes(),
            r#""\U0010ffff""#,
            r#""\U0010ffff""#,
        ),
        (b"\x04", r#""\x04""#, r#""\x04""#),
        (
            "!\u{a0}!\u{2000}!\u{3000}!".as_bytes(),
            r#""!\u00a0!\u2000!\u3000!""#,
            r#""!\u00a0!\u2000!\u3000!""#,
        ),
        (b"\x7f", r#""\x7f""#, r#""\x7f""#),
    ];
    for (input, out, ascii) in quote_tests {
        let mut got = String::new();
        quote::append_quoted(&mut got, input, b'"', false);
        assert_eq!(&got, out, "Quote({input:?})");
        let mut got = String::new();
        quote::append_quoted(&mut got, input, b'"', true);
        assert_eq!(&got, ascii, "QuoteToASCII({input:?})");
    }
    let rune_tests: &[(u32, &str, &str)] = &[
        (u32::from('a'), "'a'", "'a'"),
        (7, r"'\a'", r"'\a'"),
        (u32::from('\\'), r"'\\'", r"'\\'"),
        (0xFF, "'\u{ff}'", r"'\u00ff'"),
        (0x263a, "'\u{263a}'", r"'\u263a'"),
        (0xdead, "'\u{fffd}'", r"'\ufffd'"),
        (0xfffd, "'\u{fffd}'", r"'\ufffd'"),
        (0x10ffff, r"'\U0010ffff'", r"'\U0010ffff'"),
        (0x110000, "'\u{fffd}'", r"'\ufffd'"),
        (0x04, r"'\x04'", r"'\x04'"),
        (0xa0, r"'\u00a0'", r"'\u00a0'"),
        (0x2000, r"'\u2000'", r"'\u2000'"),
        (0x3000, r"'\u3000'", r"'\u3000'"),
    ];
    for (r, out, ascii) in rune_tests {
        let mut got = String::new();
        quote::append_quoted_rune(&mut got, *r, false);
        assert_eq!(&got, out, "QuoteRune({r:#x})");
        let mut got = String::new();
        quote::append_quoted_rune(&mut got, *r, true);
        assert_eq!(&got, ascii, "QuoteRuneToASCII({r:#x})");
    }
    assert!(quote::can_backquote(b"a\tb"));
    assert!(!quote::can_backquote(b"`"));
    assert!(!quote::can_backquote(b"\x7f"));
    assert!(!quote::can_backquote("\u{feff}".as_bytes()));
    assert!(!quote::can_backquote(b"\xff"));
    assert!(!quote::can_backquote(b"\n"));
}

/// A host object standing for a Go `*main.Meta` whose `String()` returns `meta:` + name.
#[derive(Debug)]
struct Meta(&'static str);

impl crate::value::Object for Meta {
    fn type_name(&self) -> String {
        "*main.Meta".to_string()
    }
    fn display(&self) -> String {
        format!("meta:{}", self.0)
    }
}

/// Objects print through their Stringer; expected strings printed by Go 1.26 for such a type.
#[test]
fn objects_print_like_stringers() {
    let m = Value::Object(Arc::new(Meta("x y")));
    let cases = [
        ("%v", "meta:x y"),
        ("%s", "meta:x y"),
        ("%q", "\"meta:x y\""),
        ("%x", "6d6574613a782079"),
        ("%X", "6D6574613A782079"),
        ("%10s|", "  meta:x y|"),
        ("%-10v|", "meta:x y  |"),
        ("%T", "*main.Meta"),
        ("%.3s", "met"),
        ("%+q", "\"meta:x y\""),
    ];
    for (format, want) in cases {
        assert_eq!(sprintf(format, std::slice::from_ref(&m)), want, "{format}");
    }
    let l = list(
        ElemType::Interface,
        vec![m.clone(), Value::Int(1, IntKind::Int)],
    );
    assert_eq!(sprintf("%v", std::slice::from_ref(&l)), "[meta:x y 1]");
    let l = list(
        ElemType::Interface,
        vec![m.clone(), Value::String("a".into())],
    );
    assert_eq!(
        sprintf("%q", std::slice::from_ref(&l)),
        "[\"meta:x y\" \"a\"]"
    );
    let mp = map(
        ElemType::Interface,
        BTreeMap::from([("k".to_string(), m.clone())]),
    );
    assert_eq!(sprintf("%v", std::slice::from_ref(&mp)), "map[k:meta:x y]");
    let one = Value::Int(1, IntKind::Int);
    let s = Value::String("s".into());
    assert_eq!(
        sprint(&[m.clone(), one, m.clone(), s, m.clone()]),
        "meta:x y 1 meta:x ysmeta:x y"
    );
    assert_eq!(
        sprintf("x", std::slice::from_ref(&m)),
        "x%!(EXTRA *main.Meta=meta:x y)"
    );
    let mut out = String::new();
    write_value(&mut out, &m);
    assert_eq!(out, "meta:x y");
}

/// Precisions beyond core::fmt's limit (u16::MAX) up to Go's (1e6): length, ends and the digits of
/// the exact expansion, as printed by Go 1.26 (the full outputs are 66-70k characters).
#[test]
fn huge_precisions() {
    let tiny = Value::Float(5e-324, FloatKind::F64);
    let tenth = Value::Float(0.1, FloatKind::F64);
    let one_half = Value::Float(1.5, FloatKind::F64);
    let cases: [(&str, &Value, usize, &str, &str); 9] = [
        (
            "%.70000f",
            &tiny,
            70002,
            "0.00000000000000000000000000000000000000",
            "000000000000",
        ),
        (
            "%.66000e",
            &tiny,
            66007,
            "4.94065645841246544176568792868221372365",
            "0000000e-324",
        ),
        (
            "%#.70000g",
            &tiny,
            70006,
            "4.94065645841246544176568792868221372365",
            "0000000e-324",
        ),
        (
            "%.70000f",
            &tenth,
            70002,
            "0.10000000000000000555111512312578270211",
            "000000000000",
        ),
        (
            "%.66000e",
            &tenth,
            66006,
            "1.00000000000000005551115123125782702118",
            "00000000e-01",
        ),
        (
            "%#.70000g",
            &tenth,
            70002,
            "0.10000000000000000555111512312578270211",
            "000000000000",
        ),
        (
            "%.70000f",
            &one_half,
            70002,
            "1.50000000000000000000000000000000000000",
            "000000000000",
        ),
        (
            "%.66000e",
            &one_half,
            66006,
            "1.50000000000000000000000000000000000000",
            "00000000e+00",
        ),
        (
            "%#.70000g",
            &one_half,
            70001,
            "1.50000000000000000000000000000000000000",
            "000000000000",
        ),
    ];
    for (format, v, len, head, tail) in cases {
        let got = sprintf(format, std::slice::from_ref(v));
        assert_eq!(got.len(), len, "{format} of {v:?}: length");
        assert!(
            got.starts_with(head),
            "{format} of {v:?}: starts {:?}",
            &got[..40]
        );
        assert!(
            got.ends_with(tail),
            "{format} of {v:?}: ends {:?}",
            &got[got.len() - 12..]
        );
    }
    let got = sprintf("%.70000f", std::slice::from_ref(&tiny));
    assert_eq!(
        &got[320..400],
        "00000494065645841246544176568792868221372365059802614324764425585682500675507270"
    );
    assert_eq!(got.trim_end_matches('0').len(), 1076);
}
