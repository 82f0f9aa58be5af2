//! Go's `strconv` number parsing (`ParseUint`, `ParseInt`, `ParseFloat` with bitSize 64), shared by
//! the template parser (number literals), goyaml's resolver (YAML scalars) and Sprig's conversions
//! (`atoi`, `int64`, `float64`...), so that all three accept exactly the texts Go accepts.
//!
//! Written by hand: Rust's integer parsing has no base-0 prefixes or `_` separators, and its float
//! parsing has other syntax (no hex floats, other inf/nan spellings). The syntax checks are ports
//! of Go's `internal/strconv` (`readFloat`, `special`, `underscoreOK`, `atofHex`); decimal values
//! are then computed by Rust's correctly rounded parser, which gives the same float as Go's.
//! Every function returns `None` where Go returns an error, including `ErrRange`.

/// `strconv.ParseUint(s, base, 64)`. Base 0 reads the prefixes `0x`, `0o`, `0b` and a leading
/// `0` (octal), and allows `_` between digits; other bases are 2 to 36.
pub fn parse_uint(s0: &str, base: u32) -> Option<u64> {
    if s0.is_empty() || !(base == 0 || (2..=36).contains(&base)) {
        return None;
    }
    let base0 = base == 0;
    let mut s = s0.as_bytes();
    let mut base = base;
    if base0 {
        base = 10;
        if s[0] == b'0' {
            if s.len() >= 3 && s[1] | 0x20 == b'b' {
                base = 2;
                s = &s[2..];
            } else if s.len() >= 3 && s[1] | 0x20 == b'o' {
                base = 8;
                s = &s[2..];
            } else if s.len() >= 3 && s[1] | 0x20 == b'x' {
                base = 16;
                s = &s[2..];
            } else {
                base = 8;
                s = &s[1..];
            }
        }
    }
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in s {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            _ if (c | 0x20).is_ascii_lowercase() => (c | 0x20) - b'a' + 10,
            _ => return None,
        };
        if u32::from(d) >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    Some(n)
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then [`parse_uint`]'s syntax.
pub fn parse_int(s0: &str, base: u32) -> Option<i64> {
    let (neg, s) = match s0.as_bytes().first()? {
        b'+' => (false, &s0[1..]),
        b'-' => (true, &s0[1..]),
        _ => (false, s0),
    };
    let u = parse_uint(s, base)?;
    if neg {
        if u > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
pub fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    let mut saw = b'^';
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        b = &b[1..];
    }
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&(c | 0x20)) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1.8p3`) floats with `_` separators,
/// `inf`/`infinity` (signed, any case) and `nan` (unsigned). Out of range is an error, as in Go.
pub fn parse_float(s: &str) -> Option<f64> {
    if let Some(f) = special(s) {
        return Some(f);
    }
    let r = read_float(s)?;
    if r.end != s.len() {
        return None;
    }
    let f = if r.hex {
        atof_hex(r.mantissa, r.exp, r.neg, r.trunc)?
    } else {
        let clean: String = s.chars().filter(|&c| c != '_').collect();
        clean.parse::<f64>().ok()?
    };
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

/// Go's `special` over a whole string: infinities and NaN.
fn special(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first()? {
        b'+' => (1.0, &s[1..]),
        b'-' => (-1.0, &s[1..]),
        _ => (0.0, s),
    };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(if sign < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    // Go's NaN takes no sign.
    (sign == 0.0 && body.eq_ignore_ascii_case("nan")).then_some(f64::NAN)
}

/// What Go's `readFloat` reads: the mantissa's first digits, the exponent, and where it stopped.
struct ReadFloat {
    mantissa: u64,
    exp: i64,
    neg: bool,
    trunc: bool,
    hex: bool,
    end: usize,
}

/// Go's `readFloat`: the float syntax (sign, digits with one `.`, `e`/`p` exponent, `_` per
/// `underscoreOK`); `None` where Go's `ok` is false.
fn read_float(s: &str) -> Option<ReadFloat> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first()? {
        b'+' => i += 1,
        b'-' => {
            i += 1;
            neg = true;
        }
        _ => {}
    }
    let mut base: u64 = 10;
    let mut max_mant_digits = 19;
    let mut exp_char = b'e';
    let mut hex = false;
    if i + 2 < b.len() && b[i] == b'0' && b[i + 1] | 0x20 == b'x' {
        base = 16;
        max_mant_digits = 16;
        i += 2;
        exp_char = b'p';
        hex = true;
    }
    let (mut underscores, mut sawdot, mut sawdigits) = (false, false, false);
    let (mut nd, mut nd_mant, mut dp): (i64, i64, i64) = (0, 0, 0);
    let mut mantissa: u64 = 0;
    let mut trunc = false;
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if sawdot {
                break;
            }
            sawdot = true;
            dp = nd;
        } else if c.is_ascii_digit() {
            sawdigits = true;
            if c == b'0' && nd == 0 {
                dp -= 1;
                i += 1;
                continue;
            }
            nd += 1;
            if nd_mant < max_mant_digits {
                mantissa = mantissa * base + u64::from(c - b'0');
                nd_mant += 1;
            } else if c != b'0' {
                trunc = true;
            }
        } else if base == 16 && (b'a'..=b'f').contains(&(c | 0x20)) {
            sawdigits = true;
            nd += 1;
            if nd_mant < max_mant_digits {
                mantissa = mantissa * 16 + u64::from((c | 0x20) - b'a' + 10);
                nd_mant += 1;
            } else {
                trunc = true;
            }
        } else {
            break;
        }
        i += 1;
    }
    if !sawdigits {
        return None;
    }
    if !sawdot {
        dp = nd;
    }
    if base == 16 {
        dp *= 4;
        nd_mant *= 4;
    }
    if i < b.len() && b[i] | 0x20 == exp_char {
        i += 1;
        let mut esign = 1;
        match b.get(i)? {
            b'+' => i += 1,
            b'-' => {
                i += 1;
                esign = -1;
            }
            _ => {}
        }
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut e: i64 = 0;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if e < 10000 {
                e = e * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        dp += e * esign;
    } else if base == 16 {
        // A hex float must have its `p` exponent.
        return None;
    }
    let exp = if mantissa != 0 { dp - nd_mant } else { 0 };
    if underscores && !underscore_ok(&s[..i]) {
        return None;
    }
    Some(ReadFloat {
        mantissa,
        exp,
        neg,
        trunc,
        hex,
        end: i,
    })
}

/// Go's `atofHex` for float64: rounds `mantissa * 2^exp` to nearest even; `None` on overflow.
fn atof_hex(mut mantissa: u64, exp: i64, neg: bool, trunc: bool) -> Option<f64> {
    const MANTBITS: i64 = 52;
    const EXPBITS: i64 = 11;
    const BIAS: i64 = -1023;
    let max_exp = (1 << EXPBITS) + BIAS - 2;
    let min_exp = BIAS + 1;
    let mut exp = exp + MANTBITS;
    while mantissa != 0 && mantissa >> (MANTBITS + 2) == 0 {
        mantissa <<= 1;
        exp -= 1;
    }
    if trunc {
        mantissa |= 1;
    }
    while mantissa >> (1 + MANTBITS + 2) != 0 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    while mantissa > 1 && exp < min_exp - 2 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    let mut round = mantissa & 3;
    mantissa >>= 2;
    round |= mantissa & 1;
    exp += 2;
    if round == 3 {
        mantissa += 1;
        if mantissa == 1 << (1 + MANTBITS) {
            mantissa >>= 1;
            exp += 1;
        }
    }
    if mantissa >> MANTBITS == 0 {
        exp = BIAS;
    }
    if exp > max_exp {
        return None;
    }
    let mut bits = mantissa & ((1 << MANTBITS) - 1);
    bits |= (((exp - BIAS) & ((1 << EXPBITS) - 1)) as u64) << MANTBITS;
    if neg {
        bits |= 1 << 63;
    }
    Some(f64::from_bits(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are Go's (strconv's atoi_test.go / atof_test.go tables and the Go spec).
    #[test]
    fn ints_like_go() {
        assert_eq!(parse_int("0x1F", 0), Some(31));
        assert_eq!(parse_int("0o17", 0), Some(15));
        assert_eq!(parse_int("017", 0), Some(15));
        assert_eq!(parse_int("1_000", 0), Some(1000));
        assert_eq!(parse_int("1_000", 10), None);
        assert_eq!(parse_int("1__0", 0), None);
        assert_eq!(parse_int("_1", 0), None);
        assert_eq!(parse_int("0x_1", 0), Some(1));
        assert_eq!(parse_int("-0b101", 0), Some(-5));
        assert_eq!(parse_int("089", 0), None);
        assert_eq!(parse_int("0x", 0), None);
        assert_eq!(parse_int("0", 0), Some(0));
        assert_eq!(parse_int("-9223372036854775808", 10), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808", 10), None);
        assert_eq!(parse_int("+-1", 10), None);
        assert_eq!(parse_int("", 10), None);
        assert_eq!(parse_uint("18446744073709551615", 0), Some(u64::MAX));
        assert_eq!(parse_uint("18446744073709551616", 0), None);
        assert_eq!(parse_uint("+5", 10), None);
        assert_eq!(parse_uint("zz", 36), Some(1295));
        assert_eq!(parse_uint("1", 37), None);
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("1_0.5"), Some(10.5));
        assert_eq!(parse_float("1_0._5"), None);
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("5."), Some(5.0));
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float("1e"), None);
        assert_eq!(parse_float("1e+"), None);
        assert_eq!(parse_float("1e1_0"), Some(1e10));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("1e-400"), Some(0.0));
        assert_eq!(parse_float("0x1p-2"), Some(0.25));
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float("0X_1p4"), Some(16.0));
        assert_eq!(parse_float("0x1"), None);
        assert_eq!(parse_float("0x"), None);
        assert_eq!(parse_float("0x1p1024"), None);
        assert_eq!(parse_float("0x1.fffffffffffff7fp1023"), Some(f64::MAX));
        assert_eq!(parse_float("0x1.fffffffffffff8p1023"), None);
        assert_eq!(parse_float("0x1p-1074"), Some(5e-324));
        assert_eq!(parse_float("0x1p-1075"), Some(0.0));
        assert_eq!(
            parse_float("0x1.00000000000018p0"),
            Some(1.0000000000000004)
        );
        assert_eq!(parse_float("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("-infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("+nan"), None);
        assert_eq!(parse_float("infin"), None);
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_float("1.5x"), None);
        assert_eq!(parse_float("-0"), Some(-0.0));
    }
}
