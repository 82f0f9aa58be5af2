//! Masterminds/semver's five regular expressions, matched by hand with the regex engine's
//! leftmost-first results (which match, which captures).
//!
//! Why not the `regex` crate: building its engines for the five patterns cost 2.8M instructions,
//! a fifth of rendering a small chart (every chart whose Chart.yaml has a `kubeVersion`, and
//! every `semverCompare`, compiles them), for inputs of a few bytes. The grammar is small and
//! unambiguous once anchored: a numeric segment or an identifier is a maximal run, an operator is
//! the run of operator characters before the version, so each greedy step is the only one that
//! can lead to a match and no backtracking is needed. The tests compare every function with the
//! original patterns compiled by the `regex` crate on generated inputs.

/// `[\t\n\f\r ]`.
fn ws(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// `[0-9A-Za-z\-]`: a prerelease or metadata identifier's characters.
fn ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// The numeric segment class of a version (`[0-9]`) or of a constraint's version
/// (`[0-9|x|X|\*]`: digits, wildcards, and a literal `|`).
#[derive(Clone, Copy)]
pub(super) enum Segments {
    Digits,
    Wildcards,
}

impl Segments {
    fn has(self, c: u8) -> bool {
        match self {
            Segments::Digits => c.is_ascii_digit(),
            Segments::Wildcards => c.is_ascii_digit() || matches!(c, b'|' | b'x' | b'X' | b'*'),
        }
    }
}

/// Byte ranges of a version's parts (`SEMVER_RE`/`CV_RE`); an absent optional part is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Parts {
    pub start: usize,
    pub end: usize,
    /// Group 1: the major segment.
    pub major: (usize, usize),
    /// Group 2: `.minor`, dot included.
    pub minor: (usize, usize),
    /// Group 3: `.patch`, dot included.
    pub patch: (usize, usize),
    /// Group 4: `-prerelease`, dash included (group 5 is the same without it).
    pub pre: (usize, usize),
    /// Group 7: `+metadata`, plus included (group 8 is the same without it).
    pub meta: (usize, usize),
}

/// Length of the run of `f` characters at `b[i..]`.
fn run(b: &[u8], i: usize, f: impl Fn(u8) -> bool) -> usize {
    b[i.min(b.len())..].iter().take_while(|&&c| f(c)).count()
}

/// `[0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*` at `i`, greedy: its end, if it matches.
fn ident_list(b: &[u8], i: usize) -> Option<usize> {
    let n = run(b, i, ident);
    if n == 0 {
        return None;
    }
    let mut j = i + n;
    while b.get(j) == Some(&b'.') {
        let n = run(b, j + 1, ident);
        if n == 0 {
            break;
        }
        j += 1 + n;
    }
    Some(j)
}

/// The version pattern at `i`, each part as long as it goes.
pub(super) fn version_at(b: &[u8], i: usize, seg: Segments) -> Option<Parts> {
    let mut j = i;
    if b.get(j) == Some(&b'v') {
        j += 1;
    }
    let n = run(b, j, |c| seg.has(c));
    if n == 0 {
        return None;
    }
    let mut p = Parts {
        start: i,
        major: (j, j + n),
        ..Parts::default()
    };
    j += n;
    let dotted = |j: usize| {
        if b.get(j) == Some(&b'.') {
            let n = run(b, j + 1, |c| seg.has(c));
            (n > 0).then_some((j, j + 1 + n))
        } else {
            None
        }
    };
    p.minor = (j, j);
    if let Some(r) = dotted(j) {
        p.minor = r;
        j = r.1;
    }
    p.patch = (j, j);
    if let Some(r) = dotted(j) {
        p.patch = r;
        j = r.1;
    }
    p.pre = (j, j);
    if b.get(j) == Some(&b'-')
        && let Some(e) = ident_list(b, j + 1)
    {
        p.pre = (j, e);
        j = e;
    }
    p.meta = (j, j);
    if b.get(j) == Some(&b'+')
        && let Some(e) = ident_list(b, j + 1)
    {
        p.meta = (j, e);
        j = e;
    }
    p.end = j;
    Some(p)
}

/// `^SEMVER_RE$`.
pub(super) fn version(s: &str) -> Option<Parts> {
    version_at(s.as_bytes(), 0, Segments::Digits).filter(|p| p.end == s.len())
}

