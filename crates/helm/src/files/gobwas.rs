//! github.com/gobwas/glob v0.2.3 (what helm's `.Files.Glob` uses, separator `/`): its lexer,
//! parser, tree minimization, matcher compilation and optimized matchers, ported as they are —
//! including where they miss names the pattern describes (an empty alternative, `***`, byte
//! offsets taken for rune counts with multi-byte runes), because helm's output shows those misses.

use crate::ignore::decode_rune;

/// A pattern gobwas refuses, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError(pub String);

#[derive(Debug)]
enum Tok {
    Text(String),
    Any,
    Super,
    Single,
    List(bool, Vec<char>),
    Range(bool, char, char),
    TermsOpen,
    Sep,
    TermsClose,
}

/// The lexer and the range part of the parser, folded: the tokens of a pattern that parses.
fn lex(pattern: &str) -> Result<Vec<Tok>, GlobError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut toks = Vec::new();
    let mut terms = 0usize;
    while i < chars.len() {
        match chars[i] {
            '{' => {
                terms += 1;
                toks.push(Tok::TermsOpen);
                i += 1;
            }
            ',' if terms > 0 => {
                toks.push(Tok::Sep);
                i += 1;
            }
            '}' if terms > 0 => {
                toks.push(Tok::TermsClose);
                terms -= 1;
                i += 1;
            }
            '?' => {
                toks.push(Tok::Single);
                i += 1;
            }
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    toks.push(Tok::Super);
                    i += 2;
                } else {
                    toks.push(Tok::Any);
                    i += 1;
                }
            }
            '[' => {
                let (tok, next) = lex_range(&chars, i + 1)?;
                toks.push(tok);
                i = next;
            }
            _ => {
                let breakers: &[char] = if terms > 0 {
                    &['?', '*', '[', '{', '}', ',']
                } else {
                    &['?', '*', '[', '{']
                };
                let (text, next) = fetch_text(&chars, i, breakers);
                if !text.is_empty() {
                    toks.push(Tok::Text(text));
                }
                if next == i {
                    return Err(GlobError("unexpected token".into()));
                }
                i = next;
            }
        }
    }
    Ok(toks)
}

fn fetch_text(chars: &[char], mut i: usize, breakers: &[char]) -> (String, usize) {
    let mut out = String::new();
    let mut escaped = false;
    while i < chars.len() {
        let c = chars[i];
        if !escaped {
            if c == '\\' {
                escaped = true;
                i += 1;
                continue;
            }
            if breakers.contains(&c) {
                break;
            }
        }
        escaped = false;
        out.push(c);
        i += 1;
    }
    (out, i)
}

/// `fetchRange` plus `parserRange`, from just after `[`.
fn lex_range(chars: &[char], mut i: usize) -> Result<(Tok, usize), GlobError> {
    let mut not = false;
    let mut lo = '\0';
    let mut hi = '\0';
    let mut text = String::new();
    let mut want_hi = false;
    let mut want_close = false;
    let mut seen_not = false;
    loop {
        let Some(&r) = chars.get(i) else {
            return Err(GlobError("unexpected end of input".into()));
        };
        i += 1;
        if want_close {
            if r != ']' {
                return Err(GlobError("expected close range character".into()));
            }
            break;
        }
        if want_hi {
            hi = r;
            if hi < lo {
                return Err(GlobError(format!(
                    "hi character '{hi}' should be greater than lo '{lo}'"
                )));
            }
            want_close = true;
            continue;
        }
        if !seen_not && r == '!' {
            not = true;
            seen_not = true;
            continue;
        }
        if chars.get(i) == Some(&'-') {
            i += 1;
            lo = r;
            want_hi = true;
            continue;
        }
        i -= 1;
        let (t, next) = fetch_text(chars, i, &[']']);
        text = t;
        i = next;
        want_close = true;
    }
    let is_range = lo != '\0' && hi != '\0';
    if text.is_empty() != is_range {
        return Err(GlobError("could not parse range".into()));
    }
    if is_range {
        Ok((Tok::Range(not, lo, hi), i))
    } else {
        Ok((Tok::List(not, text.chars().collect()), i))
    }
}

