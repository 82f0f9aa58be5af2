//! Sprig's JSON functions (and Helm's replacements) on `goyaml::json`, canon's port of Go's
//! `encoding/json`: `toJson` swallows errors, `mustToJson` returns them, `toRawJson` panics,
//! Sprig's `fromJson` yields nil on bad input while Helm's returns `{"Error": ...}`.

use gotmpl::Value;

use crate::conv::as_str;
use crate::t::*;
use crate::{Env, Reg};

pub(crate) fn register(r: &mut Reg, env: &Env) {
    r.f("toJson", vec![A], None, |a| {
        Ok(Value::string(goyaml::to_json(&a[0]).unwrap_or_default()))
    });
    r.f("mustToJson", vec![A], None, |a| {
        goyaml::to_json(&a[0])
            .map(Value::string)
            .map_err(|e| e.to_string())
    });
    r.f("toPrettyJson", vec![A], None, |a| {
        Ok(Value::string(
            goyaml::to_pretty_json(&a[0]).unwrap_or_default(),
        ))
    });
    r.f("mustToPrettyJson", vec![A], None, |a| {
        goyaml::to_pretty_json(&a[0])
            .map(Value::string)
            .map_err(|e| e.to_string())
    });
    let raw = |a: Vec<Value>| {
        goyaml::to_raw_json(&a[0])
            .map(Value::string)
            .map_err(|e| e.to_string())
    };
    r.f("toRawJson", vec![A], None, raw);
    r.f("mustToRawJson", vec![A], None, raw);
    r.f("fromJson", vec![S], None, |a| {
        Ok(goyaml::from_json_value(as_str(&a[0])).unwrap_or(Value::Nil))
    });
    r.f("mustFromJson", vec![S], None, |a| {
        goyaml::from_json_value(as_str(&a[0])).map_err(|e| e.to_string())
    });
    if env.opts.helm {
        r.f("fromJson", vec![S], None, |a| {
            Ok(goyaml::from_json(as_str(&a[0])))
        });
        r.f("fromJsonArray", vec![S], None, |a| {
            Ok(goyaml::from_json_array(as_str(&a[0])))
        });
    }
}
