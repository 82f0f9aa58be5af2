//! The template lexer: a line-by-line port of Go's `text/template/parse/lex.go` state machine.
//!
//! Kept structurally identical to Go's (same states, same backup rules) because parse errors,
//! trim-marker handling and line numbers all fall out of its exact token boundaries.

use std::borrow::Cow;

use crate::quote::{fmt_rune_u, quote_prec};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Comment,
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

#[derive(Clone, Debug)]
pub(crate) struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    pub val: Cow<'a, str>,
    pub line: usize,
}

impl Item<'_> {
    pub fn eof() -> Item<'static> {
        Item {
            typ: ItemType::Eof,
            pos: 0,
            val: Cow::Borrowed(""),
            line: 0,
        }
    }
}

impl std::fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(&self.val),
            t if t > ItemType::Keyword => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                write!(f, "{}...", quote_prec(&self.val, 10))
            }
            _ => f.write_str(&crate::quote::quote(&self.val)),
        }
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
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

const EOF: i32 = -1;
const TRIM_MARKER_LEN: usize = 2;
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";

#[derive(Clone, Copy)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    left_delim: String,
    right_delim: String,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i32,
    line: usize,
    start_line: usize,
    item: Item<'a>,
    inside_action: bool,
    pub break_ok: bool,
    pub continue_ok: bool,
    dead: bool,
}

fn is_space(r: i32) -> bool {
    r == ' ' as i32 || r == '\t' as i32 || r == '\r' as i32 || r == '\n' as i32
}

pub(crate) fn is_alpha_numeric(r: i32) -> bool {
    if r < 0 {
        return false;
    }
    if r < 0x80 {
        let b = r as u8;
        return b == b'_' || b.is_ascii_alphanumeric();
    }
    match char::from_u32(r as u32) {
        Some(c) => c == '_' || c.is_alphabetic() || crate::quote::is_go_digit(c),
        None => false,
    }
}

fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1] as i32)
}

fn has_right_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0] as i32) && s[1] == b'-'
}

