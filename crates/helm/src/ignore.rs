//! `.helmignore` rules (helm's `pkg/ignore`), with helm's defaults, and Go's `path/filepath.Match`
//! that the rules are evaluated with.
//!
//! Written by hand: the rules must behave exactly like helm's, quirks included (a negated rule
//! ignores everything it does not match, a rule without `/` matches only the base name, `**` is
//! refused), and `filepath.Match` has its own escape and class syntax that no glob crate copies.

use std::fmt;

/// The file name helm reads the rules from.
pub const HELM_IGNORE: &str = ".helmignore";

/// Go's `filepath.ErrBadPattern`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadPattern;

impl fmt::Display for BadPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

impl std::error::Error for BadPattern {}

/// A rule file that cannot be parsed, with helm's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IgnoreError(pub String);

#[derive(Clone, Debug)]
enum Kind {
    /// A leading `/`: the whole path must match.
    Rooted,
    /// Contains `/`: the whole path must match.
    Structural,
    /// No `/`: only the base name is matched.
    Base,
}

/// How a rule is matched: most rules are a literal name or `*` and a literal suffix, which are
/// answered with a comparison instead of the general `filepath.Match` (the loader asks every
/// rule about every file of a chart).
#[derive(Clone, Debug)]
enum Matcher {
    /// No metacharacter: `Match` is byte equality.
    Literal,
    /// `*` followed by a literal: the name ends with the literal and the star's part holds no
    /// `/`.
    StarSuffix(String),
    /// Anything else: `filepath_match`.
    Glob,
}

impl Matcher {
    fn of(rule: &str) -> Matcher {
        let meta = |s: &str| s.bytes().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'));
        if !meta(rule) {
            return Matcher::Literal;
        }
        match rule.strip_prefix('*') {
            Some(rest) if !rest.is_empty() && !meta(rest) => Matcher::StarSuffix(rest.to_string()),
            _ => Matcher::Glob,
        }
    }
}

#[derive(Clone, Debug)]
struct Pattern {
    rule: String,
    matcher: Matcher,
    kind: Kind,
    negate: bool,
    must_dir: bool,
}

impl Pattern {
    fn matches(&self, path: &str, base_name: &str) -> bool {
        let name = match self.kind {
            Kind::Rooted | Kind::Structural => path,
            Kind::Base => base_name,
        };
        match &self.matcher {
            Matcher::Literal => name == self.rule,
            Matcher::StarSuffix(suffix) => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| !head.contains('/')),
            // helm logs and treats a pattern error as no match; patterns were checked at parse
            // time.
            Matcher::Glob => filepath_match(&self.rule, name).unwrap_or(false),
        }
    }
}

/// Go's `filepath.Base` for `/`-separated paths.
fn base(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// helm's `ignore.Rules`: patterns evaluated in order.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// An empty rule set (`ignore.Empty()`).
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// helm's `Parse`: one rule per line, a UTF-8 BOM on the first line dropped.
    pub fn parse(text: &[u8]) -> Result<Rules, IgnoreError> {
        let mut rules = Rules::empty();
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        // bufio.ScanLines: split on \n, drop one trailing \r.
        for line in split_lines(text) {
            rules.parse_rule(&String::from_utf8_lossy(line))?;
        }
        Ok(rules)
    }

    /// helm's `AddDefaults`: dotfiles in `templates/` are ignored.
    pub fn add_defaults(&mut self) {
        self.parse_rule("templates/.?*")
            .expect("helm's default rule is valid");
    }

    /// Whether `path` (relative to the chart root, `/`-separated) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let base_name = base(path);
        for p in &self.patterns {
            if p.negate {
                // helm's negation: anything the rule does not match is ignored.
                if p.must_dir && !is_dir {
                    return true;
                }
                if !p.matches(path, base_name) {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if p.matches(path, base_name) {
                return true;
            }
        }
        false
    }

    fn parse_rule(&mut self, rule: &str) -> Result<(), IgnoreError> {
        let rule = rule.trim_matches(go_space);
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(IgnoreError(
                "double-star (**) syntax is not supported".into(),
            ));
        }
        if let Err(e) = filepath_match(rule, "abc") {
            return Err(IgnoreError(e.to_string()));
        }
        let mut r = rule;
        let negate = if let Some(rest) = r.strip_prefix('!') {
            r = rest;
            true
        } else {
            false
        };
        let must_dir = if let Some(rest) = r.strip_suffix('/') {
            r = rest;
            true
        } else {
            false
        };
        let (kind, r) = if let Some(rest) = r.strip_prefix('/') {
            (Kind::Rooted, rest)
        } else if r.contains('/') {
            (Kind::Structural, r)
        } else {
            (Kind::Base, r)
        };
        self.patterns.push(Pattern {
            matcher: Matcher::of(r),
            rule: r.to_string(),
            kind,
            negate,
            must_dir,
        });
        Ok(())
    }
}

/// `unicode.IsSpace`, what `strings.TrimSpace` trims.
fn go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

