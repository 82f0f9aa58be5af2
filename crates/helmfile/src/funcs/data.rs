//! The Go structs helmfile passes to its templates (`state.EnvironmentTemplateData`,
//! `state.releaseTemplateData`, `environment.Environment`, `state.releaseTemplateDataRelease`)
//! as host objects: fields by their Go names (a missing one is Go's `can't evaluate field X in
//! type T`, not a `missingkey` error), `%v` like Go's struct printing, and the field list that
//! `toYaml` (yaml.v3: lowercased names) and `toJson` (Go names) walk.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{ElemType, Field, Map, Object, Value};

use crate::spec::Environment;

/// What Go prints for a pointer nested in a struct under `%v`: an address, which differs from
/// run to run in Go; canon prints a fixed one.
const POINTER_TEXT: &str = "0xc000010000";

/// Go's `%v` of one value.
fn v(val: &Value) -> String {
    let mut s = String::new();
    gotmpl::fmt::write_value(&mut s, val);
    s
}

/// A deep copy of maps and lists (helmfile merges `.Environment.Values` into a new map).
pub(crate) fn deep_copy(val: &Value) -> Value {
    match val {
        Value::Map(m) => {
            let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
            if m.is_nil() {
                return Value::Map(Arc::new(Map::nil(m.elem.clone())));
            }
            let copied = Map::from_entries(
                m.elem.clone(),
                entries.iter().map(|(k, x)| (k.clone(), deep_copy(x))),
            );
            Value::Map(Arc::new(match &m.type_name {
                Some(n) => copied.named(n.clone()),
                None => copied,
            }))
        }
        Value::List(l) if !l.is_nil() => Value::List(Arc::new(gotmpl::List::new(
            l.elem.clone(),
            l.items.iter().map(deep_copy).collect(),
        ))),
        other => other.clone(),
    }
}

/// A map value, or an empty `map[string]interface {}` for anything else (helmfile's
/// environment values are always a map).
fn as_map(val: &Value) -> Value {
    match val {
        Value::Map(_) => val.clone(),
        _ => Value::map([]),
    }
}

/// helmfile's `environment.Environment` as templates see it.
#[derive(Debug)]
pub struct EnvObj {
    name: String,
    kube_context: String,
    values: Value,
    defaults: Value,
    cli_overrides: Value,
}

impl EnvObj {
    fn new(env: &Environment) -> EnvObj {
        EnvObj {
            name: env.name.clone(),
            kube_context: env.kube_context.clone(),
            values: deep_copy(&as_map(match &env.env_values {
                Value::Nil => &env.values,
                own => own,
            })),
            defaults: deep_copy(&as_map(&env.defaults)),
            cli_overrides: Value::map([]),
        }
    }

    fn fields_list(&self) -> Vec<Field> {
        vec![
            Field::new("Name", "", Value::string(&self.name)),
            Field::new("KubeContext", "", Value::string(&self.kube_context)),
            Field::new("Values", "", self.values.clone()),
            Field::new("Defaults", "", self.defaults.clone()),
            Field::new("CLIOverrides", "", self.cli_overrides.clone()),
        ]
    }
}

impl Object for EnvObj {
    fn type_name(&self) -> String {
        "environment.Environment".into()
    }
    fn display(&self) -> String {
        format!(
            "{{{} {} {} {} {}}}",
            self.name,
            self.kube_context,
            v(&self.values),
            v(&self.defaults),
            v(&self.cli_overrides)
        )
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields_list()
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
    }
    fn fields(&self) -> Option<Vec<Field>> {
        Some(self.fields_list())
    }
}

/// helmfile's `*state.EnvironmentTemplateData`: the data of helmfile parts and environment
/// values templates.
#[derive(Debug)]
pub struct EnvData {
    env: Arc<EnvObj>,
    namespace: String,
    values: Value,
}

impl EnvData {
    /// The data for environment `env`, with the state's namespace override `namespace`.
    pub fn new(env: &Environment, namespace: &str) -> EnvData {
        EnvData {
            env: Arc::new(EnvObj::new(env)),
            namespace: namespace.to_string(),
            values: as_map(&env.values),
        }
    }

    fn fields_list(&self) -> Vec<Field> {
        vec![
            Field::new("Environment", "", Value::Object(self.env.clone())),
            Field::new("Namespace", "", Value::string(&self.namespace)),
            Field::new("Values", "", self.values.clone()),
            Field::new("StateValues", "", self.values.clone()),
        ]
    }
}

impl Object for EnvData {
    fn type_name(&self) -> String {
        "*state.EnvironmentTemplateData".into()
    }
    fn display(&self) -> String {
        format!(
            "&{{{} {} {} {POINTER_TEXT}}}",
            self.env.display(),
            self.namespace,
            v(&self.values)
        )
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields_list()
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
    }
    fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
    fn fields(&self) -> Option<Vec<Field>> {
        Some(self.fields_list())
    }
}

/// helmfile's `state.releaseTemplateDataRelease`: `.Release`.
#[derive(Clone, Debug, Default)]
pub struct ReleaseInfo {
    pub name: String,
    pub namespace: String,
    /// `None` is Go's nil map (a release without `labels`).
    pub labels: Option<BTreeMap<String, String>>,
    pub chart: String,
    /// `version`.
    pub chart_version: String,
    pub kube_context: String,
}

