//! Go's `fmt` as `text/template` uses it: `Fprint` of action results and the `print`, `printf`, `println` builtins.
//!
//! A port of Go 1.26 `src/fmt/print.go` and `format.go` over canon's [`Value`] model, written by hand
//! because templates' output must match Go byte for byte: verbs, flags, widths counted in runes,
//! `%!verb(type=value)` error texts, map key order, Go's float layouts and `strconv.Quote` escapes.
//!
//! Verified against Go itself: `testdata/` holds over 13,000 cases whose expected output was printed
//! by Go 1.26 (the template oracle in `tools/oracle`, and Go's own `fmt_test.go` table), and the
//! generators there have been run for millions more (see `tests.rs`).
//!
//! Digits come from `itoa` (integers) and `zmij` (shortest float digits, which are Go's); layouts,
//! rounding rules and escapes are Go's, ported. `%q` uses Go's own `strconv.IsPrint` table
//! (`isprint.rs`, generated from Go) rather than a Unicode crate, whose Unicode version would differ.
//!
//! Known differences, all outside what templates print in practice:
//! - Go strings are bytes; ours are `String`s, so a `[]byte` holding invalid UTF-8 printed raw (`%s`,
//!   `%c`) is written with U+FFFD replacements (`%q`, `%x`, `%v` of such bytes are exact).
//! - An [`Object`](crate::value::Object) prints as a Stringer: `display()` for `%v %s %q %x %X`;
//!   other verbs give `%!d(type=display)`, where Go would walk the struct's fields.
//! - `%p` of a slice, map or object prints the address of canon's value, which cannot be Go's.

mod float;
mod isprint;
mod quote;

pub use float::format_float;
pub use quote::quote;

use crate::value::{ElemType, FloatKind, IntKind, List, UintKind, Value};
use quote::{MAX_RUNE, RUNE_ERROR};
use std::sync::Arc;

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";

/// Go `fmt.Sprint`: a space between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::with_capacity(16 * args.len());
    write_sprint(&mut out, args);
    out
}

/// Go `fmt.Sprintln`: operands separated by spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::with_capacity(16 * args.len() + 1);
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(&mut out, a);
    }
    out.push('\n');
    out
}

/// Go `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(format.len() + 8 * args.len());
    write_sprintf(&mut out, format, args);
    out
}

/// Go `fmt.Fprintf` into `out`: [`sprintf`] without a new string.
pub fn write_sprintf(out: &mut String, format: &str, args: &[Value]) {
    Printer::new(out).do_printf(format, args);
}

/// Go `fmt.Fprint` into `out`: [`sprint`] without a new string.
pub fn write_sprint(out: &mut String, args: &[Value]) {
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_value(out, a);
        prev_string = is_string;
    }
}

/// Go `fmt.Fprint` of one value (`%v`), appended to `out`.
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Int(i, _) => push_int(out, *i),
        Value::Uint(u, _) => push_uint(out, *u),
        Value::Float(x, k) => float::append_float(out, *x, b'g', -1, float_size(*k)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Nil => out.push_str("<nil>"),
        _ => Printer::new(out).print_arg(v, 'v'),
    }
}

/// The Go type name as `%T` prints it.
pub fn type_name(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Int(_, k) => int_kind_name(*k).to_string(),
        Value::Uint(_, k) => uint_kind_name(*k).to_string(),
        Value::Float(_, k) => float_kind_name(*k).to_string(),
        Value::String(_) => "string".to_string(),
        Value::Bytes(_) => "[]uint8".to_string(),
        Value::List(l) => format!("[]{}", elem_type_name(&l.elem)),
        Value::Map(m) => match &m.type_name {
            Some(n) => n.to_string(),
            None => format!("map[string]{}", elem_type_name(&m.elem)),
        },
        Value::Object(o) => o.type_name(),
    }
}

