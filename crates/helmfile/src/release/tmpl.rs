//! Release templating (helmfile's `ExecuteTemplates` and `ReleaseSpec.ExecuteTemplateExpressions`):
//! each templated field of the release rendered with the release's own data, repeated until the
//! release stops changing (at most 6 rounds), then `*Template` booleans read back.

use gotmpl::Value;

use super::typed::{SetValue, Spec};
use super::values::{go_v, marshal_v3};
use crate::funcs::{self, FuncContext};
use crate::spec::Environment;

/// Renders `text` as helmfile's `RenderTemplateContentToBuffer`. A text without `{{` is its
/// own output in Go's `text/template` (helper `_*.tpl` files only define templates), so it is
/// returned without running the engine.
pub(crate) fn render(ctx: &FuncContext, text: &str, data: &Value) -> Result<String, String> {
    if !text.contains("{{") {
        return Ok(text.to_string());
    }
    funcs::render(ctx, "stringTemplate", text, data).map_err(|e| e.to_string())
}

/// What the release data is built from besides the release itself.
pub(crate) struct DataSource<'a> {
    pub env: &'a Environment,
    /// `st.OverrideNamespace` (`.Namespace` in release templates).
    pub namespace: &'a str,
}

/// The release as the YAML map `funcs::release_data` reads `.Release` from (`name`,
/// `namespace`, `labels`, `chart`, `version`, `kubeContext`; helmfile's
/// `releaseTemplateDataRelease`). Labels stay absent when the release has none (a nil map).
pub(crate) fn release_value(s: &Spec) -> Value {
    let mut entries = vec![
        ("name".to_string(), Value::string(&s.name)),
        ("namespace".to_string(), Value::string(&s.namespace)),
        ("chart".to_string(), Value::string(&s.chart)),
        ("version".to_string(), Value::string(&s.version)),
        ("kubeContext".to_string(), Value::string(&s.kube_context)),
    ];
    if let Some(l) = &s.labels {
        entries.push((
            "labels".to_string(),
            Value::map(l.iter().map(|(k, v)| (k.clone(), Value::string(v)))),
        ));
    }
    Value::map(entries)
}

/// The template data of `s` (`.Release`, `.Values`, `.Environment`, …).
pub(crate) fn data(src: &DataSource<'_>, s: &Spec) -> Value {
    funcs::release_data(src.env, src.namespace, &release_value(s))
}

/// `ExecuteTemplateExpressions` of `r` with `data`.
fn execute(r: &Spec, ctx: &FuncContext, data: &Value) -> Result<Spec, String> {
    let name = &r.name;
    let mut res = r.deep_clone();
    let rd = |field: &str, ts: &str| -> Result<String, String> {
        render(ctx, ts, data).map_err(|e| {
            format!("failed executing template expressions in release \"{name}\".{field} = \"{ts}\": {e}")
        })
    };
    res.name = rd("name", &res.name)?.trim().to_string();
    res.chart = rd("chart", &res.chart)?.trim().to_string();
    res.namespace = rd("namespace", &res.namespace)?.trim().to_string();
    res.version = rd("version", &res.version)?.trim().to_string();
    for (field, slot) in [
        ("waitTemplate", &mut res.wait_template),
        ("installedTemplate", &mut res.installed_template),
        ("conditionTemplate", &mut res.condition_template),
        ("verifyTemplate", &mut res.verify_template),
    ] {
        if let Some(ts) = slot.as_ref() {
            *slot = Some(rd(field, ts)?);
        }
    }
    if let Some(labels) = res.labels.as_mut() {
        for (k, v) in labels.iter_mut() {
            *v = rd(&format!("labels[{k}]"), v)?;
        }
    }
    res.post_renderer_args = res
        .post_renderer_args
        .iter()
        .map(|a| rd("postRendererArgs", a))
        .collect::<Result<_, _>>()?;
    if !res.values_template.is_empty() {
        for (i, t) in res.values_template.iter_mut().enumerate() {
            if let Value::Map(_) = t {
                let shown = go_v(t);
                let serialized = marshal_v3(t).map_err(|e| {
                    format!("failed executing template expressions in release \"{name}\".values[{i}] = \"{shown}\": {e}")
                })?;
                let s = render(ctx, &serialized, data).map_err(|e| {
                    format!("failed executing template expressions in release \"{name}\".values[{i}] = \"{serialized}\": {e}")
                })?;
                *t = read_map(&s).map_err(|e| {
                    format!("failed executing template expressions in release \"{name}\".values[{i}] = \"{shown}\": {e}")
                })?;
            }
        }
        let mut v = res.values_template.clone();
        v.append(&mut res.values);
        res.values = v;
    }
    for (i, t) in res.values.iter_mut().enumerate() {
        if let Value::String(ts) = t {
            let s = render(ctx, ts, data).map_err(|e| {
                format!("failed executing template expressions in release \"{name}\".values[{i}] = \"{ts}\": {e}")
            })?;
            *t = Value::string(s);
        }
    }
    for (i, t) in res.secrets.iter_mut().enumerate() {
        if let Value::String(ts) = t {
            let s = render(ctx, ts, data).map_err(|e| {
                format!("failed executing template expressions in release \"{name}\".secrets[{i}] = \"{ts}\": {e}")
            })?;
            *t = Value::string(s);
        }
    }
    if !res.set_template.is_empty() {
        for (i, sv) in res.set_template.iter_mut().enumerate() {
            render_set_value(sv, i, name, ctx, data)?;
        }
        let mut v: Vec<SetValue> = res.set_template.clone();
        v.append(&mut res.set);
        res.set = v;
    }
    for (i, n) in res.needs.iter_mut().enumerate() {
        *n = render(ctx, n, data).map_err(|e| {
            format!("failed executing template expressions in release \"{name}\".needs[{i}] = \"{n}\": {e}")
        })?;
    }
    Ok(res)
}