/// A scalar of a release's YAML as the Go string field it decodes into.
fn scalar_text(val: Option<&Value>) -> String {
    match val {
        None | Some(Value::Nil) => String::new(),
        Some(Value::String(s)) => s.to_string(),
        Some(other) => v(other),
    }
}

impl ReleaseInfo {
    /// `.Release` of the release whose YAML map is `release`.
    pub fn from_release(release: &Value) -> ReleaseInfo {
        let Value::Map(m) = release else {
            return ReleaseInfo::default();
        };
        let e = m.entries.read().unwrap_or_else(|p| p.into_inner());
        let labels = match e.get("labels") {
            Some(Value::Map(l)) => {
                let l = l.entries.read().unwrap_or_else(|p| p.into_inner());
                Some(
                    l.iter()
                        .map(|(k, x)| (k.clone(), scalar_text(Some(x))))
                        .collect(),
                )
            }
            _ => None,
        };
        ReleaseInfo {
            name: scalar_text(e.get("name")),
            namespace: scalar_text(e.get("namespace")),
            labels,
            chart: scalar_text(e.get("chart")),
            chart_version: scalar_text(e.get("version")),
            kube_context: scalar_text(e.get("kubeContext")),
        }
    }

    fn labels_value(&self) -> Value {
        match &self.labels {
            None => Value::Map(Arc::new(Map::nil(ElemType::String))),
            Some(l) => Value::Map(Arc::new(Map::from_entries(
                ElemType::String,
                l.iter().map(|(k, x)| (k.clone(), Value::string(x))),
            ))),
        }
    }

    fn fields_list(&self) -> Vec<Field> {
        vec![
            Field::new("Name", "", Value::string(&self.name)),
            Field::new("Namespace", "", Value::string(&self.namespace)),
            Field::new("Labels", "", self.labels_value()),
            Field::new("Chart", "", Value::string(&self.chart)),
            Field::new("ChartVersion", "", Value::string(&self.chart_version)),
            Field::new("KubeContext", "", Value::string(&self.kube_context)),
        ]
    }
}

impl Object for ReleaseInfo {
    fn type_name(&self) -> String {
        "state.releaseTemplateDataRelease".into()
    }
    fn display(&self) -> String {
        format!(
            "{{{} {} {} {} {} {}}}",
            self.name,
            self.namespace,
            v(&self.labels_value()),
            self.chart,
            self.chart_version,
            self.kube_context
        )
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields_list()
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
    }
    fn fields(&self) -> Option<Vec<Field>> {
        Some(self.fields_list())
    }
}

/// helmfile's `state.releaseTemplateData`: the data of release templates and release values
/// templates.
#[derive(Debug)]
pub struct ReleaseData {
    env: Arc<EnvObj>,
    release: Arc<ReleaseInfo>,
    values: Value,
    kube_context: String,
    namespace: String,
    chart: String,
}

impl ReleaseData {
    /// The data for `release` in environment `env`; `namespace` is the state's namespace
    /// override (`.Namespace`).
    pub fn new(env: &Environment, namespace: &str, release: ReleaseInfo) -> ReleaseData {
        ReleaseData {
            env: Arc::new(EnvObj::new(env)),
            release: Arc::new(release),
            values: as_map(&env.values),
            kube_context: String::new(),
            namespace: namespace.to_string(),
            chart: String::new(),
        }
    }

    /// Sets `.KubeContext` and `.Chart` (helmfile's `--kube-context`/`--chart` overrides of the
    /// state).
    pub fn with_overrides(mut self, kube_context: &str, chart: &str) -> ReleaseData {
        self.kube_context = kube_context.to_string();
        self.chart = chart.to_string();
        self
    }

    /// Replaces `.Values`/`.StateValues` (helmfile merges the release's own values in when it
    /// renders patches).
    pub fn with_values(mut self, values: Value) -> ReleaseData {
        self.values = as_map(&values);
        self
    }

    fn fields_list(&self) -> Vec<Field> {
        vec![
            Field::new("Environment", "", Value::Object(self.env.clone())),
            Field::new("Release", "", Value::Object(self.release.clone())),
            Field::new("Values", "", self.values.clone()),
            Field::new("StateValues", "", self.values.clone()),
            Field::new("KubeContext", "", Value::string(&self.kube_context)),
            Field::new("Namespace", "", Value::string(&self.namespace)),
            Field::new("Chart", "", Value::string(&self.chart)),
        ]
    }
}

impl Object for ReleaseData {
    fn type_name(&self) -> String {
        "state.releaseTemplateData".into()
    }
    fn display(&self) -> String {
        format!(
            "{{{} {} {} {POINTER_TEXT} {} {} {}}}",
            self.env.display(),
            self.release.display(),
            v(&self.values),
            self.kube_context,
            self.namespace,
            self.chart
        )
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields_list()
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
    }
    fn fields(&self) -> Option<Vec<Field>> {
        Some(self.fields_list())
    }
}