/// `OPS`, in the pattern's order (`=||!=|...`: the empty operator is the second choice).
const OPS: [&str; 12] = [
    "=", "", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^",
];

/// `(OPS) WS* (CV_RE)` at `i`: the operator's range and the version, for the first operator, in
/// the pattern's order, after which a version follows.
fn op_version_at(b: &[u8], i: usize) -> Option<((usize, usize), Parts)> {
    OPS.iter().find_map(|op| {
        if !b[i.min(b.len())..].starts_with(op.as_bytes()) {
            return None;
        }
        let j = i + op.len();
        let v = version_at(b, j + run(b, j, ws), Segments::Wildcards)?;
        Some(((i, j), v))
    })
}

/// `^WS*(OPS)WS*(CV_RE)WS*$`: the operator's range and the version.
pub(super) fn constraint(s: &str) -> Option<((usize, usize), Parts)> {
    let b = s.as_bytes();
    let (op, v) = op_version_at(b, run(b, 0, ws))?;
    (v.end + run(b, v.end, ws) == b.len()).then_some((op, v))
}

/// `^(WS*(OPS)WS*(CV_RE)WS*)((?:WS+|,WS*)(OPS)WS*(CV_RE)WS*)*$`: constraints separated by
/// blanks or commas.
pub(super) fn valid(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = run(b, 0, ws);
    loop {
        let Some((_, v)) = op_version_at(b, i) else {
            return false;
        };
        let blanks = run(b, v.end, ws);
        i = v.end + blanks;
        if i == b.len() {
            return true;
        }
        if b[i] == b',' {
            i += 1;
            i += run(b, i, ws);
        } else if blanks == 0 {
            return false;
        }
    }
}

/// `(OPS)WS*(CV_RE)` searched from `pos`: the leftmost match.
pub(super) fn find_at(s: &str, pos: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    (pos..b.len()).find_map(|i| op_version_at(b, i).map(|(_, v)| (i, v.end)))
}

