//! Go's `strconv.AppendFloat`: the `%e %f %g %b %x` layouts of `internal/strconv/ftoa.go` over exact digits.
//!
//! Digits come from crates that produce the same digits Go does, checked against Go itself:
//! shortest round-trip digits (Go's Dragonbox, for float32 or float64) from `zmij` (Schubfach, the same
//! shortest-and-closest digits), fixed-precision digits from Rust's `core::fmt`, which like Go rounds the
//! exact binary value half to even. The layout around the digits is ported from Go, because that is
//! where every other float printer differs (`1e+06`, `1e-05`, trimmed `%g`, `%#g`).

use std::fmt::Write as _;

/// Decimal digits `0.d[0]d[1]... × 10^dp` without leading or trailing zeros; empty for zero.
struct Digits<'a> {
    d: &'a [u8],
    dp: i32,
}

impl Digits<'_> {
    fn nd(&self) -> i32 {
        self.d.len() as i32
    }
}

/// Parses Rust/zmij float text (`123.45`, `1.5e-7`, `1e+21`, no sign) into digits in `buf`.
fn parse_digits<'a>(text: &str, buf: &'a mut Vec<u8>) -> Digits<'a> {
    buf.clear();
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let mut int_digits: i32 = 0;
    let mut seen_point = false;
    for &b in mant.as_bytes() {
        match b {
            b'.' => seen_point = true,
            b'0'..=b'9' => {
                buf.push(b);
                if !seen_point {
                    int_digits += 1;
                }
            }
            _ => {}
        }
    }
    let mut dp = int_digits + exp;
    let lead = buf.iter().take_while(|&&b| b == b'0').count();
    if lead == buf.len() {
        return Digits {
            d: &buf[..0],
            dp: 0,
        };
    }
    dp -= lead as i32;
    let trail = buf.iter().rev().take_while(|&&b| b == b'0').count();
    let end = buf.len() - trail;
    Digits {
        d: &buf[lead..end],
        dp,
    }
}

/// Same as [`parse_digits`] into a fixed stack buffer (shortest digits never exceed 17 + padding).
fn parse_short<'a>(text: &str, buf: &'a mut [u8; 40]) -> Digits<'a> {
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let mut n = 0;
    let mut int_digits: i32 = 0;
    let mut seen_point = false;
    for &b in mant.as_bytes() {
        match b {
            b'.' => seen_point = true,
            b'0'..=b'9' if n < buf.len() => {
                buf[n] = b;
                n += 1;
                if !seen_point {
                    int_digits += 1;
                }
            }
            _ => {}
        }
    }
    let all = &buf[..n];
    let lead = all.iter().take_while(|&&b| b == b'0').count();
    if lead == n {
        return Digits {
            d: &buf[..0],
            dp: 0,
        };
    }
    let trail = all.iter().rev().take_while(|&&b| b == b'0').count();
    Digits {
        d: &buf[lead..n - trail],
        dp: int_digits + exp - lead as i32,
    }
}

/// Go's `strconv.AppendFloat(dst, val, fmt, prec, bitSize)` appended to `dst` (always ASCII).
pub(crate) fn append_float(dst: &mut String, val: f64, fmt: u8, prec: i32, bit_size: u32) {
    let (bits, mantbits, expbits, bias): (u64, u32, u32, i32) = if bit_size == 32 {
        (u64::from((val as f32).to_bits()), 23, 8, -127)
    } else {
        (val.to_bits(), 52, 11, -1023)
    };
    let neg = bits >> (expbits + mantbits) != 0;
    let mut exp = ((bits >> mantbits) & ((1u64 << expbits) - 1)) as i32;
    let mut mant = bits & ((1u64 << mantbits) - 1);
    if exp == (1 << expbits) - 1 {
        dst.push_str(if mant != 0 {
            "NaN"
        } else if neg {
            "-Inf"
        } else {
            "+Inf"
        });
        return;
    }
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1u64 << mantbits;
    }
    exp += bias;
    match fmt {
        b'b' => return fmt_b(dst, neg, mant, exp, mantbits),
        b'x' | b'X' => return fmt_x(dst, prec, fmt, neg, mant, exp, mantbits),
        _ => {}
    }
    let shortest = prec < 0;
    if mant == 0 {
        let digs = Digits { d: &[], dp: 0 };
        return format_digits(dst, shortest, neg, &digs, prec, fmt);
    }
    let abs = val.abs();
    if shortest {
        let mut zbuf = zmij::Buffer::new();
        let text = if bit_size == 32 {
            zbuf.format_finite(abs as f32)
        } else {
            zbuf.format_finite(abs)
        };
        let mut dbuf = [0u8; 40];
        let digs = parse_short(text, &mut dbuf);
        let prec = match fmt {
            b'e' | b'E' => (digs.nd() - 1).max(0),
            b'f' => (digs.nd() - digs.dp).max(0),
            b'g' | b'G' => digs.nd(),
            _ => prec,
        };
        return format_digits(dst, true, neg, &digs, prec, fmt);
    }
    let mut prec = prec;
    let mut text = String::new();
    match fmt {
        b'f' => {
            let _ = write!(text, "{:.*}", prec as usize, abs);
        }
        b'e' | b'E' => {
            let _ = write!(text, "{:.*e}", prec as usize, abs);
        }
        b'g' | b'G' => {
            if prec == 0 {
                prec = 1;
            }
            let _ = write!(text, "{:.*e}", (prec - 1) as usize, abs);
        }
        _ => {
            let _ = write!(text, "{:.0e}", abs);
        }
    }
    let mut dbuf = Vec::with_capacity(text.len());
    let digs = parse_digits(&text, &mut dbuf);
    format_digits(dst, false, neg, &digs, prec, fmt);
}

