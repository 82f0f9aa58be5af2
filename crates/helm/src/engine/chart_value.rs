//! `.Chart` as each helm version hands it to templates.
//!
//! helm v4 converts `*chart.Metadata` with `structToMap` into a `map[string]interface{}` keyed by
//! Go field names (slices become `[]interface{}`, nested structs maps) plus `IsRoot`; helm v3
//! passes the struct `struct { chart.Metadata; IsRoot bool }` itself, a Go object whose `%v`
//! and `toJson` are Go's struct printing and `json.Marshal` (JSON tags, `omitempty`).

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{ElemType, Func, List, Map, Object, Value};

use crate::HelmVersion;
use crate::chart::{Dependency, Maintainer, Metadata};

/// `.Chart` of a chart with `meta`, for `compat`.
pub(crate) fn chart_value(meta: &Metadata, is_root: bool, compat: HelmVersion) -> Value {
    match compat {
        HelmVersion::V3 => Value::Object(Arc::new(ChartV3 {
            meta: Arc::new(meta.clone()),
            is_root: Some(is_root),
        })),
        _ => {
            let mut m = metadata_map(meta);
            m.insert("IsRoot".into(), Value::Bool(is_root));
            Value::map(m)
        }
    }
}

fn strings_any(v: &[String]) -> Value {
    Value::list(v.iter().map(Value::string).collect())
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Map(Arc::new(Map::from_entries(
        ElemType::String,
        m.iter().map(|(k, v)| (k.clone(), Value::string(v))),
    )))
}

/// helm v4's `structToMap(*chart.Metadata)`.
fn metadata_map(m: &Metadata) -> BTreeMap<String, Value> {
    let s = Value::string;
    BTreeMap::from([
        ("Name".into(), s(&m.name)),
        ("Home".into(), s(&m.home)),
        ("Sources".into(), strings_any(&m.sources)),
        ("Version".into(), s(&m.version)),
        ("Description".into(), s(&m.description)),
        ("Keywords".into(), strings_any(&m.keywords)),
        (
            "Maintainers".into(),
            Value::list(m.maintainers.iter().map(maintainer_map).collect()),
        ),
        ("Icon".into(), s(&m.icon)),
        ("APIVersion".into(), s(&m.api_version)),
        ("Condition".into(), s(&m.condition)),
        ("Tags".into(), s(&m.tags)),
        ("AppVersion".into(), s(&m.app_version)),
        ("Deprecated".into(), Value::Bool(m.deprecated)),
        ("Annotations".into(), string_map(&m.annotations)),
        ("KubeVersion".into(), s(&m.kube_version)),
        (
            "Dependencies".into(),
            Value::list(m.dependencies.iter().map(dependency_map).collect()),
        ),
        ("Type".into(), s(&m.chart_type)),
    ])
}

fn maintainer_map(m: &Maintainer) -> Value {
    Value::map([
        ("Name".to_string(), Value::string(&m.name)),
        ("Email".to_string(), Value::string(&m.email)),
        ("URL".to_string(), Value::string(&m.url)),
    ])
}

fn dependency_map(d: &Dependency) -> Value {
    Value::map([
        ("Name".to_string(), Value::string(&d.name)),
        ("Version".to_string(), Value::string(&d.version)),
        ("Repository".to_string(), Value::string(&d.repository)),
        ("Condition".to_string(), Value::string(&d.condition)),
        ("Tags".to_string(), strings_any(&d.tags)),
        ("Enabled".to_string(), Value::Bool(d.enabled)),
        (
            "ImportValues".to_string(),
            Value::list(d.import_values.clone()),
        ),
        ("Alias".to_string(), Value::string(&d.alias)),
    ])
}

/// helm v3's `.Chart`: `struct { chart.Metadata; IsRoot bool }` (with `is_root`), or the
/// embedded `chart.Metadata` alone (`.Chart.Metadata`, `is_root` `None`).
#[derive(Debug)]
struct ChartV3 {
    meta: Arc<Metadata>,
    is_root: Option<bool>,
}

fn string_list(v: &[String]) -> Value {
    Value::List(Arc::new(List::new(
        ElemType::String,
        v.iter().map(Value::string).collect(),
    )))
}