/// The Go spelling of an element type, e.g. `interface {}` or `map[string][]int`.
pub fn elem_type_name(t: &ElemType) -> String {
    match t {
        ElemType::Interface => "interface {}".to_string(),
        ElemType::Bool => "bool".to_string(),
        ElemType::Int(k) => int_kind_name(*k).to_string(),
        ElemType::Uint(k) => uint_kind_name(*k).to_string(),
        ElemType::Float(k) => float_kind_name(*k).to_string(),
        ElemType::String => "string".to_string(),
        ElemType::Slice(e) => format!("[]{}", elem_type_name(e)),
        ElemType::Map(e) => format!("map[string]{}", elem_type_name(e)),
    }
}

fn int_kind_name(k: IntKind) -> &'static str {
    match k {
        IntKind::Int => "int",
        IntKind::Int8 => "int8",
        IntKind::Int16 => "int16",
        IntKind::Int32 => "int32",
        IntKind::Int64 => "int64",
    }
}

fn uint_kind_name(k: UintKind) -> &'static str {
    match k {
        UintKind::Uint => "uint",
        UintKind::Uint8 => "uint8",
        UintKind::Uint16 => "uint16",
        UintKind::Uint32 => "uint32",
        UintKind::Uint64 => "uint64",
        UintKind::Uintptr => "uintptr",
    }
}

fn float_kind_name(k: FloatKind) -> &'static str {
    match k {
        FloatKind::F32 => "float32",
        FloatKind::F64 => "float64",
    }
}

fn float_size(k: FloatKind) -> u32 {
    match k {
        FloatKind::F32 => 32,
        FloatKind::F64 => 64,
    }
}

fn push_uint(out: &mut String, u: u64) {
    out.push_str(itoa::Buffer::new().format(u));
}

fn push_int(out: &mut String, i: i64) {
    out.push_str(itoa::Buffer::new().format(i));
}

/// A host object that is a Go `complex128` or `complex64` (template constants like `1+2i`):
/// its parts and size in bits, read back from its `%v` text `(re±imi)`, which holds them exactly
/// (shortest float digits round-trip). The value model has no complex variant.
fn object_complex(o: &dyn crate::value::Object) -> Option<(f64, f64, u32)> {
    let size = match o.type_name().as_str() {
        "complex128" => 128,
        "complex64" => 64,
        _ => return None,
    };
    let text = o.display();
    let inner = text.strip_prefix('(')?.strip_suffix("i)")?;
    let b = inner.as_bytes();
    // The imaginary part starts at the last sign that is not the first byte or an exponent's.
    let split = (1..b.len())
        .rev()
        .find(|&i| matches!(b[i], b'+' | b'-') && !matches!(b[i - 1], b'e' | b'E'))?;
    let part = |s: &str| -> Option<f64> {
        match s {
            "NaN" | "+NaN" => Some(f64::NAN),
            "+Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            _ => s.parse().ok(),
        }
    };
    Some((part(&inner[..split])?, part(&inner[split..])?, size))
}

/// Whether a list is a Go `[]uint8` (`[]byte`), which `%s %q %x %X` print as a string.
fn is_byte_list(l: &List) -> bool {
    l.elem == ElemType::Uint(UintKind::Uint8)
}

fn list_bytes(l: &List) -> Vec<u8> {
    l.items
        .iter()
        .map(|v| match v {
            Value::Uint(u, _) => *u as u8,
            Value::Int(i, _) => *i as u8,
            _ => 0,
        })
        .collect()
}

/// Go's `tooLarge`: widths and precisions beyond a million are refused.
fn too_large(x: i64) -> bool {
    const MAX: i64 = 1_000_000;
    !(-MAX..=MAX).contains(&x)
}

/// Go's `parsenum`: a decimal number in `s[start..end]`, whether there was one, and where it stops.
fn parsenum(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut newi = start;
    while newi < end && s[newi].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[newi] - b'0');
        isnum = true;
        newi += 1;
    }
    (num, isnum, newi)
}