/// gobwas' `ast.Node`.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Nothing,
    Pattern(Vec<Node>),
    AnyOf(Vec<Node>),
    Text(String),
    Any,
    Super,
    Single,
    List(bool, Vec<char>),
    Range(bool, char, char),
}

/// The parser's tree, built as gobwas builds it (a cursor on a pattern inside an `AnyOf`).
fn parse(toks: Vec<Tok>) -> Node {
    // Arena nodes: (node without children, children, parent).
    struct A {
        node: Node,
        children: Vec<usize>,
        parent: Option<usize>,
    }
    let mut arena = vec![A {
        node: Node::Pattern(Vec::new()),
        children: Vec::new(),
        parent: None,
    }];
    let mut tree = 0usize;
    let insert = |arena: &mut Vec<A>, parent: usize, node: Node| -> usize {
        arena.push(A {
            node,
            children: Vec::new(),
            parent: Some(parent),
        });
        let id = arena.len() - 1;
        arena[parent].children.push(id);
        id
    };
    for t in toks {
        match t {
            Tok::Text(s) => {
                insert(&mut arena, tree, Node::Text(s));
            }
            Tok::Any => {
                insert(&mut arena, tree, Node::Any);
            }
            Tok::Super => {
                insert(&mut arena, tree, Node::Super);
            }
            Tok::Single => {
                insert(&mut arena, tree, Node::Single);
            }
            Tok::List(not, chars) => {
                insert(&mut arena, tree, Node::List(not, chars));
            }
            Tok::Range(not, lo, hi) => {
                insert(&mut arena, tree, Node::Range(not, lo, hi));
            }
            Tok::TermsOpen => {
                let a = insert(&mut arena, tree, Node::AnyOf(Vec::new()));
                tree = insert(&mut arena, a, Node::Pattern(Vec::new()));
            }
            Tok::Sep => {
                let parent = arena[tree].parent.expect("a separator is inside terms");
                tree = insert(&mut arena, parent, Node::Pattern(Vec::new()));
            }
            Tok::TermsClose => {
                let a = arena[tree].parent.expect("inside terms");
                tree = arena[a].parent.expect("terms are inside a pattern");
            }
        }
    }
    fn build(arena: &[A], id: usize) -> Node {
        let kids = || {
            arena[id]
                .children
                .iter()
                .map(|&c| build(arena, c))
                .collect()
        };
        match &arena[id].node {
            Node::Pattern(_) => Node::Pattern(kids()),
            Node::AnyOf(_) => Node::AnyOf(kids()),
            other => other.clone(),
        }
    }
    build(&arena, 0)
}

/// gobwas' matchers (separators are always `/`, or none).
#[derive(Clone, Debug)]
enum M {
    Any(Vec<char>),
    Super,
    Single(Vec<char>),
    Nothing,
    List(Vec<char>, bool),
    Range(char, char, bool),
    Text(String),
    AnyOf(Vec<M>),
    BTree(Box<BTree>),
    Contains(String, bool),
    EveryOf(Vec<M>),
    Max(usize),
    Min(usize),
    Prefix(String),
    PrefixAny(String, Vec<char>),
    PrefixSuffix(String, String),
    Suffix(String),
    SuffixAny(String, Vec<char>),
    Row(Vec<M>, usize),
}

#[derive(Clone, Debug)]
struct BTree {
    value: M,
    left: Option<M>,
    right: Option<M>,
    left_len: isize,
    right_len: isize,
    len: isize,
}

