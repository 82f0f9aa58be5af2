//! sigs.k8s.io/yaml `Unmarshal` into helm's typed structs (`Metadata`, `Lock`): yaml.v2 parse,
//! `convertToJSONableObject` (scalars become strings where the Go field is a string, floats as
//! `FormatFloat(f, 'g', -1, 32)`, so `appVersion: 1.10` reads "1.1"), `json.Marshal`, then
//! `encoding/json` decoding (case-insensitive field names, type errors named as Go names them).
//! Only the shapes helm's chart structs use are modelled.

use std::collections::BTreeMap;

use gotmpl::Value;
use goyaml::Node;

use crate::chart::{Dependency, Lock, Maintainer, Metadata};

/// Go's type of a struct field, as far as the decoder needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ty {
    Str,
    Bool,
    StrList,
    StrMap,
    AnyList,
    /// `[]*T`.
    PtrList(&'static StructTy),
    /// `time.Time` (a JSON string holding RFC 3339).
    Time,
}

/// A Go struct: its name as `reflect.Type.Name()` and `String()` give them, and its JSON fields.
#[derive(Debug)]
pub(crate) struct StructTy {
    pub name: &'static str,
    pub fields: &'static [(&'static str, Ty)],
}

/// `json.Marshal`-ready value after sigs.k8s.io/yaml's conversion; objects have sorted keys.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(BTreeMap<String, J>),
}

impl J {
    fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Num(_) => "number",
            J::Str(_) => "string",
            J::Arr(_) => "array",
            J::Obj(_) => "object",
        }
    }

    fn to_value(&self) -> Value {
        match self {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            J::Num(f) => Value::float(*f),
            J::Str(s) => Value::string(s),
            J::Arr(a) => Value::list(a.iter().map(J::to_value).collect()),
            J::Obj(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), v.to_value()))),
        }
    }
}

/// Where the decoder is, for Go's `UnmarshalTypeError` text.
struct Ctx<'a> {
    pkg: &'a str,
    structs: Vec<&'static str>,
    fields: Vec<&'static str>,
}

impl Ctx<'_> {
    fn type_error(&self, j: &J, ty: &str) -> String {
        match self.structs.last() {
            Some(s) => format!(
                "json: cannot unmarshal {} into Go struct field {s}.{} of type {ty}",
                j.kind(),
                self.fields.join(".")
            ),
            None => format!(
                "json: cannot unmarshal {} into Go value of type {ty}",
                j.kind()
            ),
        }
    }

    fn ty_name(&self, ty: Ty) -> String {
        match ty {
            Ty::Str => "string".into(),
            Ty::Bool => "bool".into(),
            Ty::StrList => "[]string".into(),
            Ty::StrMap => "map[string]string".into(),
            Ty::AnyList => "[]interface {}".into(),
            Ty::PtrList(s) => format!("[]*{}.{}", self.pkg, s.name),
            Ty::Time => "time.Time".into(),
        }
    }
}

fn find_field(st: &StructTy, key: &str) -> Option<(&'static str, Ty)> {
    st.fields
        .iter()
        .find(|(n, _)| *n == key)
        .or_else(|| st.fields.iter().find(|(n, _)| fold_eq(n, key)))
        .copied()
}

/// encoding/json's case-insensitive key match (ASCII folding plus Unicode simple folding).
fn fold_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// Where a conversion is going: a struct, a field type, or nothing known (`interface{}`).
#[derive(Clone, Copy)]
enum Target {
    None,
    Struct(&'static StructTy),
    Field(Ty),
}

fn key_string(k: &Node, v: &Node) -> Result<String, String> {
    Ok(match k {
        Node::Str(s) => s.clone(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => u.to_string(),
        Node::Float(f) => match goyaml::format_float_g32(*f).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        },
        Node::Bool(b) => b.to_string(),
        other => {
            return Err(format!(
                "unsupported map key of type: {}, key: {:?}, value: {:?}",
                match other {
                    Node::Null => "<nil>",
                    Node::Seq(_) => "[]interface {}",
                    _ => "map[interface {}]interface {}",
                },
                other,
                v
            ));
        }
    })
}

/// `convertToJSONableObject` followed by `json.Marshal`'s checks.
fn convert(n: &Node, target: Target) -> Result<J, String> {
    Ok(match n {
        Node::Map(entries) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = key_string(k, v)?;
                let sub = match target {
                    Target::Struct(st) => match find_field(st, &key) {
                        Some((_, ty)) => field_target(ty),
                        None => Target::None,
                    },
                    Target::Field(Ty::StrMap) => Target::Field(Ty::Str),
                    _ => Target::None,
                };
                out.insert(key, convert(v, sub)?);
            }
            J::Obj(out)
        }
        Node::Seq(items) => {
            let elem = match target {
                Target::Field(Ty::StrList) => Target::Field(Ty::Str),
                Target::Field(Ty::PtrList(st)) => Target::Struct(st),
                _ => Target::None,
            };
            J::Arr(
                items
                    .iter()
                    .map(|i| convert(i, elem))
                    .collect::<Result<_, _>>()?,
            )
        }
        scalar => {
            let to_string = matches!(target, Target::Field(Ty::Str));
            match scalar {
                Node::Null => J::Null,
                Node::Bool(b) if to_string => J::Str(b.to_string()),
                Node::Bool(b) => J::Bool(*b),
                Node::Int(i) if to_string => J::Str(i.to_string()),
                Node::Int(i) => J::Num(*i as f64),
                Node::Uint(u) if to_string => J::Str(u.to_string()),
                Node::Uint(u) => J::Num(*u as f64),
                Node::Float(f) if to_string => J::Str(goyaml::format_float_g32(*f)),
                Node::Float(f) => {
                    if !f.is_finite() {
                        return Err(format!(
                            "json: unsupported value: {}",
                            goyaml::format_float_g(*f)
                        ));
                    }
                    J::Num(*f)
                }
                Node::Str(s) => J::Str(s.clone()),
                Node::Seq(_) | Node::Map(_) => unreachable!("handled above"),
            }
        }
    })
}

