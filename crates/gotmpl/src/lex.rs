//! The template lexer: Go's `text/template/parse/lex.go`, token for token, as a byte scanner.
//!
//! Go's lexer is a per-character state machine (`next`/`backup`/`peek` of runes). This one
//! produces the same items at the same byte boundaries with the same errors, but scans text
//! between actions with `memchr` for the left delimiter and each token of an action in one
//! byte loop (every byte a token boundary depends on is ASCII; a non-ASCII character is decoded
//! only where Go's rules look at it: identifier characters and error messages). Items are small
//! `Copy` spans of the source; the line of an item, which only error messages need, is computed
//! from its offset on demand ([`Lexer::line_of`]) the way Go's counter would have it.

use crate::quote::{fmt_rune_u, quote_prec};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

/// One token: its type and its bytes `pos..end` in the source (an error's message is kept by
/// the lexer, [`Lexer::error_message`]; its span is empty, at the offset Go reports it from).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub typ: ItemType,
    /// `pos` in the low 32 bits, `end` in the high ones: two fields in all, which the compiler
    /// returns in two registers (with three, an item went through memory, and the parser's
    /// wide reads of it stalled on the lexer's narrow writes).
    span: u64,
}

/// The offset of the tokens a fresh parse state starts with, whose line Go reports as 0.
pub(crate) const NO_POS: usize = usize::MAX;

/// Whether the offsets of `input` fit an [`Item`], which keeps each in 32 bits (see its
/// `span`). The parser refuses longer texts (4 GiB), as its nodes' text slices did already.
pub(crate) fn fits(input: &str) -> bool {
    input.len() < u32::MAX as usize
}

const _: () = assert!(
    std::mem::size_of::<Item>() <= 16,
    "an item must fit two registers"
);

/// The low 32 bits of an item's span: its `pos`.
const LOW: u64 = 0xffff_ffff;

/// An item's stored offset as the parser's (`u32::MAX` is [`NO_POS`]).
fn widen(p: u32) -> usize {
    if p == u32::MAX { NO_POS } else { p as usize }
}

impl Item {
    pub fn eof() -> Item {
        Item {
            typ: ItemType::Eof,
            span: u64::MAX,
        }
    }

    fn new(typ: ItemType, pos: usize, end: usize) -> Item {
        Item {
            typ,
            span: (pos as u64 & LOW) | ((end as u64) << 32),
        }
    }

    /// The token's first byte ([`NO_POS`] for the lookahead a fresh parse state starts with).
    pub fn pos(&self) -> usize {
        widen(self.span as u32)
    }

    /// [`Item::pos`] as a node keeps it ([`crate::node::Pos`]: `u32::MAX` for [`NO_POS`]).
    #[inline]
    pub fn node_pos(&self) -> crate::node::Pos {
        self.span as u32
    }

    /// The byte after the token.
    pub fn end(&self) -> usize {
        widen((self.span >> 32) as u32)
    }

    /// The span from this token's start to the end of `last` (a later token).
    pub fn through(self, last: Item) -> Item {
        Item {
            typ: self.typ,
            span: (self.span & LOW) | (last.span & !LOW),
        }
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

const TRIM_MARKER_LEN: usize = 2;

pub(crate) struct Lexer<'a> {
    input: &'a str,
    left_delim: &'a str,
    right_delim: &'a str,
    pos: usize,
    paren_depth: i32,
    inside_action: bool,
    pub break_ok: bool,
    pub continue_ok: bool,
    dead: bool,
    err: String,
    /// Newlines inside a left / right delimiter, which Go's line counter skips for delimiters
    /// that open and close actions; `drift` records (offset, newlines skipped before it).
    left_nl: usize,
    right_nl: usize,
    drift: Vec<(usize, usize)>,
    left_finder: memchr::memmem::Finder<'a>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_word_byte(b: u8) -> bool {
    WORD_BYTE[usize::from(b)]
}

/// The ASCII bytes of identifiers (`_`, letters, digits), as a table: a byte's class is one load.
static WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = c == b'_' || c.is_ascii_alphanumeric();
        i += 1;
    }
    t
};

