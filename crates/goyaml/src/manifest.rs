//! Helm's `releaseutil.SplitManifests`: a rendered stream cut into documents at `---` lines. helm v4
//! and v3 use different separators (v4 `(?m)^---[ \t]*`, v3 `(?:^|\s*\n)---\s*`), so both exist.

/// Which helm's splitting rules to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HelmVersion {
    V3,
    #[default]
    V4,
}

/// Go's `regexp` `\s`: `[\t\n\f\r ]`.
fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The byte ranges the separator matches, leftmost-first and non-overlapping, like
/// `FindAllStringIndex`.
fn separators(s: &str, v: HelmVersion) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    match v {
        HelmVersion::V4 => {
            // Only line starts can match, and a match holds no line break: the matches are the
            // text's start if it is "---", then every "\n---" (one substring search over the
            // text, where a search for each line's end cost a call per line).
            let match_end = |at: usize| {
                let mut e = at + 3;
                while e < b.len() && (b[e] == b' ' || b[e] == b'\t') {
                    e += 1;
                }
                e
            };
            if b.starts_with(b"---") {
                out.push((0, match_end(0)));
            }
            for lf in memchr::memmem::find_iter(b, b"\n---") {
                out.push((lf + 1, match_end(lf + 1)));
            }
        }
        HelmVersion::V3 => {
            if b.starts_with(b"---") {
                // `^---`: the first alternative wins at the start.
                let mut e = 3;
                while e < b.len() && is_re_space(b[e]) {
                    e += 1;
                }
                out.push((0, e));
                i = e;
            }
            // Elsewhere a match is a whitespace run that ends in '\n' right before "---", and
            // starts where the run does (or where the search resumed): run by run, each found
            // from the next line break.
            while let Some(n) = s[i..].find('\n') {
                let lf = i + n;
                let mut start = lf;
                while start > i && is_re_space(b[start - 1]) {
                    start -= 1;
                }
                let mut end = lf + 1;
                while end < b.len() && is_re_space(b[end]) {
                    end += 1;
                }
                if b[end - 1] == b'\n' && b[end..].starts_with(b"---") {
                    let mut e = end + 3;
                    while e < b.len() && is_re_space(b[e]) {
                        e += 1;
                    }
                    out.push((start, e));
                    i = e;
                } else {
                    i = end;
                }
            }
        }
    }
    out
}

/// `SplitManifests(bigFile)`: the documents, in order. helm v4 drops blank documents and trims
/// leading space; helm v3 trims the whole stream and every document, dropping only empty ones.
pub fn split_manifests(big: &str, v: HelmVersion) -> Vec<String> {
    let s = match v {
        HelmVersion::V4 => big.trim_start(),
        HelmVersion::V3 => big.trim(),
    };
    // regexp.Split(s, -1).
    let mut pieces: Vec<&str> = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (m0, m1) in separators(s, v) {
        end = m0;
        if m1 != 0 {
            pieces.push(&s[beg..end]);
        }
        beg = m1;
    }
    if end != s.len() {
        pieces.push(&s[beg..]);
    }
    match v {
        HelmVersion::V4 => pieces
            .into_iter()
            .filter(|d| !d.trim().is_empty())
            .map(|d| d.trim_start().to_string())
            .collect(),
        HelmVersion::V3 => pieces
            .into_iter()
            .filter(|d| !d.is_empty())
            .map(|d| d.trim().to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_separators_are_every_line_start_with_dashes() {
        // `(?m)^---[ \t]*` by its definition, on every string of these bytes up to length 8
        // (line starts, dashes, the blanks a match takes and one it does not).
        let alphabet = [b'-', b'\n', b' ', b'\t', b'a'];
        let mut text = Vec::new();
        for len in 0..=8u32 {
            for mut n in 0..alphabet.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let s = std::str::from_utf8(&text).expect("ASCII");
                let want: Vec<(usize, usize)> = (0..s.len())
                    .filter(|&p| (p == 0 || text[p - 1] == b'\n') && s[p..].starts_with("---"))
                    .map(|p| {
                        let blanks =
                            s[p + 3..].len() - s[p + 3..].trim_start_matches([' ', '\t']).len();
                        (p, p + 3 + blanks)
                    })
                    .collect();
                assert_eq!(separators(s, HelmVersion::V4), want, "{s:?}");
            }
        }
    }

    #[test]
    fn v4_and_v3_differ() {
        let s = "---\na: 1\n---   \nb: 2\n---c: 3\n";
        assert_eq!(
            split_manifests(s, HelmVersion::V4),
            ["a: 1\n", "b: 2\n", "c: 3\n"]
        );
        assert_eq!(
            split_manifests(s, HelmVersion::V3),
            ["a: 1", "b: 2", "c: 3"]
        );
    }
}