fn new_btree(value: M, left: Option<M>, right: Option<M>) -> M {
    let mut ok = true;
    let value_len = value.len();
    if value_len == -1 {
        ok = false;
    }
    let mut left_len = 0;
    if let Some(l) = &left {
        left_len = l.len();
        if left_len == -1 {
            ok = false;
        }
    }
    let mut right_len = 0;
    if let Some(r) = &right {
        right_len = r.len();
        if right_len == -1 {
            ok = false;
        }
    }
    let len = if ok {
        left_len + value_len + right_len
    } else {
        -1
    };
    M::BTree(Box::new(BTree {
        value,
        left,
        right,
        left_len,
        right_len,
        len,
    }))
}

/// Go's `for i, r := range s` over bytes: (byte index, rune, width).
fn runes(s: &[u8]) -> impl Iterator<Item = (usize, char, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= s.len() {
            return None;
        }
        let (r, w) = decode_rune(&s[i..]);
        let at = i;
        i += w;
        Some((at, r, w))
    })
}

fn rune_count(s: &[u8]) -> usize {
    runes(s).count()
}

/// `utf8.RuneLen` (U+FFFD from an invalid byte counts 3, as in Go).
fn rune_len(r: char) -> usize {
    r.len_utf8()
}

fn index_of(s: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    s.windows(needle.len()).position(|w| w == needle)
}

fn last_index_of(s: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(s.len());
    }
    s.windows(needle.len()).rposition(|w| w == needle)
}

fn index_rune(s: &[u8], r: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    index_of(s, r.encode_utf8(&mut buf).as_bytes())
}

/// gobwas' `IndexAnyRunes`: the index of the first separator found, separators in order.
fn index_any_runes(s: &[u8], rs: &[char]) -> Option<usize> {
    rs.iter().find_map(|&r| index_rune(s, r))
}

fn last_index_any_runes(s: &[u8], rs: &[char]) -> Option<usize> {
    rs.iter().find_map(|&r| {
        let mut buf = [0u8; 4];
        last_index_of(s, r.encode_utf8(&mut buf).as_bytes())
    })
}

fn append_merge(target: &[usize], sub: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(target.len() + sub.len());
    let (mut x, mut y) = (0, 0);
    while x < target.len() || y < sub.len() {
        if x >= target.len() {
            out.extend_from_slice(&sub[y..]);
            break;
        }
        if y >= sub.len() {
            out.extend_from_slice(&target[x..]);
            break;
        }
        let (a, b) = (target[x], sub[y]);
        if a == b {
            out.push(a);
            x += 1;
            y += 1;
        } else if a < b {
            out.push(a);
            x += 1;
        } else {
            out.push(b);
            y += 1;
        }
    }
    out
}

impl M {
    fn len(&self) -> isize {
        match self {
            M::Any(_)
            | M::Super
            | M::Contains(..)
            | M::Max(_)
            | M::Min(_)
            | M::Prefix(_)
            | M::PrefixAny(..)
            | M::PrefixSuffix(..)
            | M::Suffix(_)
            | M::SuffixAny(..) => -1,
            M::Single(_) | M::List(..) | M::Range(..) => 1,
            M::Nothing => 0,
            M::Text(s) => rune_count(s.as_bytes()) as isize,
            M::AnyOf(ms) => {
                let mut l = -1;
                for m in ms {
                    let ml = m.len();
                    if l == -1 {
                        l = ml;
                        continue;
                    }
                    if ml == -1 || l != ml {
                        return -1;
                    }
                }
                l
            }
            M::BTree(b) => b.len,
            // gobwas' EveryOf.Len never adds (l starts at 0): -1 unless empty.
            M::EveryOf(ms) => {
                if ms.is_empty() {
                    0
                } else {
                    -1
                }
            }
            M::Row(_, n) => *n as isize,
        }
    }

