//! Go's `strconv.Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote` and `IsPrint`, over bytes that may not be UTF-8.
//!
//! Go strings are byte strings: `%q` of a `[]byte` holding invalid UTF-8 escapes each bad byte as `\xNN`,
//! so these work on `&[u8]` and decode runes the way Go's `utf8.DecodeRune` does.

use super::isprint::PRINT_RANGES;

/// Go's `utf8.RuneError`.
pub(super) const RUNE_ERROR: u32 = 0xFFFD;
/// Go's `utf8.MaxRune`.
pub(super) const MAX_RUNE: u32 = 0x10FFFF;

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Go's `strconv.IsPrint`.
pub(super) fn is_print(r: u32) -> bool {
    if r <= 0xFF {
        return (0x20..=0x7E).contains(&r) || ((0xA1..=0xFF).contains(&r) && r != 0xAD);
    }
    PRINT_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < r {
                std::cmp::Ordering::Less
            } else if lo > r {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `utf8.DecodeRune`: the first rune and its width; `(RUNE_ERROR, 1)` for an invalid byte,
/// `(RUNE_ERROR, 0)` for empty input.
pub(super) fn decode_rune(b: &[u8]) -> (u32, usize) {
    let Some(&b0) = b.first() else {
        return (RUNE_ERROR, 0);
    };
    if b0 < 0x80 {
        return (u32::from(b0), 1);
    }
    let end = b.len().min(4);
    let valid = match std::str::from_utf8(&b[..end]) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or_default(),
    };
    match valid.chars().next() {
        Some(c) => (u32::from(c), c.len_utf8()),
        None => (RUNE_ERROR, 1),
    }
}

/// Number of runes in `b` as Go's `utf8.RuneCount` counts them (each invalid byte is one rune).
pub(super) fn rune_count(b: &[u8]) -> usize {
    if let Ok(s) = std::str::from_utf8(b) {
        return s.chars().count();
    }
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let (_, w) = decode_rune(&b[i..]);
        i += w;
        n += 1;
    }
    n
}

/// Go's `strconv.CanBackquote`.
pub(super) fn can_backquote(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let (r, w) = decode_rune(&s[i..]);
        i += w;
        if w > 1 {
            if r == 0xFEFF {
                return false;
            }
            continue;
        }
        if r == RUNE_ERROR {
            return false;
        }
        if (r < u32::from(b' ') && r != u32::from(b'\t')) || r == u32::from(b'`') || r == 0x7F {
            return false;
        }
    }
    true
}

/// Go's `strconv.AppendQuote` (`ascii_only` false) or `AppendQuoteToASCII` (true).
pub(super) fn append_quoted(out: &mut String, s: &[u8], quote: u8, ascii_only: bool) {
    out.reserve(s.len() + 2);
    out.push(char::from(quote));
    let mut i = 0;
    while i < s.len() {
        // Runs of printable ASCII other than the quote and backslash, the overwhelmingly common
        // case, are copied as they are.
        let run = s[i..]
            .iter()
            .position(|&b| !(0x20..0x7F).contains(&b) || b == quote || b == b'\\')
            .unwrap_or(s.len() - i);
        if run > 0 {
            out.push_str(std::str::from_utf8(&s[i..i + run]).unwrap_or_default());
            i += run;
            continue;
        }
        let b = s[i];
        let (r, w) = decode_rune(&s[i..]);
        i += w;
        if w == 1 && r == RUNE_ERROR {
            out.push_str("\\x");
            out.push(char::from(LOWER_HEX[usize::from(b >> 4)]));
            out.push(char::from(LOWER_HEX[usize::from(b & 0xF)]));
            continue;
        }
        append_escaped_rune(out, r, quote, ascii_only);
    }
    out.push(char::from(quote));
}

/// Go's `strconv.AppendQuoteRune` (`ascii_only` false) or `AppendQuoteRuneToASCII` (true).
pub(super) fn append_quoted_rune(out: &mut String, r: u32, ascii_only: bool) {
    let r = if char::from_u32(r).is_some() {
        r
    } else {
        RUNE_ERROR
    };
    out.push('\'');
    append_escaped_rune(out, r, b'\'', ascii_only);
    out.push('\'');
}

fn append_escaped_rune(out: &mut String, r: u32, quote: u8, ascii_only: bool) {
    if r == u32::from(quote) || r == u32::from(b'\\') {
        out.push('\\');
        out.push(char::from(r as u8));
        return;
    }
    let printable = if ascii_only {
        r < 0x80 && is_print(r)
    } else {
        is_print(r)
    };
    if printable {
        if let Some(c) = char::from_u32(r) {
            out.push(c);
            return;
        }
    }
    match r {
        0x07 => out.push_str("\\a"),
        0x08 => out.push_str("\\b"),
        0x0C => out.push_str("\\f"),
        0x0A => out.push_str("\\n"),
        0x0D => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x0B => out.push_str("\\v"),
        _ if r < u32::from(b' ') || r == 0x7F => {
            out.push_str("\\x");
            push_hex(out, r, 2);
        }
        _ => {
            let r = if char::from_u32(r).is_some() {
                r
            } else {
                RUNE_ERROR
            };
            if r < 0x10000 {
                out.push_str("\\u");
                push_hex(out, r, 4);
            } else {
                out.push_str("\\U");
                push_hex(out, r, 8);
            }
        }
    }
}

fn push_hex(out: &mut String, r: u32, digits: u32) {
    for s in (0..digits).rev() {
        out.push(char::from(LOWER_HEX[((r >> (4 * s)) & 0xF) as usize]));
    }
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quoted(&mut out, s.as_bytes(), b'"', false);
    out
}
