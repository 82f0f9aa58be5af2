//! helmfile's `ReleaseSpec` as canon types it: the keys that change what `helmfile template`
//! renders, read from the generic YAML value the loader kept, with yaml.v3's decoding rules and
//! error texts; and mergo's merge of `inherit`ed templates (`WithAppendSlice`,
//! `WithSliceDeepCopy`, which turns on overwrite).
//!
//! helmfile's pointer fields (`installed: *bool` …) are shared cells here: mergo copies a
//! template's pointer into the first release that inherits it and later writes through it
//! (`installed: true` in one release makes the template's `installed` true for the releases
//! after it), and canon reproduces that observable aliasing.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gotmpl::Value;

/// A Go pointer field: `None` is nil; clones alias the same cell, like copied Go pointers.
pub(crate) type Ptr<T> = Option<Rc<RefCell<T>>>;

/// `SetValue` (`set`, `setString`, `setTemplate`, `env` entries).
#[derive(Clone, Debug, Default)]
pub(crate) struct SetValue {
    pub name: String,
    pub value: String,
    pub file: String,
    pub values: Vec<Value>,
}

/// `inherit[]` entries.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inherit {
    pub template: String,
    pub except: Vec<String>,
}

/// The typed release (helmfile's `ReleaseSpec`), the fields canon uses.
#[derive(Clone, Debug, Default)]
pub(crate) struct Spec {
    pub chart: String,
    pub directory: String,
    pub version: String,
    pub name: String,
    pub namespace: String,
    pub description: String,
    pub kube_context: String,
    pub kube_version: String,
    pub condition: String,
    pub values_path_prefix: String,
    pub installed: Ptr<bool>,
    pub devel: Ptr<bool>,
    pub skip_schema_validation: Ptr<bool>,
    pub enable_dns: Ptr<bool>,
    /// `plainHttp`, `insecureSkipTLSVerify`: chart download flags (plain Go bools).
    pub plain_http: bool,
    pub insecure_skip_tls_verify: bool,
    pub missing_file_handler: Ptr<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub values: Vec<Value>,
    pub values_template: Vec<Value>,
    pub secrets: Vec<Value>,
    pub set: Vec<SetValue>,
    pub set_string: Vec<SetValue>,
    pub set_template: Vec<SetValue>,
    pub env: Vec<SetValue>,
    pub needs: Vec<String>,
    pub api_versions: Vec<String>,
    pub post_renderer_args: Vec<String>,
    pub inherit: Vec<Inherit>,
    pub installed_template: Option<String>,
    pub condition_template: Option<String>,
    pub wait_template: Option<String>,
    pub verify_template: Option<String>,
}

/// yaml.v3's tag of a decoded value, as its "cannot unmarshal" errors name it.
fn tag(v: &Value) -> &'static str {
    match v {
        Value::Nil => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Int(..) | Value::Uint(..) => "!!int",
        Value::Float(..) => "!!float",
        Value::String(_) | Value::Bytes(_) => "!!str",
        Value::List(_) => "!!seq",
        Value::Map(_) | Value::Object(_) => "!!map",
    }
}

/// How yaml.v3 prints the scalar in its errors (`` !!str `yes` ``).
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => plain_text(other).unwrap_or_default(),
    }
}

/// A scalar as the text it was written with (yaml.v3 decodes any scalar into a string field
/// from its source text; canon has the resolved value, and prints it the way Go formats it).
fn plain_text(v: &Value) -> Option<String> {
    Some(match v {
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i, _) => i.to_string(),
        Value::Uint(u, _) => u.to_string(),
        Value::Float(f, _) => goyaml::format_float_g(*f),
        _ => return None,
    })
}

/// Decoding errors collected like yaml.v3's `unmarshal errors:` list.
#[derive(Default)]
pub(crate) struct Errors {
    line: usize,
    msgs: Vec<String>,
}

impl Errors {
    pub fn new(line: usize) -> Errors {
        Errors {
            line,
            msgs: Vec::new(),
        }
    }