    fn matches(&self, s: &[u8]) -> bool {
        match self {
            M::Any(seps) => index_any_runes(s, seps).is_none(),
            M::Super => true,
            M::Single(seps) => {
                let (r, w) = decode_rune(s);
                if s.len() > w {
                    return false;
                }
                !seps.contains(&r)
            }
            M::Nothing => s.is_empty(),
            M::List(list, not) => {
                let (r, w) = decode_rune(s);
                if s.len() > w {
                    return false;
                }
                list.contains(&r) != *not
            }
            M::Range(lo, hi, not) => {
                let (r, w) = decode_rune(s);
                if s.len() > w {
                    return false;
                }
                (r >= *lo && r <= *hi) != *not
            }
            M::Text(t) => t.as_bytes() == s,
            M::AnyOf(ms) => ms.iter().any(|m| m.matches(s)),
            M::BTree(b) => b.matches(s),
            M::Contains(needle, not) => index_of(s, needle.as_bytes()).is_some() != *not,
            M::EveryOf(ms) => ms.iter().all(|m| m.matches(s)),
            M::Max(limit) => rune_count(s) <= *limit,
            M::Min(limit) => rune_count(s) >= *limit,
            M::Prefix(p) => s.starts_with(p.as_bytes()),
            M::PrefixAny(p, seps) => {
                s.starts_with(p.as_bytes()) && index_any_runes(&s[p.len()..], seps).is_none()
            }
            M::PrefixSuffix(p, x) => s.starts_with(p.as_bytes()) && s.ends_with(x.as_bytes()),
            M::Suffix(x) => s.ends_with(x.as_bytes()),
            M::SuffixAny(x, seps) => {
                s.ends_with(x.as_bytes())
                    && index_any_runes(&s[..s.len() - x.len()], seps).is_none()
            }
            M::Row(ms, n) => rune_count(s) == *n && row_match_all(ms, s),
        }
    }

