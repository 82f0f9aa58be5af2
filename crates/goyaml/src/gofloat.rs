//! Go's `strconv.FormatFloat` with precision -1 (shortest round-trip digits) for the 'e', 'f' and 'g' formats.
//!
//! Rust's `{:e}` already yields the shortest round-trip digits; only the layout differs from Go's.

/// Shortest decimal digits and decimal point position: the value is `0.DIGITS × 10^dp`.
struct Digits {
    neg: bool,
    digits: Vec<u8>,
    dp: i32,
}

fn digits(f: f64, bits32: bool) -> Digits {
    let neg = f.is_sign_negative();
    let a = f.abs();
    if a == 0.0 {
        return Digits {
            neg,
            digits: Vec::new(),
            dp: 0,
        };
    }
    let s = if bits32 {
        format!("{:e}", a as f32)
    } else {
        format!("{a:e}")
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    let mut dp = exp + 1;
    // When the exact value lies exactly halfway between two shortest candidates, Go rounds half
    // to even; Rust may pick the other one. Rust's fixed-precision `{:.N e}` is exact, so a tie
    // shows as the shortest length's next digit being 5 followed by zeros.
    let n = digits.len();
    let exact = if bits32 {
        format!("{:.*e}", n + 24, a as f32)
    } else {
        format!("{:.*e}", n + 24, a)
    };
    let (emant, eexp) = exact.split_once('e').unwrap_or((&exact, "0"));
    let edigits: Vec<u8> = emant.bytes().filter(u8::is_ascii_digit).collect();
    let eexp: i32 = eexp.parse().unwrap_or(0);
    if eexp == exp
        && edigits.len() > n
        && edigits[n] == b'5'
        && edigits[n + 1..].iter().all(|&d| d == b'0')
    {
        let truncated = edigits[..n].to_vec();
        let last = truncated[n - 1] - b'0';
        let want = if last % 2 == 0 {
            Some((truncated, dp))
        } else {
            // Round up with carry.
            let mut up = truncated;
            let mut i = n;
            let mut ndp = dp;
            loop {
                if i == 0 {
                    up.insert(0, b'1');
                    up.pop();
                    ndp += 1;
                    break;
                }
                i -= 1;
                if up[i] == b'9' {
                    up[i] = b'0';
                } else {
                    up[i] += 1;
                    break;
                }
            }
            Some((up, ndp))
        };
        if let Some((cand, cdp)) = want {
            let text = format!(
                "{}.{}e{}",
                cand[0] as char,
                std::str::from_utf8(&cand[1..]).unwrap_or("0"),
                cdp - 1
            );
            let roundtrips = if bits32 {
                text.parse::<f32>().ok() == Some(a as f32)
            } else {
                text.parse::<f64>().ok() == Some(a)
            };
            if roundtrips {
                digits = cand;
                dp = cdp;
            }
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    Digits { neg, digits, dp }
}

fn special(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("+Inf")
    } else if f == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

fn fmt_e(d: &Digits, out: &mut String) {
    if d.neg {
        out.push('-');
    }
    let first = d.digits.first().copied().unwrap_or(b'0');
    out.push(first as char);
    if d.digits.len() > 1 {
        out.push('.');
        for &c in &d.digits[1..] {
            out.push(c as char);
        }
    }
    out.push('e');
    let exp = if d.digits.is_empty() { 0 } else { d.dp - 1 };
    if exp < 0 {
        out.push('-');
    } else {
        out.push('+');
    }
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

fn fmt_f(d: &Digits, out: &mut String) {
    if d.neg {
        out.push('-');
    }
    let nd = d.digits.len() as i32;
    if d.dp > 0 {
        for i in 0..d.dp {
            out.push(if i < nd {
                d.digits[i as usize] as char
            } else {
                '0'
            });
        }
    } else {
        out.push('0');
    }
    let prec = (nd - d.dp).max(0);
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            let j = d.dp + i;
            out.push(if j < 0 || j >= nd {
                '0'
            } else {
                d.digits[j as usize] as char
            });
        }
    }
}

/// `strconv.FormatFloat(f, fmt, -1, bits)` for fmt in 'e', 'f', 'g'.
pub fn format(f: f64, fmt: u8, bits32: bool) -> String {
    if let Some(s) = special(f) {
        return s.to_string();
    }
    let d = digits(f, bits32);
    let mut out = String::new();
    match fmt {
        b'e' => fmt_e(&d, &mut out),
        b'f' => fmt_f(&d, &mut out),
        _ => {
            let exp = d.dp - 1;
            if !d.digits.is_empty() && !(-4..6).contains(&exp) {
                fmt_e(&d, &mut out)
            } else if d.digits.is_empty() {
                if d.neg {
                    out.push('-');
                }
                out.push('0');
            } else {
                fmt_f(&d, &mut out)
            }
        }
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn g64(f: f64) -> String {
    format(f, b'g', false)
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`.
pub fn g32(f: f64) -> String {
    format(f, b'g', true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_g_shortest() {
        assert_eq!(g64(1e6), "1e+06");
        assert_eq!(g64(123456.0), "123456");
        assert_eq!(g64(1.5), "1.5");
        assert_eq!(g64(0.0001), "0.0001");
        assert_eq!(g64(0.00001), "1e-05");
        assert_eq!(g64(-0.0), "-0");
        assert_eq!(g64(1e21), "1e+21");
        assert_eq!(g64(1.0e100), "1e+100");
        assert_eq!(format(1e20, b'f', false), "100000000000000000000");
        assert_eq!(format(1e-7, b'e', false), "1e-07");
        assert_eq!(format(0.000123, b'f', false), "0.000123");
        assert_eq!(g32(0.1), "0.1");
    }
}

#[cfg(test)]
mod tie_tests {
    use super::*;

    #[test]
    fn ties_round_half_even_like_go() {
        assert_eq!(g64(1.4308454176633213e15), "1.4308454176633212e+15");
        assert_eq!(
            format(1.6925570747012843e15, b'f', false),
            "1692557074701284.2"
        );
    }
}