/// `WS*(CV_RE)WS+-WS+(CV_RE)WS*`, every non-overlapping match from the left: the whole match and
/// the two versions.
pub(super) fn ranges(s: &str) -> Vec<((usize, usize), Parts, Parts)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let found = (pos..b.len()).find_map(|i| {
            let lo = version_at(b, i + run(b, i, ws), Segments::Wildcards)?;
            let gap = run(b, lo.end, ws);
            if gap == 0 || b.get(lo.end + gap) != Some(&b'-') {
                return None;
            }
            let j = lo.end + gap + 1;
            let gap = run(b, j, ws);
            if gap == 0 {
                return None;
            }
            let hi = version_at(b, j + gap, Segments::Wildcards)?;
            Some(((i, hi.end + run(b, hi.end, ws)), lo, hi))
        });
        let Some(m) = found else { break };
        pos = m.0.1;
        out.push(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use regex::Regex;

    const SEMVER_RE: &str = r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
    const CV_RE: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
    const OPS_RE: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
    const WS: &str = r"[\t\n\f\r ]";

    fn span(m: &regex::Captures<'_>, i: usize) -> Option<(usize, usize)> {
        m.get(i).map(|g| (g.start(), g.end()))
    }

    /// A part's range as the regex reports it: an absent group is `None`.
    fn part(r: (usize, usize)) -> Option<(usize, usize)> {
        (r.0 != r.1).then_some(r)
    }

    /// The groups of a version whose first group is `base`.
    fn groups(m: &regex::Captures<'_>, base: usize) -> [Option<(usize, usize)>; 5] {
        [
            span(m, base),
            span(m, base + 1),
            span(m, base + 2),
            span(m, base + 3),
            span(m, base + 6),
        ]
    }

    fn mine(p: &Parts) -> [Option<(usize, usize)>; 5] {
        [
            Some(p.major),
            part(p.minor),
            part(p.patch),
            part(p.pre),
            part(p.meta),
        ]
    }

    /// Strings over the characters the patterns care about, short enough to hit every rule.
    fn inputs() -> Vec<String> {
        let alphabet: Vec<char> = "0123456789.-+vxX*|,<>=!~^ \tabz".chars().collect();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let mut out: Vec<String> = [
            "",
            "1",
            "v1.2.3",
            "1.2.3-alpha.1+build.5",
            "1.2.3-",
            "1.2.3+",
            "1..2",
            "1.2.3.4",
            ">= 1.2, < 2",
            ">=1.19-0",
            "~1.2.3",
            "^1.x",
            "1.2 - 1.4.5",
            " 1 - 2 ",
            "1 -2",
            "<1.0 || >=2.0",
            "=>1",
            "==1",
            "!=1.x",
            "~>2.1",
            "1.2.3-a-b.c--d",
            "x",
            "*",
            "|",
            "1,2",
            "1 , 2",
            "1 2",
            ",1",
            "1,",
            "1-2 - 3",
            "v",
            "vv1",
            "1.0-beta - 2.0+m",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Characters, and tokens that make well-formed pieces likelier.
        let tokens = [
            "1", "23", "0", ".", ".4", "-", "-rc.1", "+b", "v", "x", "X", "*", "|", " ", "\t", ",",
            ", ", ">=", "<", "<=", "~", "~>", "^", "=", "!=", "=>", " - ", "||", "alpha", "a-b",
        ];
        for _ in 0..40_000 {
            let len = rng.gen_range(0..14);
            out.push(
                (0..len)
                    .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                    .collect(),
            );
            let len = rng.gen_range(1..9);
            out.push(
                (0..len)
                    .map(|_| tokens[rng.gen_range(0..tokens.len())])
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn matches_what_the_patterns_match() {
        let version_re = Regex::new(&format!("^{SEMVER_RE}$")).expect("compiles");
        let constraint_re =
            Regex::new(&format!(r"^{WS}*({OPS_RE}){WS}*({CV_RE}){WS}*$")).expect("compiles");
        let range_re =
            Regex::new(&format!(r"{WS}*({CV_RE}){WS}+-{WS}+({CV_RE}){WS}*")).expect("compiles");
        let find_re = Regex::new(&format!(r"({OPS_RE}){WS}*({CV_RE})")).expect("compiles");
        let valid_re = Regex::new(&format!(
            r"^({WS}*({OPS_RE}){WS}*({CV_RE}){WS}*)((?:{WS}+|,{WS}*)({OPS_RE}){WS}*({CV_RE}){WS}*)*$"
        ))
        .expect("compiles");
        let (mut versions, mut constraints, mut valids, mut ranged) = (0, 0, 0, 0);
        for s in inputs() {
            let want = version_re.captures(&s).map(|m| groups(&m, 1));
            assert_eq!(version(&s).map(|p| mine(&p)), want, "version {s:?}");
            versions += usize::from(want.is_some());

            let want = constraint_re.captures(&s).map(|m| {
                let mut g = vec![span(&m, 1), span(&m, 2)];
                g.extend(groups(&m, 3));
                g
            });
            let got = constraint(&s).map(|(op, p)| {
                let mut g = vec![Some(op), Some((p.start, p.end))];
                g.extend(mine(&p));
                g
            });
            assert_eq!(got, want, "constraint {s:?}");
            constraints += usize::from(want.is_some());

            assert_eq!(valid(&s), valid_re.is_match(&s), "valid {s:?}");
            valids += usize::from(valid(&s));

            let want: Vec<_> = find_re
                .find_iter(&s)
                .map(|m| (m.start(), m.end()))
                .collect();
            let mut got = Vec::new();
            let mut pos = 0;
            while let Some(m) = find_at(&s, pos) {
                got.push(m);
                pos = m.1;
            }
            assert_eq!(got, want, "find {s:?}");

            let want: Vec<_> = range_re
                .captures_iter(&s)
                .map(|m| (span(&m, 0), span(&m, 1), span(&m, 11)))
                .collect();
            let got: Vec<_> = ranges(&s)
                .into_iter()
                .map(|(w, lo, hi)| (Some(w), Some((lo.start, lo.end)), Some((hi.start, hi.end))))
                .collect();
            assert_eq!(got, want, "ranges {s:?}");
            ranged += usize::from(!want.is_empty());
        }
        // The generated inputs reach every outcome.
        let counts = (versions, constraints, valids, ranged);
        assert!(
            versions > 100 && constraints > 100 && valids > 100 && ranged > 10,
            "{counts:?}"
        );
    }
}