/// The bytes of `w` that are ASCII identifier bytes (`_`, letters, digits), as a mask with the
/// high bit of each such byte set (the other bits clear), computed on all eight at once.
fn word_bytes_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let ascii = !w & HIGH;
    // With the high bits cleared no byte sum below carries into its neighbour; a byte is in
    // lo..=hi when adding 0x80 - lo sets its high bit and adding 0x7f - hi does not.
    let x = w & !HIGH;
    let in_range = |x: u64, lo: u8, hi: u8| {
        (x + ONES * u64::from(0x80 - lo)) & !(x + ONES * u64::from(0x7f - hi)) & HIGH
    };
    let digit = in_range(x, b'0', b'9');
    let letter = in_range(x | (ONES * 0x20), b'a', b'z');
    let under = in_range(x, b'_', b'_');
    (digit | letter | under) & ascii
}

/// Go's `isAlphaNumeric`.
pub(crate) fn is_alpha_numeric(c: char) -> bool {
    if c.is_ascii() {
        return is_word_byte(c as u8);
    }
    c.is_alphabetic() || crate::quote::is_go_digit(c)
}

fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1])
}

/// `b.starts_with(d)` for a delimiter: inline byte compares instead of a `memcmp` call, which
/// cost more than the compare for two-byte delimiters checked at every token.
fn starts_with_delim(b: &[u8], d: &[u8]) -> bool {
    b.len() >= d.len() && b.iter().zip(d).all(|(x, y)| x == y)
}

fn right_trim_length(s: &[u8]) -> usize {
    s.iter().rev().take_while(|&&b| is_space(b)).count()
}

fn left_trim_length(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_space(b)).count()
}