    fn cannot(&mut self, v: &Value, into: &str) {
        let t = tag(v);
        let msg = match v {
            Value::List(_) | Value::Map(_) | Value::Object(_) => {
                format!("line {}: cannot unmarshal {t} into {into}", self.line)
            }
            _ => format!(
                "line {}: cannot unmarshal {t} `{}` into {into}",
                self.line,
                scalar_text(v)
            ),
        };
        self.msgs.push(msg);
    }

    /// The error yaml.v3 returns, if any value failed to decode.
    pub fn finish(self) -> Result<(), String> {
        if self.msgs.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "yaml: unmarshal errors:\n  {}",
                self.msgs.join("\n  ")
            ))
        }
    }

    pub fn string(&mut self, v: &Value) -> String {
        match v {
            Value::Nil => String::new(),
            other => match plain_text(other) {
                Some(s) => s,
                None => {
                    self.cannot(other, "string");
                    String::new()
                }
            },
        }
    }

    fn bool(&mut self, v: &Value) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Nil => None,
            other => {
                self.cannot(other, "bool");
                None
            }
        }
    }

    fn ptr_bool(&mut self, v: &Value) -> Ptr<bool> {
        self.bool(v).map(|b| Rc::new(RefCell::new(b)))
    }

    fn ptr_string(&mut self, v: &Value) -> Ptr<String> {
        match v {
            Value::Nil => None,
            other => Some(Rc::new(RefCell::new(self.string(other)))),
        }
    }

    fn opt_string(&mut self, v: &Value) -> Option<String> {
        match v {
            Value::Nil => None,
            other => Some(self.string(other)),
        }
    }

    fn list(&mut self, v: &Value, into: &str) -> Vec<Value> {
        match v {
            Value::Nil => Vec::new(),
            Value::List(l) => l.items.clone(),
            other => {
                self.cannot(other, into);
                Vec::new()
            }
        }
    }

    fn strings(&mut self, v: &Value) -> Vec<String> {
        self.list(v, "[]string")
            .iter()
            .map(|i| self.string(i))
            .collect()
    }

    fn string_map(&mut self, v: &Value) -> Option<BTreeMap<String, String>> {
        match v {
            Value::Nil => None,
            Value::Map(m) => {
                let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
                Some(
                    entries
                        .iter()
                        .map(|(k, v)| (k.clone(), self.string(v)))
                        .collect(),
                )
            }
            other => {
                self.cannot(other, "map[string]string");
                None
            }
        }
    }

    fn set_values(&mut self, v: &Value) -> Vec<SetValue> {
        self.list(v, "[]state.SetValue")
            .iter()
            .filter_map(|item| match item {
                Value::Map(_) => {
                    let mut s = SetValue::default();
                    for_each_entry(item, |k, v| match k {
                        "name" => s.name = self.string(v),
                        "value" => s.value = self.string(v),
                        "file" => s.file = self.string(v),
                        "values" => s.values = self.list(v, "[]interface {}"),
                        _ => {}
                    });
                    Some(s)
                }
                Value::Nil => Some(SetValue::default()),
                other => {
                    self.cannot(other, "state.SetValue");
                    None
                }
            })
            .collect()
    }

    fn inherits(&mut self, v: &Value) -> Vec<Inherit> {
        let one = |this: &mut Errors, item: &Value| -> Option<Inherit> {
            match item {
                Value::Map(_) => {
                    let mut i = Inherit::default();
                    for_each_entry(item, |k, v| match k {
                        "template" => i.template = this.string(v),
                        "except" => i.except = this.strings(v),
                        _ => {}
                    });
                    Some(i)
                }
                Value::Nil => Some(Inherit::default()),
                other => {
                    this.cannot(other, "state.Inherit");
                    None
                }
            }
        };
        match v {
            Value::Nil => Vec::new(),
            // helmfile still accepts the pre-v0.151 single map form (with a deprecation
            // warning on stderr).
            Value::Map(_) => one(self, v).into_iter().collect(),
            Value::List(l) => l.items.iter().filter_map(|i| one(self, i)).collect(),
            other => {
                self.cannot(other, "state.Inherit");
                Vec::new()
            }
        }
    }
}

