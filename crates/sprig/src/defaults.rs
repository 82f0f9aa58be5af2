//! Sprig's `defaults.go` and flow control: `default`/`empty`/`coalesce` with Go's emptiness
//! (`false`, `0`, `""`, empty collections and nil are empty), `ternary`, `fail`.

use gotmpl::Value;

use crate::conv::{as_str, empty};
use crate::t::*;
use crate::{Env, Reg};

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    r.f("default", vec![A], Some(A), |a| {
        if a.len() < 2 || empty(&a[1]) {
            return Ok(a[0].clone());
        }
        Ok(a[1].clone())
    });
    r.f("empty", vec![A], None, |a| Ok(Value::Bool(empty(&a[0]))));
    r.f("coalesce", vec![], Some(A), |a| {
        Ok(a.into_iter().find(|v| !empty(v)).unwrap_or(Value::Nil))
    });
    r.f("all", vec![], Some(A), |a| {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    r.f("any", vec![], Some(A), |a| {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    r.f("ternary", vec![A, A, B], None, |a| {
        Ok(if matches!(a[2], Value::Bool(true)) {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    r.f("fail", vec![S], None, |a| Err(as_str(&a[0]).to_string()));
}
