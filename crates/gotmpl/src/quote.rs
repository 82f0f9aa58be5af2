//! Go's `strconv` quoting rules the parser needs: `Quote` (`%q`), `Unquote`, `UnquoteChar`, `%#U`,
//! and the integer/float literal parsers with Go's syntax (base prefixes, underscores, hex floats).
//!
//! The parser and its error texts depend on exactly these rules, so they live here rather than in `fmt`.

/// Go's `unicode.IsDigit` (category Nd), approximated by Rust's numeric classes minus No/Nl ranges
/// that matter in practice.
pub(crate) fn is_go_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    // Rust's is_numeric covers Nd, Nl and No; Go's IsDigit is Nd only. Decimal digits come in
    // runs of ten starting at a code point whose value is 0, and to_digit does not know them,
    // so accept numeric chars that are not superscripts, fractions or roman numerals.
    c.is_numeric()
        && !matches!(c as u32, 0xB2 | 0xB3 | 0xB9 | 0xBC..=0xBE | 0x2070..=0x218F | 0x2460..=0x24FF | 0x2776..=0x2793 | 0x3007 | 0x3021..=0x3029 | 0x3038..=0x303A | 0x3192..=0x3195 | 0x3220..=0x3229 | 0x3248..=0x324F | 0x3251..=0x325F | 0x3280..=0x3289 | 0x32B1..=0x32BF)
}

/// Go's `unicode.IsPrint` (graphic chars and ASCII space), approximated from Rust's classes.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
        | 0xD800..=0xDFFF | 0xFFFE | 0xFFFF | 0x110BD | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        quote_char_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// `fmt.Sprintf("%.Nq", s)`: the string cut to `n` runes, then quoted.
pub(crate) fn quote_prec(s: &str, n: usize) -> String {
    let cut: String = s.chars().take(n).collect();
    quote(&cut)
}

fn quote_char_into(out: &mut String, c: char, q: char) {
    if c == q || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// `fmt.Sprintf("%#U", r)`.
pub(crate) fn fmt_rune_u(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Error text of strconv's `ErrSyntax`.
pub(crate) const SYNTAX: &str = "invalid syntax";

/// `strconv.UnquoteChar`: one (possibly escaped) character from the front of `s`.
/// Returns the value, whether it must be written as UTF-8 (vs a raw byte), and the rest.
pub(crate) fn unquote_char(s: &str, quote: u8) -> Result<(u32, bool, &str), &'static str> {
    let b = s.as_bytes();
    let Some(&c) = b.first() else {
        return Err(SYNTAX);
    };
    if c == quote && (quote == b'\'' || quote == b'"') {
        return Err(SYNTAX);
    }
    if c >= 0x80 {
        let ch = s.chars().next().ok_or(SYNTAX)?;
        return Ok((ch as u32, true, &s[ch.len_utf8()..]));
    }
    if c != b'\\' {
        return Ok((c as u32, false, &s[1..]));
    }
    if b.len() <= 1 {
        return Err(SYNTAX);
    }
    let e = b[1];
    if !e.is_ascii() {
        // No escape starts with a multi-byte character (and slicing after it would split it).
        return Err(SYNTAX);
    }
    let mut rest = &s[2..];
    let value: u32 = match e {
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'n' => 10,
        b'r' => 13,
        b't' => 9,
        b'v' => 11,
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            if rest.len() < n {
                return Err(SYNTAX);
            }
            let mut v: u32 = 0;
            for &d in &rest.as_bytes()[..n] {
                let x = (d as char).to_digit(16).ok_or(SYNTAX)?;
                v = (v << 4) | x;
            }
            rest = &rest[n..];
            if e == b'x' {
                return Ok((v, false, rest));
            }
            if char::from_u32(v).is_none() {
                return Err(SYNTAX);
            }
            return Ok((v, true, rest));
        }
        b'0'..=b'7' => {
            let mut v = (e - b'0') as u32;
            if rest.len() < 2 {
                return Err(SYNTAX);
            }
            for &d in &rest.as_bytes()[..2] {
                if !(b'0'..=b'7').contains(&d) {
                    return Err(SYNTAX);
                }
                v = (v << 3) | (d - b'0') as u32;
            }
            rest = &rest[2..];
            if v > 255 {
                return Err(SYNTAX);
            }
            return Ok((v, false, rest));
        }
        b'\\' => b'\\' as u32,
        b'\'' | b'"' => {
            if e != quote {
                return Err(SYNTAX);
            }
            e as u32
        }
        _ => return Err(SYNTAX),
    };
    Ok((value, false, rest))
}