    /// `Index`: the first index where the matcher matches, and the byte lengths it can match.
    fn index(&self, s: &[u8]) -> Option<(usize, Vec<usize>)> {
        match self {
            M::Any(seps) => {
                let s = match index_any_runes(s, seps) {
                    Some(0) => return Some((0, vec![0])),
                    Some(found) => &s[..found],
                    None => s,
                };
                let mut seg: Vec<usize> = runes(s).map(|(i, _, _)| i).collect();
                seg.push(s.len());
                Some((0, seg))
            }
            M::Super => {
                let mut seg: Vec<usize> = runes(s).map(|(i, _, _)| i).collect();
                seg.push(s.len());
                Some((0, seg))
            }
            M::Single(seps) => runes(s)
                .find(|(_, r, _)| !seps.contains(r))
                .map(|(i, r, _)| (i, vec![rune_len(r)])),
            M::Nothing => Some((0, vec![0])),
            M::List(list, not) => runes(s)
                .find(|(_, r, _)| *not != list.contains(r))
                .map(|(i, r, _)| (i, vec![rune_len(r)])),
            M::Range(lo, hi, not) => runes(s)
                .find(|(_, r, _)| *not != (r >= lo && r <= hi))
                .map(|(i, r, _)| (i, vec![rune_len(r)])),
            M::Text(t) => index_of(s, t.as_bytes()).map(|i| (i, vec![t.len()])),
            M::AnyOf(ms) => {
                let mut index: Option<usize> = None;
                let mut segments: Vec<usize> = Vec::new();
                for m in ms {
                    let Some((idx, seg)) = m.index(s) else {
                        continue;
                    };
                    match index {
                        None => {
                            index = Some(idx);
                            segments = seg;
                        }
                        Some(cur) if idx < cur => {
                            index = Some(idx);
                            segments = seg;
                        }
                        Some(cur) if idx > cur => {}
                        Some(_) => segments = append_merge(&segments, &seg),
                    }
                }
                index.map(|i| (i, segments))
            }
            M::BTree(_) => None,
            M::Contains(needle, not) => {
                let mut offset = 0;
                let idx = index_of(s, needle.as_bytes());
                let mut s = s;
                if !not {
                    let idx = idx?;
                    offset = idx + needle.len();
                    if s.len() <= offset {
                        return Some((0, vec![offset]));
                    }
                    s = &s[offset..];
                } else if let Some(idx) = idx {
                    s = &s[..idx];
                }
                let mut seg: Vec<usize> = runes(s).map(|(i, _, _)| offset + i).collect();
                seg.push(offset + s.len());
                Some((0, seg))
            }
            M::EveryOf(ms) => {
                let mut index = 0usize;
                let mut offset = 0usize;
                let mut current: Vec<usize> = Vec::new();
                let mut sub = s;
                for (i, m) in ms.iter().enumerate() {
                    let (idx, seg) = m.index(sub)?;
                    if i == 0 {
                        current.extend_from_slice(&seg);
                    } else {
                        let delta = index as isize - (idx + offset) as isize;
                        let next: Vec<usize> = current
                            .iter()
                            .flat_map(|&ex| {
                                seg.iter()
                                    .copied()
                                    .filter(move |&n| ex as isize + delta == n as isize)
                            })
                            .collect();
                        if next.is_empty() {
                            return None;
                        }
                        current = next;
                    }
                    index = idx + offset;
                    sub = &s[index..];
                    offset += idx;
                }
                Some((index, current))
            }
            M::Max(limit) => {
                let mut seg = vec![0];
                for (count, (i, r, _)) in runes(s).enumerate() {
                    if count + 1 > *limit {
                        break;
                    }
                    seg.push(i + rune_len(r));
                }
                Some((0, seg))
            }
            M::Min(limit) => {
                if (s.len() as isize) < *limit as isize {
                    return None;
                }
                let seg: Vec<usize> = runes(s)
                    .enumerate()
                    .filter(|(count, _)| count + 1 >= *limit)
                    .map(|(_, (i, r, _))| i + rune_len(r))
                    .collect();
                if seg.is_empty() { None } else { Some((0, seg)) }
            }
            M::Prefix(p) => {
                let idx = index_of(s, p.as_bytes())?;
                let length = p.len();
                let sub: &[u8] = if s.len() > idx + length {
                    &s[idx + length..]
                } else {
                    &[]
                };
                let mut seg = vec![length];
                seg.extend(runes(sub).map(|(i, r, _)| length + i + rune_len(r)));
                Some((idx, seg))
            }
            M::PrefixAny(p, seps) => {
                let idx = index_of(s, p.as_bytes())?;
                let n = p.len();
                let mut sub = &s[idx + n..];
                if let Some(i) = index_any_runes(sub, seps) {
                    sub = &sub[..i];
                }
                let mut seg = vec![n];
                seg.extend(runes(sub).map(|(i, r, _)| n + i + rune_len(r)));
                Some((idx, seg))
            }
            M::PrefixSuffix(p, x) => {
                let prefix_idx = index_of(s, p.as_bytes())?;
                if x.is_empty() {
                    return Some((prefix_idx, vec![s.len() - prefix_idx]));
                }
                if s.len() <= prefix_idx {
                    return None;
                }
                let mut seg = Vec::new();
                let mut sub = &s[prefix_idx..];
                while let Some(suffix_idx) = last_index_of(sub, x.as_bytes()) {
                    seg.push(suffix_idx + x.len());
                    sub = &sub[..suffix_idx];
                }
                if seg.is_empty() {
                    return None;
                }
                seg.reverse();
                Some((prefix_idx, seg))
            }
            M::Suffix(x) => index_of(s, x.as_bytes()).map(|idx| (0, vec![idx + x.len()])),
            M::SuffixAny(x, seps) => {
                let idx = index_of(s, x.as_bytes())?;
                let i = last_index_any_runes(&s[..idx], seps).map_or(0, |i| i + 1);
                Some((i, vec![idx + x.len() - i]))
            }
            M::Row(ms, n) => {
                for (i, _, _) in runes(s) {
                    if s.len() - i < *n {
                        break;
                    }
                    if row_match_all(ms, &s[i..]) {
                        return Some((i, vec![*n]));
                    }
                }
                None
            }
        }
    }
}

