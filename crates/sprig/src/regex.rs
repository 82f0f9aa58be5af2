//! Sprig's regex functions with Go's RE2 semantics on Rust's `regex` crate: patterns are
//! translated so Perl classes are ASCII as in Go (`\d \w \s \b`), and `FindAll`/`Split`/
//! `ReplaceAll` are re-derived from Go's loops (empty matches right after a match are skipped,
//! `$1x` means the group named `1x`).

use std::sync::{Arc, Mutex};

use gotmpl::{ElemType, Value};
use regex::Regex;

use crate::conv::{as_int, as_str, nil_list_of, str_list};
use crate::t::*;
use crate::{Env, R, Reg};

/// Compiled patterns keyed by Go source (charts call the same regex in loops).
type Cache = Arc<Mutex<std::collections::HashMap<String, Result<Regex, String>>>>;

/// Translates Go RE2 syntax to the `regex` crate's where they differ.
pub(crate) fn translate(p: &str) -> Result<String, String> {
    let mut out = String::with_capacity(p.len() + 8);
    let cs: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false;
    // Start of the repetition operator just before, for Go's nested-repetition error.
    let mut last_rep: Option<usize> = None;
    while i < cs.len() {
        let c = cs[i];
        if !in_class {
            let rep_end = match c {
                '*' | '+' | '?' => Some(i + 1),
                '{' => repeat_end(&cs, i),
                _ => None,
            };
            if c == '{' && rep_end.is_none() {
                out.push_str("\\{");
                i += 1;
                last_rep = None;
                continue;
            }
            if let Some(mut end) = rep_end {
                let op: String = cs[i..end].iter().collect();
                if c == '{' {
                    let inner = &op[1..op.len() - 1];
                    let bad = inner
                        .split(',')
                        .any(|n| !n.is_empty() && n.parse::<u32>().map_or(true, |v| v > 1000));
                    let (lo, hi) = inner.split_once(',').unwrap_or((inner, inner));
                    let inverted =
                        !hi.is_empty() && lo.parse::<u32>().ok() > hi.parse::<u32>().ok();
                    if bad || inverted {
                        return Err(format!("invalid repeat count: `{op}`"));
                    }
                }
                if cs.get(end) == Some(&'?') {
                    end += 1;
                }
                if let Some(st) = last_rep {
                    let t: String = cs[st..end].iter().collect();
                    return Err(format!("invalid nested repetition operator: `{t}`"));
                }
                last_rep = Some(i);
                out.extend(cs[i..end].iter());
                i = end;
                continue;
            }
            last_rep = None;
        }
        if c == '\\' {
            let Some(&n) = cs.get(i + 1) else {
                return Err("trailing backslash at end of expression: ``".into());
            };
            let rep: Option<&str> = if in_class {
                match n {
                    'd' => Some("0-9"),
                    'D' => Some("[^0-9]"),
                    'w' => Some("0-9A-Za-z_"),
                    'W' => Some("[^0-9A-Za-z_]"),
                    's' => Some("\\t\\n\\f\\r "),
                    'S' => Some("[^\\t\\n\\f\\r ]"),
                    _ => None,
                }
            } else {
                match n {
                    'd' => Some("[0-9]"),
                    'D' => Some("[^0-9]"),
                    'w' => Some("[0-9A-Za-z_]"),
                    'W' => Some("[^0-9A-Za-z_]"),
                    's' => Some("[\\t\\n\\f\\r ]"),
                    'S' => Some("[^\\t\\n\\f\\r ]"),
                    'b' => Some("(?-u:\\b)"),
                    'B' => Some("(?-u:\\B)"),
                    _ => None,
                }
            };
            let go_escape_ok = match n {
                'a' | 'f' | 'n' | 'r' | 't' | 'v' | 'x' | 'p' | 'P' | 'd' | 'D' | 's' | 'S'
                | 'w' | 'W' | 'b' | 'B' | 'A' | 'z' | 'Q' | '0' => true,
                '1'..='7' => cs.get(i + 2).is_some_and(|c| ('0'..='7').contains(c)),
                c => c.is_ascii() && !c.is_ascii_alphanumeric(),
            };
            if !go_escape_ok {
                let mut e = format!("\\{n}");
                if n.is_ascii_digit() {
                    e = format!("\\{n}");
                }
                return Err(format!("invalid escape sequence: `{e}`"));
            }
            if n == 'Q' {
                // \Q...\E: literal text.
                let mut j = i + 2;
                while j < cs.len() && !(cs[j] == '\\' && cs.get(j + 1) == Some(&'E')) {
                    out.push_str(&regex::escape(&cs[j].to_string()));
                    j += 1;
                }
                i = if j < cs.len() { j + 2 } else { j };
                class_start = false;
                continue;
            }
            match rep {
                Some(r) => out.push_str(r),
                None => {
                    out.push('\\');
                    out.push(n);
                }
            }
            i += 2;
            class_start = false;
            continue;
        }
        if in_class {
            if c == ']' && !class_start {
                in_class = false;
                out.push(']');
            } else if c == '[' {
                if cs.get(i + 1) == Some(&':') {
                    // POSIX class: copy through its closing ":]".
                    let rest: String = cs[i..].iter().collect();
                    if let Some(end) = rest.find(":]") {
                        let name = rest[2..end].trim_start_matches('^');
                        const NAMES: [&str; 14] = [
                            "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
                            "print", "punct", "space", "upper", "word", "xdigit",
                        ];
                        if !NAMES.contains(&name) {
                            return Err(format!(
                                "invalid character class range: `{}`",
                                &rest[..end + 2]
                            ));
                        }
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        class_start = false;
                        continue;
                    }
                }
                out.push_str("\\[");
            } else if c != '\\'
                && cs.get(i + 1) == Some(&'-')
                && cs
                    .get(i + 2)
                    .is_some_and(|h| *h != ']' && *h != '\\' && *h < c)
            {
                return Err(format!(
                    "invalid character class range: `{c}-{}`",
                    cs[i + 2]
                ));
            } else if matches!(c, '&' | '~') || (c == '-' && cs.get(i + 1) == Some(&'-')) {
                out.push('\\');
                out.push(c);
            } else {
                out.push(c);
            }
            class_start = c == '^' && class_start && out.ends_with("[^");
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            class_start = true;
            out.push('[');
            if cs.get(i + 1) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// The end of a Go repeat `{n}`, `{n,}` or `{n,m}` starting at `i` (else `{` is a literal).
fn repeat_end(cs: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let st = *j;
        while *j < cs.len() && cs[*j].is_ascii_digit() {
            *j += 1;
        }
        *j > st
    };
    if !digits(&mut j) {
        return None;
    }
    if cs.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (cs.get(j) == Some(&'}')).then_some(j + 1)
}

/// Go's `regexp.Compile` error text for a pattern the translation or the crate rejects.
fn compile_error(p: &str, e: &str) -> String {
    let msg = if e.contains("unclosed group") {
        format!("missing closing ): `{p}`")
    } else if e.contains("unopened group") {
        format!("unexpected ): `{p}`")
    } else if e.contains("unclosed character class") {
        let at = p.rfind('[').map_or(p, |i| &p[i..]);
        format!("missing closing ]: `{at}`")
    } else if e.contains("repetition operator missing expression") {
        let op = p
            .chars()
            .find(|c| matches!(c, '*' | '+' | '?'))
            .unwrap_or('*');
        format!("missing argument to repetition operator: `{op}`")
    } else {
        format!("invalid regexp: `{p}`")
    };
    format!("error parsing regexp: {msg}")
}

fn compile(cache: &Cache, p: &str) -> Result<Regex, String> {
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = c.get(p) {
        return r.clone();
    }
    let r = translate(p)
        .and_then(|t| Regex::new(&t).map_err(|e| e.to_string()))
        .map_err(|e| {
            if e.starts_with("invalid ") || e.starts_with("trailing ") {
                format!("error parsing regexp: {e}")
            } else {
                compile_error(p, &e)
            }
        });
    if c.len() > 1024 {
        c.clear();
    }
    c.insert(p.to_string(), r.clone());
    r
}

/// `regexp.MustCompile`'s panic text.
fn must(cache: &Cache, p: &str) -> Result<Regex, String> {
    compile(cache, p).map_err(|e| {
        let q = if !p.contains('`') && p.chars().all(|c| c == '\t' || !c.is_control()) {
            format!("`{p}`")
        } else {
            gotmpl::fmt::sprintf("%q", &[Value::string(p)])
        };
        format!("regexp: Compile({q}): {e}")
    })
}

/// Go's `FindAllIndex` loop: at most `n` (all if negative) non-overlapping matches, an empty
/// match right after the previous match skipped.
pub(crate) fn find_all(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    find_all_with(|at| re.find_at(s, at).map(|m| (m.start(), m.end())), s, n)
}

/// [`find_all`] over any matcher: `find_at(pos)` is the leftmost match at or after `pos`.
pub(crate) fn find_all_with(
    find_at: impl Fn(usize) -> Option<(usize, usize)>,
    s: &str,
    n: i64,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let n = if n < 0 { s.len() as i64 + 1 } else { n };
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    while (out.len() as i64) < n && pos <= s.len() {
        let Some((a, b)) = find_at(pos) else { break };
        let mut accept = true;
        if b == pos {
            if prev_end == Some(a) {
                accept = false;
            }
            pos = next_char(s, pos);
        } else {
            pos = b;
        }
        prev_end = Some(b);
        if accept {
            out.push((a, b));
        }
    }
    out
}

fn next_char(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(i + 1, |c| i + c.len_utf8())
}

/// Go's `Regexp.Expand` of `$name`/`${name}` in `tmpl` for one match.
fn expand(out: &mut String, tmpl: &str, re: &Regex, caps: &regex::Captures<'_>) {
    let mut t = tmpl;
    while let Some(i) = t.find('$') {
        out.push_str(&t[..i]);
        t = &t[i..];
        if t.len() > 1 && t.as_bytes()[1] == b'$' {
            out.push('$');
            t = &t[2..];
            continue;
        }
        let (name, rest, ok) = extract(t);
        if !ok {
            out.push('$');
            t = &t[1..];
            continue;
        }
        t = rest;
        let g = if let Ok(num) = name.parse::<usize>() {
            if name.bytes().all(|c| c.is_ascii_digit()) {
                caps.get(num)
            } else {
                None
            }
        } else {
            re.capture_names()
                .enumerate()
                .find(|(_, n)| *n == Some(name))
                .and_then(|(i, _)| caps.get(i))
        };
        if let Some(m) = g {
            out.push_str(m.as_str());
        }
    }
    out.push_str(t);
}

/// Go's `extract`: the name after `$`, the rest, and whether it was well formed.
fn extract(s: &str) -> (&str, &str, bool) {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b'$' {
        return ("", s, false);
    }
    let mut brace = false;
    let mut i = 1;
    if b[1] == b'{' {
        brace = true;
        i = 2;
    }
    let start = i;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or('\0');
        if !(c.is_alphanumeric() || c == '_') {
            break;
        }
        i += c.len_utf8();
    }
    if i == start {
        return ("", s, false);
    }
    let name = &s[start..i];
    if brace {
        if i >= s.len() || b[i] != b'}' {
            return ("", s, false);
        }
        i += 1;
    }
    (name, &s[i..], true)
}

/// Go's `ReplaceAllString` (`literal`: `ReplaceAllLiteralString`).
fn replace_all(re: &Regex, s: &str, repl: &str, literal: bool) -> String {
    let mut out = String::new();
    let mut last = 0;
    let mut pos = 0;
    while pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos) else {
            break;
        };
        let m = caps.get(0).map_or((0, 0), |m| (m.start(), m.end()));
        out.push_str(&s[last..m.0]);
        if m.1 > last || m.0 == 0 {
            if literal {
                out.push_str(repl);
            } else {
                expand(&mut out, repl, re, &caps);
            }
        }
        last = m.1;
        if m.1 > pos {
            pos = m.1;
        } else {
            pos = next_char(s, pos);
        }
    }
    out.push_str(&s[last.min(s.len())..]);
    out
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return vec![];
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(re, s, n);
    let mut out: Vec<String> = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (a, b) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = a;
        if b != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = b;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Compiled patterns, shared by every function map of the process: charts use a handful of