fn field_target(ty: Ty) -> Target {
    match ty {
        // time.Time is a json.Unmarshaler: no string coercion below it.
        Ty::Time => Target::None,
        ty => Target::Field(ty),
    }
}

/// A decoded struct: the fields present in the document, in key order (later keys win).
pub(crate) type Fields = Vec<(&'static str, Decoded)>;

/// A decoded field value.
#[derive(Clone, Debug)]
pub(crate) enum Decoded {
    /// JSON `null`: the Go field keeps its value (strings, bools) or becomes nil (slices, maps).
    Null,
    Str(String),
    Bool(bool),
    StrList(Vec<String>),
    StrMap(BTreeMap<String, String>),
    AnyList(Vec<Value>),
    /// Elements: `None` for a `null` element (a nil pointer).
    PtrList(Vec<Option<Fields>>),
}

fn decode_struct(j: &J, st: &'static StructTy, cx: &mut Ctx<'_>) -> Result<Option<Fields>, String> {
    let obj = match j {
        J::Null => return Ok(None),
        J::Obj(o) => o,
        other => return Err(cx.type_error(other, &format!("{}.{}", cx.pkg, st.name))),
    };
    let mut out: Fields = Vec::new();
    for (k, v) in obj {
        let Some((name, ty)) = find_field(st, k) else {
            continue;
        };
        cx.structs.push(st.name);
        cx.fields.push(name);
        let d = decode_field(v, ty, cx);
        cx.structs.pop();
        cx.fields.pop();
        let d = d?;
        out.retain(|(n, _)| *n != name);
        out.push((name, d));
    }
    Ok(Some(out))
}

fn decode_field(j: &J, ty: Ty, cx: &mut Ctx<'_>) -> Result<Decoded, String> {
    if let J::Null = j {
        return Ok(Decoded::Null);
    }
    let err = |cx: &Ctx<'_>| cx.type_error(j, &cx.ty_name(ty));
    Ok(match (ty, j) {
        (Ty::Str, J::Str(s)) => Decoded::Str(s.clone()),
        (Ty::Bool, J::Bool(b)) => Decoded::Bool(*b),
        (Ty::Time, J::Str(s)) => {
            if !is_rfc3339(s) {
                return Err(format!(
                    "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as \"2006\"",
                    go_quote(s),
                    go_quote(s)
                ));
            }
            Decoded::Str(s.clone())
        }
        (Ty::StrList, J::Arr(items)) => {
            let mut out = Vec::new();
            for i in items {
                match i {
                    J::Str(s) => out.push(s.clone()),
                    J::Null => out.push(String::new()),
                    other => return Err(cx.type_error(other, "string")),
                }
            }
            Decoded::StrList(out)
        }
        (Ty::StrMap, J::Obj(o)) => {
            let mut out = BTreeMap::new();
            for (k, v) in o {
                match v {
                    J::Str(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    J::Null => {
                        out.insert(k.clone(), String::new());
                    }
                    other => return Err(cx.type_error(other, "string")),
                }
            }
            Decoded::StrMap(out)
        }
        (Ty::AnyList, J::Arr(items)) => Decoded::AnyList(items.iter().map(J::to_value).collect()),
        (Ty::PtrList(st), J::Arr(items)) => {
            let mut out = Vec::new();
            for i in items {
                out.push(decode_struct(i, st, cx)?);
            }
            Decoded::PtrList(out)
        }
        _ => return Err(err(cx)),
    })
}

fn go_quote(s: &str) -> String {
    gotmpl::fmt::sprintf("%q", &[Value::string(s)])
}

/// Loose RFC 3339 check (what `time.Time.UnmarshalJSON` accepts).
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && b[16] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// sigs.k8s.io/yaml `Unmarshal(text, &obj)` for a struct `st` of Go package `pkg`: the fields
/// present, or `None` for an empty or `null` document; errors carry the whole sigs text.
pub(crate) fn unmarshal(
    text: &[u8],
    st: &'static StructTy,
    pkg: &str,
) -> Result<Option<Fields>, String> {
    let text = super::lossy(text);
    let node = goyaml::parse_yaml_v2(&text)
        .map_err(|e| format!("error converting YAML to JSON: {}", e.message))?;
    let j = match node {
        None => J::Null,
        Some(n) => convert(&n, Target::Struct(st))
            .map_err(|e| format!("error converting YAML to JSON: {e}"))?,
    };
    let mut cx = Ctx {
        pkg,
        structs: Vec::new(),
        fields: Vec::new(),
    };
    decode_struct(&j, st, &mut cx)
        .map_err(|e| format!("error unmarshaling JSON: while decoding JSON: {e}"))
}

pub(crate) static MAINTAINER: StructTy = StructTy {
    name: "Maintainer",
    fields: &[("name", Ty::Str), ("email", Ty::Str), ("url", Ty::Str)],
};

pub(crate) static DEPENDENCY: StructTy = StructTy {
    name: "Dependency",
    fields: &[
        ("name", Ty::Str),
        ("version", Ty::Str),
        ("repository", Ty::Str),
        ("condition", Ty::Str),
        ("tags", Ty::StrList),
        ("enabled", Ty::Bool),
        ("import-values", Ty::AnyList),
        ("alias", Ty::Str),
    ],
};

pub(crate) static METADATA: StructTy = StructTy {
    name: "Metadata",
    fields: &[
        ("name", Ty::Str),
        ("home", Ty::Str),
        ("sources", Ty::StrList),
        ("version", Ty::Str),
        ("description", Ty::Str),
        ("keywords", Ty::StrList),
        ("maintainers", Ty::PtrList(&MAINTAINER)),
        ("icon", Ty::Str),
        ("apiVersion", Ty::Str),
        ("condition", Ty::Str),
        ("tags", Ty::Str),
        ("appVersion", Ty::Str),
        ("deprecated", Ty::Bool),
        ("annotations", Ty::StrMap),
        ("kubeVersion", Ty::Str),
        ("dependencies", Ty::PtrList(&DEPENDENCY)),
        ("type", Ty::Str),
    ],
};

pub(crate) static LOCK: StructTy = StructTy {
    name: "Lock",
    fields: &[
        ("generated", Ty::Time),
        ("digest", Ty::Str),
        ("dependencies", Ty::PtrList(&DEPENDENCY)),
    ],
};

/// helm v4's `loader.chartBase`, read before anything else to pick the chart API version.
/// Only a chart's name (see [`super::chart_name`]).
pub(crate) static CHART_NAME: StructTy = StructTy {
    name: "Metadata",
    fields: &[("name", Ty::Str)],
};

pub(crate) static CHART_BASE: StructTy = StructTy {
    name: "chartBase",
    fields: &[("apiVersion", Ty::Str)],
};

fn set_str(dst: &mut String, d: Decoded) {
    if let Decoded::Str(s) = d {
        *dst = s;
    }
}

fn set_list(dst: &mut Vec<String>, d: Decoded) {
    match d {
        Decoded::StrList(l) => *dst = l,
        Decoded::Null => dst.clear(),
        _ => {}
    }
}

/// A `[]*T` as decoded: `None` elements are nil pointers (helm's validation rejects them).
pub(crate) fn ptr_list<T>(d: Decoded, f: impl Fn(Fields) -> T) -> Option<Vec<Option<T>>> {
    match d {
        Decoded::PtrList(items) => Some(items.into_iter().map(|i| i.map(&f)).collect()),
        Decoded::Null => Some(Vec::new()),
        _ => None,
    }
}

pub(crate) fn maintainer(fields: Fields) -> Maintainer {
    let mut m = Maintainer::default();
    for (name, d) in fields {
        match name {
            "name" => set_str(&mut m.name, d),
            "email" => set_str(&mut m.email, d),
            "url" => set_str(&mut m.url, d),
            _ => {}
        }
    }
    m
}

pub(crate) fn dependency(fields: Fields) -> Dependency {
    let mut dep = Dependency::default();
    for (name, d) in fields {
        match name {
            "name" => set_str(&mut dep.name, d),
            "version" => set_str(&mut dep.version, d),
            "repository" => set_str(&mut dep.repository, d),
            "condition" => set_str(&mut dep.condition, d),
            "alias" => set_str(&mut dep.alias, d),
            "tags" => set_list(&mut dep.tags, d),
            "enabled" => {
                if let Decoded::Bool(b) = d {
                    dep.enabled = b;
                }
            }
            "import-values" => match d {
                Decoded::AnyList(l) => dep.import_values = l,
                Decoded::Null => dep.import_values.clear(),
                _ => {}
            },
            _ => {}
        }
    }
    dep
}

/// Nil entries of `maintainers:`/`dependencies:` as decoded, which helm's validation reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct NilEntries {
    pub maintainers: bool,
    pub dependencies: bool,
}

/// Applies decoded `Chart.yaml` (or `requirements.yaml`) fields onto `md`, as json decoding into
/// an existing struct does.
pub(crate) fn apply_metadata(md: &mut Metadata, fields: Fields, nil: &mut NilEntries) {
    for (name, d) in fields {
        match name {
            "name" => set_str(&mut md.name, d),
            "home" => set_str(&mut md.home, d),
            "sources" => set_list(&mut md.sources, d),
            "version" => set_str(&mut md.version, d),
            "description" => set_str(&mut md.description, d),
            "keywords" => set_list(&mut md.keywords, d),
            "maintainers" => {
                if let Some(l) = ptr_list(d, maintainer) {
                    nil.maintainers = l.iter().any(Option::is_none);
                    md.maintainers = l.into_iter().flatten().collect();
                }
            }
            "icon" => set_str(&mut md.icon, d),
            "apiVersion" => set_str(&mut md.api_version, d),
            "condition" => set_str(&mut md.condition, d),
            "tags" => set_str(&mut md.tags, d),
            "appVersion" => set_str(&mut md.app_version, d),
            "deprecated" => {
                if let Decoded::Bool(b) = d {
                    md.deprecated = b;
                }
            }
            "annotations" => match d {
                Decoded::StrMap(m) => md.annotations.extend(m),
                Decoded::Null => md.annotations.clear(),
                _ => {}
            },
            "kubeVersion" => set_str(&mut md.kube_version, d),
            "dependencies" => {
                if let Some(l) = ptr_list(d, dependency) {
                    nil.dependencies = l.iter().any(Option::is_none);
                    md.dependencies = l.into_iter().flatten().collect();
                }
            }
            "type" => set_str(&mut md.chart_type, d),
            _ => {}
        }
    }
}

/// Builds a `Lock` from decoded `Chart.lock` fields.
pub(crate) fn lock(fields: Fields) -> Lock {
    let mut l = Lock::default();
    for (name, d) in fields {
        match name {
            "generated" => set_str(&mut l.generated, d),
            "digest" => set_str(&mut l.digest, d),
            "dependencies" => {
                if let Some(deps) = ptr_list(d, dependency) {
                    l.dependencies = deps.into_iter().flatten().collect();
                }
            }
            _ => {}
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str) -> Result<Metadata, String> {
        let mut m = Metadata::default();
        if let Some(f) = unmarshal(text.as_bytes(), &METADATA, "v2")? {
            apply_metadata(&mut m, f, &mut NilEntries::default());
        }
        Ok(m)
    }

    #[test]
    fn scalars_become_strings_like_sigs_yaml() {
        let m = md("name: x\nappVersion: 1.10\nversion: 1.0\nkubeVersion: 7\ndescription: true\nicon: 1e7\n")
            .expect("parses");
        assert_eq!(m.app_version, "1.1");
        assert_eq!(m.version, "1");
        assert_eq!(m.kube_version, "7");
        assert_eq!(m.description, "true");
        assert_eq!(m.icon, "1e+07");
    }

    #[test]
    fn case_insensitive_fields_and_type_errors() {
        let m = md("Name: x\nAPIVERSION: v2\n").expect("parses");
        assert_eq!((m.name.as_str(), m.api_version.as_str()), ("x", "v2"));
        assert_eq!(
            md("name: [a]\n").map(|_| ()),
            Err("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Metadata.name of type string".into())
        );
        assert_eq!(
            md("dependencies:\n- name: {a: 1}\n").map(|_| ()),
            Err("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field Dependency.dependencies.name of type string".into())
        );
        assert_eq!(
            md("- a\n").map(|_| ()),
            Err("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type v2.Metadata".into())
        );
    }
}