/// `strconv.Unquote` for the double-quoted and raw strings the lexer produces.
/// [`unquote`], borrowing the body of a quoted string that holds no escape (most of them).
pub(crate) fn unquote_cow(s: &str) -> Result<std::borrow::Cow<'_, str>, &'static str> {
    let b = s.as_bytes();
    if b.len() >= 2 {
        let body = &s[1..s.len() - 1];
        let plain = match (b[0], b[b.len() - 1]) {
            // Byte searches: the characters looked for are ASCII, and a `char` pattern
            // decoded every character of long strings.
            (b'"', b'"') => memchr::memchr3(b'\\', b'"', b'\n', body.as_bytes()).is_none(),
            (b'`', b'`') => memchr::memchr2(b'`', b'\r', body.as_bytes()).is_none(),
            _ => false,
        };
        if plain {
            return Ok(std::borrow::Cow::Borrowed(body));
        }
    }
    unquote(s).map(std::borrow::Cow::Owned)
}

pub(crate) fn unquote(s: &str) -> Result<String, &'static str> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return Err(SYNTAX);
    }
    let q = b[0];
    if q != b[b.len() - 1] {
        return Err(SYNTAX);
    }
    let body = &s[1..s.len() - 1];
    match q {
        b'`' => {
            if body.contains('`') {
                return Err(SYNTAX);
            }
            Ok(body.replace('\r', ""))
        }
        b'"' | b'\'' => {
            if !body.contains('\\') && !body.contains(q as char) {
                if q == b'"' {
                    if body.contains('\n') {
                        return Err(SYNTAX);
                    }
                    return Ok(body.to_string());
                }
                if body.chars().count() == 1 {
                    return Ok(body.to_string());
                }
            }
            let mut buf: Vec<u8> = Vec::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (v, multibyte, tail) = unquote_char(rest, q)?;
                rest = tail;
                if v < 0x80 || !multibyte {
                    buf.push(v as u8);
                } else {
                    let ch = char::from_u32(v).ok_or(SYNTAX)?;
                    let mut tmp = [0u8; 4];
                    buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                }
                if q == b'\'' && !rest.is_empty() {
                    return Err(SYNTAX);
                }
            }
            Ok(crate::gostr::from_go_vec(buf))
        }
        _ => Err(SYNTAX),
    }
}

/// `strconv.ParseUint(s, 0, 64)`; `None` on any error.
pub(crate) fn parse_uint0(s: &str) -> Option<u64> {
    crate::strconv::parse_uint(s, 0)
}

/// `strconv.ParseInt(s, 0, 64)`; `None` on any error.
pub(crate) fn parse_int0(s: &str) -> Option<i64> {
    crate::strconv::parse_int(s, 0)
}

/// `strconv.ParseFloat(s, 64)`; `None` on any error (out of range included).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    crate::strconv::parse_float(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("a\"b\n\u{1}é"), "\"a\\\"b\\n\\x01é\"");
        assert_eq!(quote_prec("0123456789abc", 10), "\"0123456789\"");
    }

    #[test]
    fn unquotes_like_go() {
        assert_eq!(unquote("\"a\\tb\\u00e9\\x41\"").as_deref(), Ok("a\tbéA"));
        assert_eq!(unquote("`a\\n`").as_deref(), Ok("a\\n"));
        assert_eq!(unquote("\"\\q\""), Err(SYNTAX));
        assert_eq!(unquote("\"\\é\""), Err(SYNTAX));
    }

    #[test]
    fn numbers_like_go() {
        assert_eq!(parse_int0("0x1F"), Some(31));
        assert_eq!(parse_int0("0o17"), Some(15));
        assert_eq!(parse_int0("017"), Some(15));
        assert_eq!(parse_int0("1_000"), Some(1000));
        assert_eq!(parse_int0("1__0"), None);
        assert_eq!(parse_int0("-0b101"), Some(-5));
        assert_eq!(parse_int0("089"), None);
        assert_eq!(parse_float("0x1p-2"), Some(0.25));
        assert_eq!(parse_float("1e3"), Some(1000.0));
    }
}