fn render_set_value(
    sv: &mut SetValue,
    i: usize,
    name: &str,
    ctx: &FuncContext,
    data: &Value,
) -> Result<(), String> {
    for (field, slot) in [
        ("name", &mut sv.name),
        ("value", &mut sv.value),
        ("file", &mut sv.file),
    ] {
        *slot = render(ctx, slot, data).map_err(|e| {
            format!("failed executing template expressions in release \"{name}\".set[{i}].{field} = \"{slot}\": {e}")
        })?;
    }
    for (j, tv) in sv.values.iter_mut().enumerate() {
        if let Value::String(ts) = tv {
            let s = render(ctx, ts, data).map_err(|e| {
                format!("failed executing template expressions in release \"{name}\".set[{i}].values[{j}] = \"{ts}\": {e}")
            })?;
            *tv = Value::string(s);
        }
    }
    Ok(())
}

/// yaml.v3 `Unmarshal` into `map[string]any`, keys made strings (`maputil.CastKeysToStrings`).
fn read_map(text: &str) -> Result<Value, String> {
    let node = goyaml::v3::unmarshal(text).map_err(|e| e.message)?;
    match node {
        None | Some(goyaml::Node::Null) => Ok(Value::map([])),
        Some(n @ goyaml::Node::Map(_)) => Ok(goyaml::native_to_value(&n)),
        Some(other) => {
            let tag = match other {
                goyaml::Node::Seq(_) => "!!seq".to_string(),
                goyaml::Node::Str(s) => format!("!!str `{s}`"),
                goyaml::Node::Int(i) => format!("!!int `{i}`"),
                goyaml::Node::Bool(b) => format!("!!bool `{b}`"),
                _ => "!!float".to_string(),
            };
            Err(format!(
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal {tag} into map[string]interface {{}}"
            ))
        }
    }
}

/// A release templated to its fixpoint (`ExecuteTemplates`' loop for one release).
pub(crate) fn to_fixpoint(
    release: &Spec,
    ctx: &FuncContext,
    src: &DataSource<'_>,
    file: &str,
) -> Result<Spec, String> {
    let wrap = |e: String| {
        format!(
            "failed executing templates in release \"{file}\".\"{}\": {e}",
            release.name
        )
    };
    let mut prev = release.clone();
    for _ in 0..6 {
        let d = data(src, &prev);
        let mut r = execute(release, ctx, &d).map_err(wrap)?;
        if prev.same_as(&r) {
            update_bool_templated_values(&mut r).map_err(wrap)?;
            return Ok(r);
        }
        prev = r;
    }
    Err(wrap("recursive references can't be resolved".into()))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    let fail = |e: String| format!("failed deserialising string {s}: {e}");
    match goyaml::v3::unmarshal(s).map_err(|e| fail(e.message))? {
        None | Some(goyaml::Node::Null) => Ok(false),
        Some(goyaml::Node::Bool(b)) => Ok(b),
        Some(goyaml::Node::Str(t)) => Err(fail(format!(
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `{t}` into bool"
        ))),
        Some(goyaml::Node::Int(i)) => Err(fail(format!(
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `{i}` into bool"
        ))),
        Some(_) => Err(fail(
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal into bool".into(),
        )),
    }
}

/// `updateBoolTemplatedValues`: `installedTemplate` and friends become their booleans.
fn update_bool_templated_values(r: &mut Spec) -> Result<(), String> {
    use std::cell::RefCell;
    use std::rc::Rc;
    if let Some(t) = r.installed_template.take() {
        let b = parse_bool(&t).map_err(|e| format!("installedTemplate: {e}"))?;
        r.installed = Some(Rc::new(RefCell::new(b)));
    }
    if let Some(t) = r.condition_template.take() {
        let b = parse_bool(&t).map_err(|e| format!("conditionTemplate: {e}"))?;
        r.condition = b.to_string();
    }
    if let Some(t) = r.wait_template.take() {
        parse_bool(&t).map_err(|e| format!("waitTemplate: {e}"))?;
    }
    if let Some(t) = r.verify_template.take() {
        parse_bool(&t).map_err(|e| format!("verifyTemplate: {e}"))?;
    }
    Ok(())
}