/// `Row.matchAll`: each matcher gets the bytes up to the start of its last rune plus one byte.
fn row_match_all(ms: &[M], s: &[u8]) -> bool {
    let mut idx = 0;
    for m in ms {
        let length = m.len().max(0) as usize;
        let mut next = 0;
        let mut i = 0;
        for (at, _, _) in runes(&s[idx..]) {
            next = at;
            i += 1;
            if i == length {
                break;
            }
        }
        if i < length || idx + next + 1 > s.len() || !m.matches(&s[idx..idx + next + 1]) {
            return false;
        }
        idx += next + 1;
    }
    true
}

impl BTree {
    fn matches(&self, s: &[u8]) -> bool {
        let input_len = s.len() as isize;
        if self.len != -1 && self.len > input_len {
            return false;
        }
        let mut offset: isize = if self.left_len >= 0 { self.left_len } else { 0 };
        let limit: isize = if self.right_len >= 0 {
            input_len - self.right_len
        } else {
            input_len
        };
        while offset < limit {
            let (o, l) = (offset as usize, limit as usize);
            let Some((index, segments)) = self.value.index(&s[o..l]) else {
                return false;
            };
            let left_part = &s[..o + index];
            let left = match &self.left {
                Some(m) => m.matches(left_part),
                None => left_part.is_empty(),
            };
            if left {
                for &length in segments.iter().rev() {
                    let r: &[u8] = if s.len() <= o + index + length {
                        &[]
                    } else {
                        &s[o + index + length..]
                    };
                    let right = match &self.right {
                        Some(m) => m.matches(r),
                        None => r.is_empty(),
                    };
                    if right {
                        return true;
                    }
                }
            }
            let (_, step) = decode_rune(&s[o + index..]);
            if index + step == 0 {
                return false;
            }
            offset += (index + step) as isize;
        }
        false
    }
}

fn optimize(m: M) -> M {
    match m {
        M::Any(seps) if seps.is_empty() => M::Super,
        M::AnyOf(mut ms) if ms.len() == 1 => ms.remove(0),
        M::List(list, false) if list.len() == 1 => M::Text(list.iter().collect()),
        M::BTree(b) => {
            // Go optimizes the children of its BTree copy; the cached lengths stay as built.
            let mut b = *b;
            b.left = b.left.map(optimize);
            b.right = b.right.map(optimize);
            let M::Text(r) = &b.value else {
                return M::BTree(Box::new(b));
            };
            let r = r.clone();
            match (&b.left, &b.right) {
                (None, None) => M::Text(r),
                (Some(M::Super), Some(M::Super)) => M::Contains(r, false),
                (Some(M::Super), None) => M::Suffix(r),
                (None, Some(M::Super)) => M::Prefix(r),
                (None, Some(M::Suffix(x))) => M::PrefixSuffix(r, x.clone()),
                (Some(M::Prefix(p)), None) => M::PrefixSuffix(p.clone(), r),
                (Some(M::Any(seps)), None) => M::SuffixAny(r, seps.clone()),
                (None, Some(M::Any(seps))) => M::PrefixAny(r, seps.clone()),
                _ => M::BTree(Box::new(b)),
            }
        }
        other => other,
    }
}

fn compile_matchers(ms: Vec<M>) -> M {
    if ms.len() == 1 {
        return ms.into_iter().next().expect("one matcher");
    }
    if let Some(m) = glue(&ms) {
        return m;
    }
    let mut idx = None;
    let mut max_len = -1;
    for (i, m) in ms.iter().enumerate() {
        let l = m.len();
        if l != -1 && l >= max_len {
            max_len = l;
            idx = Some(i);
        }
    }
    let Some(idx) = idx else {
        let mut rest = ms;
        let first = rest.remove(0);
        let r = compile_matchers(rest);
        return new_btree(first, None, Some(r));
    };
    let mut ms = ms;
    let right: Vec<M> = ms.split_off(idx + 1);
    let val = ms.pop().expect("the value matcher");
    let left = ms;
    let l = (!left.is_empty()).then(|| compile_matchers(left));
    let r = (!right.is_empty()).then(|| compile_matchers(right));
    new_btree(val, l, r)
}