fn split_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        if t.is_empty() {
            rest = None;
            return None;
        }
        let (line, next) = match t.iter().position(|&b| b == b'\n') {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        rest = next;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

/// Go's `filepath.Match` on Unix (separator `/`), as of Go 1.26.
pub fn filepath_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = pattern {
        pattern = rest;
        star = true;
    }
    let mut inrange = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => inrange = true,
            b']' => inrange = false,
            b'*' if !inrange => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

/// `utf8.DecodeRune`: the rune and its length; an invalid byte is U+FFFD of length 1.
pub(crate) fn decode_rune(s: &[u8]) -> (char, usize) {
    if s.is_empty() {
        return ('\u{fffd}', 0);
    }
    let n = match s[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return ('\u{fffd}', 1),
    };
    if s.len() >= n
        && let Ok(t) = std::str::from_utf8(&s[..n])
        && let Some(c) = t.chars().next()
    {
        return (c, n);
    }
    ('\u{fffd}', 1)
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), BadPattern> {
    let mut failed = false;
    while !chunk.is_empty() {
        failed = failed || s.is_empty();
        match chunk[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (c, n) = decode_rune(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    matched = matched || lo <= r && r <= hi;
                    nrange += 1;
                }
                failed = failed || matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let c = if c == b'\\' {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        Some(&c) => c,
                        None => return Err(BadPattern),
                    }
                } else {
                    c
                };
                if !failed {
                    failed = c != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        Ok((&[], false))
    } else {
        Ok((s, true))
    }
}

fn get_esc(mut chunk: &[u8]) -> Result<(char, &[u8]), BadPattern> {
    if chunk.is_empty() || chunk[0] == b'-' || chunk[0] == b']' {
        return Err(BadPattern);
    }
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return Err(BadPattern);
        }
    }
    let (r, n) = decode_rune(chunk);
    let bad = r == '\u{fffd}' && n == 1;
    let rest = &chunk[n..];
    if bad || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_like_go() {
        // Cases from Go's path/filepath match_test.go.
        let cases: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[x-]", "x", Err(BadPattern)),
            ("[x-]", "-", Err(BadPattern)),
            ("[x-]", "z", Err(BadPattern)),
            ("[-x]", "x", Err(BadPattern)),
            ("[-x]", "-", Err(BadPattern)),
            ("[-x]", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("[a-b-c]", "a", Err(BadPattern)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[^bc", "a", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("a[", "ab", Err(BadPattern)),
            ("a[", "x", Err(BadPattern)),
            ("a/b[", "x", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
        ];
        for (p, s, want) in cases {
            assert_eq!(filepath_match(p, s), *want, "Match({p:?}, {s:?})");
        }
    }

    #[test]
    fn fast_matchers_agree_with_filepath_match() {
        let rules = [
            "OWNERS", "*.swp", "*~", "*/x.txt", "a-b]c", ".git", "*.tgz", "a/b",
        ];
        let names = [
            "OWNERS",
            "OWNERS2",
            "x.swp",
            ".swp",
            "a/x.swp",
            "x.swpx",
            "~",
            "a~",
            "a/b~",
            "d/x.txt",
            "d/e/x.txt",
            "x.txt",
            "/x.txt",
            "a-b]c",
            ".git",
            "a/b",
            "a/bc",
            "",
            "k.tgz",
        ];
        for rule in rules {
            let p = Pattern {
                rule: rule.to_string(),
                matcher: Matcher::of(rule),
                kind: Kind::Structural,
                negate: false,
                must_dir: false,
            };
            assert!(
                !matches!(p.matcher, Matcher::Glob),
                "{rule} takes a fast path"
            );
            for name in names {
                assert_eq!(
                    p.matches(name, name),
                    filepath_match(rule, name).expect("valid pattern"),
                    "Match({rule:?}, {name:?})"
                );
            }
        }
    }

    #[test]
    fn helm_rules() {
        // From helm's pkg/ignore rules_test.go (testdata tree).
        let dirs = [
            "helmdir",
            "helmdir/sub",
            "cargo",
            "mast",
            "mast/a",
            "mast/b",
        ];
        let case = |rule: &str, path: &str| {
            let r = Rules::parse(rule.as_bytes()).expect("valid rule");
            r.ignore(path, dirs.contains(&path))
        };
        assert!(case("helm.txt", "helm.txt"));
        assert!(case("helm.*", "helm.txt"));
        assert!(!case("helm.*", "rudder.txt"));
        assert!(case("*.txt", "tiller.txt"));
        assert!(case("*.txt", "cargo/a.txt"));
        assert!(case("cargo/*.txt", "cargo/a.txt"));
        assert!(case("cargo/*.*", "cargo/a.txt"));
        assert!(!case("cargo/*.txt", "mast/a.txt"));
        assert!(case("ru[c-e]?er.txt", "rudder.txt"));
        assert!(case("templates/.?*", "templates/.dotfile"));
        assert!(case("/helm.txt", "helm.txt"));
        assert!(!case("/helm.txt", "cargo/helm.txt"));
        assert!(case("helmdir/", "helmdir"));
        assert!(!case("helmdir/", "helm.txt"));
        assert!(case("mast/", "mast"));
        assert!(case("*/", "mast"));
        assert!(case("*.txt\n!helm.txt", "helm.txt"));
        // helm's negation ignores whatever does not match it.
        assert!(case("!helm.txt", "tiller.txt"));
        assert!(!case("!helm.txt", "helm.txt"));
        assert!(!case("!*/", "mast"));
        assert!(case("!*/", "helm.txt"));
        assert_eq!(
            Rules::parse(b"a/**/b").map(|_| ()),
            Err(IgnoreError(
                "double-star (**) syntax is not supported".into()
            ))
        );
        assert_eq!(
            Rules::parse(b"[").map(|_| ()),
            Err(IgnoreError("syntax error in pattern".into()))
        );
        assert!(case("\u{feff}helm.txt", "helm.txt"));
    }
}
