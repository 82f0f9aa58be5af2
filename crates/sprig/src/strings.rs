//! Sprig's string functions: Go's `strings` package, `Masterminds/goutils` (byte-wise
//! `initials`/`nospace`, `Abbreviate`, `Wrap`) and `huandu/xstrings` v1.5.0 case conversions,
//! ported rule for rule since their word-splitting quirks are what charts see.

use std::sync::Arc;

use gotmpl::{ElemType, Map, Value};

use crate::conv::{
    as_int, as_str, byte_slice, bytes_str, is_letter, is_lower, is_number, is_punct, is_space,
    is_title, is_upper, str_list, strslice, strval, to_lower, to_title, to_upper,
};
use crate::t::*;
use crate::{Env, R, Reg, Rng};

pub(crate) fn register(r: &mut Reg, env: &Env) {
    r.f("hello", vec![], None, |_| Ok(Value::string("Hello!")));
    r.f("abbrev", vec![I, S], None, |a| {
        let w = as_int(&a[0]);
        let s = as_str(&a[1]);
        if w < 4 {
            return Ok(a[1].clone());
        }
        Ok(Value::string(abbreviate_full(s, 0, w).unwrap_or_default()))
    });
    r.f("abbrevboth", vec![I, I, S], None, |a| {
        let (left, right) = (as_int(&a[0]), as_int(&a[1]));
        if right < 4 || left > 0 && right < 7 {
            return Ok(a[2].clone());
        }
        Ok(Value::string(
            abbreviate_full(as_str(&a[2]), left, right).unwrap_or_default(),
        ))
    });
    r.f("trunc", vec![I, S], None, |a| {
        let c = as_int(&a[0]);
        let s = as_str(&a[1]);
        let n = gotmpl::gostr::go_len(s) as i64;
        if c < 0 && n + c > 0 {
            return byte_slice(s, Some(n + c), None);
        }
        if c >= 0 && n > c {
            return byte_slice(s, None, Some(c));
        }
        Ok(a[1].clone())
    });
    r.f("trim", vec![S], None, |a| {
        Ok(Value::string(as_str(&a[0]).trim_matches(is_space)))
    });
    r.f("upper", vec![S], None, |a| {
        Ok(Value::string(gotmpl::gostr::from_runes(
            gotmpl::gostr::to_valid_utf8(as_str(&a[0]))
                .chars()
                .map(to_upper)
                .collect(),
        )))
    });
    r.f("lower", vec![S], None, |a| {
        Ok(Value::string(gotmpl::gostr::from_runes(
            gotmpl::gostr::to_valid_utf8(as_str(&a[0]))
                .chars()
                .map(to_lower)
                .collect(),
        )))
    });
    r.f("title", vec![S], None, |a| {
        Ok(Value::string(title(as_str(&a[0]))))
    });
    r.f("untitle", vec![S], None, |a| {
        Ok(Value::string(uncapitalize(as_str(&a[0]))))
    });
    r.f("substr", vec![I, I, S], None, |a| {
        let (start, end) = (as_int(&a[0]), as_int(&a[1]));
        let s = as_str(&a[2]);
        if start < 0 {
            return byte_slice(s, None, Some(end));
        }
        if end < 0 || end > gotmpl::gostr::go_len(s) as i64 {
            return byte_slice(s, Some(start), None);
        }
        byte_slice(s, Some(start), Some(end))
    });
    r.f("repeat", vec![I, S], None, |a| {
        Ok(Value::string(repeat(as_str(&a[1]), as_int(&a[0]))?))
    });
    let trim_all = |a: Vec<Value>| -> R {
        let cut = as_str(&a[0]);
        Ok(Value::string(
            as_str(&a[1]).trim_matches(|c| cut.contains(c)),
        ))
    };
    r.f("trimall", vec![S, S], None, trim_all);
    r.f("trimAll", vec![S, S], None, trim_all);
    r.f("trimSuffix", vec![S, S], None, |a| {
        let s = as_str(&a[1]);
        Ok(Value::string(s.strip_suffix(as_str(&a[0])).unwrap_or(s)))
    });
    r.f("trimPrefix", vec![S, S], None, |a| {
        let s = as_str(&a[1]);
        Ok(Value::string(s.strip_prefix(as_str(&a[0])).unwrap_or(s)))
    });
    r.f("nospace", vec![S], None, |a| {
        Ok(Value::string(delete_white_space(as_str(&a[0]))))
    });
    r.f("initials", vec![S], None, |a| {
        Ok(Value::string(initials(as_str(&a[0]))))
    });
    let rng = env.rng.clone();
    r.f("randAlphaNum", vec![I], None, move |a| {
        Ok(Value::string(rand_chars(&rng, as_int(&a[0]), |c| {
            c.is_ascii_alphanumeric()
        })))
    });
    let rng = env.rng.clone();
    r.f("randAlpha", vec![I], None, move |a| {
        Ok(Value::string(rand_chars(&rng, as_int(&a[0]), |c| {
            c.is_ascii_alphabetic()
        })))
    });
    let rng = env.rng.clone();
    r.f("randAscii", vec![I], None, move |a| {
        Ok(Value::string(rand_chars(&rng, as_int(&a[0]), |c| {
            c != '\u{7f}'
        })))
    });
    let rng = env.rng.clone();
    r.f("randNumeric", vec![I], None, move |a| {
        Ok(Value::string(rand_chars(&rng, as_int(&a[0]), |c| {
            c.is_ascii_digit()
        })))
    });
    r.f("swapcase", vec![S], None, |a| {
        Ok(Value::string(swap_case(as_str(&a[0]))))
    });
    let rng = env.rng.clone();
    r.f("shuffle", vec![S], None, move |a| {
        let mut runes: Vec<char> = as_str(&a[0]).chars().collect();
        for i in (1..runes.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            runes.swap(i, j);
        }
        Ok(Value::string(runes.into_iter().collect::<String>()))
    });
    r.f("snakecase", vec![S], None, |a| {
        Ok(Value::string(camel_to_lower(as_str(&a[0]), '_')))
    });
    r.f("kebabcase", vec![S], None, |a| {
        Ok(Value::string(camel_to_lower(as_str(&a[0]), '-')))
    });
    r.f("camelcase", vec![S], None, |a| {
        Ok(Value::string(to_camel_case(as_str(&a[0]), true)))
    });
    r.f("wrap", vec![I, S], None, |a| {
        Ok(Value::string(wrap_custom(
            as_str(&a[1]),
            as_int(&a[0]),
            "",
            false,
        )))
    });
    r.f("wrapWith", vec![I, S, S], None, |a| {
        Ok(Value::string(wrap_custom(
            as_str(&a[2]),
            as_int(&a[0]),
            as_str(&a[1]),
            true,
        )))
    });
    r.f("contains", vec![S, S], None, |a| {
        Ok(Value::Bool(as_str(&a[1]).contains(as_str(&a[0]))))
    });
    r.f("hasPrefix", vec![S, S], None, |a| {
        Ok(Value::Bool(as_str(&a[1]).starts_with(as_str(&a[0]))))
    });
    r.f("hasSuffix", vec![S, S], None, |a| {
        Ok(Value::Bool(as_str(&a[1]).ends_with(as_str(&a[0]))))
    });
    r.f("quote", vec![], Some(A), |a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| gotmpl::fmt::sprintf("%q", &[Value::string(strval(v))]))
            .collect();
        Ok(Value::string(out.join(" ")))
    });
    r.f("squote", vec![], Some(A), |a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", gotmpl::fmt::sprint(std::slice::from_ref(v))))
            .collect();
        Ok(Value::string(out.join(" ")))
    });
    r.f("cat", vec![], Some(A), |a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| gotmpl::fmt::sprint(std::slice::from_ref(v)))
            .collect();
        Ok(Value::string(out.join(" ")))
    });
    r.f("indent", vec![I, S], None, |a| {
        Ok(Value::string(indent(as_int(&a[0]), as_str(&a[1]), "")?))
    });
    r.f("nindent", vec![I, S], None, |a| {
        Ok(Value::string(indent(as_int(&a[0]), as_str(&a[1]), "\n")?))
    });
    r.f("replace", vec![S, S, S], None, |a| {
        Ok(Value::string(go_replace(
            as_str(&a[2]),
            as_str(&a[0]),
            as_str(&a[1]),
        )))
    });
    r.f("plural", vec![S, S, I], None, |a| {
        Ok(if as_int(&a[2]) == 1 {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    r.f("split", vec![S, S], None, |a| {
        Ok(parts_map(go_split(as_str(&a[1]), as_str(&a[0]), -1)))
    });
    r.f("splitList", vec![S, S], None, |a| {
        Ok(str_list(go_split(as_str(&a[1]), as_str(&a[0]), -1)))
    });
    r.f("splitn", vec![S, I, S], None, |a| {
        Ok(parts_map(go_split(
            as_str(&a[2]),
            as_str(&a[0]),
            as_int(&a[1]),
        )))
    });
    r.f("join", vec![S, A], None, |a| {
        Ok(Value::string(strslice(&a[1]).join(as_str(&a[0]))))
    });
}

/// `map[string]string{"_0": ..., "_1": ...}` as Sprig's `split` returns.
fn parts_map(parts: Vec<String>) -> Value {
    Value::Map(Arc::new(Map::from_entries(
        ElemType::String,
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), Value::string(p))),
    )))
}