fn glue(ms: &[M]) -> Option<M> {
    glue_every(ms).or_else(|| glue_row(ms))
}

fn glue_row(ms: &[M]) -> Option<M> {
    if ms.len() <= 1 {
        return None;
    }
    let mut l = 0;
    for m in ms {
        let ml = m.len();
        if ml == -1 {
            return None;
        }
        l += ml as usize;
    }
    Some(M::Row(ms.to_vec(), l))
}

fn glue_every(ms: &[M]) -> Option<M> {
    if ms.len() <= 1 {
        return None;
    }
    let (mut has_any, mut has_super, mut has_single) = (false, false, false);
    let mut min = 0;
    let mut separator: Vec<char> = Vec::new();
    for (i, m) in ms.iter().enumerate() {
        let sep: Vec<char> = match m {
            M::Super => {
                has_super = true;
                Vec::new()
            }
            M::Any(s) => {
                has_any = true;
                s.clone()
            }
            M::Single(s) => {
                has_single = true;
                min += 1;
                s.clone()
            }
            M::List(list, true) => {
                has_single = true;
                min += 1;
                list.clone()
            }
            _ => return None,
        };
        if i == 0 {
            separator = sep.clone();
        }
        if sep != separator {
            return None;
        }
    }
    if has_super && !has_any && !has_single {
        return Some(M::Super);
    }
    if has_any && !has_super && !has_single {
        return Some(M::Any(separator));
    }
    if (has_any || has_super) && min > 0 && separator.is_empty() {
        return Some(M::Min(min));
    }
    let mut every = Vec::new();
    if min > 0 {
        every.push(M::Min(min));
        if !has_any && !has_super {
            every.push(M::Max(min));
        }
    }
    if !separator.is_empty() {
        every.push(M::Contains(separator.iter().collect(), true));
    }
    Some(M::EveryOf(every))
}

fn minimize_matchers(ms: Vec<M>) -> Vec<M> {
    let mut done: Option<M> = None;
    let (mut left, mut right, mut count) = (0, 0, 0);
    for l in 0..ms.len() {
        let mut r = ms.len();
        while r > l {
            if let Some(glued) = glue(&ms[l..r]) {
                let swap = match &done {
                    None => true,
                    Some(d) => {
                        let (cl, gl) = (d.len(), glued.len());
                        (cl > -1 && gl > -1 && gl > cl) || count < r - l
                    }
                };
                if swap {
                    done = Some(glued);
                    left = l;
                    right = r;
                    count = r - l;
                }
            }
            r -= 1;
        }
    }
    let Some(done) = done else {
        return ms;
    };
    let mut next: Vec<M> = ms[..left].to_vec();
    next.push(done);
    if right < ms.len() {
        next.extend_from_slice(&ms[right..]);
    }
    if next.len() == ms.len() {
        return next;
    }
    minimize_matchers(next)
}

fn children(n: &Node) -> &[Node] {
    match n {
        Node::Pattern(c) | Node::AnyOf(c) => c,
        _ => &[],
    }
}

/// `minimizeTreeAnyOf`: common leading and trailing nodes of the alternatives factored out.
fn minimize_any_of(alternatives: &[Node]) -> Option<Node> {
    if !alternatives.iter().all(|n| matches!(n, Node::Pattern(_))) {
        return None;
    }
    let (common_left, common_right) = common_children(alternatives);
    if common_left.is_empty() && common_right.is_empty() {
        return None;
    }
    let mut result = Vec::new();
    if !common_left.is_empty() {
        result.push(Node::Pattern(common_left.clone()));
    }
    let mut any_of: Vec<Node> = Vec::new();
    for child in alternatives {
        let c = children(child);
        // (Go would panic where the common parts overlap; canon reads nothing there.)
        let end = c.len().saturating_sub(common_right.len());
        let reuse = c.get(common_left.len()..end).unwrap_or(&[]);
        let node = if reuse.is_empty() {
            Node::Nothing
        } else {
            Node::Pattern(reuse.to_vec())
        };
        if !any_of.contains(&node) {
            any_of.push(node);
        }
    }
    if any_of.len() == 1 && any_of[0] != Node::Nothing {
        result.push(any_of.remove(0));
    } else if any_of.len() > 1 {
        result.push(Node::AnyOf(any_of));
    }
    if !common_right.is_empty() {
        result.push(Node::Pattern(common_right));
    }
    Some(Node::Pattern(result))
}

