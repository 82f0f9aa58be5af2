//! Sprig's math (`numeric.go` and the arithmetic in `functions.go`): `cast` conversions, Go's
//! wrapping int64 arithmetic and divide-by-zero panics, Go's `math.Pow` for `round`, and the
//! float functions (`addf`...) through `shopspring/decimal` semantics (exact decimal sums and
//! products of the floats' shortest decimal forms, quotients rounded half away from zero to 16
//! places), reimplemented on big integers.

use gotmpl::{IntKind, Value};
use num_bigint::BigInt;
use num_traits::{Signed, Zero};

use crate::conv::{as_int, to_float64, to_int64};
use crate::lists::until_step;
use crate::t::*;
use crate::{Env, Reg};

fn i64v(i: i64) -> Value {
    Value::Int(i, IntKind::Int64)
}

const DIV_ZERO: &str = "runtime error: integer divide by zero";

pub(crate) fn register(r: &mut Reg, env: &Env) {
    r.f("add1", vec![A], None, |a| {
        Ok(i64v(to_int64(&a[0]).wrapping_add(1)))
    });
    r.f("add", vec![], Some(A), |a| {
        Ok(i64v(
            a.iter().fold(0i64, |s, v| s.wrapping_add(to_int64(v))),
        ))
    });
    r.f("sub", vec![A, A], None, |a| {
        Ok(i64v(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    r.f("div", vec![A, A], None, |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(DIV_ZERO.into());
        }
        Ok(i64v(to_int64(&a[0]).wrapping_div(d)))
    });
    r.f("mod", vec![A, A], None, |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(DIV_ZERO.into());
        }
        Ok(i64v(to_int64(&a[0]).wrapping_rem(d)))
    });
    r.f("mul", vec![A], Some(A), |a| {
        Ok(i64v(
            a[1..]
                .iter()
                .fold(to_int64(&a[0]), |s, v| s.wrapping_mul(to_int64(v))),
        ))
    });
    let rng = env.rng.clone();
    r.f("randInt", vec![I, I], None, move |a| {
        let (min, max) = (as_int(&a[0]), as_int(&a[1]));
        let n = max.wrapping_sub(min);
        if n <= 0 {
            return Err("invalid argument to Intn".into());
        }
        Ok(Value::int(rng.below(n as u64) as i64 + min))
    });
    r.f("add1f", vec![A], None, |a| {
        Ok(Value::float(dec_op(&a[0], &[Value::int(1)], Op::Add)?))
    });
    r.f("addf", vec![], Some(A), |a| {
        Ok(Value::float(dec_op(&Value::float(0.0), &a, Op::Add)?))
    });
    r.f("subf", vec![A], Some(A), |a| {
        Ok(Value::float(dec_op(&a[0], &a[1..], Op::Sub)?))
    });
    r.f("mulf", vec![A], Some(A), |a| {
        Ok(Value::float(dec_op(&a[0], &a[1..], Op::Mul)?))
    });
    r.f("divf", vec![A], Some(A), |a| {
        Ok(Value::float(dec_op(&a[0], &a[1..], Op::Div)?))
    });
    r.f("max", vec![A], Some(A), |a| {
        Ok(i64v(
            a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
        ))
    });
    r.alias("biggest", "max");
    r.f("min", vec![A], Some(A), |a| {
        Ok(i64v(
            a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
        ))
    });
    r.f("maxf", vec![A], Some(A), |a| {
        Ok(Value::float(
            a[1..]
                .iter()
                .map(to_float64)
                .fold(to_float64(&a[0]), go_max),
        ))
    });
    r.f("minf", vec![A], Some(A), |a| {
        Ok(Value::float(
            a[1..]
                .iter()
                .map(to_float64)
                .fold(to_float64(&a[0]), go_min),
        ))
    });
    r.f("floor", vec![A], None, |a| {
        Ok(Value::float(to_float64(&a[0]).floor()))
    });
    r.f("ceil", vec![A], None, |a| {
        Ok(Value::float(to_float64(&a[0]).ceil()))
    });
    r.f("round", vec![A, I], Some(F), |a| {
        let round_on = match a.get(2) {
            Some(Value::Float(f, _)) => *f,
            _ => 0.5,
        };
        let val = to_float64(&a[0]);
        let places = as_int(&a[1]) as f64;
        let pow = go_pow(10.0, places);
        let digit = pow * val;
        let div = digit - digit.trunc();
        let div = if digit.is_infinite() { f64::NAN } else { div };
        let round = if div >= round_on {
            digit.ceil()
        } else {
            digit.floor()
        };
        Ok(Value::float(round / pow))
    });
    r.f("seq", vec![], Some(I), |a| {
        let p: Vec<i64> = a.iter().map(as_int).collect();
        Ok(Value::string(seq(&p)))
    });
}

