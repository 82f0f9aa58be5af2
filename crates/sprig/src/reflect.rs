//! Sprig's `reflect.go`: Go type names (`%T`) and `reflect.Kind` names, `deepEqual`.

use gotmpl::Value;

use crate::conv::{as_str, deep_equal, kind_name};
use crate::t::*;
use crate::{Env, Reg};

fn type_of(v: &Value) -> String {
    gotmpl::fmt::type_name(v)
}

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    r.f("typeOf", vec![A], None, |a| {
        Ok(Value::string(type_of(&a[0])))
    });
    r.f("typeIs", vec![S, A], None, |a| {
        Ok(Value::Bool(as_str(&a[0]) == type_of(&a[1])))
    });
    r.f("typeIsLike", vec![S, A], None, |a| {
        let t = type_of(&a[1]);
        let target = as_str(&a[0]);
        Ok(Value::Bool(target == t || format!("*{target}") == t))
    });
    r.f("kindOf", vec![A], None, |a| {
        Ok(Value::string(kind_name(&a[0])))
    });
    r.f("kindIs", vec![S, A], None, |a| {
        Ok(Value::Bool(as_str(&a[0]) == kind_name(&a[1])))
    });
    r.f("deepEqual", vec![A, A], None, |a| {
        Ok(Value::Bool(deep_equal(&a[0], &a[1])))
    });
}
