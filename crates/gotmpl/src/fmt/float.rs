//! Go's `strconv.AppendFloat`: the `%e %f %g %b %x` layouts of `internal/strconv/ftoa.go` over exact digits.
//!
//! Digits come from crates that produce the same digits Go does, checked against Go itself:
//! shortest round-trip digits (Go's Dragonbox, for float32 or float64) from `zmij` (Schubfach, the same
//! shortest-and-closest digits); fixed-precision digits by rounding those when that is provably exact
//! (see [`round_shortest`]), else from Rust's `core::fmt`, which like Go rounds the exact binary value
//! half to even. The layout around the digits is ported from Go, because that is where every other
//! float printer differs (`1e+06`, `1e-05`, trimmed `%g`, `%#g`).

use std::fmt::Write as _;

/// Decimal digits `0.d[0]d[1]... × 10^dp` without leading or trailing zeros; empty for zero.
struct Digits<'a> {
    d: &'a str,
    dp: i32,
}

impl Digits<'_> {
    fn nd(&self) -> i32 {
        self.d.len() as i32
    }
}

/// Up to 19 significant digits as an integer: value = `m × 10^(dp - nd)`, `m` without trailing zeros.
#[derive(Clone, Copy)]
struct Short {
    m: u64,
    nd: i32,
    dp: i32,
}

const POW10: [u64; 20] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
];

fn digit_count(m: u64) -> i32 {
    POW10.iter().take_while(|&&p| p <= m).count().max(1) as i32
}

/// Strips trailing zeros; `m == 0` gives the canonical zero.
fn normalize(mut m: u64, mut nd: i32, dp: i32) -> Short {
    if m == 0 {
        return Short { m: 0, nd: 0, dp: 0 };
    }
    while m.is_multiple_of(10) {
        m /= 10;
        nd -= 1;
    }
    Short { m, nd, dp }
}

/// Parses zmij's text (`123.45`, `0.001`, `1.5e-7`, `1e+21`, no sign; at most 17 digits).
fn parse_short(text: &str) -> Short {
    let b = text.as_bytes();
    let mut m: u64 = 0;
    let mut nd = 0;
    let mut int_digits = 0;
    let mut lead_zeros = 0;
    let mut seen_point = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'.' => seen_point = true,
            b'0'..=b'9' => {
                if !seen_point {
                    int_digits += 1;
                }
                if m == 0 && c == b'0' {
                    lead_zeros += 1;
                } else {
                    m = m * 10 + u64::from(c - b'0');
                    nd += 1;
                }
            }
            _ => break,
        }
        i += 1;
    }
    let mut exp = 0i32;
    let mut neg = false;
    for &c in b.get(i + 1..).unwrap_or_default() {
        match c {
            b'-' => neg = true,
            b'0'..=b'9' => exp = exp * 10 + i32::from(c - b'0'),
            _ => {}
        }
    }
    if neg {
        exp = -exp;
    }
    normalize(m, nd, int_digits + exp - lead_zeros)
}

