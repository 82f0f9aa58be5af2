//! Sprig's list functions (`list.go`): copies into `[]interface {}`, `reflect.DeepEqual`
//! membership, and the exact errors (`Cannot push on type string`) and Go panics they raise.

use gotmpl::{ElemType, IntKind, Value};

use crate::conv::{
    as_int, deep_equal, empty, f64_to_i64, is_nil_string_list, kind_name, list_of, nil_list_of,
    slice_items, str_list, strslice, strval, to_int64,
};
use crate::t::*;
use crate::{R, Reg};

/// Go's panic for `reflect.TypeOf(nil).Kind()`.
pub(crate) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

/// The items of a slice argument, or Sprig's error `"{what} type KIND"`.
fn items(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    if matches!(v, Value::Nil) {
        return Err(NIL_DEREF.into());
    }
    slice_items(v).ok_or_else(|| format!("{what} type {}", kind_name(v)))
}

fn ilist(items: Vec<Value>) -> Value {
    list_of(ElemType::Interface, items)
}

fn ints(v: Vec<i64>) -> Value {
    list_of(
        ElemType::Int(IntKind::Int),
        v.into_iter().map(Value::int).collect(),
    )
}

/// Registers `name` and `mustName` with the same body (Sprig's non-must forms panic with the
/// must form's error, which the executor reports identically).
fn both<F>(
    r: &mut Reg,
    name: &str,
    must: &str,
    params: Vec<ArgType>,
    variadic: Option<ArgType>,
    f: F,
) where
    F: Fn(Vec<Value>) -> R + Send + Sync + Clone + 'static,
{
    r.f(name, params.clone(), variadic.clone(), f.clone());
    r.f(must, params, variadic, f);
}

use gotmpl::ArgType;

