//! yaml.v2's emitter (a port of its `emitterc.go`, itself from libyaml) for the values `yaml.Marshal`
//! writes: block mappings and sequences, `{}`/`[]` for empty ones, scalar style selection, quoting,
//! literal blocks with indentation and chomping indicators, and folding at 80 columns.

use crate::gofloat;
use crate::node::Node;
use crate::resolve::{self, Tag};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

#[derive(Default)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// The emitter's state, named as in libyaml.
pub(crate) struct Emitter {
    /// yaml.v3's emitter rules instead of yaml.v2's.
    v3: bool,
    out: String,
    best_indent: i32,
    best_width: i32,
    indent: i32,
    indents: Vec<i32>,
    flow_level: i32,
    column: i32,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    root_context: bool,
    sequence_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

fn at(v: &[u8], i: usize) -> u8 {
    v.get(i).copied().unwrap_or(0)
}

fn width(b: u8) -> usize {
    if b & 0x80 == 0 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        1
    }
}

fn is_space(v: &[u8], i: usize) -> bool {
    at(v, i) == b' '
}

fn is_blank(v: &[u8], i: usize) -> bool {
    matches!(at(v, i), b' ' | b'\t')
}

fn is_break(v: &[u8], i: usize) -> bool {
    let b = at(v, i);
    b == b'\r'
        || b == b'\n'
        || b == 0xC2 && at(v, i + 1) == 0x85
        || b == 0xE2 && at(v, i + 1) == 0x80 && (at(v, i + 2) == 0xA8 || at(v, i + 2) == 0xA9)
}

fn is_blankz(v: &[u8], i: usize) -> bool {
    is_blank(v, i) || is_break(v, i) || at(v, i) == 0
}

fn is_printable(v: &[u8], i: usize) -> bool {
    let b = at(v, i);
    b == 0x0A
        || (0x20..=0x7E).contains(&b)
        || b == 0xC2 && at(v, i + 1) >= 0xA0
        || b > 0xC2 && b < 0xED
        || b == 0xED && at(v, i + 1) < 0xA0
        || b == 0xEE
        || b == 0xEF
            && !(at(v, i + 1) == 0xBB && at(v, i + 2) == 0xBF)
            && !(at(v, i + 1) == 0xBF && (at(v, i + 2) == 0xBE || at(v, i + 2) == 0xBF))
}

/// yaml.v2's `is_bom` ignores its index: it asks whether the whole value starts with a BOM, so
/// every character of such a value gets escaped in double quotes.
fn is_bom(v: &[u8], _i: usize) -> bool {
    at(v, 0) == 0xEF && at(v, 1) == 0xBB && at(v, 2) == 0xBF
}

