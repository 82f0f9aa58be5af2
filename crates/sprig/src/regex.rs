//! Sprig's regex functions with Go's RE2 semantics on Rust's `regex` crate: patterns are
//! translated so Perl classes are ASCII as in Go (`\d \w \s \b`), and `FindAll`/`Split`/
//! `ReplaceAll` are re-derived from Go's loops (empty matches right after a match are skipped,
//! `$1x` means the group named `1x`).
//!
//! A pattern is compiled twice over, lazily ([`Pattern`]): charts mostly match ASCII text
//! (names, image tags, versions), where a byte regex without Unicode finds exactly what the
//! Unicode one finds and costs a quarter as much to build in a fresh process.

use std::sync::{Arc, Mutex, OnceLock};

use gotmpl::{ElemType, Value};
use regex::Regex;

use crate::conv::{as_int, as_str, nil_list_of, str_list};
use crate::t::*;
use crate::{Env, R, Reg};

/// Compiled patterns keyed by Go source (charts call the same regex in loops).
type Cache = Arc<Mutex<std::collections::HashMap<String, Result<Arc<Pattern>, String>>>>;

/// A Go pattern, compiled for the texts it meets.
///
/// On ASCII text, a byte-oriented regex without Unicode (`.`, `[^...]` and case folding over
/// bytes) gives the matches and groups the Unicode regex gives: the two differ only on
/// characters ASCII text does not hold. It compiles without the UTF-8 automata a Unicode class
/// needs, which in a fresh process (every render is one) is most of a pattern's cost: bitnami's
/// four common patterns 1.0 ms against 0.25 ms. So the Unicode regex is built only for the first
/// text that is not ASCII, or at once for a pattern the byte regex cannot express (`\pL`, a
/// non-ASCII literal).
pub(crate) struct Pattern {
    /// The Go source and its translation.
    go: String,
    translated: String,
    ascii: Option<regex::bytes::Regex>,
    unicode: OnceLock<Result<Regex, String>>,
}