pub(crate) fn register(r: &mut Reg, _env: &crate::Env) {
    r.f("list", vec![], Some(A), |a| Ok(ilist(a)));
    r.alias("tuple", "list");
    let push = |a: Vec<Value>| -> R {
        let mut l = items(&a[0], "Cannot push on")?;
        l.push(a[1].clone());
        Ok(ilist(l))
    };
    both(r, "append", "mustAppend", vec![A, A], None, push);
    both(r, "push", "mustPush", vec![A, A], None, push);
    both(r, "prepend", "mustPrepend", vec![A, A], None, |a| {
        let mut l = items(&a[0], "Cannot prepend on")?;
        l.insert(0, a[1].clone());
        Ok(ilist(l))
    });
    both(r, "first", "mustFirst", vec![A], None, |a| {
        let l = items(&a[0], "Cannot find first on")?;
        Ok(l.into_iter().next().unwrap_or(Value::Nil))
    });
    both(r, "last", "mustLast", vec![A], None, |a| {
        let l = items(&a[0], "Cannot find last on")?;
        Ok(l.into_iter().last().unwrap_or(Value::Nil))
    });
    // Both `return nil, nil` (a nil []interface{}) for an empty list.
    both(r, "rest", "mustRest", vec![A], None, |a| {
        let l = items(&a[0], "Cannot find rest on")?;
        if l.is_empty() {
            return Ok(nil_list_of(ElemType::Interface));
        }
        Ok(ilist(l.into_iter().skip(1).collect()))
    });
    both(r, "initial", "mustInitial", vec![A], None, |a| {
        let mut l = items(&a[0], "Cannot find initial on")?;
        if l.is_empty() {
            return Ok(nil_list_of(ElemType::Interface));
        }
        l.pop();
        Ok(ilist(l))
    });
    both(r, "reverse", "mustReverse", vec![A], None, |a| {
        let mut l = items(&a[0], "Cannot find reverse on")?;
        l.reverse();
        Ok(ilist(l))
    });
    both(r, "compact", "mustCompact", vec![A], None, |a| {
        let l = items(&a[0], "Cannot compact on")?;
        Ok(ilist(l.into_iter().filter(|v| !empty(v)).collect()))
    });
    both(r, "uniq", "mustUniq", vec![A], None, |a| {
        let l = items(&a[0], "Cannot find uniq on")?;
        let mut out: Vec<Value> = Vec::new();
        for v in l {
            if !out.iter().any(|o| deep_equal(&v, o)) {
                out.push(v);
            }
        }
        Ok(ilist(out))
    });
    both(r, "without", "mustWithout", vec![A], Some(A), |a| {
        let l = items(&a[0], "Cannot find without on")?;
        let omit = &a[1..];
        Ok(ilist(
            l.into_iter()
                .filter(|v| !omit.iter().any(|o| deep_equal(v, o)))
                .collect(),
        ))
    });
    both(r, "has", "mustHas", vec![A, A], None, |a| {
        if matches!(a[1], Value::Nil) {
            return Ok(Value::Bool(false));
        }
        let l = items(&a[1], "Cannot find has on")?;
        Ok(Value::Bool(l.iter().any(|v| deep_equal(&a[0], v))))
    });
    both(r, "slice", "mustSlice", vec![A], Some(A), |a| {
        if matches!(a[0], Value::Nil) {
            return Err(NIL_DEREF.into());
        }
        let Some(l) = slice_items(&a[0]) else {
            return Err(format!(
                "list should be type of slice or array but {}",
                kind_name(&a[0])
            ));
        };
        if l.is_empty() {
            return Ok(Value::Nil);
        }
        let start = a.get(1).map_or(0, to_int64);
        let end = if a.len() < 3 {
            l.len() as i64
        } else {
            to_int64(&a[2])
        };
        if start < 0 || end < start || end > l.len() as i64 {
            return Err("reflect.Value.Slice: slice index out of bounds".into());
        }
        let part = l[start as usize..end as usize].to_vec();
        Ok(match &a[0] {
            Value::Bytes(b) => Value::Bytes(b[start as usize..end as usize].into()),
            Value::List(x) => list_of(x.elem.clone(), part),
            _ => ilist(part),
        })
    });
    r.f("concat", vec![], Some(A), |a| {
        let mut out = Vec::new();
        for l in &a {
            if matches!(l, Value::Nil) {
                return Err(NIL_DEREF.into());
            }
            match slice_items(l) {
                Some(items) => out.extend(items),
                None => return Err(format!("Cannot concat type {} as list", kind_name(l))),
            }
        }
        // `var res []interface{}` stays nil when nothing was appended.
        if out.is_empty() {
            return Ok(nil_list_of(ElemType::Interface));
        }
        Ok(ilist(out))
    });
    both(r, "chunk", "mustChunk", vec![I, A], None, |a| {
        let size = as_int(&a[0]);
        let l = items(&a[1], "Cannot chunk")?;
        let n = l.len() as i64;
        let makeslice = || "runtime error: makeslice: len out of range".to_string();
        let cs = f64_to_i64(((n - 1) as f64 / size as f64).floor() + 1.0);
        if cs < 0 {
            return Err(makeslice());
        }
        let mut out = Vec::with_capacity(cs as usize);
        for i in 0..cs {
            let mut clen = size;
            if i == cs - 1 {
                clen = f64_to_i64((n as f64 % size as f64).floor());
                if clen == 0 {
                    clen = size;
                }
            }
            if clen < 0 {
                return Err(makeslice());
            }
            let mut part = Vec::with_capacity(clen as usize);
            for j in 0..clen {
                let ix = i * size + j;
                match l.get(ix as usize) {
                    Some(v) if ix >= 0 => part.push(v.clone()),
                    _ => {
                        return Err("reflect: slice index out of range".to_string());
                    }
                }
            }
            out.push(ilist(part));
        }
        Ok(list_of(ElemType::Slice(Box::new(ElemType::Interface)), out))
    });
    r.f("sortAlpha", vec![A], None, |a| {
        // strslice hands a []string back as is, so a nil one stays nil.
        if is_nil_string_list(&a[0]) {
            return Ok(a[0].clone());
        }
        let mut v = match &a[0] {
            Value::List(_) | Value::Bytes(_) => strslice(&a[0]),
            other => vec![strval(other)],
        };
        v.sort();
        Ok(str_list(v))
    });
    r.f("until", vec![I], None, |a| {
        let c = as_int(&a[0]);
        Ok(ints(until_step(0, c, if c < 0 { -1 } else { 1 })))
    });
    r.f("untilStep", vec![I, I, I], None, |a| {
        Ok(ints(until_step(
            as_int(&a[0]),
            as_int(&a[1]),
            as_int(&a[2]),
        )))
    });
}

/// Sprig's `untilStep`.
pub(crate) fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            i = i.wrapping_add(step);
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    v
}
