//! yaml.v2's scanner (a port of its `scannerc.go`, from libyaml): characters to tokens, with the same
//! simple-key rules, indentation tracking, scalar folding and error marks, so that both the values read
//! and the `yaml: line N: ...` errors match Go's.

use std::collections::VecDeque;

/// A position: character index, 0-based line and column (as yaml.v2's `yaml_mark_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

#[derive(Clone, Debug)]
pub enum Tok {
    StreamStart,
    StreamEnd,
    VersionDirective(i32, i32),
    TagDirective(String, String),
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias(String),
    Anchor(String),
    Tag(String, String),
    Scalar(String, ScalarStyle),
}

/// The derived comparison, inlined: the parser compares the peeked token with payload-less
/// kinds at every step, which then is a check of the kind alone (the derived one was a call).
impl PartialEq for Tok {
    #[inline]
    fn eq(&self, other: &Tok) -> bool {
        use Tok::*;
        match (self, other) {
            (VersionDirective(a, b), VersionDirective(c, d)) => a == c && b == d,
            (TagDirective(a, b), TagDirective(c, d)) | (Tag(a, b), Tag(c, d)) => a == c && b == d,
            (Alias(a), Alias(b)) | (Anchor(a), Anchor(b)) => a == b,
            (Scalar(a, s), Scalar(b, t)) => a == b && s == t,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub start: Mark,
    pub end: Mark,
}

/// Which stage failed, for yaml.v2's line arithmetic in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Reader,
    Scanner,
    Parser,
}

/// A libyaml-style error: problem and context with their marks.
#[derive(Clone, Debug)]
pub struct YamlError {
    pub stage: Stage,
    pub problem: String,
    pub problem_mark: Mark,
    pub context_mark: Mark,
}

impl YamlError {
    /// yaml.v2's `parser.fail()` text, without the `yaml: ` prefix; and the 1-based line and column.
    pub fn message(&self) -> (String, Option<usize>, Option<usize>) {
        self.message_for(false)
    }

    /// yaml.v3's `parser.fail()` text: the context mark's line first, then the problem's.
    pub fn message_v3(&self) -> (String, Option<usize>, Option<usize>) {
        self.message_for(true)
    }

    fn message_for(&self, v3: bool) -> (String, Option<usize>, Option<usize>) {
        let mut line = 0;
        let scanner = usize::from(self.stage == Stage::Scanner);
        if v3 && self.context_mark.line != 0 {
            line = self.context_mark.line + scanner;
        } else if self.problem_mark.line != 0 {
            line = self.problem_mark.line + scanner;
        } else if self.context_mark.line != 0 {
            line = self.context_mark.line;
        }
        let msg = if self.problem.is_empty() {
            "unknown problem parsing YAML content".to_string()
        } else {
            self.problem.clone()
        };
        let text = if line != 0 {
            format!("line {line}: {msg}")
        } else {
            msg
        };
        let pos = if self.stage == Stage::Reader {
            (None, None)
        } else {
            (
                Some(self.problem_mark.line + 1),
                Some(self.problem_mark.column + 1),
            )
        };
        (text, pos.0, pos.1)
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

pub type R<T> = Result<T, YamlError>;

/// The input as the scanner indexes it, by character.
enum Buf<'a> {
    /// An all-ASCII input: its bytes are its characters.
    Ascii(&'a str),
    Chars(Vec<char>),
}

pub struct Scanner<'a> {
    buf: Buf<'a>,
    /// The input's bytes below the first chunk holding a forbidden character when it is ASCII
    /// (empty otherwise): a read there is a plain byte load ([`Scanner::ch`]) without reader
    /// effects, so it can also be searched in bulk.
    fast: &'a str,
    /// The number of characters in `buf`; reading past it gives '\0'.
    len: usize,
    pos: usize,
    pub mark: Mark,
    tokens: VecDeque<Token>,
    tokens_parsed: usize,
    token_available: bool,
    stream_start_produced: bool,
    stream_end_produced: bool,
    indent: i64,
    indents: Vec<i64>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    /// Token number → index in `simple_keys` of the possible simple keys: a handful at most (one
    /// per flow level), so a vector searched linearly (a hash map showed in profiles).
    simple_keys_by_tok: Vec<(usize, usize)>,
    flow_level: usize,
    /// The first character of the reader chunk holding a forbidden character.
    reader_limit: Option<usize>,
    reader_hit: std::cell::Cell<bool>,
    /// yaml.v3's scanner keeps two more tokens of lookahead (for its comment handling), so
    /// some scanner errors surface where yaml.v2 never scans.
    pub v3: bool,
    /// A scalar text handed back by a reader that only looked at it ([`Scanner::recycle`]),
    /// reused for the next scalar so that walking a document allocates no text per scalar.
    spare: String,
    /// The line-break and blank runs a scalar scanner keeps between the pieces of a scalar,
    /// reused across scalars: nearly every plain scalar reads its line break into one, which
    /// allocated per scalar.
    scratch: Scratch,
    /// The spans (character indexes) of the comments skipped so far, when asked to keep them
    /// ([`Scanner::track_comments`]).
    comment_spans: Option<Vec<(usize, usize)>>,
}

/// [`Scanner::scratch`]: taken by a scalar scanner, given back (cleared) when it is done.
#[derive(Default)]
struct Scratch {
    leading_break: String,
    trailing_breaks: String,
    whitespaces: String,
}

impl Scratch {
    fn cleared(mut self) -> Scratch {
        self.leading_break.clear();
        self.trailing_breaks.clear();
        self.whitespaces.clear();
        self
    }
}

fn reader_error() -> YamlError {
    YamlError {
        stage: Stage::Reader,
        problem: "control characters are not allowed".to_string(),
        problem_mark: Mark::default(),
        context_mark: Mark::default(),
    }
}

/// Whether a byte of an ASCII input is one YAML forbids (a control character other than tab and
/// line breaks, or DEL).
fn forbidden_ascii(b: u8) -> bool {
    !(matches!(b, b'\t' | b'\n' | b'\r') || (0x20..=0x7E).contains(&b))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `None` for an input that is not ASCII; else the index of its first forbidden byte, if any.
/// One pass, eight bytes at a time: a word without a byte below 0x20, equal to 0x7F or above
/// 0x7F needs no closer look (every input is scanned once in full before parsing, so this loop
/// is on the hot path).
fn ascii_forbidden(bytes: &[u8]) -> Option<Option<usize>> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("chunks of eight"));
        // High bit set in a byte of `low` for bytes < 0x20 (exact when all bytes are ASCII,
        // which `w & HIGH` vouches for).
        let low = w.wrapping_sub(ONES * 0x20) & !w;
        // ... and in `del` for bytes equal to 0x7F.
        let x = w ^ (ONES * 0x7F);
        let del = x.wrapping_sub(ONES) & !x;
        if (low | del | w) & HIGH != 0 {
            if w & HIGH != 0 {
                return None;
            }
            // Mostly a tab or line break: told apart without a loop.
            let bad = forbidden_in_word(w);
            if bad != 0 {
                let i = (bad.trailing_zeros() / 8) as usize;
                return bytes[at..].is_ascii().then_some(Some(at + i));
            }
        }
        at += 8;
    }
    let rest = chunks.remainder();
    rest.is_ascii().then(|| {
        rest.iter()
            .position(|&b| forbidden_ascii(b))
            .map(|i| at + i)
    })
}

