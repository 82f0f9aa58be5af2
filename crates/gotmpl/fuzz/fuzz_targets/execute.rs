//! Fuzz target: any text that parses executes on fixed data of every value kind to output or an
//! error, and never panics or hangs.
#![no_main]

use std::sync::LazyLock;

use gotmpl::{ElemType, FloatKind, IntKind, List, Map, Template, UintKind, Value};
use libfuzzer_sys::fuzz_target;

static DATA: LazyLock<Value> = LazyLock::new(|| {
    let strs = Value::List(std::sync::Arc::new(List::new(
        ElemType::String,
        vec![Value::string("a"), Value::string("b")],
    )));
    let inner = Value::map([
        ("k".to_string(), Value::string("v")),
        ("n".to_string(), Value::Nil),
        (
            "l".to_string(),
            Value::list(vec![Value::int(1), Value::float(2.5)]),
        ),
    ]);
    Value::map([
        ("a".to_string(), Value::int(3)),
        ("b".to_string(), Value::bool(true)),
        ("f".to_string(), Value::Float(0.1, FloatKind::F32)),
        ("i".to_string(), Value::Int(-8, IntKind::Int8)),
        ("u".to_string(), Value::Uint(200, UintKind::Uint8)),
        ("s".to_string(), Value::string("h\u{e9}llo <&>")),
        (
            "bytes".to_string(),
            Value::Bytes(std::sync::Arc::from(&b"xyz"[..])),
        ),
        ("l".to_string(), strs),
        ("m".to_string(), inner),
        (
            "e".to_string(),
            Value::Map(std::sync::Arc::new(Map::new(ElemType::Interface))),
        ),
        ("nil".to_string(), Value::Nil),
    ])
});

fuzz_target!(|data: &[u8]| {
    // Keep inputs small: a long template can legitimately take long (big ranges), which is not a hang.
    if data.len() > 2048 {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let mut t = Template::new("fuzz");
    if t.parse(&text).is_err() {
        return;
    }
    let mut out = String::new();
    let _ = t.execute(&mut out, &DATA);
});