/// `s.find(delim)`, by a memchr for the delimiter's first byte: templates are mostly text
/// between short delimiters, where building a substring searcher per call cost more than the search.
fn find_delim(s: &str, delim: &str) -> Option<usize> {
    let Some(&first) = delim.as_bytes().first() else {
        return Some(0);
    };
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if bytes[at..].starts_with(delim.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `b.starts_with(d)` for a delimiter: inline byte compares instead of a `memcmp` call, which
/// cost more than the compare for two-byte delimiters checked at every token.
fn starts_with_delim(b: &[u8], d: &[u8]) -> bool {
    b.len() >= d.len() && b.iter().zip(d).all(|(x, y)| x == y)
}

fn right_trim_length(s: &str) -> usize {
    s.len() - s.trim_end_matches([' ', '\t', '\r', '\n']).len()
}

fn left_trim_length(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t', '\r', '\n']).len()
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str, left: &str, right: &str) -> Lexer<'a> {
        Lexer {
            input,
            left_delim: if left.is_empty() {
                "{{".into()
            } else {
                left.into()
            },
            right_delim: if right.is_empty() {
                "}}".into()
            } else {
                right.into()
            },
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            item: Item::eof(),
            inside_action: false,
            break_ok: true,
            continue_ok: true,
            dead: false,
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> i32 {
        if self.pos >= self.input.len() {
            self.at_eof = true;
            return EOF;
        }
        let b = self.input.as_bytes()[self.pos];
        if b < 0x80 {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
            }
            return i32::from(b);
        }
        let c = self.input[self.pos..].chars().next().expect("pos < len");
        self.pos += c.len_utf8();
        c as i32
    }

    fn peek(&mut self) -> i32 {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            let b = self.input.as_bytes()[self.pos - 1];
            if b < 0x80 {
                self.pos -= 1;
                if b == b'\n' {
                    self.line -= 1;
                }
                return;
            }
            let c = self.input[..self.pos].chars().next_back().expect("pos > 0");
            self.pos -= c.len_utf8();
            if c == '\n' {
                self.line -= 1;
            }
        }
    }

    fn this_item(&mut self, t: ItemType) -> Item<'a> {
        let i = Item {
            typ: t,
            pos: self.start,
            val: Cow::Borrowed(&self.input[self.start..self.pos]),
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        i
    }

    fn emit(&mut self, t: ItemType) -> Option<State> {
        let i = self.this_item(t);
        self.emit_item(i)
    }

    fn emit_item(&mut self, i: Item<'a>) -> Option<State> {
        self.item = i;
        None
    }

    fn ignore(&mut self) {
        self.line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        let r = self.next();
        if r >= 0 && valid.contains(char::from_u32(r as u32).unwrap_or('\u{0}')) && r != 0 {
            return true;
        }
        self.backup();
        false
    }

    fn accept_run(&mut self, valid: &str) {
        loop {
            let r = self.next();
            if !(r > 0 && valid.contains(char::from_u32(r as u32).unwrap_or('\u{0}'))) {
                break;
            }
        }
        self.backup();
    }

    fn errorf(&mut self, msg: String) -> Option<State> {
        self.item = Item {
            typ: ItemType::Error,
            pos: self.start,
            val: Cow::Owned(msg),
            line: self.start_line,
        };
        self.start = 0;
        self.pos = 0;
        self.dead = true;
        None
    }

    pub fn next_item(&mut self) -> Item<'a> {
        self.item = Item {
            typ: ItemType::Eof,
            pos: self.pos,
            val: "EOF".into(),
            line: self.start_line,
        };
        if self.dead {
            self.item.pos = 0;
            return self.item.clone();
        }
        let mut state = if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        };
        loop {
            let next = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Space => self.lex_space(),
                State::Identifier => self.lex_identifier(),
                State::Field => self.lex_field_or_variable(ItemType::Field),
                State::Variable => self.lex_variable(),
                State::Char => self.lex_char(),
                State::Number => self.lex_number(),
                State::Quote => self.lex_quote(),
                State::RawQuote => self.lex_raw_quote(),
            };
            match next {
                Some(s) => state = s,
                None => return std::mem::replace(&mut self.item, Item::eof()),
            }
        }
    }

    fn input_bytes_from(&self, p: usize) -> &'a [u8] {
        if p >= self.input.len() {
            &[]
        } else {
            &self.input.as_bytes()[p..]
        }
    }

    fn lex_text(&mut self) -> Option<State> {
        if self.dead {
            return self.emit(ItemType::Eof);
        }
        if let Some(x) = find_delim(self.rest(), &self.left_delim) {
            if x > 0 {
                self.pos += x;
                let mut trim_length = 0;
                let delim_end = self.pos + self.left_delim.len();
                if has_left_trim_marker(self.input_bytes_from(delim_end)) {
                    trim_length = right_trim_length(&self.input[self.start..self.pos]);
                }
                self.pos -= trim_length;
                self.line += self.input[self.start..self.pos].matches('\n').count();
                let i = self.this_item(ItemType::Text);
                self.pos += trim_length;
                self.ignore();
                if !i.val.is_empty() {
                    return self.emit_item(i);
                }
            }
            return Some(State::LeftDelim);
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += self.input[self.start..self.pos].matches('\n').count();
            return self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof)
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let b = self.input_bytes_from(self.pos);
        if has_right_trim_marker(b)
            && starts_with_delim(
                self.input_bytes_from(self.pos + TRIM_MARKER_LEN),
                self.right_delim.as_bytes(),
            )
        {
            return (true, true);
        }
        if starts_with_delim(b, self.right_delim.as_bytes()) {
            return (true, false);
        }
        (false, false)
    }

    fn lex_left_delim(&mut self) -> Option<State> {
        self.pos += self.left_delim.len();
        let trim_space = has_left_trim_marker(self.input_bytes_from(self.pos));
        let after_marker = if trim_space { TRIM_MARKER_LEN } else { 0 };
        if self
            .input_bytes_from(self.pos + after_marker)
            .starts_with(LEFT_COMMENT.as_bytes())
        {
            self.pos += after_marker;
            self.ignore();
            return Some(State::Comment);
        }
        let i = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        self.emit_item(i)
    }

    fn lex_comment(&mut self) -> Option<State> {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim_space) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        self.line += self.input[self.start..self.pos].matches('\n').count();
        let _comment = self.this_item(ItemType::Comment);
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += self.right_delim.len();
        if trim_space {
            self.pos += left_trim_length(self.rest());
        }
        self.ignore();
        Some(State::Text)
    }

    fn lex_right_delim(&mut self) -> Option<State> {
        let (_, trim_space) = self.at_right_delim();
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += self.right_delim.len();
        let i = self.this_item(ItemType::RightDelim);
        if trim_space {
            self.pos += left_trim_length(self.rest());
            self.ignore();
        }
        self.inside_action = false;
        self.emit_item(i)
    }

    fn lex_inside_action(&mut self) -> Option<State> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Some(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let r = self.next();
        let c = if r >= 0 {
            char::from_u32(r as u32).unwrap_or('\u{FFFD}')
        } else {
            '\u{0}'
        };
        if r == EOF {
            return self.errorf("unclosed action".into());
        }
        if is_space(r) {
            self.backup();
            return Some(State::Space);
        }
        match c {
            '=' => return self.emit(ItemType::Assign),
            ':' => {
                if self.next() != '=' as i32 {
                    return self.errorf("expected :=".into());
                }
                return self.emit(ItemType::Declare);
            }
            '|' => return self.emit(ItemType::Pipe),
            '"' => return Some(State::Quote),
            '`' => return Some(State::RawQuote),
            '$' => return Some(State::Variable),
            '\'' => return Some(State::Char),
            '.' => {
                if self.pos < self.input.len() {
                    let b = self.input.as_bytes()[self.pos];
                    if !b.is_ascii_digit() {
                        return Some(State::Field);
                    }
                }
                self.backup();
                return Some(State::Number);
            }
            '+' | '-' | '0'..='9' => {
                self.backup();
                return Some(State::Number);
            }
            _ => {}
        }
        if is_alpha_numeric(r) {
            self.backup();
            return Some(State::Identifier);
        }
        match c {
            '(' => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.emit(ItemType::RightParen)
            }
            c if (c as u32) < 0x7f && (c as u32) >= 0x20 => self.emit(ItemType::Char),
            c => self.errorf(format!(
                "unrecognized character in action: {}",
                fmt_rune_u(c)
            )),
        }
    }

    fn lex_space(&mut self) -> Option<State> {
        // Spaces are ASCII: one byte each, so the run is scanned by bytes, counting newlines.
        let run = self
            .input_bytes_from(self.pos)
            .iter()
            .take_while(|&&b| is_space(i32::from(b)))
            .count();
        self.line += self.input.as_bytes()[self.pos..self.pos + run]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos += run;
        let num_spaces = run;
        if has_right_trim_marker(self.input_bytes_from(self.pos - 1))
            && starts_with_delim(
                self.input_bytes_from(self.pos - 1 + TRIM_MARKER_LEN),
                self.right_delim.as_bytes(),
            )
        {
            self.backup();
            if num_spaces == 1 {
                return Some(State::RightDelim);
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Option<State> {
        // The ASCII run of the word at once (no newline in it, so no line to count), then Go's
        // rune loop for the rest, as in lex_field_or_variable.
        let run = self.input.as_bytes()[self.pos.min(self.input.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        self.pos += run;
        loop {
            let r = self.next();
            if is_alpha_numeric(r) {
                continue;
            }
            self.backup();
            let word = &self.input[self.start..self.pos];
            if !self.at_terminator() {
                return self.errorf(format!("bad character {}", rune_u(r)));
            }
            if let Some(k) = keyword(word).filter(|k| *k > ItemType::Keyword) {
                if (k == ItemType::Break && !self.break_ok)
                    || (k == ItemType::Continue && !self.continue_ok)
                {
                    return self.emit(ItemType::Identifier);
                }
                return self.emit(k);
            }
            if word.starts_with('.') {
                return self.emit(ItemType::Field);
            }
            if word == "true" || word == "false" {
                return self.emit(ItemType::Bool);
            }
            return self.emit(ItemType::Identifier);
        }
    }

    fn lex_variable(&mut self) -> Option<State> {
        if self.at_terminator() {
            return self.emit(ItemType::Variable);
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Option<State> {
        if self.at_terminator() {
            if typ == ItemType::Variable {
                return self.emit(ItemType::Variable);
            }
            return self.emit(ItemType::Dot);
        }
        // The ASCII run of the name at once, then Go's rune loop for the rest.
        let run = self.input.as_bytes()[self.pos.min(self.input.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        self.pos += run;
        let mut r;
        loop {
            r = self.next();
            if !is_alpha_numeric(r) {
                self.backup();
                break;
            }
        }
        if !self.at_terminator() {
            return self.errorf(format!("bad character {}", rune_u(r)));
        }
        self.emit(typ)
    }

    fn at_terminator(&mut self) -> bool {
        let r = self.peek();
        if is_space(r) {
            return true;
        }
        if r == EOF {
            return true;
        }
        if let Some(c) = char::from_u32(r as u32)
            && matches!(c, '.' | ',' | '|' | ':' | ')' | '(')
        {
            return true;
        }
        starts_with_delim(self.rest().as_bytes(), self.right_delim.as_bytes())
    }

    fn lex_char(&mut self) -> Option<State> {
        loop {
            let r = self.next();
            if r == '\\' as i32 {
                let r2 = self.next();
                if r2 != EOF && r2 != '\n' as i32 {
                    continue;
                }
                return self.errorf("unterminated character constant".into());
            }
            if r == EOF || r == '\n' as i32 {
                return self.errorf("unterminated character constant".into());
            }
            if r == '\'' as i32 {
                break;
            }
        }
        self.emit(ItemType::CharConstant)
    }

    fn lex_number(&mut self) -> Option<State> {
        if !self.scan_number() {
            let s = self.input[self.start..self.pos].to_string();
            return self.errorf(format!("bad number syntax: {}", crate::quote::quote(&s)));
        }
        let sign = self.peek();
        if sign == '+' as i32 || sign == '-' as i32 {
            if !self.scan_number() || self.input.as_bytes()[self.pos - 1] != b'i' {
                let s = self.input[self.start..self.pos].to_string();
                return self.errorf(format!("bad number syntax: {}", crate::quote::quote(&s)));
            }
            return self.emit(ItemType::Complex);
        }
        self.emit(ItemType::Number)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if is_alpha_numeric(self.peek()) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> Option<State> {
        // Go's rune loop, by bytes: the bytes it stops at are ASCII, never inside a multi-byte
        // character, and no newline is crossed (one ends the string with an error), so no line
        // is counted. An escape skips one byte: the rest of an escaped multi-byte character is
        // continuation bytes, which match nothing here.
        let b = self.input.as_bytes();
        let mut i = self.pos;
        loop {
            match b.get(i) {
                None | Some(b'\n') => return self.errorf("unterminated quoted string".into()),
                Some(b'\\') => match b.get(i + 1) {
                    None | Some(b'\n') => {
                        return self.errorf("unterminated quoted string".into());
                    }
                    Some(_) => i += 2,
                },
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        self.emit(ItemType::String)
    }

    fn lex_raw_quote(&mut self) -> Option<State> {
        // Go's rune loop as a byte search (the backquote is ASCII), counting the newlines passed.
        let rest = self.input_bytes_from(self.pos);
        let Some(i) = rest.iter().position(|&b| b == b'`') else {
            return self.errorf("unterminated raw quoted string".into());
        };
        self.line += rest[..i].iter().filter(|&&b| b == b'\n').count();
        self.pos += i + 1;
        self.emit(ItemType::RawString)
    }
}

fn rune_u(r: i32) -> String {
    if r < 0 {
        // Go prints eof (-1) with %#U as "U+FFFFFFFFFFFFFFFF".
        return "U+FFFFFFFFFFFFFFFF".into();
    }
    fmt_rune_u(char::from_u32(r as u32).unwrap_or('\u{FFFD}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &str) -> Vec<(ItemType, String)> {
        let mut l = Lexer::new(input, "", "");
        let mut out = vec![];
        loop {
            let i = l.next_item();
            let done = matches!(i.typ, ItemType::Eof | ItemType::Error);
            out.push((i.typ, i.val.into_owned()));
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
    fn unclosed_action() {
        let items = collect("{{");
        assert_eq!(
            items.last().map(|i| i.1.clone()),
            Some("unclosed action".into())
        );
    }
}