/// An input that is not ASCII only because of ordinary characters (no BOM, line break or
/// forbidden character among them), as ASCII: each such character replaced by `^`, a character
/// every rule of the scanner treats as it treats them (printable, not blank, not a break, not
/// alphanumeric, no indicator, not in a URI). Where all of them lie in comments, which the
/// scanner skips and yaml.v2 drops, scanning this gives exactly the tokens and marks (both
/// count characters) of the input itself, at the speed of an ASCII input: see
/// [`crate::parse::parse_first`].
pub(crate) struct Substituted {
    pub(crate) text: String,
    /// The character indexes of the replaced characters, ascending.
    pub(crate) at: Vec<usize>,
}

impl Substituted {
    /// `None` for an ASCII input and for one with a character this does not replace, or with
    /// a forbidden ASCII character (whose reader error depends on byte offsets).
    pub(crate) fn new(input: &str) -> Option<Substituted> {
        let bytes = input.as_bytes();
        let mut first = first_non_ascii(bytes)?;
        let mut text = String::with_capacity(input.len());
        let mut at = Vec::new();
        // Characters before `from`, which is a character boundary.
        let (mut from, mut chars) = (0, 0);
        loop {
            text.push_str(&input[from..first]);
            chars += first - from;
            let c = input[first..].chars().next()?;
            let v = c as u32;
            let ordinary = (0xA0..=0xD7FF).contains(&v)
                || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
                || v >= 0x10000;
            if !ordinary || v == 0x2028 || v == 0x2029 {
                return None;
            }
            at.push(chars);
            text.push('^');
            chars += 1;
            from = first + c.len_utf8();
            match first_non_ascii(&bytes[from..]) {
                Some(n) => first = from + n,
                None => break,
            }
        }
        text.push_str(&input[from..]);
        (ascii_forbidden(text.as_bytes()) == Some(None)).then_some(Substituted { text, at })
    }
}

/// The offset of the first byte of `b` at or above 0x80. Sixteen bytes a step: a byte at a time
/// cost a tenth of reading a big values file with a few non-ASCII characters in comments.
fn first_non_ascii(b: &[u8]) -> Option<usize> {
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
    let mut i = 0;
    while i + 16 <= b.len() {
        if (word(i) | word(i + 8)) & HIGH != 0 {
            break;
        }
        i += 16;
    }
    b[i..].iter().position(|&x| x >= 0x80).map(|p| i + p)
}

/// The high bit of each forbidden byte of a word of eight ASCII bytes: exact, as no sum below
/// carries out of its byte.
fn forbidden_in_word(w: u64) -> u64 {
    let below_space = !(w + ONES * 0x60) & HIGH;
    let del = (w + ONES) & HIGH;
    let is = |v: u8| {
        let e = w ^ (ONES * u64::from(v));
        !(e + ONES * 0x7F) & HIGH
    };
    (below_space & !(is(b'\t') | is(b'\n') | is(b'\r'))) | del
}

