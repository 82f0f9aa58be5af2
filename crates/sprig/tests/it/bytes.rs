//! Go strings holding arbitrary bytes (not UTF-8), against the Go oracle: random byte strings
//! reach both engines through `b64dec` (Go's `string(bytes)`), then go through the
//! byte-oriented functions. Outputs are kept UTF-8 on the Go side (`b64enc`, `%x`, `toJson`,
//! which writes invalid bytes as U+FFFD) because the oracle answers in JSON.
//! `#[ignore]`: run by scripts/test; fails when the oracle cannot be had.
//! `SPRIG_BYTES_SEED` / `SPRIG_BYTES_N` replay or size a run.

use serde_json::{Value as J, json};

use crate::data::{Outcome, run};
use crate::live::{oracle, oracle_answers};

/// Templates applied to `$s`, a Go string decoded from random bytes.
const TEMPLATES: &[&str] = &[
    "{{ len $s }}",
    "{{ $s | b64enc }}",
    "{{ $s | b32enc }}",
    "{{ $s | b64enc | b64dec | b32enc }}",
    "{{ $s | sha1sum }}",
    "{{ $s | sha256sum }}",
    "{{ $s | sha512sum }}",
    "{{ $s | adler32sum }}",
    "{{ printf \"%x\" $s }}",
    "{{ printf \"% X\" $s }}",
    "{{ printf \"%.3x\" $s }}",
    "{{ printf \"%q\" $s }}",
    "{{ printf \"%+q\" $s }}",
    "{{ printf \"%#q\" $s }}",
    "{{ printf \"%#v\" $s }}",
    "{{ printf \"%12s|\" $s | b64enc }}",
    "{{ printf \"%-12s|\" $s | b64enc }}",
    "{{ printf \"%.3s|\" $s | b64enc }}",
    "{{ printf \"%s\" $s | b64enc }}",
    "{{ print $s 1 | b64enc }}",
    "{{ trunc 5 $s | b64enc }}",
    "{{ trunc -3 $s | b64enc }}",
    "{{ substr 1 4 $s | b64enc }}",
    "{{ substr 2 99 $s | b64enc }}",
    "{{ slice $s 1 3 | b64enc }}",
    "{{ slice $s 2 | b64enc }}",
    "{{ index $s 2 }}",
    "{{ toJson $s }}",
    "{{ toPrettyJson (list $s) }}",
    "{{ toString $s | b64enc }}",
    "{{ cat $s $s | b64enc }}",
    "{{ upper $s | b64enc }}",
    "{{ lower $s | b64enc }}",
    "{{ quote $s | b64enc }}",
    "{{ squote $s | b64enc }}",
    "{{ trim $s | b64enc }}",
    "{{ nospace $s | b64enc }}",
    "{{ replace \"a\" \"b\" $s | b64enc }}",
    "{{ repeat 2 $s | b64enc }}",
    "{{ indent 2 $s | b64enc }}",
    "{{ abbrev 6 $s | b64enc }}",
    "{{ contains \"a\" $s }}",
    "{{ hasPrefix \"a\" $s }}",
    "{{ eq $s (b64enc $s | b64dec) }}",
    "{{ (list $s \"x\") | join \",\" | b64enc }}",
    "{{ splitList \"a\" $s | len }}",
    "{{ $s | b64enc | b64dec | len }}",
];

/// Pieces random strings are made of: ASCII, valid multibyte UTF-8 (including the code points
/// canon uses as escapes, U+10FE80..), and bytes that are never valid UTF-8 on their own.
const PIECES: &[&[u8]] = &[
    b"a",
    b"ab c",
    b"\n",
    b"\t ",
    "é".as_bytes(),
    "日本".as_bytes(),
    "\u{10FE80}".as_bytes(),
    "\u{10FEFF}".as_bytes(),
    "\u{10FFFF}".as_bytes(),
    "\u{FFFD}".as_bytes(),
    &[0xff],
    &[0x80],
    &[0xc3],
    &[0xe6, 0x97],
    &[0xf4, 0x8f, 0xba],
    &[0xfe, 0xfe],
    &[0xed, 0xa0, 0x80],
];

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
#[ignore = "needs the Go oracle (CANON_ORACLE or a Go toolchain); run by scripts/test"]
fn byte_strings_like_go() {
    let bin = oracle().unwrap_or_else(|e| panic!("byte-string differential cannot run: {e}"));
    let mut seed: u64 = std::env::var("SPRIG_BYTES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_128)
        | 1;
    let n: usize = std::env::var("SPRIG_BYTES_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut next = || {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize
    };
    let mut cases = Vec::new();
    for i in 0..n {
        let mut bytes = Vec::new();
        for _ in 0..next() % 7 {
            bytes.extend_from_slice(PIECES[next() % PIECES.len()]);
        }
        for (k, t) in TEMPLATES.iter().enumerate() {
            cases.push(json!({
                "id": format!("bytes/{i}/{k}"),
                "template": format!("{{{{ $s := b64dec .b }}}}{t}"),
                "data": {"b": b64(&bytes)},
                "funcs": "sprig",
            }));
        }
    }
    let answers = oracle_answers(&bin, &cases);
    let funcs = sprig::funcs(&sprig::Options::default());
    let mut bad = Vec::new();
    for (c, a) in cases.iter().zip(&answers) {
        let want = Outcome {
            output: a["output"].as_str().unwrap_or("").into(),
            error: a["error"].as_str().unwrap_or("").into(),
            phase: a["phase"].as_str().unwrap_or("").into(),
        };
        let got = run(c, &funcs);
        if got != want {
            bad.push(format!(
                "{} {} b={}\n  go:    {want:?}\n  canon: {got:?}",
                c["id"], c["template"], c["data"]["b"]
            ));
        }
    }
    for b in bad.iter().take(40) {
        println!("{b}");
    }
    println!(
        "byte strings: {} cases ({} strings x {} templates), {} differ",
        cases.len(),
        n,
        TEMPLATES.len(),
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} byte-string cases differ from Go",
        bad.len()
    );
}

#[test]
fn b64dec_keeps_every_byte() {
    // Not against Go: the round trip through canon's escapes must be the identity.
    let funcs = sprig::funcs(&sprig::Options::default());
    let all: Vec<u8> = (0..=255u8).rev().collect();
    let c =
        json!({"template": "{{ b64dec .b | b64enc }}", "data": {"b": b64(&all)}, "funcs": "sprig"});
    let got: J = json!(run(&c, &funcs).output);
    assert_eq!(got, json!(b64(&all)));
}
