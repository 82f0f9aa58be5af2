//! Fuzz target: any text, with delimiters chosen by the first byte, parses to a template or to an
//! error, and never panics.
#![no_main]

use gotmpl::Template;
use libfuzzer_sys::fuzz_target;

const DELIMS: &[(&str, &str)] = &[
    ("", ""),
    ("{{", "}}"),
    ("[[", "]]"),
    ("<%", "%>"),
    ("|", "|"),
    ("(", ")"),
    ("{{-", "-}}"),
    ("{{ ", " }}"),
    ("\u{ab}", "\u{bb}"),
    ("a", "b"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let (l, r) = DELIMS[usize::from(sel) % DELIMS.len()];
    let mut t = Template::new("fuzz");
    t.delims(l, r);
    let _ = t.parse(&text);
});