fn tail(b: &[u8], from: usize) -> &[u8] {
    b.get(from..).unwrap_or(&[])
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str, left: &'a str, right: &'a str) -> Lexer<'a> {
        let left_delim = if left.is_empty() { "{{" } else { left };
        let right_delim = if right.is_empty() { "}}" } else { right };
        Lexer {
            input,
            left_nl: left_delim.matches('\n').count(),
            right_nl: right_delim.matches('\n').count(),
            left_delim,
            right_delim,
            pos: 0,
            paren_depth: 0,
            inside_action: false,
            break_ok: true,
            continue_ok: true,
            dead: false,
            err: String::new(),
            drift: Vec::new(),
            left_finder: memchr::memmem::Finder::new(left_delim),
        }
    }

    /// The source text of an item (empty for an error: see [`Lexer::error_message`]).
    pub fn val(&self, i: &Item) -> &'a str {
        self.input.get(i.pos()..i.end()).unwrap_or("")
    }

    /// The message of the error item the lexer stopped at.
    pub fn error_message(&self) -> &str {
        &self.err
    }

    /// The line Go's lexer gives an item starting at `pos`: 1 + the newlines before it, less
    /// those inside action delimiters (Go's counter does not see them).
    pub fn line_of(&self, pos: usize) -> usize {
        if pos == NO_POS {
            return 0;
        }
        let pos = pos.min(self.input.len());
        let nl = memchr::memchr_iter(b'\n', &self.input.as_bytes()[..pos]).count();
        let skipped = self
            .drift
            .iter()
            .take_while(|(at, _)| *at <= pos)
            .last()
            .map_or(0, |(_, n)| *n);
        1 + nl - skipped
    }

    /// Go's `item.String()`, as parse errors print a token.
    pub fn describe(&self, i: &Item) -> String {
        let val = self.val(i);
        match i.typ {
            ItemType::Eof => "EOF".into(),
            ItemType::Error => self.err.clone(),
            t if t > ItemType::Keyword => format!("<{val}>"),
            _ if val.len() > 10 => format!("{}...", quote_prec(val, 10)),
            _ => crate::quote::quote(val),
        }
    }

    fn skip_delim_newlines(&mut self, at: usize, n: usize) {
        if n > 0 {
            let before = self.drift.last().map_or(0, |(_, k)| *k);
            self.drift.push((at, before + n));
        }
    }

    fn error(&mut self, msg: String, at: usize) -> Item {
        self.err = msg;
        self.dead = true;
        self.pos = 0;
        Item::new(ItemType::Error, at, at)
    }

    pub fn next_item(&mut self) -> Item {
        self.item()
    }

    /// The next item that is not a space: what the parser asks for most, the spaces skipped
    /// here without a call and a return each.
    pub fn next_non_space_item(&mut self) -> Item {
        loop {
            let i = self.item();
            if i.typ != ItemType::Space {
                return i;
            }
        }
    }

    #[inline(always)]
    fn item(&mut self) -> Item {
        if self.dead {
            return Item::new(ItemType::Eof, 0, 0);
        }
        if self.inside_action {
            self.lex_inside_action()
        } else {
            self.lex_text()
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.input.as_bytes()
    }

    /// The offset of the next left delimiter at or after `from`.
    fn find_left_delim(&self, from: usize) -> Option<usize> {
        // A substring search, not a search for the first byte: JSON in text (Grafana
        // dashboards) has a lone `{` every few bytes, each a search of its own that way.
        let rest = tail(self.bytes(), from);
        // After a text item the lexer stands at the delimiter that ended it.
        if starts_with_delim(rest, self.left_delim.as_bytes()) {
            return Some(from);
        }
        Some(from + self.left_finder.find(rest)?)
    }

    /// Go's `lexText`, `lexLeftDelim` and `lexComment`: the text up to the next action, then
    /// the action's left delimiter (comments are skipped whole).
    fn lex_text(&mut self) -> Item {
        let b = self.bytes();
        loop {
            let start = self.pos;
            let Some(delim) = self.find_left_delim(start) else {
                let end = b.len();
                self.pos = end;
                if end > start {
                    return Item::new(ItemType::Text, start, end);
                }
                return Item::new(ItemType::Eof, end, end);
            };
            let delim_end = delim + self.left_delim.len();
            let trim = has_left_trim_marker(tail(b, delim_end));
            if delim > start {
                let mut text_end = delim;
                if trim {
                    text_end -= right_trim_length(&b[start..delim]);
                }
                if text_end > start {
                    self.pos = delim;
                    return Item::new(ItemType::Text, start, text_end);
                }
            }
            let after_marker = delim_end + if trim { TRIM_MARKER_LEN } else { 0 };
            if tail(b, after_marker).starts_with(b"/*") {
                let body = after_marker + 2;
                let Some(x) = memchr::memmem::find(tail(b, body), b"*/") else {
                    return self.error("unclosed comment".into(), after_marker);
                };
                let mut p = body + x + 2;
                let Some(trim_right) = self.at_right_delim(p) else {
                    return self
                        .error("comment ends before closing delimiter".into(), after_marker);
                };
                if trim_right {
                    p += TRIM_MARKER_LEN;
                }
                p += self.right_delim.len();
                if trim_right {
                    p += left_trim_length(tail(b, p));
                }
                self.pos = p;
                continue;
            }
            self.inside_action = true;
            self.paren_depth = 0;
            self.pos = after_marker;
            self.skip_delim_newlines(delim_end, self.left_nl);
            return Item::new(ItemType::LeftDelim, delim, delim_end);
        }
    }

    /// Go's `atRightDelim` at `p`: `None` when no right delimiter is there, else whether a
    /// trim marker precedes it.
    fn at_right_delim(&self, p: usize) -> Option<bool> {
        let b = tail(self.bytes(), p);
        let r = self.right_delim.as_bytes();
        if b.len() >= 2 && is_space(b[0]) && b[1] == b'-' && starts_with_delim(&b[2..], r) {
            return Some(true);
        }
        if starts_with_delim(b, r) {
            return Some(false);
        }
        None
    }

    /// Go's `lexRightDelim` for a delimiter (with its trim marker when `trim`) at `at`.
    fn lex_right_delim(&mut self, at: usize, trim: bool) -> Item {
        let d = at + if trim { TRIM_MARKER_LEN } else { 0 };
        let end = d + self.right_delim.len();
        let mut p = end;
        if trim {
            p += left_trim_length(tail(self.bytes(), p));
        }
        self.pos = p;
        self.inside_action = false;
        self.skip_delim_newlines(end, self.right_nl);
        Item::new(ItemType::RightDelim, d, end)
    }

    /// Go's `lexInsideAction` and the states it leads to, one token.
    fn lex_inside_action(&mut self) -> Item {
        let b = self.bytes();
        let start = self.pos;
        let Some(&c) = b.get(start) else {
            return self.error("unclosed action".into(), start);
        };
        // A right delimiter (or its trim marker) starts with its own first byte or a space:
        // any other token skips the check.
        if (self.right_delim.as_bytes().first() == Some(&c) || is_space(c))
            && let Some(trim) = self.at_right_delim(start)
        {
            if self.paren_depth == 0 {
                return self.lex_right_delim(start, trim);
            }
            return self.error("unclosed left paren".into(), start);
        }
        let one = |l: &mut Lexer<'a>, t: ItemType| {
            l.pos = start + 1;
            Item::new(t, start, start + 1)
        };
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => self.lex_space(start),
            b'=' => one(self, ItemType::Assign),
            b':' => {
                if b.get(start + 1) != Some(&b'=') {
                    return self.error("expected :=".into(), start);
                }
                self.pos = start + 2;
                Item::new(ItemType::Declare, start, start + 2)
            }
            b'|' => one(self, ItemType::Pipe),
            b'"' => self.lex_quote(start, b'"', ItemType::String, "unterminated quoted string"),
            b'`' => self.lex_raw_quote(start),
            b'$' => {
                if self.at_terminator(start + 1) {
                    self.pos = start + 1;
                    return Item::new(ItemType::Variable, start, start + 1);
                }
                self.lex_field_or_variable(start, ItemType::Variable)
            }
            b'\'' => self.lex_quote(
                start,
                b'\'',
                ItemType::CharConstant,
                "unterminated character constant",
            ),
            b'.' if b.get(start + 1).is_some_and(|n| !n.is_ascii_digit()) => {
                self.lex_field_or_variable(start, ItemType::Field)
            }
            b'.' | b'+' | b'-' | b'0'..=b'9' => self.lex_number(start),
            b'(' => {
                self.paren_depth += 1;
                one(self, ItemType::LeftParen)
            }
            b')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right paren".into(), start);
                }
                one(self, ItemType::RightParen)
            }
            c if is_word_byte(c) => self.lex_identifier(start),
            0x20..=0x7e => one(self, ItemType::Char),
            _ => {
                let ch = self.char_at(start).unwrap_or('\u{FFFD}');
                if is_alpha_numeric(ch) {
                    return self.lex_identifier(start);
                }
                self.error(
                    format!("unrecognized character in action: {}", fmt_rune_u(ch)),
                    start,
                )
            }
        }
    }

    fn char_at(&self, p: usize) -> Option<char> {
        self.input.get(p..)?.chars().next()
    }

    /// Go's `lexSpace`: a run of spaces, less the one before a ` -}}` trim marker.
    fn lex_space(&mut self, start: usize) -> Item {
        let b = self.bytes();
        let mut p = start + left_trim_length(&b[start..]);
        let num_spaces = p - start;
        if b.get(p) == Some(&b'-') && starts_with_delim(tail(b, p + 1), self.right_delim.as_bytes())
        {
            p -= 1;
            if num_spaces == 1 {
                return self.lex_right_delim(start, true);
            }
        }
        self.pos = p;
        Item::new(ItemType::Space, start, p)
    }

    /// The end of the run of identifier characters from `p`.
    #[inline(always)]
    fn word_end(&self, mut p: usize) -> usize {
        let b = self.bytes();
        loop {
            // Eight bytes at a time while eight remain (names run to tens of bytes), then
            // byte by byte.
            while let Some(chunk) = b.get(p..p + 8) {
                let w = u64::from_le_bytes(chunk.try_into().expect("an 8-byte slice"));
                let not_word = !word_bytes_mask(w) & 0x8080_8080_8080_8080;
                if not_word != 0 {
                    p += (not_word.trailing_zeros() / 8) as usize;
                    break;
                }
                p += 8;
            }
            while p < b.len() && WORD_BYTE[usize::from(b[p])] {
                p += 1;
            }
            if p < b.len() && b[p] >= 0x80 {
                let ch = self.char_at(p).unwrap_or('\u{FFFD}');
                if is_alpha_numeric(ch) {
                    p += ch.len_utf8();
                    continue;
                }
            }
            return p;
        }
    }

    /// Go's `atTerminator` at `p`.
    fn at_terminator(&self, p: usize) -> bool {
        let b = tail(self.bytes(), p);
        match b.first() {
            None => true,
            Some(&c) => {
                is_space(c)
                    || matches!(c, b'.' | b',' | b'|' | b':' | b')' | b'(')
                    || starts_with_delim(b, self.right_delim.as_bytes())
            }
        }
    }

    fn bad_character(&mut self, start: usize, p: usize) -> Item {
        let r = rune_u(self.char_at(p));
        self.error(format!("bad character {r}"), start)
    }

    fn lex_identifier(&mut self, start: usize) -> Item {
        let p = self.word_end(start);
        if !self.at_terminator(p) {
            return self.bad_character(start, p);
        }
        self.pos = p;
        let word = &self.input[start..p];
        let typ = match keyword(word) {
            Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
            Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
            Some(k) => k,
            None if word == "true" || word == "false" => ItemType::Bool,
            None => ItemType::Identifier,
        };
        Item::new(typ, start, p)
    }

    /// Go's `lexFieldOrVariable` for the `.` or `$` at `start`.
    fn lex_field_or_variable(&mut self, start: usize, typ: ItemType) -> Item {
        if self.at_terminator(start + 1) {
            self.pos = start + 1;
            let t = if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            };
            return Item::new(t, start, start + 1);
        }
        let p = self.word_end(start + 1);
        if !self.at_terminator(p) {
            return self.bad_character(start, p);
        }
        self.pos = p;
        Item::new(typ, start, p)
    }

    /// Go's `lexQuote` and `lexChar`: the bytes they stop at are ASCII, never inside a
    /// multi-byte character, and an escape skips one byte (the rest of an escaped multi-byte
    /// character is continuation bytes, which match nothing here).
    fn lex_quote(&mut self, start: usize, quote: u8, typ: ItemType, unterminated: &str) -> Item {
        let b = self.bytes();
        let mut i = start + 1;
        loop {
            // Only the quote, a backslash and a newline stop the scan: find the next of them.
            let Some(k) = memchr::memchr3(quote, b'\\', b'\n', tail(b, i)) else {
                return self.error(unterminated.into(), start);
            };
            i += k;
            match b[i] {
                b'\n' => return self.error(unterminated.into(), start),
                b'\\' => match b.get(i + 1) {
                    None | Some(b'\n') => return self.error(unterminated.into(), start),
                    Some(_) => i += 2,
                },
                _ => break,
            }
        }
        self.pos = i + 1;
        Item::new(typ, start, i + 1)
    }

    fn lex_raw_quote(&mut self, start: usize) -> Item {
        let Some(i) = memchr::memchr(b'`', tail(self.bytes(), start + 1)) else {
            return self.error("unterminated raw quoted string".into(), start);
        };
        self.pos = start + 1 + i + 1;
        Item::new(ItemType::RawString, start, self.pos)
    }

    fn lex_number(&mut self, start: usize) -> Item {
        let (ok, p) = self.scan_number(start);
        if !ok {
            return self.bad_number(start, p);
        }
        if matches!(self.bytes().get(p), Some(b'+' | b'-')) {
            let (ok, q) = self.scan_number(p);
            if !ok || self.bytes()[q - 1] != b'i' {
                return self.bad_number(start, q);
            }
            self.pos = q;
            return Item::new(ItemType::Complex, start, q);
        }
        self.pos = p;
        Item::new(ItemType::Number, start, p)
    }

    fn bad_number(&mut self, start: usize, end: usize) -> Item {
        let s = crate::quote::quote(&self.input[start..end]);
        self.error(format!("bad number syntax: {s}"), start)
    }

    /// Go's `scanNumber` from `p`: whether it is a number, and where it (or the bad character
    /// that ended it, included) ends.
    fn scan_number(&self, mut p: usize) -> (bool, usize) {
        let b = self.bytes();
        let accept = |p: &mut usize, valid: &[u8]| -> bool {
            match b.get(*p) {
                Some(c) if valid.contains(c) => {
                    *p += 1;
                    true
                }
                _ => false,
            }
        };
        let accept_run = |p: &mut usize, valid: fn(u8) -> bool| {
            while b.get(*p).is_some_and(|&c| valid(c)) {
                *p += 1;
            }
        };
        fn dec(c: u8) -> bool {
            c.is_ascii_digit() || c == b'_'
        }
        fn hex(c: u8) -> bool {
            c.is_ascii_hexdigit() || c == b'_'
        }
        fn oct(c: u8) -> bool {
            matches!(c, b'0'..=b'7' | b'_')
        }
        fn bin(c: u8) -> bool {
            matches!(c, b'0' | b'1' | b'_')
        }
        accept(&mut p, b"+-");
        let mut digits: fn(u8) -> bool = dec;
        let mut base = 10;
        if accept(&mut p, b"0") {
            if accept(&mut p, b"xX") {
                digits = hex;
                base = 16;
            } else if accept(&mut p, b"oO") {
                digits = oct;
                base = 8;
            } else if accept(&mut p, b"bB") {
                digits = bin;
                base = 2;
            }
        }
        accept_run(&mut p, digits);
        if accept(&mut p, b".") {
            accept_run(&mut p, digits);
        }
        if base == 10 && accept(&mut p, b"eE") {
            accept(&mut p, b"+-");
            accept_run(&mut p, dec);
        }
        if base == 16 && accept(&mut p, b"pP") {
            accept(&mut p, b"+-");
            accept_run(&mut p, dec);
        }
        accept(&mut p, b"i");
        if let Some(c) = self.char_at(p)
            && is_alpha_numeric(c)
        {
            return (false, p + c.len_utf8());
        }
        (true, p)
    }
}