/// One of a [`Pattern`]'s regexes, for one text.
pub(crate) enum Matcher<'a> {
    Ascii(&'a regex::bytes::Regex),
    Unicode(&'a Regex),
}

impl Pattern {
    fn new(go: &str) -> Result<Pattern, String> {
        let translated = translate(go).map_err(|e| parse_error(go, e))?;
        let ascii = if translated.is_ascii() {
            regex::bytes::RegexBuilder::new(&translated)
                .unicode(false)
                .build()
                .ok()
        } else {
            None
        };
        let p = Pattern {
            go: go.to_string(),
            translated,
            ascii,
            unicode: OnceLock::new(),
        };
        if p.ascii.is_none() {
            // Compiled now: its error, if any, is the pattern's.
            p.unicode()?;
        }
        Ok(p)
    }

    fn unicode(&self) -> Result<&Regex, String> {
        self.unicode
            .get_or_init(|| {
                Regex::new(&self.translated).map_err(|e| parse_error(&self.go, e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The regex for `text`: an error only where the Unicode regex is needed and does not
    /// compile (a size limit the byte regex stays under).
    pub(crate) fn on(&self, text: &str) -> Result<Matcher<'_>, String> {
        match &self.ascii {
            Some(re) if text.is_ascii() => Ok(Matcher::Ascii(re)),
            _ => self.unicode().map(Matcher::Unicode),
        }
    }
}

impl Matcher<'_> {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Ascii(re) => re.is_match(s.as_bytes()),
            Matcher::Unicode(re) => re.is_match(s),
        }
    }

    fn find_at(&self, s: &str, at: usize) -> Option<(usize, usize)> {
        match self {
            Matcher::Ascii(re) => re.find_at(s.as_bytes(), at).map(|m| (m.start(), m.end())),
            Matcher::Unicode(re) => re.find_at(s, at).map(|m| (m.start(), m.end())),
        }
    }

    /// The leftmost match at or after `at`, as each group's span.
    fn captures_at(&self, s: &str, at: usize) -> Option<Vec<Option<(usize, usize)>>> {
        match self {
            Matcher::Ascii(re) => re
                .captures_at(s.as_bytes(), at)
                .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect()),
            Matcher::Unicode(re) => re
                .captures_at(s, at)
                .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect()),
        }
    }

    /// The index of the group named `name`.
    fn group(&self, name: &str) -> Option<usize> {
        match self {
            Matcher::Ascii(re) => re.capture_names().position(|n| n == Some(name)),
            Matcher::Unicode(re) => re.capture_names().position(|n| n == Some(name)),
        }
    }

    /// Whether the pattern is empty (its translation is exactly when the Go source is).
    fn pattern_is_empty(&self) -> bool {
        match self {
            Matcher::Ascii(re) => re.as_str().is_empty(),
            Matcher::Unicode(re) => re.as_str().is_empty(),
        }
    }
}

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
            if n == 'x' && cs.get(i + 2) == Some(&'{') {
                // `\x{10FFFF}`: the braces belong to the escape, not a repeat.
                if let Some(len) = cs[i + 3..].iter().position(|&c| c == '}') {
                    out.extend(cs[i..i + 4 + len].iter());
                    i += 4 + len;
                    class_start = false;
                    continue;
                }
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
        if c == '(' && cs.get(i + 1) == Some(&'?') {
            let named = cs.get(i + 2) == Some(&'<')
                || (cs.get(i + 2) == Some(&'P') && cs.get(i + 3) == Some(&'<'));
            if !named {
                perl_flags(&cs[i..])?;
            }
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

/// Go's check of the `(?flags)` or `(?flags:` group `cs` starts with: flags among `imsU`, one
/// `-` at most, and a flag after it. Rust's regex has more (`x`, `u`, `R`), which Go refuses.
fn perl_flags(cs: &[char]) -> Result<(), String> {
    let (mut j, mut negated, mut flag) = (2, false, false);
    while let Some(&c) = cs.get(j) {
        j += 1;
        match c {
            'i' | 'm' | 's' | 'U' => flag = true,
            '-' if !negated => (negated, flag) = (true, false),
            ':' | ')' if !negated || flag => return Ok(()),
            _ => break,
        }
    }
    let text: String = cs[..j].iter().collect();
    Err(format!("invalid or unsupported Perl syntax: `{text}`"))
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

/// Go's `regexp.Compile` error for the pattern `p`, from the translation's or the crate's.
fn parse_error(p: &str, e: String) -> String {
    if e.starts_with("invalid ") || e.starts_with("trailing ") {
        format!("error parsing regexp: {e}")
    } else {
        compile_error(p, &e)
    }
}

fn compile(cache: &Cache, p: &str) -> Result<Arc<Pattern>, String> {
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = c.get(p) {
        return r.clone();
    }
    let r = Pattern::new(p).map(Arc::new);
    if c.len() > 1024 {
        c.clear();
    }
    c.insert(p.to_string(), r.clone());
    r
}

/// `regexp.MustCompile`'s panic text for the error `e` of `p`.
fn must_error(p: &str, e: String) -> String {
    let q = if !p.contains('`') && p.chars().all(|c| c == '\t' || !c.is_control()) {
        format!("`{p}`")
    } else {
        gotmpl::fmt::sprintf("%q", &[Value::string(p)])
    };
    format!("regexp: Compile({q}): {e}")
}

/// Go's `FindAllIndex` loop: at most `n` (all if negative) non-overlapping matches, an empty
/// match right after the previous match skipped.
pub(crate) fn find_all(re: &Matcher<'_>, s: &str, n: i64) -> Vec<(usize, usize)> {
    find_all_with(|at| re.find_at(s, at), s, n)
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

/// Go's `Regexp.Expand` of `$name`/`${name}` in `tmpl` for one match of `re` in `s` (its
/// groups' spans `caps`).
fn expand(
    out: &mut String,
    tmpl: &str,
    s: &str,
    re: &Matcher<'_>,
    caps: &[Option<(usize, usize)>],
) {
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
                Some(num)
            } else {
                None
            }
        } else {
            re.group(name)
        };
        if let Some(Some((a, b))) = g.and_then(|i| caps.get(i)) {
            out.push_str(&s[*a..*b]);
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
fn replace_all(re: &Matcher<'_>, s: &str, repl: &str, literal: bool) -> String {
    let mut out = String::new();
    let mut last = 0;
    let mut pos = 0;
    while pos <= s.len() {
        // A literal replacement needs only the match, not its groups.
        let caps = if literal {
            re.find_at(s, pos).map(|m| vec![Some(m)])
        } else {
            re.captures_at(s, pos)
        };
        let Some(caps) = caps else {
            break;
        };
        let m = caps.first().copied().flatten().unwrap_or((0, 0));
        out.push_str(&s[last..m.0]);
        if m.1 > last || m.0 == 0 {
            if literal {
                out.push_str(repl);
            } else {
                expand(&mut out, repl, s, re, &caps);
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
fn split(re: &Matcher<'_>, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return vec![];
    }
    if !re.pattern_is_empty() && s.is_empty() {
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
        let s = as_str(&a[1]);
        Ok(Value::Bool(
            compile(&c, as_str(&a[0])).is_ok_and(|p| p.on(s).is_ok_and(|re| re.is_match(s))),
        ))
    });
    let c = cache.clone();
    r.f("mustRegexMatch", vec![S, S], None, move |a| {
        let s = as_str(&a[1]);
        Ok(Value::Bool(compile(&c, as_str(&a[0]))?.on(s)?.is_match(s)))
    });
    type Body = fn(&Matcher<'_>, &[Value]) -> R;
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
        // Every one of them matches against its second argument. Go's plain functions panic
        // on a bad pattern (`regexp.MustCompile`), the `must` ones return its error.
        let c = cache.clone();
        r.f(name, params.clone(), None, move |a| {
            let (p, s) = (as_str(&a[0]), as_str(&a[1]));
            let pattern = compile(&c, p).map_err(|e| must_error(p, e))?;
            body(&pattern.on(s).map_err(|e| must_error(p, e))?, &a)
        });
        let c = cache.clone();
        let must_name = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
        r.f(&must_name, params, None, move |a| {
            let pattern = compile(&c, as_str(&a[0]))?;
            body(&pattern.on(as_str(&a[1]))?, &a)
        });
    }
    r.f("regexQuoteMeta", vec![S], None, |a| {
        Ok(Value::string(quote_meta(as_str(&a[0]))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(p: &str) -> Pattern {
        Pattern::new(p).expect("compiles")
    }

    #[test]
    fn go_semantics() {
        let p = pattern("a*");
        let re = p.on("baaab").expect("ascii");
        let got: Vec<_> = find_all(&re, "baaab", -1);
        assert_eq!(got, vec![(0, 0), (1, 4), (5, 5)]);
        assert_eq!(replace_all(&re, "baaab", "-", false), "-b-b-");
        let p = pattern(r"(\w+)");
        let re = p.on("ab cd").expect("ascii");
        assert_eq!(replace_all(&re, "ab cd", "$1x", false), " ");
        assert_eq!(replace_all(&re, "ab cd", "${1}x", false), "abx cdx");
        assert!(!pattern(r"\d").on("٣").expect("unicode").is_match("٣"));
    }

    /// On ASCII text the byte regex finds what the Unicode regex finds: every match, group and
    /// replacement, for patterns whose classes reach beyond ASCII.
    #[test]
    fn byte_regex_agrees_with_unicode_on_ascii_text() {
        let patterns = [
            "@sha.*",
            r"(-?[^a-z\d\-])+-?",
            "{(v[0-9])*[^}]*}}$",
            r"\W",
            r"(?i)k(?P<rest>[^x]*)",
            r"(?s)a.b",
            r"(?m)^(\w+)$",
            r"\b\w",
            "[[:^alpha:]]+",
            "",
            "x*",
        ];
        let texts = [
            "",
            "12.1.0@sha256:abc",
            "My_Release.Name-1",
            "{v1}}",
            "KkSs x\nA\nb",
            "a\nb axb",
            "line one\nline2\n",
            "tab\there",
        ];
        for go in patterns {
            let p = pattern(go);
            let ascii = match &p.ascii {
                Some(re) => Matcher::Ascii(re),
                None => panic!("{go}: a byte regex"),
            };
            let unicode = Matcher::Unicode(p.unicode().expect("compiles"));
            for s in texts {
                let what = format!("{go:?} on {s:?}");
                assert_eq!(ascii.is_match(s), unicode.is_match(s), "{what}");
                assert_eq!(find_all(&ascii, s, -1), find_all(&unicode, s, -1), "{what}");
                for at in 0..=s.len() {
                    assert_eq!(
                        ascii.captures_at(s, at),
                        unicode.captures_at(s, at),
                        "{what} at {at}"
                    );
                }
                for (repl, literal) in [("<$1|${rest}>", false), ("$", true)] {
                    assert_eq!(
                        replace_all(&ascii, s, repl, literal),
                        replace_all(&unicode, s, repl, literal),
                        "{what}"
                    );
                }
                assert_eq!(split(&ascii, s, -1), split(&unicode, s, -1), "{what}");
            }
        }
    }

    /// Text that is not ASCII gets the Unicode regex: `.` and negated classes take whole
    /// characters, as in Go.
    #[test]
    fn unicode_text_gets_the_unicode_regex() {
        let p = pattern("^.$");
        assert!(matches!(p.on("a"), Ok(Matcher::Ascii(_))));
        let re = p.on("é").expect("compiles");
        assert!(matches!(re, Matcher::Unicode(_)));
        assert!(re.is_match("é"));
        let p = pattern("[^a]");
        let re = p.on("aéa").expect("compiles");
        assert_eq!(find_all(&re, "aéa", -1), vec![(1, 3)]);
        assert_eq!(replace_all(&re, "aéa", "-", true), "a-a");
    }

    /// Patterns a byte regex cannot express are compiled the Unicode way at once, with its
    /// errors; flags Go does not have are refused as Go refuses them.
    #[test]
    fn unicode_only_patterns_compile_at_once() {
        for go in [r"\pL+", "é+"] {
            let p = pattern(go);
            assert!(p.ascii.is_none(), "{go}");
            assert!(p.unicode.get().is_some(), "{go}");
        }
        assert!(Pattern::new("(?i)a(?s:b)(?P<n>c)(?<m>d)(?-m)(?U-s:e)").is_ok());
        // Flags Rust has and Go does not, with Go's messages.
        for (go, bad) in [
            ("a(?x) b", "(?x"),
            ("(?u:a)", "(?u"),
            ("(?i-)a", "(?i-)"),
            ("(?--i)a", "(?--"),
            ("(?i", "(?i"),
        ] {
            let e = Pattern::new(go).err().expect("refused");
            let want = format!("error parsing regexp: invalid or unsupported Perl syntax: `{bad}`");
            assert_eq!(e, want, "{go}");
        }
        assert!(Pattern::new("a(").is_err());
        // Go's `\x{...}` escape.
        let p = pattern(r"[\x{e9}-\x{ff}]\x{41}");
        assert_eq!(
            find_all(&p.on("xéA").expect("compiles"), "xéA", -1),
            vec![(1, 4)]
        );
    }
}