/// Go's `%v` of a `[]string`.
fn fmt_strings(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

/// Go's `%v` of a slice of pointers: addresses, which differ per run; canon prints a fixed one.
fn fmt_pointers(n: usize) -> String {
    format!("[{}]", vec!["0xc000000000"; n].join(" "))
}

fn fmt_string_map(m: &BTreeMap<String, String>) -> String {
    let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("map[{}]", parts.join(" "))
}

fn json_str(s: &str, out: &mut String) {
    goyaml::json::string(s, true, out);
}

/// Appends `"key":` with a leading comma when needed.
fn json_key(key: &str, first: &mut bool, out: &mut String) {
    if !*first {
        out.push(',');
    }
    *first = false;
    json_str(key, out);
    out.push(':');
}

fn json_opt_str(key: &str, v: &str, first: &mut bool, out: &mut String) {
    if !v.is_empty() {
        json_key(key, first, out);
        json_str(v, out);
    }
}

fn json_opt_strings(key: &str, v: &[String], first: &mut bool, out: &mut String) {
    if !v.is_empty() {
        json_key(key, first, out);
        out.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(s, out);
        }
        out.push(']');
    }
}

fn maintainer_json(m: &Maintainer, out: &mut String) {
    let mut first = true;
    out.push('{');
    json_opt_str("name", &m.name, &mut first, out);
    json_opt_str("email", &m.email, &mut first, out);
    json_opt_str("url", &m.url, &mut first, out);
    out.push('}');
}

fn dependency_json(d: &Dependency, out: &mut String) -> Option<()> {
    let mut first = true;
    out.push('{');
    json_key("name", &mut first, out);
    json_str(&d.name, out);
    json_opt_str("version", &d.version, &mut first, out);
    json_key("repository", &mut first, out);
    json_str(&d.repository, out);
    json_opt_str("condition", &d.condition, &mut first, out);
    json_opt_strings("tags", &d.tags, &mut first, out);
    if d.enabled {
        json_key("enabled", &mut first, out);
        out.push_str("true");
    }
    if !d.import_values.is_empty() {
        json_key("import-values", &mut first, out);
        out.push_str(&goyaml::to_json(&Value::list(d.import_values.clone())).ok()?);
    }
    json_opt_str("alias", &d.alias, &mut first, out);
    out.push('}');
    Some(())
}

/// `json.Marshal` of `chart.Metadata`'s fields (without the braces).
fn metadata_json(m: &Metadata, first: &mut bool, out: &mut String) -> Option<()> {
    json_opt_str("name", &m.name, first, out);
    json_opt_str("home", &m.home, first, out);
    json_opt_strings("sources", &m.sources, first, out);
    json_opt_str("version", &m.version, first, out);
    json_opt_str("description", &m.description, first, out);
    json_opt_strings("keywords", &m.keywords, first, out);
    if !m.maintainers.is_empty() {
        json_key("maintainers", first, out);
        out.push('[');
        for (i, mt) in m.maintainers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            maintainer_json(mt, out);
        }
        out.push(']');
    }
    json_opt_str("icon", &m.icon, first, out);
    json_opt_str("apiVersion", &m.api_version, first, out);
    json_opt_str("condition", &m.condition, first, out);
    json_opt_str("tags", &m.tags, first, out);
    json_opt_str("appVersion", &m.app_version, first, out);
    if m.deprecated {
        json_key("deprecated", first, out);
        out.push_str("true");
    }
    if !m.annotations.is_empty() {
        json_key("annotations", first, out);
        let mut f2 = true;
        out.push('{');
        for (k, v) in &m.annotations {
            json_key(k, &mut f2, out);
            json_str(v, out);
        }
        out.push('}');
    }
    json_opt_str("kubeVersion", &m.kube_version, first, out);
    if !m.dependencies.is_empty() {
        json_key("dependencies", first, out);
        out.push('[');
        for (i, d) in m.dependencies.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            dependency_json(d, out)?;
        }
        out.push(']');
    }
    json_opt_str("type", &m.chart_type, first, out);
    Some(())
}

impl ChartV3 {
    fn metadata_display(&self) -> String {
        let m = &self.meta;
        format!(
            "{{{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}}}",
            m.name,
            m.home,
            fmt_strings(&m.sources),
            m.version,
            m.description,
            fmt_strings(&m.keywords),
            fmt_pointers(m.maintainers.len()),
            m.icon,
            m.api_version,
            m.condition,
            m.tags,
            m.app_version,
            m.deprecated,
            fmt_string_map(&m.annotations),
            m.kube_version,
            fmt_pointers(m.dependencies.len()),
            m.chart_type,
        )
    }
}

impl Object for ChartV3 {
    fn type_name(&self) -> String {
        match self.is_root {
            Some(_) => "struct { chart.Metadata; IsRoot bool }".into(),
            None => "chart.Metadata".into(),
        }
    }

    fn display(&self) -> String {
        match self.is_root {
            Some(r) => format!("{{{} {r}}}", self.metadata_display()),
            None => self.metadata_display(),
        }
    }