fn for_each_entry(v: &Value, mut f: impl FnMut(&str, &Value)) {
    if let Value::Map(m) = v {
        let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
        for (k, v) in entries.iter() {
            f(k, v);
        }
    }
}

impl Spec {
    /// Types one `releases[]` (or `templates.NAME`) map. `line` is where it starts, for errors.
    pub fn from_value(v: &Value, line: usize) -> Result<Spec, String> {
        let mut e = Errors::new(line);
        let mut s = Spec::default();
        match v {
            Value::Map(_) => {}
            Value::Nil => return Ok(s),
            other => {
                e.cannot(other, "state.ReleaseSpec");
                return e.finish().map(|()| s);
            }
        }
        for_each_entry(v, |k, v| match k {
            "chart" => s.chart = e.string(v),
            "directory" => s.directory = e.string(v),
            "version" => s.version = e.string(v),
            "name" => s.name = e.string(v),
            "namespace" => s.namespace = e.string(v),
            "description" => s.description = e.string(v),
            "kubeContext" => s.kube_context = e.string(v),
            "kubeVersion" => s.kube_version = e.string(v),
            "condition" => s.condition = e.string(v),
            "valuesPathPrefix" => s.values_path_prefix = e.string(v),
            "installed" => s.installed = e.ptr_bool(v),
            "devel" => s.devel = e.ptr_bool(v),
            "skipSchemaValidation" => s.skip_schema_validation = e.ptr_bool(v),
            "enableDNS" => s.enable_dns = e.ptr_bool(v),
            "missingFileHandler" => s.missing_file_handler = e.ptr_string(v),
            "labels" => s.labels = e.string_map(v),
            "values" => s.values = e.list(v, "[]interface {}"),
            "valuesTemplate" => s.values_template = e.list(v, "[]interface {}"),
            "secrets" => s.secrets = e.list(v, "[]interface {}"),
            "set" => s.set = e.set_values(v),
            "setString" => s.set_string = e.set_values(v),
            "setTemplate" => s.set_template = e.set_values(v),
            "env" => s.env = e.set_values(v),
            "needs" => s.needs = e.strings(v),
            "apiVersions" => s.api_versions = e.strings(v),
            "postRendererArgs" => s.post_renderer_args = e.strings(v),
            "inherit" => s.inherit = e.inherits(v),
            "installedTemplate" => s.installed_template = e.opt_string(v),
            "conditionTemplate" => s.condition_template = e.opt_string(v),
            "waitTemplate" => s.wait_template = e.opt_string(v),
            "verifyTemplate" => s.verify_template = e.opt_string(v),
            // Plain booleans and other keys canon does not act on still must decode.
            "verify"
            | "wait"
            | "waitForJobs"
            | "recreatePods"
            | "force"
            | "atomic"
            | "rollbackOnFailure"
            | "cleanupOnFail"
            | "forceConflicts"
            | "createNamespace"
            | "reuseValues"
            | "disableOpenAPIValidation"
            | "disableValidation"
            | "disableValidationOnInstall"
            | "skipDeps"
            | "skipRefresh"
            | "resolveOCIVersions"
            | "suppressDiff"
            | "deleteWait"
            | "syncReleaseLabels"
            | "takeOwnership"
            | "trackLogs"
            | "trackFailedLogs"
            | "trackFailOnError"
            | "disableAutoDetectedKubeVersionForDiff" => {
                e.bool(v);
            }
            "insecureSkipTLSVerify" => s.insecure_skip_tls_verify = e.bool(v).unwrap_or(false),
            "plainHttp" => s.plain_http = e.bool(v).unwrap_or(false),
            "forceGoGetter" => {
                e.bool(v);
            }
            _ => {}
        });
        e.finish()?;
        Ok(s)
    }

    /// `Desired()`: not `installed: false`.
    pub fn desired(&self) -> bool {
        self.installed.as_ref().is_none_or(|b| *b.borrow())
    }