fn common_children(nodes: &[Node]) -> (Vec<Node>, Vec<Node>) {
    if nodes.len() <= 1 {
        return (Vec::new(), Vec::new());
    }
    // leastChildren: the first node with the fewest children.
    let mut idx = 0;
    for (i, n) in nodes.iter().enumerate() {
        if children(n).len() < children(&nodes[idx]).len() {
            idx = i;
        }
    }
    let tree = children(&nodes[idx]);
    let tree_len = tree.len();
    let mut common_left = Vec::new();
    let mut common_right: Vec<Option<Node>> = vec![None; tree_len];
    let mut last_right = tree_len;
    let (mut break_left, mut break_right) = (false, false);
    let mut common_total = 0;
    let (mut i, mut j) = (0isize, tree_len as isize - 1);
    while common_total < tree_len && j >= 0 && !(break_left && break_right) {
        let tl = &tree[i as usize];
        let tr = &tree[j as usize];
        let mut k = 0;
        while k < nodes.len() && !(break_left && break_right) {
            if k == idx {
                k += 1;
                continue;
            }
            let kc = children(&nodes[k]);
            let rest_left = &kc[i as usize];
            let rest_right = &kc[(j + kc.len() as isize - tree_len as isize) as usize];
            break_left = break_left || tl != rest_left;
            break_right = break_right || (!break_left && j <= i);
            break_right = break_right || tr != rest_right;
            k += 1;
        }
        if !break_left {
            common_total += 1;
            common_left.push(tl.clone());
        }
        if !break_right {
            common_total += 1;
            last_right = j as usize;
            common_right[j as usize] = Some(tr.clone());
        }
        i += 1;
        j -= 1;
    }
    let common_right = common_right[last_right..]
        .iter()
        .map(|n| n.clone().unwrap_or(Node::Nothing))
        .collect();
    (common_left, common_right)
}

fn compile(n: &Node, sep: &[char]) -> M {
    let m = match n {
        Node::AnyOf(alts) => {
            if let Some(min) = minimize_any_of(alts) {
                return compile(&min, sep);
            }
            return M::AnyOf(alts.iter().map(|c| optimize(compile(c, sep))).collect());
        }
        Node::Pattern(kids) => {
            if kids.is_empty() {
                return M::Nothing;
            }
            let ms: Vec<M> = kids.iter().map(|c| optimize(compile(c, sep))).collect();
            compile_matchers(minimize_matchers(ms))
        }
        Node::Any => M::Any(sep.to_vec()),
        Node::Super => M::Super,
        Node::Single => M::Single(sep.to_vec()),
        Node::Nothing => M::Nothing,
        Node::List(not, chars) => M::List(chars.clone(), *not),
        Node::Range(not, lo, hi) => M::Range(*lo, *hi, *not),
        Node::Text(t) => M::Text(t.clone()),
    };
    optimize(m)
}

/// A compiled gobwas glob (separator `/`).
#[derive(Debug)]
pub struct Glob(M);

impl Glob {
    /// `glob.Compile(pattern, '/')`.
    pub fn compile(pattern: &str) -> Result<Glob, GlobError> {
        let toks = lex(pattern)?;
        Ok(Glob(compile(&parse(toks), &['/'])))
    }

    /// `**`, helm's fallback for a pattern that does not compile.
    pub fn everything() -> Glob {
        Glob(M::Super)
    }

    /// Whether `name` is matched.
    pub fn matches(&self, name: &str) -> bool {
        self.0.matches(name.as_bytes())
    }
}