/// Fixed-precision digits by rounding the shortest digits, when that provably equals rounding the
/// exact binary value (Go's rule, half to even). `want` is the number of significant digits.
///
/// Shortest digits S are the closest among the shortest strings that read back as x. Rounding S at a
/// position before its end can only differ from rounding x if the midpoint lay strictly between S
/// and x, but then that midpoint, no longer than S and closer to x, would have been chosen instead;
/// so only an exact tie in S ("…5") needs the exact value. Rounding at or after the end of S gives
/// S itself when the unit there exceeds x's ulp, which holds for up to 15 significant digits of a
/// normal float64 (not for subnormals, whose ulp is relatively larger).
fn round_shortest(s: Short, want: i32, normal: bool) -> Option<Short> {
    if want >= s.nd {
        return (want <= 15 && normal).then_some(s);
    }
    if want < 0 {
        return Some(Short { m: 0, nd: 0, dp: 0 });
    }
    let p = POW10[(s.nd - want) as usize];
    let (mut q, r) = (s.m / p, s.m % p);
    let half = p / 2;
    if r == half {
        return None;
    }
    if r > half {
        q += 1;
    }
    let mut dp = s.dp;
    // Rounding 99…9 up carries into a new leading digit.
    if q >= POW10[want as usize] {
        dp += 1;
    }
    let nd = digit_count(q);
    Some(normalize(q, nd, dp))
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
        let digs = Digits { d: "", dp: 0 };
        return format_digits(dst, shortest, neg, &digs, prec, fmt);
    }
    let abs = val.abs();
    let mut zbuf = zmij::Buffer::new();
    let mut ibuf = itoa::Buffer::new();
    if shortest {
        // The commonest value in templates: a whole number below 1e6 (YAML numbers are float64),
        // which every verb but %e prints as its integer digits.
        if abs < 1e6 && abs.fract() == 0.0 && matches!(fmt, b'g' | b'G' | b'f') {
            if neg {
                dst.push('-');
            }
            dst.push_str(ibuf.format(abs as u64));
            return;
        }
        let text = if bit_size == 32 {
            zbuf.format_finite(abs as f32)
        } else {
            zbuf.format_finite(abs)
        };
        let s = parse_short(text);
        let digs = Digits {
            d: if s.m == 0 { "" } else { ibuf.format(s.m) },
            dp: s.dp,
        };
        let prec = match fmt {
            b'e' | b'E' => (digs.nd() - 1).max(0),
            b'f' => (digs.nd() - digs.dp).max(0),
            b'g' | b'G' => digs.nd(),
            _ => prec,
        };
        return format_digits(dst, true, neg, &digs, prec, fmt);
    }
    let mut prec = prec;
    if matches!(fmt, b'g' | b'G') && prec == 0 {
        prec = 1;
    }
    // Fast path: round the (float64) shortest digits when that is provably exact.
    let short = parse_short(zbuf.format_finite(abs));
    let want = match fmt {
        b'e' | b'E' => Some(prec.saturating_add(1)),
        b'g' | b'G' => Some(prec),
        b'f' => Some(short.dp.saturating_add(prec)),
        _ => None,
    };
    let normal = abs >= f64::MIN_POSITIVE;
    if let Some(r) = want.and_then(|w| round_shortest(short, w, normal)) {
        let digs = Digits {
            d: if r.m == 0 { "" } else { ibuf.format(r.m) },
            dp: r.dp,
        };
        return format_digits(dst, false, neg, &digs, prec, fmt);
    }
    // Exact digits from core::fmt, which rounds the exact binary value half to even like Go.
    // A float64's exact decimal expansion ends within 1074 fractional and 767 significant digits,
    // so asking for more only adds zeros (which the layout pads) and core::fmt caps precision
    // at u16::MAX, far below Go's limit of 1e6.
    const EXACT_MAX: i32 = 1100;
    let mut text = String::new();
    match fmt {
        b'f' => {
            let _ = write!(text, "{:.*}", prec.min(EXACT_MAX) as usize, abs);
        }
        b'e' | b'E' | b'g' | b'G' => {
            let p = if matches!(fmt, b'e' | b'E') {
                prec
            } else {
                prec - 1
            };
            let _ = write!(text, "{:.*e}", p.min(EXACT_MAX) as usize, abs);
        }
        _ => {
            let _ = write!(text, "{:.0e}", abs);
        }
    }
    let (digits, dp) = exact_digits(&text);
    let digs = Digits { d: &digits, dp };
    format_digits(dst, false, neg, &digs, prec, fmt);
}

/// Digits and decimal point of core::fmt's exact text (`123.4500`, `1.2500e-7`), trimmed.
fn exact_digits(text: &str) -> (String, i32) {
    let (mant, exp) = match text.find('e') {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut digits = String::with_capacity(mant.len());
    digits.push_str(int);
    digits.push_str(frac);
    let lead = digits.bytes().take_while(|&b| b == b'0').count();
    let trimmed = digits[lead..].trim_end_matches('0');
    if trimmed.is_empty() {
        return (String::new(), 0);
    }
    (trimmed.to_string(), int.len() as i32 + exp - lead as i32)
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

const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn push_zeros(dst: &mut String, mut n: usize) {
    while n > 0 {
        let k = n.min(ZEROS.len());
        dst.push_str(&ZEROS[..k]);
        n -= k;
    }
}

/// `%e`: `-d.ddddde±dd`
fn fmt_e(dst: &mut String, neg: bool, d: &Digits<'_>, prec: i32, fmt: u8) {
    if neg {
        dst.push('-');
    }
    dst.push_str(if d.d.is_empty() { "0" } else { &d.d[..1] });
    if prec > 0 {
        dst.push('.');
        let m = d.nd().min(prec + 1).max(1) as usize;
        if m > 1 {
            dst.push_str(&d.d[1..m]);
        }
        push_zeros(dst, prec as usize + 1 - m);
    }
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    push_byte(dst, fmt);
    let exp = if exp < 0 {
        dst.push('-');
        (-exp) as u32
    } else {
        dst.push('+');
        exp as u32
    };
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
    let nd = d.nd();
    if d.dp > 0 {
        let m = nd.min(d.dp);
        dst.push_str(&d.d[..m as usize]);
        push_zeros(dst, (d.dp - m) as usize);
    } else {
        dst.push('0');
    }
    if prec > 0 {
        dst.push('.');
        // Fraction digit i is d[dp + i]: zeros before the digits start, then digits, then zeros.
        let lead = (-d.dp).clamp(0, prec);
        push_zeros(dst, lead as usize);
        let from = (d.dp + lead).max(0);
        let to = (d.dp + prec).min(nd);
        if from < to {
            dst.push_str(&d.d[from as usize..to as usize]);
        }
        let written = lead + (to - from).max(0);
        push_zeros(dst, (prec - written) as usize);
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