/// The index of the first `\n` or `\r` of ASCII bytes, or their length. Eight bytes at a time
/// (comments and block scalar lines are read this way).
fn find_break(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("chunks of eight"));
        let n = w ^ (ONES * u64::from(b'\n'));
        let r = w ^ (ONES * u64::from(b'\r'));
        // The high bit of each zero byte of `n` or `r`, and possibly of bytes above one; the
        // lowest set bit is exact.
        let hit = (n.wrapping_sub(ONES) & !n | r.wrapping_sub(ONES) & !r) & HIGH;
        if hit != 0 {
            return at + (hit.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let rest = chunks.remainder();
    at + rest
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(rest.len())
}

fn is_alpha(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_breakz(c: char) -> bool {
    is_break(c) || c == '\0'
}

fn is_blankz(c: char) -> bool {
    is_blank(c) || is_breakz(c)
}

fn scanner_err(context_mark: Mark, problem_mark: Mark, problem: &str) -> YamlError {
    YamlError {
        stage: Stage::Scanner,
        problem: problem.to_string(),
        problem_mark,
        context_mark,
    }
}

impl<'a> Scanner<'a> {
    /// A scanner over `input`; fails like yaml.v2's reader on characters YAML does not allow.
    pub fn new(input: &'a str) -> R<Scanner<'a>> {
        let (buf, bad_at) = match ascii_forbidden(input.as_bytes()) {
            // Without a BOM (which is not ASCII) byte and character indexes coincide, so the
            // chunk of a character is its index / 512.
            Some(bad) => (Buf::Ascii(input), bad.map(|i| i / 512 * 512)),
            None => Self::char_buf(input),
        };
        if bad_at == Some(0) {
            return Err(reader_error());
        }
        let len = match &buf {
            Buf::Ascii(t) => t.len(),
            Buf::Chars(c) => c.len(),
        };
        let fast = match &buf {
            // ASCII: every byte index is a character boundary.
            Buf::Ascii(t) => &t[..bad_at.unwrap_or(len)],
            Buf::Chars(_) => "",
        };
        Ok(Scanner {
            buf,
            fast,
            len,
            pos: 0,
            mark: Mark::default(),
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            stream_start_produced: false,
            stream_end_produced: false,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            simple_keys_by_tok: Vec::new(),
            flow_level: 0,
            reader_limit: bad_at,
            reader_hit: std::cell::Cell::new(false),
            v3: false,
            spare: String::new(),
            scratch: Scratch::default(),
            comment_spans: None,
        })
    }

    /// Keeps the span of every comment from here on, for [`Scanner::comments_cover`].
    pub(crate) fn track_comments(&mut self) {
        self.comment_spans = Some(Vec::new());
    }

    /// Whether every character index of `at` (ascending) lies in a comment skipped so far.
    pub(crate) fn comments_cover(&self, at: &[usize]) -> bool {
        let Some(spans) = &self.comment_spans else {
            return false;
        };
        let mut spans = spans.iter().peekable();
        at.iter().all(|&i| {
            while spans.next_if(|&&(_, end)| end <= i).is_some() {}
            spans.peek().is_some_and(|&&(start, _)| start <= i)
        })
    }

    fn char_buf(input: &str) -> (Buf<'a>, Option<usize>) {
        let mut buf: Vec<char> = Vec::with_capacity(input.len());
        let mut bad_at: Option<usize> = None;
        let mut chunk_start_char = 0usize;
        let mut chunk = 0usize;
        let skip_bom = input.starts_with('\u{feff}');
        let body = if skip_bom { &input[3..] } else { input };
        // yaml.v2's reader decodes its input in 512-byte chunks as the scanner asks for characters
        // (a character split by a chunk end belongs to the next chunk; the BOM is counted); a
        // character YAML forbids fails only once the scanner reaches its chunk.
        let base = if skip_bom { 3 } else { 0 };
        for (b, c) in body.char_indices() {
            let last_byte = base + b + c.len_utf8() - 1;
            if last_byte / 512 != chunk {
                chunk = last_byte / 512;
                chunk_start_char = buf.len();
            }
            let v = c as u32;
            let ok = v == 0x09
                || v == 0x0A
                || v == 0x0D
                || (0x20..=0x7E).contains(&v)
                || v == 0x85
                || (0xA0..=0xD7FF).contains(&v)
                || (0xE000..=0xFFFD).contains(&v)
                || (0x10000..=0x10FFFF).contains(&v);
            if !ok && bad_at.is_none() {
                bad_at = Some(chunk_start_char);
            }
            buf.push(c);
        }
        (Buf::Chars(buf), bad_at)
    }

    #[inline]
    fn ch(&self, k: usize) -> char {
        if let Some(&b) = self.fast.as_bytes().get(self.pos + k) {
            return b as char;
        }
        self.ch_slow(k)
    }

    #[inline(never)]
    fn ch_slow(&self, k: usize) -> char {
        if let Some(limit) = self.reader_limit
            && self.pos + k >= limit
        {
            self.reader_hit.set(true);
        }
        let i = self.pos + k;
        match &self.buf {
            Buf::Ascii(t) => t.as_bytes().get(i).map_or('\0', |&b| b as char),
            Buf::Chars(c) => c.get(i).copied().unwrap_or('\0'),
        }
    }

    /// yaml.v2's `cache(parser, n)`: makes the reader decode `n` characters ahead, which is when
    /// a forbidden character in a later chunk is noticed.
    fn cache(&self, n: usize) {
        let _ = self.ch(n - 1);
    }

    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
        self.pos += 1;
    }

    /// `n` [`Scanner::skip`]s at once (of characters that are not line breaks).
    fn skip_n(&mut self, n: usize) {
        self.mark.index += n;
        self.mark.column += n;
        self.pos += n;
    }

    /// The number of spaces from here on, at most `max`, counted within the plain-byte region
    /// (0 outside it): a run the caller may skip at once before going on one by one.
    fn fast_spaces(&self, max: usize) -> usize {
        self.fast.as_bytes().get(self.pos..).map_or(0, |rest| {
            rest.iter().take(max).take_while(|&&b| b == b' ').count()
        })
    }

    /// Skips characters up to a line break or the end (a comment's text). Within the plain-byte
    /// region a break is `\r` or `\n` only, found in one search; the rest goes one by one.
    fn skip_to_breakz(&mut self) {
        let start = self.pos;
        if let Some(rest) = self.fast.as_bytes().get(self.pos..) {
            self.skip_n(find_break(rest));
        }
        while !is_breakz(self.ch(0)) {
            self.skip();
        }
        if let Some(spans) = &mut self.comment_spans {
            spans.push((start, self.pos));
        }
    }

    fn skip_line(&mut self) {
        if self.ch(0) == '\r' && self.ch(1) == '\n' {
            self.mark.index += 2;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 2;
        } else if is_break(self.ch(0)) {
            self.mark.index += 1;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 1;
        }
    }

    fn read(&mut self, s: &mut String) {
        s.push(self.ch(0));
        self.skip();
    }

    /// Reads, like repeated [`Scanner::read`], the characters from here up to the first one
    /// `stop` accepts (or the end); at least one when `stop` rejects the current one. In bulk
    /// for an ASCII input without forbidden characters (where a read has no other effect), one
    /// by one otherwise.
    fn read_until(&mut self, s: &mut String, stop: impl Fn(u8) -> bool) {
        if self.reader_limit.is_none()
            && let Buf::Ascii(t) = &self.buf
        {
            let from = self.pos.min(t.len());
            let n = t.as_bytes()[from..]
                .iter()
                .position(|&b| stop(b))
                .unwrap_or(t.len() - from);
            if n > 0 {
                s.push_str(&t[from..from + n]);
                self.pos += n;
                self.mark.index += n;
                self.mark.column += n;
                return;
            }
        }
        self.read(s);
    }

    /// Reads, like repeated [`Scanner::read`], the characters from here up to a line break, the
    /// end, or the end of the plain-byte region; at least one.
    fn read_to_break(&mut self, s: &mut String) {
        if let Some(rest) = self.fast.get(self.pos..) {
            let n = find_break(rest.as_bytes());
            if n > 0 {
                s.push_str(&rest[..n]);
                self.skip_n(n);
                return;
            }
        }
        self.read(s);
    }

    fn read_line(&mut self, s: &mut String) {
        let c = self.ch(0);
        if c == '\r' && self.ch(1) == '\n' {
            s.push('\n');
            self.pos += 2;
            self.mark.index += 1;
        } else if c == '\r' || c == '\n' || c == '\u{85}' {
            s.push('\n');
            self.pos += 1;
        } else if c == '\u{2028}' || c == '\u{2029}' {
            s.push(c);
            self.pos += 1;
        } else {
            return;
        }
        self.mark.index += 1;
        self.mark.column = 0;
        self.mark.line += 1;
    }

    fn insert(&mut self, pos: Option<usize>, t: Token) {
        match pos {
            None => self.tokens.push_back(t),
            Some(p) => self.tokens.insert(p, t),
        }
    }

    fn push(&mut self, tok: Tok, start: Mark, end: Mark) {
        self.tokens.push_back(Token { tok, start, end });
    }

    /// The next token without consuming it.
    pub fn peek(&mut self) -> R<&Token> {
        if !self.token_available {
            self.fetch_more_tokens()?;
        }
        Ok(self
            .tokens
            .front()
            .expect("fetch_more_tokens leaves a token"))
    }

    /// The next token, mutably (for the parser to move a scalar's text out before consuming it).
    pub fn peek_mut(&mut self) -> R<&mut Token> {
        if !self.token_available {
            self.fetch_more_tokens()?;
        }
        Ok(self
            .tokens
            .front_mut()
            .expect("fetch_more_tokens leaves a token"))
    }

    /// Takes back a scalar's text the reader is done with: the next scalar is read into it.
    pub fn recycle(&mut self, s: String) {
        self.spare = s;
    }

    /// An empty text for the next scalar: the recycled one, if any.
    fn scalar_buf(&mut self) -> String {
        let mut s = std::mem::take(&mut self.spare);
        s.clear();
        s
    }

    /// Consumes the token `peek` returned.
    pub fn skip_token(&mut self) {
        self.token_available = false;
        self.tokens_parsed += 1;
        if let Some(t) = self.tokens.pop_front() {
            self.stream_end_produced = matches!(t.tok, Tok::StreamEnd);
        }
    }

    fn fetch_more_tokens(&mut self) -> R<()> {
        loop {
            let enough = if self.v3 {
                self.tokens.len() > 2
            } else {
                !self.tokens.is_empty()
            };
            if enough {
                match self.simple_key_for(self.tokens_parsed) {
                    None => break,
                    Some(idx) => {
                        if !self.simple_key_is_valid(idx)? {
                            break;
                        }
                    }
                }
            }
            let r = self.fetch_next_token();
            if self.reader_hit.get() {
                return Err(reader_error());
            }
            r?;
        }
        self.token_available = true;
        Ok(())
    }

    fn simple_key_for(&self, token_number: usize) -> Option<usize> {
        self.simple_keys_by_tok
            .iter()
            .find(|(t, _)| *t == token_number)
            .map(|(_, i)| *i)
    }

    /// Drops the entry of `token_number` from [`Scanner::simple_keys_by_tok`], which holds at
    /// most one per token number (and whose order does not matter).
    fn forget_simple_key(&mut self, token_number: usize) {
        if let Some(i) = self
            .simple_keys_by_tok
            .iter()
            .position(|(t, _)| *t == token_number)
        {
            self.simple_keys_by_tok.swap_remove(i);
        }
    }

    fn simple_key_is_valid(&mut self, idx: usize) -> R<bool> {
        let k = self.simple_keys[idx];
        if !k.possible {
            return Ok(false);
        }
        if k.mark.line < self.mark.line || k.mark.index + 1024 < self.mark.index {
            if k.required {
                return Err(scanner_err(
                    k.mark,
                    self.mark,
                    "could not find expected ':'",
                ));
            }
            self.simple_keys[idx].possible = false;
            return Ok(false);
        }
        Ok(true)
    }

    fn fetch_next_token(&mut self) -> R<()> {
        if !self.stream_start_produced {
            self.indent = -1;
            self.simple_keys.push(SimpleKey::default());
            self.simple_key_allowed = true;
            self.stream_start_produced = true;
            let m = self.mark;
            self.push(Tok::StreamStart, m, m);
            return Ok(());
        }
        self.scan_to_next_token();
        self.unroll_indent(self.mark.column as i64);
        self.cache(4);
        let c = self.ch(0);
        if c == '\0' && self.pos >= self.len {
            return self.fetch_stream_end();
        }
        let col0 = self.mark.column == 0;
        if col0 && c == '%' {
            return self.fetch_directive();
        }
        if col0 && c == '-' && self.ch(1) == '-' && self.ch(2) == '-' && is_blankz(self.ch(3)) {
            return self.fetch_document_indicator(Tok::DocumentStart);
        }
        if col0 && c == '.' && self.ch(1) == '.' && self.ch(2) == '.' && is_blankz(self.ch(3)) {
            return self.fetch_document_indicator(Tok::DocumentEnd);
        }
        match c {
            '[' => return self.fetch_flow_collection_start(Tok::FlowSequenceStart),
            '{' => return self.fetch_flow_collection_start(Tok::FlowMappingStart),
            ']' => return self.fetch_flow_collection_end(Tok::FlowSequenceEnd),
            '}' => return self.fetch_flow_collection_end(Tok::FlowMappingEnd),
            ',' => return self.fetch_flow_entry(),
            _ => {}
        }
        let n = self.ch(1);
        if c == '-' && is_blankz(n) {
            return self.fetch_block_entry();
        }
        if c == '?' && (self.flow_level > 0 || is_blankz(n)) {
            return self.fetch_key();
        }
        if c == ':' && (self.flow_level > 0 || is_blankz(n)) {
            return self.fetch_value();
        }
        match c {
            '*' => return self.fetch_anchor(true),
            '&' => return self.fetch_anchor(false),
            '!' => return self.fetch_tag(),
            '|' if self.flow_level == 0 => return self.fetch_block_scalar(true),
            '>' if self.flow_level == 0 => return self.fetch_block_scalar(false),
            '\'' => return self.fetch_flow_scalar(true),
            '"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        if !(is_blankz(c)
            || matches!(
                c,
                '-' | '?'
                    | ':'
                    | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '#'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
            ))
            || (c == '-' && !is_blank(n))
            || (self.flow_level == 0 && (c == '?' || c == ':') && !is_blankz(n))
        {
            return self.fetch_plain_scalar();
        }
        Err(scanner_err(
            self.mark,
            self.mark,
            "found character that cannot start any token",
        ))
    }

    fn save_simple_key(&mut self) -> R<()> {
        let required = self.flow_level == 0 && self.indent == self.mark.column as i64;
        if self.simple_key_allowed {
            let k = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            self.remove_simple_key()?;
            let last = self.simple_keys.len() - 1;
            self.simple_keys[last] = k;
            self.forget_simple_key(k.token_number);
            self.simple_keys_by_tok.push((k.token_number, last));
        }
        Ok(())
    }

    fn remove_simple_key(&mut self) -> R<()> {
        let i = self.simple_keys.len() - 1;
        if self.simple_keys[i].possible {
            if self.simple_keys[i].required {
                return Err(scanner_err(
                    self.simple_keys[i].mark,
                    self.mark,
                    "could not find expected ':'",
                ));
            }
            self.simple_keys[i].possible = false;
            let n = self.simple_keys[i].token_number;
            self.forget_simple_key(n);
        }
        Ok(())
    }

    fn increase_flow_level(&mut self) -> R<()> {
        self.simple_keys.push(SimpleKey {
            possible: false,
            required: false,
            token_number: self.tokens_parsed + self.tokens.len(),
            mark: self.mark,
        });
        self.flow_level += 1;
        if self.flow_level > 10000 {
            let m = self.simple_keys[self.simple_keys.len() - 1].mark;
            return Err(scanner_err(m, self.mark, "exceeded max depth of 10000"));
        }
        Ok(())
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            if let Some(k) = self.simple_keys.pop() {
                self.forget_simple_key(k.token_number);
            }
        }
    }

    fn roll_indent(&mut self, column: i64, number: Option<usize>, tok: Tok, mark: Mark) -> R<()> {
        if self.flow_level > 0 {
            return Ok(());
        }
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.indents.len() > 10000 {
                let m = self.simple_keys[self.simple_keys.len() - 1].mark;
                return Err(scanner_err(m, self.mark, "exceeded max depth of 10000"));
            }
            let pos = number.and_then(|n| n.checked_sub(self.tokens_parsed));
            self.insert(
                pos,
                Token {
                    tok,
                    start: mark,
                    end: mark,
                },
            );
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: i64) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            let m = self.mark;
            self.push(Tok::BlockEnd, m, m);
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn fetch_stream_end(&mut self) -> R<()> {
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let m = self.mark;
        self.push(Tok::StreamEnd, m, m);
        Ok(())
    }

    fn fetch_directive(&mut self) -> R<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let mut name = String::new();
        while is_alpha(self.ch(0)) {
            self.read(&mut name);
        }
        if name.is_empty() {
            return Err(scanner_err(
                start,
                self.mark,
                "could not find expected directive name",
            ));
        }
        if !is_blankz(self.ch(0)) {
            return Err(scanner_err(
                start,
                self.mark,
                "found unexpected non-alphabetical character",
            ));
        }
        let tok = match name.as_str() {
            "YAML" => {
                while is_blank(self.ch(0)) {
                    self.skip();
                }
                let major = self.version_number(start)?;
                if self.ch(0) != '.' {
                    return Err(scanner_err(
                        start,
                        self.mark,
                        "did not find expected digit or '.' character",
                    ));
                }
                self.skip();
                let minor = self.version_number(start)?;
                Tok::VersionDirective(major, minor)
            }
            "TAG" => {
                while is_blank(self.ch(0)) {
                    self.skip();
                }
                let handle = self.scan_tag_handle(true, start)?;
                if !is_blank(self.ch(0)) {
                    return Err(scanner_err(
                        start,
                        self.mark,
                        "did not find expected whitespace",
                    ));
                }
                while is_blank(self.ch(0)) {
                    self.skip();
                }
                let prefix = self.scan_tag_uri(true, "", start)?;
                if !is_blankz(self.ch(0)) {
                    return Err(scanner_err(
                        start,
                        self.mark,
                        "did not find expected whitespace or line break",
                    ));
                }
                Tok::TagDirective(handle, prefix)
            }
            _ => {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "found unknown directive name",
                ));
            }
        };
        let end = self.mark;
        while is_blank(self.ch(0)) {
            self.skip();
        }
        if self.ch(0) == '#' {
            while !is_breakz(self.ch(0)) {
                self.skip();
            }
        }
        if !is_breakz(self.ch(0)) {
            return Err(scanner_err(
                start,
                self.mark,
                "did not find expected comment or line break",
            ));
        }
        if is_break(self.ch(0)) {
            self.skip_line();
        }
        self.push(tok, start, end);
        Ok(())
    }

    fn version_number(&mut self, start: Mark) -> R<i32> {
        let mut v = 0i32;
        let mut n = 0;
        while self.ch(0).is_ascii_digit() {
            n += 1;
            if n > 2 {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "found extremely long version number",
                ));
            }
            v = v * 10 + (self.ch(0) as i32 - '0' as i32);
            self.skip();
        }
        if n == 0 {
            return Err(scanner_err(
                start,
                self.mark,
                "did not find expected version number",
            ));
        }
        Ok(v)
    }

    fn fetch_document_indicator(&mut self, tok: Tok) -> R<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.skip();
        self.skip();
        let end = self.mark;
        self.push(tok, start, end);
        Ok(())
    }

    fn fetch_flow_collection_start(&mut self, tok: Tok) -> R<()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push(tok, start, end);
        Ok(())
    }

    fn fetch_flow_collection_end(&mut self, tok: Tok) -> R<()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push(tok, start, end);
        Ok(())
    }

    fn fetch_flow_entry(&mut self) -> R<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push(Tok::FlowEntry, start, end);
        Ok(())
    }

    fn fetch_block_entry(&mut self) -> R<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(scanner_err(
                    Mark::default(),
                    self.mark,
                    "block sequence entries are not allowed in this context",
                ));
            }
            let m = self.mark;
            self.roll_indent(m.column as i64, None, Tok::BlockSequenceStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push(Tok::BlockEntry, start, end);
        Ok(())
    }

    fn fetch_key(&mut self) -> R<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(scanner_err(
                    Mark::default(),
                    self.mark,
                    "mapping keys are not allowed in this context",
                ));
            }
            let m = self.mark;
            self.roll_indent(m.column as i64, None, Tok::BlockMappingStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = self.flow_level == 0;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push(Tok::Key, start, end);
        Ok(())
    }

    fn fetch_value(&mut self) -> R<()> {
        let idx = self.simple_keys.len() - 1;
        if self.simple_key_is_valid(idx)? {
            let k = self.simple_keys[idx];
            self.insert(
                // Go computes a negative position when the key's token is already consumed, and
                // its insert then appends.
                k.token_number.checked_sub(self.tokens_parsed),
                Token {
                    tok: Tok::Key,
                    start: k.mark,
                    end: k.mark,
                },
            );
            self.roll_indent(
                k.mark.column as i64,
                Some(k.token_number),
                Tok::BlockMappingStart,
                k.mark,
            )?;
            self.simple_keys[idx].possible = false;
            self.forget_simple_key(k.token_number);
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    return Err(scanner_err(
                        Mark::default(),
                        self.mark,
                        "mapping values are not allowed in this context",
                    ));
                }
                let m = self.mark;
                self.roll_indent(m.column as i64, None, Tok::BlockMappingStart, m)?;
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push(Tok::Value, start, end);
        Ok(())
    }

    fn fetch_anchor(&mut self, alias: bool) -> R<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let mut s = String::new();
        while is_alpha(self.ch(0)) {
            self.read(&mut s);
        }
        let end = self.mark;
        let c = self.ch(0);
        if s.is_empty()
            || !(is_blankz(c) || matches!(c, '?' | ':' | ',' | ']' | '}' | '%' | '@' | '`'))
        {
            return Err(scanner_err(
                start,
                self.mark,
                "did not find expected alphabetic or numeric character",
            ));
        }
        let tok = if alias { Tok::Alias(s) } else { Tok::Anchor(s) };
        self.push(tok, start, end);
        Ok(())
    }

    fn fetch_tag(&mut self) -> R<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        let (handle, suffix);
        if self.ch(1) == '<' {
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(false, "", start)?;
            handle = String::new();
            if self.ch(0) != '>' {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "did not find the expected '>'",
                ));
            }
            self.skip();
        } else {
            let h = self.scan_tag_handle(false, start)?;
            if h.starts_with('!') && h.len() > 1 && h.ends_with('!') {
                handle = h;
                suffix = self.scan_tag_uri(false, "", start)?;
            } else {
                let s = self.scan_tag_uri(false, &h, start)?;
                if s.is_empty() {
                    handle = String::new();
                    suffix = "!".to_string();
                } else {
                    handle = "!".to_string();
                    suffix = s;
                }
            }
        }
        if !is_blankz(self.ch(0)) {
            return Err(scanner_err(
                start,
                self.mark,
                "did not find expected whitespace or line break",
            ));
        }
        let end = self.mark;
        self.push(Tok::Tag(handle, suffix), start, end);
        Ok(())
    }

    fn scan_tag_handle(&mut self, directive: bool, start: Mark) -> R<String> {
        if self.ch(0) != '!' {
            return Err(scanner_err(start, self.mark, "did not find expected '!'"));
        }
        let mut s = String::new();
        self.read(&mut s);
        while is_alpha(self.ch(0)) {
            self.read(&mut s);
        }
        if self.ch(0) == '!' {
            self.read(&mut s);
        } else if directive && s != "!" {
            return Err(scanner_err(start, self.mark, "did not find expected '!'"));
        }
        Ok(s)
    }

    fn scan_tag_uri(&mut self, _directive: bool, head: &str, start: Mark) -> R<String> {
        let mut has_tag = !head.is_empty();
        let mut s = String::new();
        if head.len() > 1 {
            s.push_str(&head[1..]);
        }
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            let c = self.ch(0);
            if !(is_alpha(c)
                || matches!(
                    c,
                    ';' | '/'
                        | '?'
                        | ':'
                        | '@'
                        | '&'
                        | '='
                        | '+'
                        | '$'
                        | ','
                        | '.'
                        | '!'
                        | '~'
                        | '*'
                        | '\''
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '%'
                ))
            {
                break;
            }
            if c == '%' {
                // URI escapes: one UTF-8 character as %XX octets.
                let mut w = 1024;
                bytes.clear();
                while w > 0 {
                    let h1 = self.ch(1).to_digit(16);
                    let h2 = self.ch(2).to_digit(16);
                    let (Some(h1), Some(h2), '%') = (h1, h2, self.ch(0)) else {
                        return Err(scanner_err(
                            start,
                            self.mark,
                            "did not find URI escaped octet",
                        ));
                    };
                    let octet = (h1 * 16 + h2) as u8;
                    if w == 1024 {
                        w = if octet & 0x80 == 0 {
                            1
                        } else if octet & 0xE0 == 0xC0 {
                            2
                        } else if octet & 0xF0 == 0xE0 {
                            3
                        } else if octet & 0xF8 == 0xF0 {
                            4
                        } else {
                            return Err(scanner_err(
                                start,
                                self.mark,
                                "found an incorrect leading UTF-8 octet",
                            ));
                        };
                    } else if octet & 0xC0 != 0x80 {
                        return Err(scanner_err(
                            start,
                            self.mark,
                            "found an incorrect trailing UTF-8 octet",
                        ));
                    }
                    bytes.push(octet);
                    self.skip();
                    self.skip();
                    self.skip();
                    w -= 1;
                }
                s.push_str(&String::from_utf8_lossy(&bytes));
            } else {
                self.read(&mut s);
            }
            has_tag = true;
        }
        if !has_tag {
            return Err(scanner_err(
                start,
                self.mark,
                "did not find expected tag URI",
            ));
        }
        Ok(s)
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> R<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let mut chomping = 0i32;
        let mut increment = 0i64;
        let c = self.ch(0);
        if c == '+' || c == '-' {
            chomping = if c == '+' { 1 } else { -1 };
            self.skip();
            if self.ch(0).is_ascii_digit() {
                if self.ch(0) == '0' {
                    return Err(scanner_err(
                        start,
                        self.mark,
                        "found an indentation indicator equal to 0",
                    ));
                }
                increment = self.ch(0) as i64 - '0' as i64;
                self.skip();
            }
        } else if c.is_ascii_digit() {
            if c == '0' {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "found an indentation indicator equal to 0",
                ));
            }
            increment = c as i64 - '0' as i64;
            self.skip();
            let c = self.ch(0);
            if c == '+' || c == '-' {
                chomping = if c == '+' { 1 } else { -1 };
                self.skip();
            }
        }
        while is_blank(self.ch(0)) {
            self.skip();
        }
        if self.ch(0) == '#' {
            while !is_breakz(self.ch(0)) {
                self.skip();
            }
        }
        if !is_breakz(self.ch(0)) {
            return Err(scanner_err(
                start,
                self.mark,
                "did not find expected comment or line break",
            ));
        }
        if is_break(self.ch(0)) {
            self.cache(2);
            self.skip_line();
        }
        let mut end = self.mark;
        let mut indent: i64 = 0;
        if increment > 0 {
            indent = if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            };
        }
        let mut s = self.scalar_buf();
        let Scratch {
            mut leading_break,
            mut trailing_breaks,
            whitespaces,
        } = std::mem::take(&mut self.scratch).cleared();
        self.block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        let mut leading_blank = false;
        while self.mark.column as i64 == indent && !self.at_end() {
            let trailing_blank = is_blank(self.ch(0));
            if !literal && !leading_blank && !trailing_blank && leading_break.starts_with('\n') {
                if trailing_breaks.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading_break);
            }
            leading_break.clear();
            s.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = is_blank(self.ch(0));
            while !is_breakz(self.ch(0)) {
                self.read_to_break(&mut s);
            }
            self.cache(2);
            self.read_line(&mut leading_break);
            self.block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        }
        if chomping != -1 {
            s.push_str(&leading_break);
        }
        if chomping == 1 {
            s.push_str(&trailing_breaks);
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        self.scratch = Scratch {
            leading_break,
            trailing_breaks,
            whitespaces,
        };
        self.push(Tok::Scalar(s, style), start, end);
        Ok(())
    }

    fn at_end(&self) -> bool {
        self.ch(0) == '\0'
    }

    fn block_scalar_breaks(
        &mut self,
        indent: &mut i64,
        breaks: &mut String,
        start: Mark,
        end: &mut Mark,
    ) -> R<()> {
        *end = self.mark;
        let mut max_indent = 0i64;
        loop {
            let room = if *indent == 0 {
                usize::MAX
            } else {
                usize::try_from(*indent - self.mark.column as i64).unwrap_or(0)
            };
            let n = self.fast_spaces(room);
            self.skip_n(n);
            while (*indent == 0 || (self.mark.column as i64) < *indent) && self.ch(0) == ' ' {
                self.skip();
            }
            if self.mark.column as i64 > max_indent {
                max_indent = self.mark.column as i64;
            }
            if (*indent == 0 || (self.mark.column as i64) < *indent) && self.ch(0) == '\t' {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "found a tab character where an indentation space is expected",
                ));
            }
            if !is_break(self.ch(0)) {
                break;
            }
            self.cache(2);
            self.read_line(breaks);
            *end = self.mark;
        }
        if *indent == 0 {
            *indent = max_indent;
            if *indent < self.indent + 1 {
                *indent = self.indent + 1;
            }
            if *indent < 1 {
                *indent = 1;
            }
        }
        Ok(())
    }

    fn doc_indicator_here(&self) -> bool {
        self.mark.column == 0
            && ((self.ch(0) == '-' && self.ch(1) == '-' && self.ch(2) == '-')
                || (self.ch(0) == '.' && self.ch(1) == '.' && self.ch(2) == '.'))
            && is_blankz(self.ch(3))
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> R<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let mut s = self.scalar_buf();
        let Scratch {
            mut leading_break,
            mut trailing_breaks,
            mut whitespaces,
        } = std::mem::take(&mut self.scratch).cleared();
        loop {
            self.cache(4);
            if self.doc_indicator_here() {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "found unexpected document indicator",
                ));
            }
            if self.at_end() {
                return Err(scanner_err(
                    start,
                    self.mark,
                    "found unexpected end of stream",
                ));
            }
            let mut leading_blanks = false;
            while !is_blankz(self.ch(0)) {
                let c = self.ch(0);
                if single && c == '\'' && self.ch(1) == '\'' {
                    s.push('\'');
                    self.skip();
                    self.skip();
                } else if single && c == '\'' || !single && c == '"' {
                    break;
                } else if !single && c == '\\' && is_break(self.ch(1)) {
                    self.cache(3);
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == '\\' {
                    let mut code_length = 0;
                    match self.ch(1) {
                        '0' => s.push('\0'),
                        'a' => s.push('\u{7}'),
                        'b' => s.push('\u{8}'),
                        't' | '\t' => s.push('\t'),
                        'n' => s.push('\n'),
                        'v' => s.push('\u{b}'),
                        'f' => s.push('\u{c}'),
                        'r' => s.push('\r'),
                        'e' => s.push('\u{1b}'),
                        ' ' => s.push(' '),
                        '"' => s.push('"'),
                        '\'' => s.push('\''),
                        '\\' => s.push('\\'),
                        'N' => s.push('\u{85}'),
                        '_' => s.push('\u{a0}'),
                        'L' => s.push('\u{2028}'),
                        'P' => s.push('\u{2029}'),
                        'x' => code_length = 2,
                        'u' => code_length = 4,
                        'U' => code_length = 8,
                        _ => {
                            return Err(scanner_err(
                                start,
                                self.mark,
                                "found unknown escape character",
                            ));
                        }
                    }
                    self.skip();
                    self.skip();
                    if code_length > 0 {
                        let mut value: u32 = 0;
                        for k in 0..code_length {
                            let Some(d) = self.ch(k).to_digit(16) else {
                                return Err(scanner_err(
                                    start,
                                    self.mark,
                                    "did not find expected hexdecimal number",
                                ));
                            };
                            value = (value << 4) + d;
                        }
                        if (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
                            return Err(scanner_err(
                                start,
                                self.mark,
                                "found invalid Unicode character escape code",
                            ));
                        }
                        s.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                        for _ in 0..code_length {
                            self.skip();
                        }
                    }
                } else {
                    self.read(&mut s);
                    // The characters after it that this loop would read one by one (in the
                    // plain-byte region, where a read has no other effect; the `cache(2)`
                    // below still looks as far as the last of them would).
                    if let Some(rest) = self.fast.get(self.pos..) {
                        let n = rest
                            .bytes()
                            .position(|b| {
                                matches!(b, b' ' | b'\t' | b'\r' | b'\n')
                                    || if single {
                                        b == b'\''
                                    } else {
                                        b == b'"' || b == b'\\'
                                    }
                            })
                            .unwrap_or(rest.len());
                        s.push_str(&rest[..n]);
                        self.skip_n(n);
                    }
                }
                self.cache(2);
            }
            let c = self.ch(0);
            if single && c == '\'' || !single && c == '"' {
                break;
            }
            while is_blank(self.ch(0)) || is_break(self.ch(0)) {
                if is_blank(self.ch(0)) {
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else if !leading_blanks {
                    self.cache(2);
                    whitespaces.clear();
                    self.read_line(&mut leading_break);
                    leading_blanks = true;
                } else {
                    self.cache(2);
                    self.read_line(&mut trailing_breaks);
                }
            }
            if leading_blanks {
                if leading_break.starts_with('\n') {
                    if trailing_breaks.is_empty() {
                        s.push(' ');
                    } else {
                        s.push_str(&trailing_breaks);
                    }
                } else {
                    s.push_str(&leading_break);
                    s.push_str(&trailing_breaks);
                }
                trailing_breaks.clear();
                leading_break.clear();
            } else {
                s.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        let end = self.mark;
        let style = if single {
            ScalarStyle::Single
        } else {
            ScalarStyle::Double
        };
        self.scratch = Scratch {
            leading_break,
            trailing_breaks,
            whitespaces,
        };
        self.push(Tok::Scalar(s, style), start, end);
        Ok(())
    }

    fn fetch_plain_scalar(&mut self) -> R<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let mut s = self.scalar_buf();
        let Scratch {
            mut leading_break,
            mut trailing_breaks,
            mut whitespaces,
        } = std::mem::take(&mut self.scratch).cleared();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start = self.mark;
        let mut end = self.mark;
        loop {
            self.cache(4);
            if self.doc_indicator_here() {
                break;
            }
            if self.ch(0) == '#' {
                break;
            }
            while !is_blankz(self.ch(0)) {
                let c = self.ch(0);
                if (c == ':' && is_blankz(self.ch(1)))
                    || (self.flow_level > 0 && matches!(c, ',' | '?' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        if leading_break.starts_with('\n') {
                            if trailing_breaks.is_empty() {
                                s.push(' ');
                            } else {
                                s.push_str(&trailing_breaks);
                            }
                        } else {
                            s.push_str(&leading_break);
                            s.push_str(&trailing_breaks);
                        }
                        trailing_breaks.clear();
                        leading_break.clear();
                        leading_blanks = false;
                    } else {
                        s.push_str(&whitespaces);
                        whitespaces.clear();
                    }
                }
                // A run of characters that cannot end the scalar (':' is looked at alone).
                let flow = self.flow_level > 0;
                self.read_until(&mut s, |b| {
                    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0 | b':')
                        || (flow && matches!(b, b',' | b'?' | b'[' | b']' | b'{' | b'}'))
                });
                end = self.mark;
                self.cache(2);
            }
            if !(is_blank(self.ch(0)) || is_break(self.ch(0))) {
                break;
            }
            while is_blank(self.ch(0)) || is_break(self.ch(0)) {
                if leading_blanks {
                    // The next line's indentation: spaces are skipped whatever the column.
                    let n = self.fast_spaces(usize::MAX);
                    if n > 0 {
                        self.skip_n(n);
                        continue;
                    }
                }
                if is_blank(self.ch(0)) {
                    if leading_blanks && (self.mark.column as i64) < indent && self.ch(0) == '\t' {
                        return Err(scanner_err(
                            start,
                            self.mark,
                            "found a tab character that violates indentation",
                        ));
                    }
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else if !leading_blanks {
                    self.cache(2);
                    whitespaces.clear();
                    self.read_line(&mut leading_break);
                    leading_blanks = true;
                } else {
                    self.cache(2);
                    self.read_line(&mut trailing_breaks);
                }
            }
            if self.flow_level == 0 && (self.mark.column as i64) < indent {
                break;
            }
        }
        self.scratch = Scratch {
            leading_break,
            trailing_breaks,
            whitespaces,
        };
        self.push(Tok::Scalar(s, ScalarStyle::Plain), start, end);
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(())
    }

    fn scan_to_next_token(&mut self) {
        loop {
            // yaml.v2 skips a BOM here only when its buffer starts with one (its `is_bom` ignores
            // the position), which after the reader's own BOM handling practically never happens.
            let n = self.fast_spaces(usize::MAX);
            self.skip_n(n);
            while self.ch(0) == ' '
                || ((self.flow_level > 0 || !self.simple_key_allowed) && self.ch(0) == '\t')
            {
                self.skip();
            }
            if self.ch(0) == '#' {
                self.skip_to_breakz();
            }
            if is_break(self.ch(0)) {
                self.cache(2);
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_non_ascii_finds_the_first_high_byte() {
        for len in 0..40 {
            let mut b = vec![b'a'; len];
            assert_eq!(first_non_ascii(&b), None, "len {len}");
            for at in 0..len {
                b[at] = 0x80 + (at as u8 % 0x7F);
                if at + 3 < len {
                    b[at + 3] = 0xFF;
                }
                let want = b.iter().position(|&x| x >= 0x80);
                assert_eq!(first_non_ascii(&b), want, "len {len}, at {at}");
                b.fill(b'a');
            }
        }
    }

    #[test]
    fn word_wise_forbidden_search_finds_the_first_bad_byte() {
        // Every ASCII byte at every offset of a word, against the byte-by-byte definition.
        for bad in 0u8..0x80 {
            for at in 0..20 {
                let mut text = vec![b'a'; 24];
                text[at] = bad;
                let want = text.iter().position(|&b| forbidden_ascii(b));
                assert_eq!(ascii_forbidden(&text), Some(want), "byte {bad:#x} at {at}");
                // A non-ASCII byte anywhere, before or after the forbidden one.
                for other in [0, 7, 8, 19, 23] {
                    if other != at {
                        let mut t = text.clone();
                        t[other] = 0xC3;
                        assert_eq!(
                            ascii_forbidden(&t),
                            None,
                            "{bad:#x} at {at}, 0xC3 at {other}"
                        );
                    }
                }
            }
        }
        assert_eq!(ascii_forbidden(b"key: value\r\n\t- x ~\x7e"), Some(None));
        assert_eq!(ascii_forbidden(b""), Some(None));
        assert_eq!(ascii_forbidden("a: \u{e9}".as_bytes()), None);
    }

    #[test]
    fn word_wise_break_search_finds_the_first_break() {
        for len in 0..20 {
            for at in 0..=len {
                for second in [None, Some(b'\n'), Some(b'\r')] {
                    let mut text = vec![b'x'; len];
                    for brk in [b'\n', b'\r'] {
                        if at < len {
                            text[at] = brk;
                            if let (Some(b), true) = (second, at + 1 < len) {
                                text[at + 1] = b;
                            }
                        }
                        let want = text
                            .iter()
                            .position(|&b| b == b'\n' || b == b'\r')
                            .unwrap_or(len);
                        assert_eq!(find_break(&text), want, "len {len} at {at}");
                    }
                }
            }
        }
        assert_eq!(find_break(b"# a comment\x0b\x0c, then\r\n"), 19);
    }
}