/// Go's `%#U` of the rune at a position (`eof`, -1, when there is none).
fn rune_u(r: Option<char>) -> String {
    match r {
        // Go prints eof (-1) with %#U as "U+FFFFFFFFFFFFFFFF".
        None => "U+FFFFFFFFFFFFFFFF".into(),
        Some(c) => fmt_rune_u(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_offsets_up_to_four_gib() {
        let a = Item::new(ItemType::Field, 7, 4_000_000_000);
        assert_eq!((a.pos(), a.end()), (7, 4_000_000_000));
        let b = Item::new(ItemType::Field, 4_000_000_000, 4_294_967_294);
        let ab = a.through(b);
        assert_eq!(
            (ab.typ, ab.pos(), ab.end()),
            (ItemType::Field, 7, 4_294_967_294)
        );
        assert_eq!((Item::eof().pos(), Item::eof().end()), (NO_POS, NO_POS));
    }

    fn collect(input: &str) -> Vec<(ItemType, String)> {
        let mut l = Lexer::new(input, "", "");
        let mut out = vec![];
        loop {
            let i = l.next_item();
            let done = matches!(i.typ, ItemType::Eof | ItemType::Error);
            let v = if i.typ == ItemType::Error {
                l.error_message().to_string()
            } else {
                l.val(&i).to_string()
            };
            out.push((i.typ, v));
            if done {
                return out;
            }
        }
    }

    #[test]
    fn trim_markers_need_space() {
        let items = collect("a {{- 3 -}} b{{-3}}");
        assert_eq!(items[0], (ItemType::Text, "a".into()));
        assert_eq!(items[2], (ItemType::Number, "3".into()));
        assert!(
            items
                .iter()
                .any(|(t, v)| *t == ItemType::Number && v == "-3")
        );
    }

    #[test]
    fn word_bytes_mask_matches_the_table() {
        for c in 0..=255u8 {
            for lane in 0..8 {
                // The byte in one lane, identifier and non-identifier bytes around it.
                for fill in [b'a', b' ', 0xC3] {
                    let mut bytes = [fill; 8];
                    bytes[lane] = c;
                    let m = word_bytes_mask(u64::from_le_bytes(bytes));
                    for (i, &b) in bytes.iter().enumerate() {
                        assert_eq!(m >> (8 * i + 7) & 1 == 1, WORD_BYTE[usize::from(b)]);
                    }
                    assert_eq!(m & !0x8080_8080_8080_8080, 0);
                }
            }
        }
    }

    #[test]
    fn words_end_where_go_ends_them() {
        for (src, want) in [
            ("{{.abcdefghij_KLMNOP0123.x}}", ".abcdefghij_KLMNOP0123"),
            ("{{.abcdefgh}}", ".abcdefgh"),
            ("{{.abcdefghé9ü x}}", ".abcdefghé9ü"),
            ("{{.abcdefghijklmnopq", ".abcdefghijklmnopq"),
        ] {
            let items = collect(src);
            assert_eq!(items[1], (ItemType::Field, want.into()), "{src}");
        }
    }

    #[test]
    fn unclosed_action() {
        let items = collect("{{");
        assert_eq!(
            items.last().map(|i| i.1.clone()),
            Some("unclosed action".into())
        );
    }

    #[test]
    fn lines_skip_action_delimiter_newlines() {
        // Go's counter skips the newline inside "<\n" / "\n>" around actions, not in comments.
        let src = "a\n<\n.x\n>b\n<\n/* c\n */\n>z";
        let mut l = Lexer::new(src, "<\n", "\n>");
        let mut lines = vec![];
        loop {
            let i = l.next_item();
            if i.typ == ItemType::Eof {
                break;
            }
            lines.push((l.val(&i).to_string(), l.line_of(i.pos())));
        }
        assert_eq!(
            lines,
            vec![
                ("a\n".into(), 1),
                ("<\n".into(), 2),
                (".x".into(), 2),
                ("\n>".into(), 2),
                ("b\n".into(), 2),
                ("z".into(), 6),
            ]
        );
    }
}
