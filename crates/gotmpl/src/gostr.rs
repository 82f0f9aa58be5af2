//! Go strings that hold arbitrary bytes, kept inside Rust `str`: a lossless escape of the bytes
//! that are not UTF-8.
//!
//! A Go `string` is a byte string; [`Value::String`](crate::Value::String) is a Rust `str`.
//! Charts read binary files (`.Files.Get "x.bz2" | b64enc`) and decode base64 to binary
//! (`b64dec`), so a template string must carry any byte sequence through unchanged. Turning
//! the value model into `[u8]` everywhere would touch every function; instead each byte that
//! is not part of valid UTF-8 is stored as one code point of the escape range
//! U+10FE80..=U+10FEFF (byte `b` → U+10FE00 + `b`, bytes 0x80..=0xFF: ASCII bytes are always
//! valid; not the last code points, U+10FFFF is a favourite of edge-case tests), like Python's `surrogateescape` (which uses lone surrogates; Rust `str` cannot
//! hold those). Genuine text in that range (plane-16 private use, unassigned by definition)
//! read through [`from_go_bytes`] is escaped byte by byte too, so the round trip
//! `to_go_bytes(from_go_bytes(b)) == b` holds for every `b`.
//!
//! Byte-oriented functions (`len`, `index`/`slice` on strings, `b64enc`, digests, the final
//! render output) go through [`to_go_bytes`]; it borrows the UTF-8 bytes when the string
//! holds no escape, which is checked by one byte search (`memchr` in `core`) for the lead byte 0xF4, so the common
//! path costs one scan and no allocation. Rune-oriented Go code sees each invalid byte as
//! U+FFFD of width 1; an escape code point stands for exactly such a byte (see [`go_rune`]).
//!
//! The one deviation left: a string built from a *rune* in the escape range (`printf "%c"
//! 0x10FE80`, a template literal `"\U0010FE80"`) is later read as the escaped byte by the
//! byte-oriented functions. Nothing writes those private-use code points in charts.

use std::borrow::Cow;

/// The escape of byte `b` (0x80..=0xFF) is U+10FE00 + `b`.
const BASE: u32 = 0x10FE00;
/// The UTF-8 lead byte of every escape code point (and of U+100000..U+10FFFF).
const LEAD: u8 = 0xF4;

/// The escape code point of a non-UTF-8 byte (`b >= 0x80`).
fn escape(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).expect("U+10FE80..=U+10FEFF are scalar values")
}

/// The raw byte an escape code point stands for, if `c` is one.
pub fn escaped_byte(c: char) -> Option<u8> {
    let c = c as u32;
    if (BASE + 0x80..=BASE + 0xFF).contains(&c) {
        Some((c - BASE) as u8)
    } else {
        None
    }
}

/// Whether `s` may hold escape code points (false: its UTF-8 bytes are its Go bytes).
#[inline]
pub fn may_have_escapes(s: &str) -> bool {
    s.as_bytes().contains(&LEAD)
}

/// A Go string (any bytes) as a Rust string, losslessly (see the module doc).
pub fn from_go_bytes(b: &[u8]) -> String {
    if !b.contains(&LEAD)
        && let Ok(s) = std::str::from_utf8(b)
    {
        return s.to_owned();
    }
    let mut out = String::with_capacity(b.len() + b.len() / 8);
    for chunk in b.utf8_chunks() {
        let valid = chunk.valid();
        if !valid.as_bytes().contains(&LEAD) {
            out.push_str(valid);
        } else {
            for c in valid.chars() {
                if escaped_byte(c).is_some() {
                    let mut buf = [0u8; 4];
                    for &b in c.encode_utf8(&mut buf).as_bytes() {
                        out.push(escape(b));
                    }
                } else {
                    out.push(c);
                }
            }
        }
        for &b in chunk.invalid() {
            out.push(escape(b));
        }
    }
    out
}

/// Like [`from_go_bytes`], taking the vector when it is UTF-8 without escapes (no copy).
pub fn from_go_vec(b: Vec<u8>) -> String {
    if !b.contains(&LEAD) {
        match String::from_utf8(b) {
            Ok(s) => s,
            Err(e) => from_go_bytes(e.as_bytes()),
        }
    } else {
        from_go_bytes(&b)
    }
}