/// patterns, and compiling one costs more than most renders spend matching (`canon render`
/// builds a function map per release).
fn shared_cache() -> Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| Arc::new(Mutex::new(std::collections::HashMap::new())))
        .clone()
}

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    let cache = shared_cache();
    let c = cache.clone();
    r.f("regexMatch", vec![S, S], None, move |a| {
        Ok(Value::Bool(
            compile(&c, as_str(&a[0])).is_ok_and(|re| re.is_match(as_str(&a[1]))),
        ))
    });
    let c = cache.clone();
    r.f("mustRegexMatch", vec![S, S], None, move |a| {
        Ok(Value::Bool(
            compile(&c, as_str(&a[0]))?.is_match(as_str(&a[1])),
        ))
    });
    type Body = fn(&Regex, &[Value]) -> R;
    let find_all_f: Body = |re, a| {
        let s = as_str(&a[1]);
        let found = find_all(re, s, as_int(&a[2]));
        // FindAllString returns nil, not an empty slice, when nothing matches.
        if found.is_empty() {
            return Ok(nil_list_of(ElemType::String));
        }
        Ok(str_list(
            found
                .into_iter()
                .map(|(x, y)| s[x..y].to_string())
                .collect(),
        ))
    };
    let find_f: Body = |re, a| {
        Ok(Value::string(
            find_all(re, as_str(&a[1]), 1)
                .first()
                .map_or("", |(x, y)| &as_str(&a[1])[*x..*y]),
        ))
    };
    let repl_f: Body = |re, a| {
        Ok(Value::string(replace_all(
            re,
            as_str(&a[1]),
            as_str(&a[2]),
            false,
        )))
    };
    let lit_f: Body = |re, a| {
        Ok(Value::string(replace_all(
            re,
            as_str(&a[1]),
            as_str(&a[2]),
            true,
        )))
    };
    let split_f: Body = |re, a| {
        let n = as_int(&a[2]);
        // Split returns nil for n == 0.
        if n == 0 {
            return Ok(nil_list_of(ElemType::String));
        }
        Ok(str_list(split(re, as_str(&a[1]), n)))
    };
    for (name, params, body) in [
        ("regexFindAll", vec![S, S, I], find_all_f),
        ("regexFind", vec![S, S], find_f),
        ("regexReplaceAll", vec![S, S, S], repl_f),
        ("regexReplaceAllLiteral", vec![S, S, S], lit_f),
        ("regexSplit", vec![S, S, I], split_f),
    ] {
        let c = cache.clone();
        r.f(name, params.clone(), None, move |a| {
            body(&must(&c, as_str(&a[0]))?, &a)
        });
        let c = cache.clone();
        let must_name = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
        r.f(&must_name, params, None, move |a| {
            body(&compile(&c, as_str(&a[0]))?, &a)
        });
    }
    r.f("regexQuoteMeta", vec![S], None, |a| {
        Ok(Value::string(quote_meta(as_str(&a[0]))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_semantics() {
        let re = Regex::new(&translate("a*").expect("ok")).expect("compiles");
        let got: Vec<_> = find_all(&re, "baaab", -1);
        assert_eq!(got, vec![(0, 0), (1, 4), (5, 5)]);
        assert_eq!(replace_all(&re, "baaab", "-", false), "-b-b-");
        let re = Regex::new(&translate(r"(\w+)").expect("ok")).expect("compiles");
        assert_eq!(replace_all(&re, "ab cd", "$1x", false), " ");
        assert_eq!(replace_all(&re, "ab cd", "${1}x", false), "abx cdx");
        assert!(
            !Regex::new(&translate(r"\d").expect("ok"))
                .expect("compiles")
                .is_match("٣")
        );
    }
}