fn analyze(value: &[u8], v3: bool) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut tab_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    if value.len() >= 3 && (value.starts_with(b"---") || value.starts_with(b"...")) {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(value[i]);
        let followed_by_whitespace = i + w >= value.len() || is_blank(value, i + w);
        if i == 0 {
            match value[i] {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                b'?' | b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match value[i] {
                b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
                b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        // The emitter is in unicode mode: only non-printable characters are special.
        if v3 && value[i] == b'\t' {
            tab_characters = true;
        } else if !is_printable(value, i) {
            special_characters = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(value, i);
        i += w;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if v3 && tab_characters {
        // yaml.v3: tabs rule out plain and single-quoted styles, not block scalars.
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The text and requested style of a scalar node, as yaml.v2's encoder asks for it.
fn scalar_of(n: &Node) -> Option<(String, Style)> {
    Some(match n {
        Node::Null => ("null".to_string(), Style::Plain),
        Node::Bool(b) => (b.to_string(), Style::Plain),
        Node::Int(i) => (i.to_string(), Style::Plain),
        Node::Uint(u) => (u.to_string(), Style::Plain),
        Node::Float(f) => {
            let s = match gofloat::g64(*f).as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                s => s.to_string(),
            };
            (s, Style::Plain)
        }
        Node::Str(s) => {
            let (tag, _) = resolve::resolve(s);
            let can_plain = tag == Tag::Str && !resolve::is_base60_float(s);
            let style = if s.contains('\n') {
                Style::Literal
            } else if can_plain {
                Style::Plain
            } else {
                Style::Double
            };
            (s.clone(), style)
        }
        Node::Seq(_) | Node::Map(_) => return None,
    })
}

/// yaml.v2's map key order (`keyList.Less`).
pub(crate) fn key_less(a: &Node, b: &Node, v3: bool) -> bool {
    fn key_float(n: &Node) -> Option<(f64, u8)> {
        match n {
            Node::Int(i) => Some((*i as f64, 2)),
            Node::Uint(u) => Some((*u as f64, 11)),
            Node::Float(f) => Some((*f, 14)),
            Node::Bool(b) => Some((if *b { 1.0 } else { 0.0 }, 1)),
            _ => None,
        }
    }
    fn kind(n: &Node) -> u8 {
        // reflect.Kind numbers: Bool 1, Int 2, Uint64 11, Float64 14, Interface 20, Map 21, Slice 23, String 24.
        match n {
            Node::Null => 20,
            Node::Bool(_) => 1,
            Node::Int(_) => 2,
            Node::Uint(_) => 11,
            Node::Float(_) => 14,
            Node::Str(_) => 24,
            Node::Seq(_) => 23,
            Node::Map(_) => 21,
        }
    }
    if let (Some((af, ak)), Some((bf, bk))) = (key_float(a), key_float(b)) {
        if af != bf {
            return af < bf;
        }
        if ak != bk {
            return ak < bk;
        }
        return match (a, b) {
            (Node::Int(x), Node::Int(y)) => x < y,
            (Node::Uint(x), Node::Uint(y)) => x < y,
            (Node::Float(x), Node::Float(y)) => x < y,
            (Node::Bool(x), Node::Bool(y)) => !x & y,
            _ => false,
        };
    }
    let (Node::Str(a), Node::Str(b)) = (a, b) else {
        return kind(a) < kind(b);
    };
    string_less(a, b, v3)
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// The string branch of yaml.v2's `keyList.Less`: digit runs compare as numbers.
pub(crate) fn string_less(a: &str, b: &str, v3: bool) -> bool {
    // Go compares runes; ASCII strings (the common case) need no decoding.
    if a.is_ascii() && b.is_ascii() {
        runes_less(a.as_bytes(), b.as_bytes(), v3)
    } else {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        runes_less(&ar, &br, v3)
    }
}

fn runes_less<T: Copy + Into<char>>(ar: &[T], br: &[T], v3: bool) -> bool {
    let c = |x: T| -> char { x.into() };
    let mut i = 0;
    let mut digits = false;
    while i < ar.len() && i < br.len() {
        let (x, y) = (c(ar[i]), c(br[i]));
        if x == y {
            digits = is_digit(x);
            i += 1;
            continue;
        }
        let al = is_letter(x);
        let bl = is_letter(y);
        if al && bl {
            return x < y;
        }
        if al || bl {
            // yaml.v3: after a digit, a letter sorts after a non-letter.
            return if v3 && digits { al } else { bl };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if x == '0' || y == '0' {
            let mut j = i as isize - 1;
            while j >= 0 && is_digit(c(ar[j as usize])) {
                if c(ar[j as usize]) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
                j -= 1;
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(c(ar[ai])) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(c(ar[ai]) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(c(br[bi])) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(c(br[bi]) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return x < y;
    }
    ar.len() < br.len()
}

/// Sorts map entries the way yaml.v2's (or v3's) encoder does: Go's `sort.Sort` with `keyList.Less`.
pub(crate) fn sort_entries(entries: &mut [&(Node, Node)], v3: bool) {
    crate::gosort::sort(entries, |x, y| key_less(&x.0, &y.0, v3));
}

impl Emitter {
    pub(crate) fn new(v3: bool) -> Emitter {
        Emitter {
            v3,
            out: String::new(),
            best_indent: 2,
            // yaml.v3 starts with width -1, which its stream start turns into "no folding".
            best_width: if v3 { i32::MAX } else { 80 },
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
            root_context: false,
            sequence_context: false,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    /// Emits one document holding `node` (yaml.v2 `Marshal`: implicit start and end) and returns the text.
    pub(crate) fn document(mut self, node: &Node, sort: bool) -> String {
        self.node(node, true, false, false, false, sort);
        self.write_indent();
        self.out
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        if self.v3 {
            self.indention = true;
        }
    }

    /// Copies one character of `v` at `*i`.
    fn write(&mut self, v: &[u8], i: &mut usize) {
        let w = width(v[*i]).min(v.len() - *i);
        self.out
            .push_str(std::str::from_utf8(&v[*i..*i + w]).unwrap_or("\u{fffd}"));
        self.column += 1;
        *i += w;
    }

    fn write_str(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            self.write(b, &mut i);
        }
    }

    fn write_break(&mut self, v: &[u8], i: &mut usize) {
        if v[*i] == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write(v, i);
            self.column = 0;
            if self.v3 {
                self.indention = true;
            }
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.write_str(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn node(&mut self, n: &Node, root: bool, seq: bool, map: bool, simple_key: bool, sort: bool) {
        self.root_context = root;
        self.sequence_context = seq;
        self.mapping_context = map;
        self.simple_key_context = simple_key;
        match n {
            Node::Seq(items) => {
                if self.flow_level > 0 || items.is_empty() {
                    self.write_indicator("[", true, true, false);
                    self.increase_indent(true, false);
                    self.flow_level += 1;
                    for (k, item) in items.iter().enumerate() {
                        if k > 0 {
                            self.write_indicator(",", false, false, false);
                        }
                        if self.column > self.best_width {
                            self.write_indent();
                        }
                        self.node(item, false, true, false, false, sort);
                    }
                    self.flow_level -= 1;
                    self.pop_indent();
                    self.write_indicator("]", false, false, false);
                } else {
                    // yaml.v3 (without CompactSeqIndent) indents every block sequence.
                    let indentless = !self.v3 && self.mapping_context && !self.indention;
                    self.increase_indent(false, indentless);
                    for item in items {
                        self.write_indent();
                        self.write_indicator("-", true, false, true);
                        self.node(item, false, true, false, false, sort);
                    }
                    self.pop_indent();
                }
            }
            Node::Map(entries) => {
                let mut refs: Vec<&(Node, Node)> = entries.iter().collect();
                if sort {
                    sort_entries(&mut refs, self.v3);
                }
                let entries = refs;
                if self.flow_level > 0 || entries.is_empty() {
                    self.write_indicator("{", true, true, false);
                    self.increase_indent(true, false);
                    self.flow_level += 1;
                    for (k, (key, value)) in entries.iter().enumerate() {
                        if k > 0 {
                            self.write_indicator(",", false, false, false);
                        }
                        if self.column > self.best_width {
                            self.write_indent();
                        }
                        if self.check_simple_key(key) {
                            self.node(key, false, false, true, true, sort);
                            self.write_indicator(":", false, false, false);
                        } else {
                            self.write_indicator("?", true, false, false);
                            self.node(key, false, false, true, false, sort);
                            if self.column > self.best_width {
                                self.write_indent();
                            }
                            self.write_indicator(":", true, false, false);
                        }
                        self.node(value, false, false, true, false, sort);
                    }
                    self.flow_level -= 1;
                    self.pop_indent();
                    self.write_indicator("}", false, false, false);
                } else {
                    self.increase_indent(false, false);
                    for (key, value) in entries {
                        self.write_indent();
                        if self.check_simple_key(key) {
                            self.node(key, false, false, true, true, sort);
                            self.write_indicator(":", false, false, false);
                        } else {
                            self.write_indicator("?", true, false, true);
                            self.node(key, false, false, true, false, sort);
                            self.write_indent();
                            self.write_indicator(":", true, false, true);
                        }
                        self.node(value, false, false, true, false, sort);
                    }
                    self.pop_indent();
                }
            }
            scalar => {
                let (text, style) = scalar_of(scalar).unwrap_or_default_scalar();
                self.scalar(&text, style);
            }
        }
    }

    fn check_simple_key(&self, key: &Node) -> bool {
        match key {
            Node::Seq(items) => items.is_empty(),
            Node::Map(entries) => entries.is_empty(),
            scalar => {
                let (text, _) = scalar_of(scalar).unwrap_or_default_scalar();
                let a = analyze(text.as_bytes(), self.v3);
                !a.multiline && text.len() <= 128
            }
        }
    }

    fn scalar(&mut self, text: &str, requested: Style) {
        let v = text.as_bytes();
        let a = analyze(v, self.v3);
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if self.flow_level > 0 && !a.flow_plain_allowed
                || self.flow_level == 0 && !a.block_plain_allowed
            {
                style = Style::Single;
            }
            if v.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(v, allow_breaks),
            Style::Single => self.write_single(v, allow_breaks),
            Style::Double => self.write_double(v, allow_breaks),
            Style::Literal => self.write_literal(v),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, v: &[u8], allow_breaks: bool) {
        // yaml.v3 writes nothing at all for an empty plain scalar.
        let silent = self.v3 && v.is_empty();
        if !self.whitespace && !silent {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            if is_space(v, i) {
                if allow_breaks && !spaces && self.column > self.best_width && !is_space(v, i + 1) {
                    self.write_indent();
                    i += width(v[i]);
                } else {
                    self.write(v, &mut i);
                }
                spaces = true;
            } else if is_break(v, i) {
                if !breaks && v[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(v, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(v, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if !silent {
            self.whitespace = false;
        }
        self.indention = false;
        if self.root_context {
            self.open_ended = true;
        }
    }

    fn write_single(&mut self, v: &[u8], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            if is_space(v, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i < v.len() - 1
                    && !is_space(v, i + 1)
                {
                    self.write_indent();
                    i += width(v[i]);
                } else {
                    self.write(v, &mut i);
                }
                spaces = true;
            } else if is_break(v, i) {
                if !breaks && v[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(v, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if v[i] == b'\'' {
                    self.put('\'');
                }
                self.write(v, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[u8], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        let mut i = 0;
        while i < v.len() {
            if !is_printable(v, i)
                || is_bom(v, i)
                || is_break(v, i)
                || v[i] == b'"'
                || v[i] == b'\\'
            {
                let octet = v[i];
                let (w, mut c) = if octet & 0x80 == 0 {
                    (1, (octet & 0x7F) as u32)
                } else if octet & 0xE0 == 0xC0 {
                    (2, (octet & 0x1F) as u32)
                } else if octet & 0xF0 == 0xE0 {
                    (3, (octet & 0x0F) as u32)
                } else {
                    (4, (octet & 0x07) as u32)
                };
                for k in 1..w {
                    c = (c << 6) + (at(v, i + k) as u32 & 0x3F);
                }
                i += w;
                self.put('\\');
                match c {
                    0x00 => self.put('0'),
                    0x07 => self.put('a'),
                    0x08 => self.put('b'),
                    0x09 => self.put('t'),
                    0x0A => self.put('n'),
                    0x0B => self.put('v'),
                    0x0C => self.put('f'),
                    0x0D => self.put('r'),
                    0x1B => self.put('e'),
                    0x22 => self.put('"'),
                    0x5C => self.put('\\'),
                    0x85 => self.put('N'),
                    0xA0 => self.put('_'),
                    0x2028 => self.put('L'),
                    0x2029 => self.put('P'),
                    _ => {
                        let (ch, digits) = if c <= 0xFF {
                            ('x', 2)
                        } else if c <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ch);
                        for k in (0..digits).rev() {
                            let d = (c >> (k * 4)) & 0xF;
                            self.put(char::from_digit(d, 16).unwrap_or('0').to_ascii_uppercase());
                        }
                    }
                }
                spaces = false;
            } else if is_space(v, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i < v.len() - 1
                {
                    self.write_indent();
                    if is_space(v, i + 1) {
                        self.put('\\');
                    }
                    i += width(v[i]);
                } else {
                    self.write(v, &mut i);
                }
                spaces = true;
            } else {
                self.write(v, &mut i);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn block_hints(&mut self, v: &[u8]) {
        if is_space(v, 0) || is_break(v, 0) {
            let hint = char::from(b'0' + self.best_indent as u8).to_string();
            self.write_indicator(&hint, false, false, false);
        }
        self.open_ended = false;
        let mut chomp = None;
        if v.is_empty() {
            chomp = Some("-");
        } else {
            let mut i = v.len() - 1;
            while i > 0 && v[i] & 0xC0 == 0x80 {
                i -= 1;
            }
            if !is_break(v, i) {
                chomp = Some("-");
            } else if i == 0 {
                chomp = Some("+");
                self.open_ended = true;
            } else {
                i -= 1;
                while i > 0 && v[i] & 0xC0 == 0x80 {
                    i -= 1;
                }
                if is_break(v, i) {
                    chomp = Some("+");
                    self.open_ended = true;
                }
            }
        }
        if let Some(c) = chomp {
            self.write_indicator(c, false, false, false);
        }
    }

    fn write_literal(&mut self, v: &[u8]) {
        self.write_indicator("|", true, false, false);
        self.block_hints(v);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < v.len() {
            if is_break(v, i) {
                self.write_break(v, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(v, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

trait OrDefaultScalar {
    fn unwrap_or_default_scalar(self) -> (String, Style);
}

impl OrDefaultScalar for Option<(String, Style)> {
    fn unwrap_or_default_scalar(self) -> (String, Style) {
        self.unwrap_or_else(|| (String::new(), Style::Plain))
    }
}

/// yaml.v2 `Marshal` of a decoded value (maps sorted by yaml.v2's key order).
pub fn marshal(node: &Node) -> String {
    Emitter::new(false).document(node, true)
}

/// yaml.v3 `Encoder` with `SetIndent(2)` of nodes whose mappings are already in output order
/// (maps sorted by the caller, struct fields in declaration order).
pub fn marshal_v3_presorted(node: &Node) -> String {
    Emitter::new(true).document(node, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Node {
        Node::Str(x.to_string())
    }

    #[test]
    fn basic() {
        let n = Node::Map(vec![
            (s("b"), Node::Seq(vec![Node::Int(1), s("yes")])),
            (s("a"), Node::Map(vec![])),
            (s("c"), s("x\ny\n")),
        ]);
        assert_eq!(marshal(&n), "a: {}\nb:\n- 1\n- \"yes\"\nc: |\n  x\n  y\n");
    }

    #[test]
    fn key_order() {
        assert!(string_less("a2", "a10", false));
        assert!(string_less("a", "b", false));
        assert!(!string_less("b", "a", false));
    }
}