fn format_digits(
    dst: &mut String,
    shortest: bool,
    neg: bool,
    digs: &Digits<'_>,
    prec: i32,
    fmt: u8,
) {
    match fmt {
        b'e' | b'E' => fmt_e(dst, neg, digs, prec, fmt),
        b'f' => fmt_f(dst, neg, digs, prec),
        b'g' | b'G' => {
            let mut prec = prec;
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            // %e is used if the exponent from the conversion is less than -4 or greater than or
            // equal to the precision; for shortest output Go decides with precision 6.
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                fmt_e(dst, neg, digs, prec - 1, fmt + b'e' - b'g');
                return;
            }
            if prec > digs.dp {
                prec = digs.nd();
            }
            fmt_f(dst, neg, digs, (prec - digs.dp).max(0));
        }
        _ => {
            dst.push('%');
            dst.push(char::from(fmt));
        }
    }
}

fn push_byte(dst: &mut String, b: u8) {
    dst.push(char::from(b));
}

fn push_ascii(dst: &mut String, b: &[u8]) {
    for &c in b {
        dst.push(char::from(c));
    }
}

/// `%e`: `-d.ddddde±dd`
fn fmt_e(dst: &mut String, neg: bool, d: &Digits<'_>, prec: i32, fmt: u8) {
    if neg {
        dst.push('-');
    }
    dst.push(char::from(d.d.first().copied().unwrap_or(b'0')));
    if prec > 0 {
        dst.push('.');
        let m = (d.nd()).min(prec + 1).max(1) as usize;
        let mut i = 1usize;
        if i < m {
            push_ascii(dst, &d.d[i..m]);
            i = m;
        }
        while (i as i32) <= prec {
            dst.push('0');
            i += 1;
        }
    }
    push_byte(dst, fmt);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        dst.push('-');
        exp = -exp;
    } else {
        dst.push('+');
    }
    let exp = exp as u32;
    if exp < 10 {
        dst.push('0');
        push_byte(dst, b'0' + exp as u8);
    } else if exp < 100 {
        push_byte(dst, b'0' + (exp / 10) as u8);
        push_byte(dst, b'0' + (exp % 10) as u8);
    } else {
        push_byte(dst, b'0' + (exp / 100) as u8);
        push_byte(dst, b'0' + ((exp / 10) % 10) as u8);
        push_byte(dst, b'0' + (exp % 10) as u8);
    }
}

/// `%f`: `-ddddddd.ddddd`
fn fmt_f(dst: &mut String, neg: bool, d: &Digits<'_>, prec: i32) {
    if neg {
        dst.push('-');
    }
    if d.dp > 0 {
        let m = d.nd().min(d.dp);
        push_ascii(dst, &d.d[..m as usize]);
        for _ in m..d.dp {
            dst.push('0');
        }
    } else {
        dst.push('0');
    }
    if prec > 0 {
        dst.push('.');
        for i in 0..prec {
            let j = d.dp + i;
            let ch = if 0 <= j && j < d.nd() {
                d.d[j as usize]
            } else {
                b'0'
            };
            push_byte(dst, ch);
        }
    }
}

/// `%b`: `-ddddddddp±ddd`
fn fmt_b(dst: &mut String, neg: bool, mant: u64, exp: i32, mantbits: u32) {
    if neg {
        dst.push('-');
    }
    let _ = write!(dst, "{mant}p");
    let exp = exp - mantbits as i32;
    if exp >= 0 {
        dst.push('+');
    }
    let _ = write!(dst, "{exp}");
}

/// `%x`: `-0x1.yyyyyyyyp±ddd` or `-0x0p+0`
fn fmt_x(
    dst: &mut String,
    prec: i32,
    fmt: u8,
    neg: bool,
    mut mant: u64,
    mut exp: i32,
    mantbits: u32,
) {
    if mant == 0 {
        exp = 0;
    }
    // Shift digits so the leading 1 (if any) is at bit 1<<60.
    mant <<= 60 - mantbits;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    if neg {
        dst.push('-');
    }
    dst.push('0');
    push_byte(dst, fmt);
    push_byte(dst, b'0' + ((mant >> 60) & 1) as u8);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        dst.push('.');
        while mant != 0 {
            push_byte(dst, hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    } else if prec > 0 {
        dst.push('.');
        for _ in 0..prec {
            push_byte(dst, hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    }
    dst.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        dst.push('-');
        exp = -exp;
    } else {
        dst.push('+');
    }
    let exp = exp as u32;
    if exp < 100 {
        push_byte(dst, b'0' + (exp / 10) as u8);
        push_byte(dst, b'0' + (exp % 10) as u8);
    } else if exp < 1000 {
        push_byte(dst, b'0' + (exp / 100) as u8);
        push_byte(dst, b'0' + ((exp / 10) % 10) as u8);
        push_byte(dst, b'0' + (exp % 10) as u8);
    } else {
        push_byte(dst, b'0' + (exp / 1000) as u8);
        push_byte(dst, b'0' + ((exp / 100) % 10) as u8);
        push_byte(dst, b'0' + ((exp / 10) % 10) as u8);
        push_byte(dst, b'0' + (exp % 10) as u8);
    }
}

/// Go's `strconv.FormatFloat(val, fmt, prec, bitSize)`.
pub fn format_float(val: f64, fmt: u8, prec: i32, bit_size: u32) -> String {
    let mut s = String::with_capacity(24);
    append_float(&mut s, val, fmt, prec, bit_size);
    s
}