/// Go's `parseArgNumber`: `[n]` at the start of `s` as a zero-based index, its length, and validity.
fn parse_arg_number(s: &[u8]) -> (i64, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..s.len() {
        if s[i] == b']' {
            let (width, ok, newi) = parsenum(s, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// Go's `intFromArg`: a `*` width or precision taken from the argument list.
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    let mut new_arg_num = arg_num;
    let mut num = 0;
    let mut is_int = false;
    if let Some(a) = args.get(arg_num) {
        match a {
            Value::Int(n, _) => {
                num = *n;
                is_int = true;
            }
            Value::Uint(n, _) if i64::try_from(*n).is_ok() => {
                num = *n as i64;
                is_int = true;
            }
            _ => {}
        }
        new_arg_num = arg_num + 1;
        if too_large(num) {
            num = 0;
            is_int = false;
        }
    }
    (num, is_int, new_arg_num)
}

#[derive(Clone, Copy, Default)]
struct Flags {
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    /// `%+v`: set instead of `plus` for the `v` verb.
    plus_v: bool,
    /// `%#v`: set instead of `sharp` for the `v` verb.
    sharp_v: bool,
    wid: i64,
    prec: i64,
}

/// Go's `pp` and `fmt` state: the output and the flags of the verb being printed.
struct Printer<'a> {
    buf: &'a mut String,
    f: Flags,
    /// Inside a `%!verb(...)` report, where Stringers are not called.
    erroring: bool,
    reordered: bool,
    good_arg_num: bool,
}

impl<'a> Printer<'a> {
    fn new(buf: &'a mut String) -> Self {
        Printer {
            buf,
            f: Flags::default(),
            erroring: false,
            reordered: false,
            good_arg_num: true,
        }
    }

    // ---- format.go ----

    fn write_padding(&mut self, n: i64) {
        const SPACES: &str = "                                                                ";
        const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
        if n <= 0 {
            return;
        }
        let pad = if self.f.zero && !self.f.minus {
            ZEROS
        } else {
            SPACES
        };
        let mut n = n as usize;
        self.buf.reserve(n);
        while n > 0 {
            let k = n.min(pad.len());
            self.buf.push_str(&pad[..k]);
            n -= k;
        }
    }

    /// Go's `pad` of bytes: invalid UTF-8 is written with replacement characters (see module doc).
    fn pad_bytes(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) if !crate::gostr::may_have_escapes(s) => self.pad_str(s),
            _ => {
                let width = if self.f.wid_present && self.f.wid != 0 {
                    self.f.wid - quote::rune_count(b) as i64
                } else {
                    0
                };
                if !self.f.minus {
                    self.write_padding(width);
                    self.buf.push_str(&crate::gostr::from_go_bytes(b));
                } else {
                    self.buf.push_str(&crate::gostr::from_go_bytes(b));
                    self.write_padding(width);
                }
            }
        }
    }

    fn pad_str(&mut self, s: &str) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.push_str(s);
            return;
        }
        let width = self.f.wid - crate::gostr::rune_count(s) as i64;
        if !self.f.minus {
            self.write_padding(width);
            self.buf.push_str(s);
        } else {
            self.buf.push_str(s);
            self.write_padding(width);
        }
    }

    fn fmt_boolean(&mut self, v: bool) {
        self.pad_str(if v { "true" } else { "false" });
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec: i64 = 4;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let mut s = String::with_capacity(18);
        s.push_str("U+");
        let mut hex = [0u8; 16];
        let mut i = hex.len();
        let mut v = u;
        loop {
            i -= 1;
            hex[i] = UDIGITS[(v & 0xF) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        let ndig = (hex.len() - i) as i64;
        for _ in ndig..prec {
            s.push('0');
        }
        for &b in &hex[i..] {
            s.push(char::from(b));
        }
        if self.f.sharp
            && u <= u64::from(MAX_RUNE)
            && quote::is_print(u as u32)
            && let Some(c) = char::from_u32(u as u32)
        {
            s.push_str(" '");
            s.push(c);
            s.push('\'');
        }
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad_str(&s);
        self.f.zero = old_zero;
    }

    fn fmt_integer(&mut self, u: u64, base: u32, is_signed: bool, verb: char, digits: &[u8; 17]) {
        // Plain decimal, the common case: no padding, precision, sign or prefix to place.
        if base == 10
            && !self.f.wid_present
            && !self.f.prec_present
            && !self.f.plus
            && !self.f.space
        {
            if is_signed {
                push_int(self.buf, u as i64);
            } else {
                push_uint(self.buf, u);
            }
            return;
        }
        let negative = is_signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };
        let mut stack = [0u8; 68];
        let mut heap = Vec::new();
        let need = if self.f.wid_present || self.f.prec_present {
            3 + self.f.wid + self.f.prec
        } else {
            0
        };
        let buf: &mut [u8] = if need > 68 {
            heap.resize(need as usize, 0);
            &mut heap
        } else {
            &mut stack
        };
        let mut prec: i64 = 0;
        if self.f.prec_present {
            prec = self.f.prec;
            // Precision 0 and value 0 print nothing but padding.
            if prec == 0 && u == 0 {
                let old_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old_zero;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1;
            }
        }
        let len = buf.len();
        let mut i = len;
        let b = u64::from(base);
        while u >= b {
            i -= 1;
            buf[i] = digits[(u % b) as usize];
            u /= b;
        }
        i -= 1;
        buf[i] = digits[u as usize];
        while i > 0 && prec > (len - i) as i64 {
            i -= 1;
            buf[i] = b'0';
        }
        if self.f.sharp {
            match base {
                2 => {
                    i -= 2;
                    buf[i] = b'0';
                    buf[i + 1] = b'b';
                }
                8 if buf[i] != b'0' => {
                    i -= 1;
                    buf[i] = b'0';
                }
                16 => {
                    i -= 2;
                    buf[i] = b'0';
                    buf[i + 1] = digits[16];
                }
                _ => {}
            }
        }
        if verb == 'O' {
            i -= 2;
            buf[i] = b'0';
            buf[i + 1] = b'o';
        }
        if negative {
            i -= 1;
            buf[i] = b'-';
        } else if self.f.plus {
            i -= 1;
            buf[i] = b'+';
        } else if self.f.space {
            i -= 1;
            buf[i] = b' ';
        }
        let old_zero = self.f.zero;
        self.f.zero = false;
        // All ASCII, so rune count is byte count.
        let s = std::str::from_utf8(&buf[i..]).unwrap_or("");
        self.pad_str(s);
        self.f.zero = old_zero;
    }

    /// Go's `truncate`: at most `prec` runes when a precision is given.
    fn truncate<'b>(&self, b: &'b [u8]) -> &'b [u8] {
        if self.f.prec_present {
            let mut n = self.f.prec;
            let mut i = 0;
            while i < b.len() {
                n -= 1;
                if n < 0 {
                    return &b[..i];
                }
                let (_, w) = quote::decode_rune(&b[i..]);
                i += w;
            }
        }
        b
    }

    fn fmt_s(&mut self, s: &str) {
        if crate::gostr::may_have_escapes(s) {
            // Widths and precisions count the runes Go decodes from the bytes.
            return self.fmt_bs(&crate::gostr::to_go_bytes(s));
        }
        let t = self.truncate(s.as_bytes()).len();
        self.pad_str(&s[..t]);
    }

    fn fmt_bs(&mut self, b: &[u8]) {
        let b = self.truncate(b);
        self.pad_bytes(b);
    }

    /// Go's `fmtSbx`: hexadecimal encoding of the bytes of a string or byte slice.
    fn fmt_sbx(&mut self, s: &[u8], digits: &[u8; 17]) {
        let mut length = s.len() as i64;
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        let buf = &mut *self.buf;
        if self.f.sharp {
            buf.push('0');
            buf.push(char::from(digits[16]));
        }
        for (i, &c) in s[..length as usize].iter().enumerate() {
            if self.f.space && i > 0 {
                buf.push(' ');
                if self.f.sharp {
                    buf.push('0');
                    buf.push(char::from(digits[16]));
                }
            }
            buf.push(char::from(digits[usize::from(c >> 4)]));
            buf.push(char::from(digits[usize::from(c & 0xF)]));
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    /// Go's `fmtQ`: a double-quoted Go string, or backquoted with `#` when possible.
    fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        if self.f.sharp && quote::can_backquote(s) {
            let mut q = String::with_capacity(s.len() + 2);
            q.push('`');
            q.push_str(&crate::gostr::from_go_bytes(s));
            q.push('`');
            self.pad_str(&q);
            return;
        }
        if !self.f.wid_present {
            quote::append_quoted(self.buf, s, b'"', self.f.plus);
            return;
        }
        let mut q = String::with_capacity(s.len() + 2);
        quote::append_quoted(&mut q, s, b'"', self.f.plus);
        self.pad_str(&q);
    }

    fn fmt_c(&mut self, c: u64) {
        let r = if c > u64::from(MAX_RUNE) {
            RUNE_ERROR
        } else {
            c as u32
        };
        let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
        let mut tmp = [0u8; 4];
        let s: &str = ch.encode_utf8(&mut tmp);
        self.pad_str(s);
    }

    fn fmt_qc(&mut self, c: u64) {
        let r = if c > u64::from(MAX_RUNE) {
            RUNE_ERROR
        } else {
            c as u32
        };
        let mut q = String::with_capacity(8);
        quote::append_quoted_rune(&mut q, r, self.f.plus);
        self.pad_str(&q);
    }

    fn fmt_float_raw(&mut self, v: f64, size: u32, verb: u8, prec: i32) {
        let prec = if self.f.prec_present {
            self.f.prec as i32
        } else {
            prec
        };
        // Without width, sign or '#' flags Go prints strconv's text unchanged ("+Inf" included).
        if !self.f.wid_present && !self.f.plus && !self.f.space && !self.f.sharp {
            float::append_float(self.buf, v, verb, prec, size);
            return;
        }
        let mut s = String::with_capacity(24);
        s.push('+');
        float::append_float(&mut s, v, verb, prec, size);
        let mut num = s.into_bytes();
        if num[1] == b'-' || num[1] == b'+' {
            num.remove(0);
        } else {
            num[0] = b'+';
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        // Infinities and NaN don't look like numbers and are not zero padded.
        if num[1] == b'I' || num[1] == b'N' {
            let old_zero = self.f.zero;
            self.f.zero = false;
            if num[1] == b'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad_bytes(&num);
            self.f.zero = old_zero;
            return;
        }
        // The sharp flag forces a decimal point and keeps trailing zeros.
        if self.f.sharp && verb != b'b' {
            let mut digits: i64 = 0;
            if matches!(verb, b'v' | b'g' | b'G' | b'x') {
                digits = i64::from(prec);
                if digits == -1 {
                    digits = 6;
                }
            }
            let mut tail: Vec<u8> = Vec::new();
            let mut has_decimal_point = false;
            let mut saw_nonzero_digit = false;
            let mut i = 1;
            while i < num.len() {
                match num[i] {
                    b'.' => has_decimal_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero_digit = true;
                        }
                        if saw_nonzero_digit {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_decimal_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            // Zero padding goes after the sign.
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > num.len() as i64 {
                self.buf.push(char::from(num[0]));
                self.write_padding(self.f.wid - num.len() as i64);
                for &b in &num[1..] {
                    self.buf.push(char::from(b));
                }
                return;
            }
            self.pad_bytes(&num);
            return;
        }
        self.pad_bytes(&num[1..]);
    }

    // ---- print.go ----

    fn bad_verb(&mut self, verb: char, v: Option<&Value>) {
        self.erroring = true;
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match v {
            Some(v) if !matches!(v, Value::Nil) => {
                let t = type_name(v);
                self.buf.push_str(&t);
                self.buf.push('=');
                self.print_arg(v, 'v');
            }
            _ => self.buf.push_str("<nil>"),
        }
        self.buf.push(')');
        self.erroring = false;
    }

    fn fmt_bool(&mut self, v: bool, verb: char, arg: &Value) {
        match verb {
            't' | 'v' => self.fmt_boolean(v),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading0x;
        self.fmt_integer(v, 16, false, 'v', LDIGITS);
        self.f.sharp = sharp;
    }

    fn fmt_int(&mut self, v: u64, is_signed: bool, verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v && !is_signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt_integer(v, 10, is_signed, verb, LDIGITS);
                }
            }
            'd' => self.fmt_integer(v, 10, is_signed, verb, LDIGITS),
            'b' => self.fmt_integer(v, 2, is_signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer(v, 8, is_signed, verb, LDIGITS),
            'x' => self.fmt_integer(v, 16, is_signed, verb, LDIGITS),
            'X' => self.fmt_integer(v, 16, is_signed, verb, UDIGITS),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_float(&mut self, v: f64, size: u32, verb: char, arg: &Value) {
        match verb {
            'v' => self.fmt_float_raw(v, size, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float_raw(v, size, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float_raw(v, size, verb as u8, 6),
            'F' => self.fmt_float_raw(v, size, b'f', 6),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_string(&mut self, v: &str, verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(&crate::gostr::to_go_bytes(v));
                } else {
                    self.fmt_s(v);
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sbx(&crate::gostr::to_go_bytes(v), LDIGITS),
            'X' => self.fmt_sbx(&crate::gostr::to_go_bytes(v), UDIGITS),
            'q' => self.fmt_q(&crate::gostr::to_go_bytes(v)),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    /// Go's `fmtBytes`; `type_string` is what `%#v` prints before the braces.
    fn fmt_bytes(&mut self, v: &[u8], verb: char, type_string: &str) {
        match verb {
            'v' | 'd' => {
                if self.f.sharp_v {
                    self.buf.push_str(type_string);
                    self.buf.push('{');
                    for (i, &c) in v.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.fmt_0x64(u64::from(c), true);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for (i, &c) in v.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        self.fmt_integer(u64::from(c), 10, false, verb, LDIGITS);
                    }
                    self.buf.push(']');
                }
            }
            's' => self.fmt_bs(v),
            'x' => self.fmt_sbx(v, LDIGITS),
            'X' => self.fmt_sbx(v, UDIGITS),
            'q' => self.fmt_q(v),
            _ => self.print_byte_elems(v, verb),
        }
    }

    /// A byte slice printed element by element (`printValue` of a `[]uint8` with another verb).
    fn print_byte_elems(&mut self, v: &[u8], verb: char) {
        if self.f.sharp_v {
            self.buf.push_str("[]uint8{");
        } else {
            self.buf.push('[');
        }
        for (i, &c) in v.iter().enumerate() {
            if i > 0 {
                self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
            }
            let elem = Value::Uint(u64::from(c), UintKind::Uint8);
            self.fmt_int(u64::from(c), false, verb, &elem);
        }
        self.buf.push(if self.f.sharp_v { '}' } else { ']' });
    }

    /// Go's `printArg`: a top-level operand.
    fn print_arg(&mut self, v: &Value, verb: char) {
        if let Value::Nil = v {
            match verb {
                'T' | 'v' => self.pad_str("<nil>"),
                _ => self.bad_verb(verb, None),
            }
            return;
        }
        match verb {
            'T' => {
                let t = type_name(v);
                self.fmt_s(&t);
                return;
            }
            'p' => {
                self.fmt_pointer(v);
                return;
            }
            _ => {}
        }
        match v {
            Value::Bytes(b) => self.fmt_bytes(b, verb, "[]byte"),
            Value::List(l) if is_byte_list(l) => {
                if l.is_nil() && self.f.sharp_v && matches!(verb, 'v' | 'd') {
                    self.buf.push_str("[]byte(nil)");
                    return;
                }
                let b = list_bytes(l);
                self.fmt_bytes(&b, verb, "[]byte");
            }
            Value::List(_) | Value::Map(_) | Value::Object(_) if verb == 'w' => {
                self.bad_verb(verb, Some(v));
            }
            _ => self.print_value(v, verb, 0),
        }
    }

    /// Go's `fmtPointer` for `%p`: references print an address (ours, so never Go's), others a bad verb.
    fn fmt_pointer(&mut self, v: &Value) {
        let addr = match v {
            Value::Bytes(b) => b.as_ptr() as usize,
            // A nil slice or map has no backing store: Go prints 0x0.
            Value::List(l) if l.is_nil() => 0,
            Value::Map(m) if m.is_nil() => 0,
            Value::List(l) => Arc::as_ptr(l) as usize,
            Value::Map(m) => Arc::as_ptr(m) as usize,
            Value::Object(o) => Arc::as_ptr(o) as *const u8 as usize,
            _ => return self.bad_verb('p', Some(v)),
        };
        self.fmt_0x64(addr as u64, !self.f.sharp);
    }

    /// Go's `printValue`: an operand or an element of a slice or map.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        match v {
            Value::Nil => {
                if verb == 'v' {
                    self.buf.push_str("<nil>");
                } else {
                    self.bad_verb(verb, None);
                }
            }
            Value::Bool(b) => self.fmt_bool(*b, verb, v),
            Value::Int(i, _) => self.fmt_int(*i as u64, true, verb, v),
            Value::Uint(u, _) => self.fmt_int(*u, false, verb, v),
            Value::Float(x, k) => self.fmt_float(*x, float_size(*k), verb, v),
            Value::String(s) => self.fmt_string(s, verb, v),
            Value::Bytes(b) => match verb {
                's' | 'q' | 'x' | 'X' => self.fmt_bytes(b, verb, "[]uint8"),
                _ => self.print_byte_elems(b, verb),
            },
            Value::List(l) => {
                if is_byte_list(l) {
                    if l.is_nil() && self.f.sharp_v && matches!(verb, 'v' | 'd') {
                        self.buf.push_str("[]uint8(nil)");
                        return;
                    }
                    let b = list_bytes(l);
                    match verb {
                        's' | 'q' | 'x' | 'X' => self.fmt_bytes(&b, verb, "[]uint8"),
                        _ => self.print_byte_elems(&b, verb),
                    }
                    return;
                }
                if self.f.sharp_v {
                    let t = type_name(v);
                    self.buf.push_str(&t);
                    if l.is_nil() {
                        self.buf.push_str("(nil)");
                        return;
                    }
                    self.buf.push('{');
                } else {
                    self.buf.push('[');
                }
                for (i, item) in l.items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_elem(item, &l.elem, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Map(m) => {
                if self.f.sharp_v {
                    let t = type_name(v);
                    self.buf.push_str(&t);
                    if m.is_nil() {
                        self.buf.push_str("(nil)");
                        return;
                    }
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                let entries = m.entries.read().unwrap_or_else(|e| e.into_inner());
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    if matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
                        self.fmt_string(k, verb, &Value::Nil);
                    } else {
                        // Only the error report needs the key as a value.
                        self.bad_verb(verb, Some(&Value::String(k.as_str().into())));
                    }
                    self.buf.push(':');
                    self.print_elem(item, &m.elem, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => {
                if let Some((re, im, size)) = object_complex(o.as_ref()) {
                    let verb = if self.erroring { 'v' } else { verb };
                    return self.fmt_complex(re, im, size, verb, v);
                }
                // A Stringer: Go calls String() for these verbs unless it is reporting an error.
                if self.erroring || self.f.sharp_v || matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
                    let s = o.display();
                    if self.erroring || self.f.sharp_v {
                        self.fmt_s(&s);
                    } else {
                        self.fmt_string(&s, verb, v);
                    }
                } else {
                    self.bad_verb(verb, Some(v));
                }
            }
        }
    }

    /// Go's `fmtComplex`: `(re+imi)`, each part printed with the verb, the imaginary one signed.
    fn fmt_complex(&mut self, re: f64, im: f64, size: u32, verb: char, arg: &Value) {
        match verb {
            'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E' => {
                let old_plus = self.f.plus;
                self.buf.push('(');
                self.fmt_float(re, size / 2, verb, arg);
                self.f.plus = true;
                self.fmt_float(im, size / 2, verb, arg);
                self.buf.push_str("i)");
                self.f.plus = old_plus;
            }
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    /// An element of a slice or map whose static type is `elem`.
    fn print_elem(&mut self, item: &Value, elem: &ElemType, verb: char, depth: usize) {
        if let Value::Nil = item {
            match elem {
                ElemType::Interface => {
                    if self.f.sharp_v {
                        self.buf.push_str("interface {}(nil)");
                    } else {
                        self.buf.push_str("<nil>");
                    }
                }
                ElemType::Slice(_) | ElemType::Map(_) => {
                    if self.f.sharp_v {
                        self.buf.push_str(&elem_type_name(elem));
                        self.buf.push_str("(nil)");
                    } else if let ElemType::Map(_) = elem {
                        self.buf.push_str("map[]");
                    } else {
                        self.buf.push_str("[]");
                    }
                }
                _ => self.buf.push_str("<nil>"),
            }
            return;
        }
        self.print_value(item, verb, depth);
    }

    fn arg_number(
        &mut self,
        arg_num: usize,
        format: &[u8],
        i: usize,
        num_args: usize,
    ) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && 0 <= index && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn do_printf(&mut self, format_str: &str, a: &[Value]) {
        let format = format_str.as_bytes();
        let end = format.len();
        let mut arg_num: usize = 0;
        let mut after_index;
        self.reordered = false;
        let mut i = 0;
        'format_loop: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && format[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(&format_str[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            self.f = Flags::default();
            while i < end {
                let c = format[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        // Fast path for a simple verb with no width, precision or index.
                        if c.is_ascii_lowercase() && arg_num < a.len() {
                            if c == b'v' || c == b'w' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            self.print_arg(&a[arg_num], char::from(c));
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break;
                    }
                }
                i += 1;
            }

            (arg_num, i, after_index) = self.arg_number(arg_num, format, i, a.len());

            if i < end && format[i] == b'*' {
                i += 1;
                (self.f.wid, self.f.wid_present, arg_num) = int_from_arg(a, arg_num);
                if !self.f.wid_present {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                if self.f.wid < 0 {
                    self.f.wid = -self.f.wid;
                    self.f.minus = true;
                    self.f.zero = false;
                }
                after_index = false;
            } else {
                (self.f.wid, self.f.wid_present, i) = parsenum(format, i, end);
                if after_index && self.f.wid_present {
                    self.good_arg_num = false;
                }
            }

            if i + 1 < end && format[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, format, i, a.len());
                if i < end && format[i] == b'*' {
                    i += 1;
                    (self.f.prec, self.f.prec_present, arg_num) = int_from_arg(a, arg_num);
                    if self.f.prec < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    (self.f.prec, self.f.prec_present, i) = parsenum(format, i, end);
                    if !self.f.prec_present {
                        self.f.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, format, i, a.len());
            }

            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }

            let verb = format_str[i..].chars().next().unwrap_or('\u{FFFD}');
            i += verb.len_utf8();

            if verb == '%' {
                self.buf.push('%');
            } else if !self.good_arg_num {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(BADINDEX)");
            } else if arg_num >= a.len() {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(MISSING)");
            } else {
                if verb == 'v' || verb == 'w' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_arg(&a[arg_num], verb);
                arg_num += 1;
            }
        }

        if !self.reordered && arg_num < a.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (i, arg) in a[arg_num..].iter().enumerate() {
                if i > 0 {
                    self.buf.push_str(", ");
                }
                if let Value::Nil = arg {
                    self.buf.push_str("<nil>");
                } else {
                    let t = type_name(arg);
                    self.buf.push_str(&t);
                    self.buf.push('=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(')');
        }
    }
}

#[cfg(test)]
mod tests;