    /// A deep copy with no cell shared (helmfile's YAML round-trip `Clone`).
    pub fn deep_clone(&self) -> Spec {
        let fresh_b = |p: &Ptr<bool>| p.as_ref().map(|c| Rc::new(RefCell::new(*c.borrow())));
        Spec {
            installed: fresh_b(&self.installed),
            devel: fresh_b(&self.devel),
            skip_schema_validation: fresh_b(&self.skip_schema_validation),
            enable_dns: fresh_b(&self.enable_dns),
            missing_file_handler: self
                .missing_file_handler
                .as_ref()
                .map(|c| Rc::new(RefCell::new(c.borrow().clone()))),
            // yaml.v3 drops empty maps (`omitempty`) on the way out.
            labels: self.labels.clone().filter(|l| !l.is_empty()),
            ..self.clone()
        }
    }

    /// Go's `reflect.DeepEqual` on the fields that templating changes (pointers by pointee).
    pub fn same_as(&self, o: &Spec) -> bool {
        fn pb(a: &Ptr<bool>, b: &Ptr<bool>) -> bool {
            match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => *a.borrow() == *b.borrow(),
                _ => false,
            }
        }
        fn sv(a: &[SetValue], b: &[SetValue]) -> bool {
            a.len() == b.len()
                && a.iter().zip(b).all(|(a, b)| {
                    a.name == b.name
                        && a.value == b.value
                        && a.file == b.file
                        && values_eq(&a.values, &b.values)
                })
        }
        self.chart == o.chart
            && self.version == o.version
            && self.name == o.name
            && self.namespace == o.namespace
            && self.kube_context == o.kube_context
            && self.labels == o.labels
            && values_eq(&self.values, &o.values)
            && values_eq(&self.values_template, &o.values_template)
            && values_eq(&self.secrets, &o.secrets)
            && sv(&self.set, &o.set)
            && sv(&self.set_template, &o.set_template)
            && self.needs == o.needs
            && self.post_renderer_args == o.post_renderer_args
            && self.installed_template == o.installed_template
            && self.condition_template == o.condition_template
            && self.wait_template == o.wait_template
            && self.verify_template == o.verify_template
            && pb(&self.installed, &o.installed)
    }

    /// mergo's `Merge(dst, src, WithAppendSlice, WithSliceDeepCopy)`: non-empty scalars of
    /// `src` win, maps take `src`'s keys, slices append, pointers alias or write through.
    pub fn merge_from(&mut self, src: &Spec) {
        fn s(dst: &mut String, src: &str) {
            if !src.is_empty() {
                *dst = src.to_string();
            }
        }
        fn pb(dst: &mut Ptr<bool>, src: &Ptr<bool>) {
            match (dst.as_ref(), src) {
                (_, None) => {}
                (None, Some(p)) => *dst = Some(p.clone()),
                (Some(d), Some(p)) => {
                    let v = *p.borrow();
                    if v {
                        *d.borrow_mut() = true;
                    }
                }
            }
        }
        fn os(dst: &mut Option<String>, src: &Option<String>) {
            match (dst.as_mut(), src) {
                (_, None) => {}
                (None, Some(v)) => *dst = Some(v.clone()),
                (Some(d), Some(v)) => s(d, v),
            }
        }
        s(&mut self.chart, &src.chart);
        s(&mut self.directory, &src.directory);
        s(&mut self.version, &src.version);
        s(&mut self.name, &src.name);
        s(&mut self.namespace, &src.namespace);
        s(&mut self.description, &src.description);
        s(&mut self.kube_context, &src.kube_context);
        s(&mut self.kube_version, &src.kube_version);
        s(&mut self.condition, &src.condition);
        s(&mut self.values_path_prefix, &src.values_path_prefix);
        pb(&mut self.installed, &src.installed);
        pb(&mut self.devel, &src.devel);
        pb(
            &mut self.skip_schema_validation,
            &src.skip_schema_validation,
        );
        pb(&mut self.enable_dns, &src.enable_dns);
        // mergo: a `true` overrides, a `false` never does.
        self.plain_http |= src.plain_http;
        self.insecure_skip_tls_verify |= src.insecure_skip_tls_verify;
        match (
            self.missing_file_handler.as_ref(),
            &src.missing_file_handler,
        ) {
            (_, None) => {}
            (None, Some(p)) => self.missing_file_handler = Some(p.clone()),
            (Some(d), Some(p)) => {
                let v = p.borrow().clone();
                if !v.is_empty() {
                    *d.borrow_mut() = v;
                }
            }
        }
        if let Some(src_labels) = &src.labels {
            let dst = self.labels.get_or_insert_with(BTreeMap::new);
            for (k, v) in src_labels {
                dst.insert(k.clone(), v.clone());
            }
        }
        self.values.extend(src.values.iter().cloned());
        self.values_template
            .extend(src.values_template.iter().cloned());
        self.secrets.extend(src.secrets.iter().cloned());
        self.set.extend(src.set.iter().cloned());
        self.set_string.extend(src.set_string.iter().cloned());
        self.set_template.extend(src.set_template.iter().cloned());
        self.env.extend(src.env.iter().cloned());
        self.needs.extend(src.needs.iter().cloned());
        self.api_versions.extend(src.api_versions.iter().cloned());
        self.post_renderer_args
            .extend(src.post_renderer_args.iter().cloned());
        self.inherit.extend(src.inherit.iter().cloned());
        os(&mut self.installed_template, &src.installed_template);
        os(&mut self.condition_template, &src.condition_template);
        os(&mut self.wait_template, &src.wait_template);
        os(&mut self.verify_template, &src.verify_template);
    }
}