/// Go's `math.Max` (NaN wins, +0 over -0).
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`.
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || x.is_nan() || x.is_infinite() {
        return (x, 0);
    }
    let mut e = 0;
    let mut m = x.abs();
    while m >= 1.0 {
        m /= 2.0;
        e += 1;
    }
    while m < 0.5 {
        m *= 2.0;
        e -= 1;
    }
    (m.copysign(x), e)
}

fn ldexp(mut x: f64, mut e: i32) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e)
}

/// Go's `math.Pow` for an integral exponent (what `round` needs).
pub(crate) fn go_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if y.fract() != 0.0 {
        return x.powf(y);
    }
    let yi = y.abs();
    if yi >= 9.223_372_036_854_776e18 {
        return if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let mut a1 = 1.0f64;
    let mut ae: i64 = 0;
    let (mut x1, xe0) = frexp(x);
    let mut xe = i64::from(xe0);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae.clamp(-100_000, 100_000) as i32)
}

/// Sprig's `seq`.
fn seq(p: &[i64]) -> String {
    let v = match p.len() {
        1 => {
            let (start, end) = (1, p[0]);
            let inc = if end < start { -1 } else { 1 };
            until_step(start, end + inc, inc)
        }
        2 => {
            let (start, end) = (p[0], p[1]);
            let step = if end < start { -1 } else { 1 };
            until_step(start, end + step, step)
        }
        3 => {
            let (start, step, end) = (p[0], p[1], p[2]);
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return String::new();
                }
            }
            until_step(start, end + inc, step)
        }
        _ => return String::new(),
    };
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A decimal `value * 10^exp`, as shopspring's.
#[derive(Clone)]
struct Dec {
    v: BigInt,
    e: i64,
}

fn pow10(n: i64) -> BigInt {
    num_traits::pow(BigInt::from(10), n as usize)
}

impl Dec {
    /// `decimal.NewFromFloat`: the float's shortest round-trip decimal.
    fn from_f64(f: f64) -> Result<Dec, String> {
        if f.is_nan() || f.is_infinite() {
            let s = gotmpl::fmt::sprint(&[Value::float(f)]);
            return Err(format!("Cannot create a Decimal from {s}"));
        }
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i64 = exp.parse().unwrap_or(0);
        let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{ip}{fp}");
        let v: BigInt = digits.parse().unwrap_or_default();
        Ok(Dec {
            v,
            e: exp - fp.len() as i64,
        })
    }

    fn align(&self, o: &Dec) -> (BigInt, BigInt, i64) {
        let e = self.e.min(o.e);
        (&self.v * pow10(self.e - e), &o.v * pow10(o.e - e), e)
    }

    fn to_f64(&self) -> f64 {
        if self.v.is_zero() {
            return 0.0;
        }
        format!("{}e{}", self.v, self.e).parse().unwrap_or(0.0)
    }

    fn op(&self, o: &Dec, op: Op) -> Result<Dec, String> {
        Ok(match op {
            Op::Add => {
                let (a, b, e) = self.align(o);
                Dec { v: a + b, e }
            }
            Op::Sub => {
                let (a, b, e) = self.align(o);
                Dec { v: a - b, e }
            }
            Op::Mul => Dec {
                v: &self.v * &o.v,
                e: self.e + o.e,
            },
            Op::Div => {
                if o.v.is_zero() {
                    return Err("decimal division by 0".into());
                }
                let prec = 16i64;
                let k = self.e - o.e + prec;
                let (num, den) = if k >= 0 {
                    (&self.v * pow10(k), o.v.clone())
                } else {
                    (self.v.clone(), &o.v * pow10(-k))
                };
                let q = &num / &den;
                let rem = &num - &q * &den;
                let q = if BigInt::from(2) * rem.abs() >= den.abs() {
                    if (num.is_negative()) != (den.is_negative()) {
                        q - 1
                    } else {
                        q + 1
                    }
                } else {
                    q
                };
                Dec { v: q, e: -prec }
            }
        })
    }
}

/// Sprig's `execDecimalOp`.
fn dec_op(a: &Value, rest: &[Value], op: Op) -> Result<f64, String> {
    let mut acc = Dec::from_f64(to_float64(a))?;
    for x in rest {
        let d = Dec::from_f64(to_float64(x))?;
        acc = acc.op(&d, op)?;
    }
    Ok(acc.to_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_ops_match_shopspring() {
        assert_eq!(
            dec_op(&Value::float(0.1), &[Value::float(0.2)], Op::Add),
            Ok(0.3)
        );
        assert_eq!(
            dec_op(&Value::int(1), &[Value::int(3)], Op::Div),
            Ok(0.3333333333333333)
        );
        assert_eq!(
            dec_op(&Value::int(2), &[Value::int(3)], Op::Div),
            Ok(0.6666666666666667)
        );
        assert_eq!(seq(&[1, 3]), "1 2 3");
        assert_eq!(seq(&[5]), "1 2 3 4 5");
        assert_eq!(go_pow(10.0, 2.0), 100.0);
    }
}