/// The Go bytes of a string: borrowed when it holds no escape.
pub fn to_go_bytes(s: &str) -> Cow<'_, [u8]> {
    if !may_have_escapes(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match escaped_byte(c) {
            Some(b) => out.push(b),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Cow::Owned(out)
}

/// Go's `len(s)`: the number of bytes.
pub fn go_len(s: &str) -> usize {
    if !may_have_escapes(s) {
        return s.len();
    }
    s.chars()
        .map(|c| {
            if escaped_byte(c).is_some() {
                1
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

/// The rune Go decodes at an escape (`U+FFFD`), any other char unchanged: what `range` over
/// a string, `[]rune(s)` and `utf8.DecodeRuneInString` yield.
#[inline]
pub fn go_rune(c: char) -> char {
    if escaped_byte(c).is_some() {
        '\u{FFFD}'
    } else {
        c
    }
}

/// The runes Go decodes from the string, as text: valid UTF-8 sequences (including a genuine
/// U+10FE80.. read through [`from_go_bytes`]) as their chars, each other byte as U+FFFD, as
/// `range`, `[]rune(s)`, `strings.Map` and `encoding/json` see it. Borrowed when there is no
/// escape. Feed text built from these runes back through [`from_runes`].
pub fn to_valid_utf8(s: &str) -> Cow<'_, str> {
    if !may_have_escapes(s) {
        return Cow::Borrowed(s);
    }
    let b = to_go_bytes(s);
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push('\u{FFFD}');
        }
    }
    Cow::Owned(out)
}

/// A string built from runes (e.g. of [`to_valid_utf8`]) as a Go string: genuine code points of
/// the escape range are escaped so they keep their UTF-8 bytes.
pub fn from_runes(s: String) -> String {
    if may_have_escapes(&s) {
        from_go_bytes(s.as_bytes())
    } else {
        s
    }
}

/// Go's `utf8.RuneCountInString`.
pub fn rune_count(s: &str) -> usize {
    if !may_have_escapes(s) {
        return s.chars().count();
    }
    to_valid_utf8(s).chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_byte_sequence() {
        let cases: Vec<Vec<u8>> = vec![
            b"plain".to_vec(),
            vec![0xff],
            vec![0x80, 0x81, b'a', 0xc3],
            "héllo\u{10FE80}\u{10FEFF}\u{10FE7F}\u{10FFFF}"
                .as_bytes()
                .to_vec(),
            vec![0xf4, 0x8f, 0xbe],
            vec![0xe2, 0x82],
            (0u8..=255).collect(),
        ];
        for b in cases {
            let s = from_go_bytes(&b);
            assert_eq!(to_go_bytes(&s).as_ref(), &b[..], "{b:?}");
            assert_eq!(go_len(&s), b.len(), "{b:?}");
            assert_eq!(from_go_vec(b.clone()), s);
        }
    }

    #[test]
    fn utf8_is_borrowed_and_unchanged() {
        let s = from_go_bytes("ünïcode".as_bytes());
        assert_eq!(s, "ünïcode");
        let t = from_go_bytes("\u{10FE7F}\u{10FFFF}".as_bytes());
        assert_eq!(t, "\u{10FE7F}\u{10FFFF}");
        assert_eq!(to_go_bytes(&t).as_ref(), t.as_bytes());
        assert!(matches!(to_go_bytes(&s), Cow::Borrowed(_)));
        assert!(matches!(to_valid_utf8(&s), Cow::Borrowed(_)));
    }

    #[test]
    fn invalid_bytes_read_as_replacement_runes() {
        let s = from_go_bytes(&[b'a', 0xff, 0xfe, b'b', 0xf4, 0x8f, 0xba, 0x80]);
        assert_eq!(rune_count(&s), 5);
        assert_eq!(to_valid_utf8(&s), "a\u{FFFD}\u{FFFD}b\u{10FE80}");
        assert_eq!(
            from_runes(to_valid_utf8(&s).into_owned()),
            from_go_bytes(&[
                b'a', 0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd, b'b', 0xf4, 0x8f, 0xba, 0x80
            ])
        );
    }
}