/// Structural equality of decoded YAML values (Go's `reflect.DeepEqual` on them).
pub(crate) fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, _), Value::Int(y, _)) => x == y,
        (Value::Uint(x, _), Value::Uint(y, _)) => x == y,
        (Value::Float(x, _), Value::Float(y, _)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => values_eq(&x.items, &y.items),
        (Value::Map(x), Value::Map(y)) => {
            let xe = x.entries.read().unwrap_or_else(|p| p.into_inner());
            let ye = y.entries.read().unwrap_or_else(|p| p.into_inner());
            xe.len() == ye.len()
                && xe
                    .iter()
                    .zip(ye.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && value_eq(va, vb))
        }
        _ => false,
    }
}

fn values_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| value_eq(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        let node = goyaml::v3::unmarshal(s)
            .expect("valid yaml")
            .expect("a document");
        goyaml::native_to_value(&node)
    }

    #[test]
    fn types_scalars_like_yaml_v3() {
        let s = Spec::from_value(
            &yaml("name: a\nversion: 1\ninstalled: false\nlabels: {x: 1}\nneeds: [b]\n"),
            3,
        )
        .expect("typed");
        assert_eq!(s.name, "a");
        assert_eq!(s.version, "1");
        assert!(!s.desired());
        assert_eq!(s.labels.expect("labels")["x"], "1");
        assert_eq!(s.needs, ["b"]);
    }

    #[test]
    fn wrong_types_are_yaml_v3_errors() {
        let e = Spec::from_value(&yaml("installed: yes\nname: [a]\n"), 4).unwrap_err();
        assert_eq!(
            e,
            "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `yes` into bool\n  line 4: cannot unmarshal !!seq into string"
        );
    }

    #[test]
    fn merge_overwrites_scalars_appends_slices_and_writes_through_pointers() {
        let tmpl =
            Spec::from_value(&yaml("chart: c\ninstalled: false\nvalues: [a]\n"), 1).expect("typed");
        let rel =
            Spec::from_value(&yaml("chart: d\ninstalled: true\nvalues: [b]\n"), 1).expect("typed");
        let mut merged = Spec::default();
        merged.merge_from(&tmpl);
        merged.merge_from(&rel);
        assert_eq!(merged.chart, "d");
        assert_eq!(merged.values.len(), 2);
        assert!(merged.desired());
        // Go's mergo wrote `true` through the template's own pointer.
        assert!(tmpl.desired());
    }
}