/// Go's `strings.SplitN` (`n < 0`: all; `n == 0`: none; empty `sep`: per rune).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return vec![];
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let mut n = if n < 0 || n as usize > chars.len() {
            chars.len()
        } else {
            n as usize
        };
        if n == 0 {
            n = 0;
        }
        let mut out: Vec<String> = Vec::with_capacity(n);
        let mut rest = s;
        for _ in 0..n.saturating_sub(1) {
            let c = rest.chars().next().map_or(0, char::len_utf8);
            out.push(rest[..c].to_string());
            rest = &rest[c..];
        }
        if n > 0 {
            out.push(rest.to_string());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

/// Go's `strings.Replace(s, old, new, -1)`.
fn go_replace(s: &str, old: &str, new: &str) -> String {
    s.replace(old, new)
}

/// Go's `strings.Repeat` with its panics.
fn repeat(s: &str, count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if count > 0 && (s.len() as u128) * (count as u128) > (1u128 << 31) {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(s.repeat(count as usize))
}

/// Sprig's `indent` after `lead` (`nindent`'s line break): every line, blank ones included,
/// gets the padding. Written once into a buffer of the final size: charts indent most of what
/// they include, and replacing then formatting (then prefixing, for `nindent`) copied each
/// text three times.
fn indent(spaces: i64, v: &str, lead: &str) -> Result<String, String> {
    let pad = repeat(" ", spaces)?;
    let lines = 1 + v.bytes().filter(|&b| b == b'\n').count();
    let size = pad
        .len()
        .saturating_mul(lines)
        .saturating_add(lead.len() + v.len());
    let mut out = String::with_capacity(size);
    out.push_str(lead);
    for (i, line) in v.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        out.push_str(line);
    }
    Ok(out)
}

/// Go's deprecated `strings.Title`.
fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) { to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn is_separator(r: char) -> bool {
    if r.is_ascii() {
        return !(r.is_ascii_alphanumeric() || r == '_');
    }
    if is_letter(r) || r.is_numeric() {
        return false;
    }
    is_space(r)
}

/// goutils `Uncapitalize`: first rune of each whitespace-separated word lowered.
fn uncapitalize(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `SwapCase`: upper to lower, lower to upper (title after whitespace).
fn swap_case(s: &str) -> String {
    let mut ws = true;
    s.chars()
        .map(|c| {
            if is_upper(c) || is_title(c) {
                ws = false;
                to_lower(c)
            } else if is_lower(c) {
                if ws {
                    ws = false;
                    to_title(c)
                } else {
                    to_upper(c)
                }
            } else {
                ws = is_space(c);
                c
            }
        })
        .collect()
}

/// Go's `rune(b)` on each byte, re-encoded (goutils iterates bytes, not runes).
fn byte_rune(b: u8) -> char {
    char::from(b)
}

/// goutils `Initials` (bytes read as Latin-1 runes).
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &b in s.as_bytes() {
        let c = byte_rune(b);
        if is_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils `DeleteWhiteSpace` (bytes read as Latin-1 runes; unchanged if nothing removed).
fn delete_white_space(s: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    let bytes = gotmpl::gostr::to_go_bytes(s);
    for &b in bytes.iter() {
        let c = byte_rune(b);
        if !is_space(c) {
            out.push(c);
            count += 1;
        }
    }
    if count == bytes.len() {
        s.to_string()
    } else {
        out
    }
}

/// goutils `AbbreviateFull` (byte offsets), `None` where it returns an error.
fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> Option<String> {
    if s.is_empty() {
        return Some(String::new());
    }
    if max_width < 4 {
        return None;
    }
    let b = gotmpl::gostr::to_go_bytes(s);
    let n = b.len() as i64;
    if n <= max_width {
        return Some(s.to_string());
    }
    let mut offset = offset.min(n);
    if n - offset < max_width - 3 {
        offset = n - (max_width - 3);
    }
    if offset <= 4 {
        return Some(format!("{}...", bytes_str(&b[..(max_width - 3) as usize])));
    }
    if max_width < 7 {
        return None;
    }
    if offset + max_width - 3 < n {
        let rest = bytes_str(&b[offset as usize..]);
        let inner = abbreviate_full(&rest, 0, max_width - 3)?;
        return Some(format!("...{inner}"));
    }
    Some(format!(
        "...{}",
        bytes_str(&b[(n - (max_width - 3)) as usize..])
    ))
}

/// goutils `WrapCustom` (byte offsets, `' '` as the only break).
fn wrap_custom(s: &str, wrap_len: i64, nl: &str, wrap_long: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let wl = wrap_len.max(1) as usize;
    let b = s.as_bytes();
    let n = b.len();
    let mut off = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while n - off > wl {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = wl + off + 1;
        let space = b[off..end].iter().rposition(|c| *c == b' ');
        if let Some(sp) = space {
            let at = sp + off;
            out.extend_from_slice(&b[off..at]);
            out.extend_from_slice(nl.as_bytes());
            off = at + 1;
        } else if wrap_long {
            let end = wl + off;
            out.extend_from_slice(&b[off..end]);
            out.extend_from_slice(nl.as_bytes());
            off += wl;
        } else {
            let end = wl + off;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[off..]);
                    off = n;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[off..at]);
                    out.extend_from_slice(nl.as_bytes());
                    off = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[off..]);
    bytes_str(&out)
}

/// goutils' `CryptoRandom` over ASCII `' '..='z'` (or 32..=126 for `randAscii`) keeping `keep`.
fn rand_chars(rng: &Rng, count: i64, keep: impl Fn(char) -> bool) -> String {
    if count <= 0 {
        return String::new();
    }
    let mut out = String::with_capacity(count as usize);
    while (out.len() as i64) < count {
        let c = char::from(32 + rng.below(95) as u8);
        if keep(c) {
            out.push(c);
        }
    }
    out
}

fn is_connector(r: char) -> bool {
    r == '-' || r == '_' || is_space(r)
}

fn is_alphabet(r: char) -> bool {
    if !is_letter(r) {
        return false;
    }
    let u = r as u32;
    !(u >= 0x3400
        && ((0x4E00..=0x9FCC).contains(&u)
            || (0x3400..=0x4D85).contains(&u)
            || (0x20000..=0x2B81D).contains(&u)))
}

/// xstrings `toCamelCase` (`big`: PascalCase, what Sprig's `camelcase` calls).
fn to_camel_case(s: &str, big: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut got = false;
    for c in chars.by_ref() {
        got = true;
        r0 = c;
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = if big { to_upper(c) } else { to_lower(c) };
            break;
        }
        out.push(c);
    }
    if chars.peek().is_none() {
        if got {
            out.push(r0);
        }
        return out;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    if first_upper && !big {
        r0 = to_lower(r0);
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Wt {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

/// xstrings `nextWord`.
fn next_word(s: &str) -> (Wt, &str, &str) {
    let Some(r) = s.chars().next() else {
        return (Wt::Invalid, "", "");
    };
    let size = r.len_utf8();
    let mut offset = size;
    let mut rem = &s[size..];
    let wt;
    let take_while = |rem: &mut &str, offset: &mut usize, f: &dyn Fn(char) -> bool| {
        while let Some(c) = rem.chars().next() {
            if !f(c) {
                break;
            }
            *offset += c.len_utf8();
            *rem = &rem[c.len_utf8()..];
        }
    };
    if is_connector(r) {
        wt = Wt::Connector;
        take_while(&mut rem, &mut offset, &is_connector);
    } else if is_punct(r) {
        wt = Wt::Punct;
        take_while(&mut rem, &mut offset, &is_punct);
    } else if is_upper(r) {
        wt = Wt::Upper;
        if let Some(c) = rem.chars().next() {
            if is_upper(c) {
                let mut prev = c.len_utf8();
                offset += prev;
                rem = &rem[prev..];
                let mut last = c;
                while let Some(c) = rem.chars().next() {
                    last = c;
                    if !is_upper(c) {
                        break;
                    }
                    prev = c.len_utf8();
                    offset += prev;
                    rem = &rem[prev..];
                }
                if !rem.is_empty() && is_alphabet(last) {
                    offset -= prev;
                    rem = &s[offset..];
                }
            } else if is_alphabet(c) {
                offset += c.len_utf8();
                rem = &rem[c.len_utf8()..];
                take_while(&mut rem, &mut offset, &|c| is_alphabet(c) && !is_upper(c));
            }
        }
    } else if is_alphabet(r) {
        wt = Wt::Alpha;
        take_while(&mut rem, &mut offset, &|c| is_alphabet(c) && !is_upper(c));
    } else if is_number(r) {
        wt = Wt::Number;
        take_while(&mut rem, &mut offset, &is_number);
    } else {
        wt = Wt::Other;
        take_while(&mut rem, &mut offset, &|c| {
            !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c))
        });
    }
    (wt, &s[..offset], rem)
}

fn lower_word(out: &mut String, wt: Wt, w: &str, conn: char) {
    if wt != Wt::Upper && wt != Wt::Connector {
        out.push_str(w);
        return;
    }
    for c in w.chars() {
        if is_connector(c) {
            out.push(conn);
        } else if is_upper(c) {
            out.push(to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (snakecase, kebabcase).
fn camel_to_lower(s: &str, conn: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let (mut wt, mut word, mut rem) = next_word(s);
    while !rem.is_empty() {
        if wt != Wt::Connector {
            lower_word(&mut out, wt, word, conn);
        }
        let prev = wt;
        let last = word;
        (wt, word, rem) = next_word(rem);
        match prev {
            Wt::Number => {
                while wt == Wt::Alpha || wt == Wt::Number {
                    lower_word(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if wt != Wt::Invalid && wt != Wt::Punct && wt != Wt::Connector {
                    out.push(conn);
                }
            }
            Wt::Connector => lower_word(&mut out, prev, last, conn),
            Wt::Punct => {}
            _ => {
                if wt != Wt::Number {
                    if wt != Wt::Connector && wt != Wt::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                if rem.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rem) = next_word(rem);
                if wt != Wt::Alpha {
                    lower_word(&mut out, Wt::Number, last, conn);
                    if wt != Wt::Connector && wt != Wt::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                out.push(conn);
                lower_word(&mut out, Wt::Number, last, conn);
                while wt == Wt::Alpha || wt == Wt::Number {
                    lower_word(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if wt != Wt::Invalid && wt != Wt::Connector && wt != Wt::Punct {
                    out.push(conn);
                }
            }
        }
    }
    lower_word(&mut out, wt, word, conn);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_is_sprigs_pad_and_replace() {
        // Sprig: `pad + strings.Replace(v, "\n", "\n"+pad, -1)`, `nindent` with "\n" before.
        for v in [
            "",
            "a",
            "a\nb",
            "\n",
            "a\n",
            "\n\na\r\n b\n\n",
            "x\u{e9}\ny",
        ] {
            for spaces in [0, 1, 4] {
                let pad = " ".repeat(spaces as usize);
                let want = format!("{pad}{}", v.replace('\n', &format!("\n{pad}")));
                assert_eq!(indent(spaces, v, ""), Ok(want.clone()), "{v:?} {spaces}");
                assert_eq!(indent(spaces, v, "\n"), Ok(format!("\n{want}")), "{v:?}");
            }
        }
        assert!(indent(-1, "a", "").is_err());
    }

    #[test]
    fn xstrings_cases() {
        assert_eq!(camel_to_lower("FirstName", '_'), "first_name");
        assert_eq!(camel_to_lower("HTTPServer", '_'), "http_server");
        assert_eq!(camel_to_lower("NoHTTPS", '_'), "no_https");
        assert_eq!(camel_to_lower("GO_PATH", '_'), "go_path");
        assert_eq!(camel_to_lower("GO PATH", '_'), "go_path");
        assert_eq!(camel_to_lower("GO-PATH", '_'), "go_path");
        assert_eq!(camel_to_lower("http2xx", '_'), "http_2xx");
        assert_eq!(camel_to_lower("HTTP20xOK", '_'), "http_20x_ok");
        assert_eq!(camel_to_lower("Duration2m3s", '_'), "duration_2m3s");
        assert_eq!(camel_to_lower("Bld4Floor3rd", '_'), "bld4_floor_3rd");
        assert_eq!(camel_to_lower(" _-_ ", '_'), "_____");
        assert_eq!(to_camel_case("some_words", true), "SomeWords");
        assert_eq!(to_camel_case("http_server", true), "HttpServer");
        assert_eq!(to_camel_case("no_https", true), "NoHttps");
        assert_eq!(to_camel_case("_complex__case_", true), "_Complex_Case_");
        assert_eq!(to_camel_case("all", true), "All");
    }

    #[test]
    fn goutils_words() {
        assert_eq!(initials("John Doe"), "JD");
        assert_eq!(swap_case("This Is A.Test"), "tHIS iS a.tEST");
        assert_eq!(
            wrap_custom("Hello Sprig World", 5, "", false),
            "Hello\nSprig\nWorld"
        );
        assert_eq!(
            abbreviate_full("hello world", 0, 5).as_deref(),
            Some("he...")
        );
    }
}