    fn field(&self, name: &str) -> Option<Value> {
        let m = &self.meta;
        let s = Value::string;
        Some(match name {
            "IsRoot" => Value::Bool(self.is_root?),
            "Metadata" => {
                self.is_root?;
                Value::Object(Arc::new(ChartV3 {
                    meta: self.meta.clone(),
                    is_root: None,
                }))
            }
            "Name" => s(&m.name),
            "Home" => s(&m.home),
            "Sources" => string_list(&m.sources),
            "Version" => s(&m.version),
            "Description" => s(&m.description),
            "Keywords" => string_list(&m.keywords),
            "Maintainers" => Value::list(
                m.maintainers
                    .iter()
                    .map(|x| Value::Object(Arc::new(MaintainerV3(x.clone()))))
                    .collect(),
            ),
            "Icon" => s(&m.icon),
            "APIVersion" => s(&m.api_version),
            "Condition" => s(&m.condition),
            "Tags" => s(&m.tags),
            "AppVersion" => s(&m.app_version),
            "Deprecated" => Value::Bool(m.deprecated),
            "Annotations" => string_map(&m.annotations),
            "KubeVersion" => s(&m.kube_version),
            "Dependencies" => Value::list(
                m.dependencies
                    .iter()
                    .map(|d| Value::Object(Arc::new(DependencyV3(d.clone()))))
                    .collect(),
            ),
            "Type" => s(&m.chart_type),
            _ => return None,
        })
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn marshal_json(&self) -> Option<String> {
        let mut out = String::from("{");
        let mut first = true;
        metadata_json(&self.meta, &mut first, &mut out)?;
        if let Some(r) = self.is_root {
            json_key("IsRoot", &mut first, &mut out);
            out.push_str(if r { "true" } else { "false" });
        }
        out.push('}');
        Some(out)
    }
}

/// helm v3's `*chart.Maintainer`.
#[derive(Debug)]
struct MaintainerV3(Maintainer);

impl Object for MaintainerV3 {
    fn type_name(&self) -> String {
        "*chart.Maintainer".into()
    }
    fn display(&self) -> String {
        format!("&{{{} {} {}}}", self.0.name, self.0.email, self.0.url)
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::string(match name {
            "Name" => &self.0.name,
            "Email" => &self.0.email,
            "URL" => &self.0.url,
            _ => return None,
        }))
    }
    fn marshal_json(&self) -> Option<String> {
        let mut out = String::new();
        maintainer_json(&self.0, &mut out);
        Some(out)
    }
}

/// helm v3's `*chart.Dependency`.
#[derive(Debug)]
struct DependencyV3(Dependency);

impl Object for DependencyV3 {
    fn type_name(&self) -> String {
        "*chart.Dependency".into()
    }
    fn display(&self) -> String {
        let d = &self.0;
        let imports: Vec<String> = d
            .import_values
            .iter()
            .map(|v| gotmpl::fmt::sprint(std::slice::from_ref(v)))
            .collect();
        format!(
            "&{{{} {} {} {} {} {} [{}] {}}}",
            d.name,
            d.version,
            d.repository,
            d.condition,
            fmt_strings(&d.tags),
            d.enabled,
            imports.join(" "),
            d.alias
        )
    }
    fn field(&self, name: &str) -> Option<Value> {
        let d = &self.0;
        Some(match name {
            "Name" => Value::string(&d.name),
            "Version" => Value::string(&d.version),
            "Repository" => Value::string(&d.repository),
            "Condition" => Value::string(&d.condition),
            "Tags" => string_list(&d.tags),
            "Enabled" => Value::Bool(d.enabled),
            "ImportValues" => Value::list(d.import_values.clone()),
            "Alias" => Value::string(&d.alias),
            _ => return None,
        })
    }
    fn marshal_json(&self) -> Option<String> {
        let mut out = String::new();
        dependency_json(&self.0, &mut out)?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        Metadata {
            name: "c".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            keywords: vec!["a".into(), "b".into()],
            annotations: BTreeMap::from([("k".into(), "v".into())]),
            ..Metadata::default()
        }
    }

    #[test]
    fn v3_chart_prints_and_marshals_like_go() {
        // Expected texts printed by Go 1.26 with helm v3.21.4's chart.Metadata: `%v` and json.Marshal
        // of struct{chart.Metadata; IsRoot bool}{m, true}.
        let Value::Object(o) = chart_value(&meta(), true, HelmVersion::V3) else {
            panic!("v3 .Chart is an object");
        };
        assert_eq!(
            o.display(),
            "{{c  [] 0.1.0  [a b] []  v2    false map[k:v]  [] } true}"
        );
        assert_eq!(
            o.marshal_json().as_deref(),
            Some(
                r#"{"name":"c","version":"0.1.0","keywords":["a","b"],"apiVersion":"v2","annotations":{"k":"v"},"IsRoot":true}"#
            )
        );
    }
}
