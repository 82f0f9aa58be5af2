//! One part of a state file → helmfile's `ReleaseSetSpec` (the fields canon uses), decoded
//! strictly, and the three ways helmfile merges specs: documents of one part and `bases` layers
//! (`mergo` with `WithAppendSlice`: lists append), parts (`mergo` `WithOverride`: a non-empty
//! list replaces), and `mergeEnvironments` for bases.

use std::collections::BTreeMap;

use gotmpl::Value;
use goyaml::v3::SpannedDoc;

use super::strict::{self, PathStep};
use super::values;
use super::{LoadError, pos};
use crate::spec::{Pos, RawRelease, Repository};

/// `EnvironmentSpec`.
#[derive(Clone, Debug, Default)]
pub(crate) struct EnvSpec {
    pub values: Vec<Value>,
    /// Where each `values` entry is written, aligned with `values`.
    pub values_pos: Vec<Option<Pos>>,
    pub secrets: Vec<String>,
    pub kube_context: String,
    pub missing_file_handler: Option<String>,
    pub merge_strategy: String,
}

/// `SubHelmfileSpec`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SubSpec {
    pub path: String,
    pub selectors: Option<Vec<String>>,
    pub selectors_inherited: bool,
    pub inherits: Vec<String>,
    pub values: Vec<Value>,
}

/// The `ReleaseSetSpec` fields canon reads.
#[derive(Clone, Debug, Default)]
pub(crate) struct Spec {
    pub values: Vec<Value>,
    /// Where each top-level `values` entry is written, aligned with `values`.
    pub values_pos: Vec<Option<Pos>>,
    pub environments: BTreeMap<String, EnvSpec>,
    pub bases: Vec<String>,
    pub helm_defaults: BTreeMap<String, Value>,
    pub helmfiles: Vec<SubSpec>,
    pub kube_context: String,
    pub namespace: String,
    pub chart: String,
    pub repositories: Vec<Repository>,
    pub common_labels: BTreeMap<String, String>,
    pub releases: Vec<RawRelease>,
    pub api_versions: Vec<String>,
    pub kube_version: String,
    pub templates: BTreeMap<String, Value>,
    pub missing_file_handler: Option<String>,
    pub lock_file: String,
    /// `defaultInherit`, names trimmed, blanks dropped.
    pub default_inherit: Vec<String>,
}

/// `HelmSpec` fields that are Go pointers: set (even to `false`) they override when merged.
const HELM_SPEC_POINTERS: &[&str] = &[
    "skipSchemaValidation",
    "historyMax",
    "createNamespace",
    "resolveOCIVersions",
    "postRenderer",
    "cascade",
    "disableAutoDetectedKubeVersionForDiff",
    "disableValidation",
    "disableOpenAPIValidation",
    "syncReleaseLabels",
    "takeOwnership",
    "serverSide",
];

/// What a `helmfiles:` entry may list under `inherits:` (helmfile's `allowedInherits`).
const INHERITABLE: &[&str] = &[
    "repositories",
    "helmDefaults",
    "commonLabels",
    "apiVersions",
    "kubeVersion",
    "templates",
    "environments",
];

/// A string field of a map value.
pub(crate) fn str_field(v: &Value, key: &str) -> Option<String> {
    match values::entries(v)?.get(key)? {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l
            .items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.to_string(),
                _ => String::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::List(l)) => l.items.clone(),
        _ => Vec::new(),
    }
}

fn string(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn boolean(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// `StateCreator.Parse`: every document of one (rendered) part, decoded strictly and merged.
/// `first_line` is the file line the part starts on.
pub(crate) fn parse(
    content: &str,
    file: &str,
    real_file: &str,
    first_line: usize,
) -> Result<Spec, LoadError> {
    let gotmpl = super::gopath::ext(file) == ".gotmpl";
    let head = |i: usize| {
        if gotmpl {
            format!("failed to read {file}: reading document at index {i}")
        } else {
            format!(
                "failed to read {file}: reading document at index {i}. Started seeing this since Helmfile v1? Add the .gotmpl file extension"
            )
        }
    };
    let at = |line: usize, col: usize, message: String| LoadError::At {
        pos: pos(real_file, first_line + line.max(1) - 1, col.max(1)),
        message,
    };
    let docs = goyaml::v3::unmarshal_all_spanned(content).map_err(|e| match e.line {
        Some(l) => at(
            l,
            e.column.unwrap_or(1),
            format!("{}: {}", head(1), e.message),
        ),
        None => LoadError::msg(format!("{}: {}", head(1), e.message)),
    })?;
    let mut spec = Spec::default();
    for (i, doc) in docs.iter().enumerate() {
        let problems = strict::check_state(doc);
        let decoded = match &doc.value {
            Ok(n) => values::from_node(n),
            Err(msg) => {
                return Err(LoadError::msg(format!("{}: yaml: {msg}", head(i + 1))));
            }
        };
        if let Some(first) = problems.first() {
            let texts: Vec<&str> = problems.iter().map(|p| p.text.as_str()).collect();
            return Err(at(
                first.line,
                first.col,
                format!(
                    "{}: yaml: unmarshal errors:\n  {}",
                    head(i + 1),
                    texts.join("\n  ")
                ),
            ));
        }
        let typed = strict::typed_state(doc, &decoded);
        let d = decode(&typed, doc, real_file, first_line)
            .map_err(|m| LoadError::msg(format!("{}: {m}", head(i + 1))))?;
        spec.merge_doc(d);
    }
    Ok(spec)
}

/// The typed state map → [`Spec`].
fn decode(typed: &Value, doc: &SpannedDoc, file: &str, first_line: usize) -> Result<Spec, String> {
    let m = values::entries(typed).unwrap_or_default();
    // Where the entries of the list at `path` are written, in the file's lines.
    let entry_pos = |path: &[PathStep<'_>], n: usize| -> Vec<Option<Pos>> {
        (0..n)
            .map(|j| {
                let mut p = path.to_vec();
                p.push(PathStep::Index(j));
                strict::position(doc, &p).map(|(l, c)| pos(file, first_line + l - 1, c))
            })
            .collect()
    };
    let mut s = Spec {
        values: list(m.get("values")),
        bases: strings(m.get("bases")),
        kube_context: string(m.get("kubeContext")),
        namespace: string(m.get("namespace")),
        chart: string(m.get("chart")),
        api_versions: strings(m.get("apiVersions")),
        kube_version: string(m.get("kubeVersion")),
        missing_file_handler: m.get("missingFileHandler").map(|v| string(Some(v))),
        lock_file: string(m.get("lockFilePath")),
        helm_defaults: m
            .get("helmDefaults")
            .and_then(values::entries)
            .unwrap_or_default(),
        ..Spec::default()
    };
    s.values_pos = entry_pos(&[PathStep::Key("values")], s.values.len());
    // `normalizeDefaultInherits`.
    s.default_inherit = strings(m.get("defaultInherit"))
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    for (name, e) in m
        .get("environments")
        .and_then(values::entries)
        .unwrap_or_default()
    {
        let em = values::entries(&e).unwrap_or_default();
        let env_values = list(em.get("values"));
        let values_pos = entry_pos(
            &[
                PathStep::Key("environments"),
                PathStep::Key(&name),
                PathStep::Key("values"),
            ],
            env_values.len(),
        );
        s.environments.insert(
            name,
            EnvSpec {
                values: env_values,
                values_pos,
                secrets: strings(em.get("secrets")),
                kube_context: string(em.get("kubeContext")),
                missing_file_handler: em.get("missingFileHandler").map(|v| string(Some(v))),
                merge_strategy: string(em.get("mergeStrategy")),
            },
        );
    }
    for h in list(m.get("helmfiles")) {
        let hm = values::entries(&h).unwrap_or_default();
        let sub = SubSpec {
            path: string(hm.get("path")),
            selectors: hm.get("selectors").map(|v| strings(Some(v))),
            selectors_inherited: boolean(hm.get("selectorsInherited")),
            inherits: strings(hm.get("inherits")),
            values: list(hm.get("values")),
        };
        if let Some(sel) = &sub.selectors {
            if sub.path.is_empty() {
                return Err(format!(
                    "found 'selectors' definition without path: [{}]",
                    sel.join(" ")
                ));
            }
            if sub.selectors_inherited && !sel.is_empty() {
                return Err(format!(
                    "you cannot use 'SelectorsInherited: true' along with and explicit selector for path: {}",
                    sub.path
                ));
            }
        }
        if !sub.inherits.is_empty() && sub.path.is_empty() {
            return Err(format!(
                "found 'inherits' definition without path: [{}]",
                sub.inherits.join(" ")
            ));
        }
        if let Some(bad) = sub
            .inherits
            .iter()
            .find(|k| !INHERITABLE.contains(&k.as_str()))
        {
            return Err(format!(
                "invalid inherits entry {bad:?} for path {:?}: allowed values are [{}]",
                sub.path,
                INHERITABLE.join(" ")
            ));
        }
        s.helmfiles.push(sub);
    }
    for r in list(m.get("repositories")) {
        let rm = values::entries(&r).unwrap_or_default();
        let opt = |k: &str| Some(string(rm.get(k))).filter(|s| !s.is_empty());
        s.repositories.push(Repository {
            name: string(rm.get("name")),
            url: string(rm.get("url")),
            oci: boolean(rm.get("oci")),
            username: opt("username"),
            password: opt("password"),
            ca_file: opt("caFile"),
            cert_file: opt("certFile"),
            key_file: opt("keyFile"),
            skip_tls_verify: boolean(rm.get("skipTLSVerify")),
            plain_http: boolean(rm.get("plainHttp")),
            pass_credentials: boolean(rm.get("passCredentials")),
        });
    }
    for (k, v) in m
        .get("commonLabels")
        .and_then(values::entries)
        .unwrap_or_default()
    {
        s.common_labels.insert(k, string(Some(&v)));
    }
    for (i, r) in list(m.get("releases")).into_iter().enumerate() {
        let at = [PathStep::Key("releases"), PathStep::Index(i)];
        let (line, col) = strict::position(doc, &at).unwrap_or((1, 1));
        let n = match values::entries(&r).and_then(|m| m.get("values").cloned()) {
            Some(Value::List(l)) => l.items.len(),
            _ => 0,
        };
        let values_pos = entry_pos(&[at[0], at[1], PathStep::Key("values")], n);
        s.releases.push(RawRelease {
            value: r,
            pos: pos(file, first_line + line - 1, col),
            values_pos,
        });
    }
    s.templates = m
        .get("templates")
        .and_then(values::entries)
        .unwrap_or_default();
    Ok(s)
}

impl Spec {
    /// `mergo.Merge(&state, &doc, WithAppendSlice, WithOverride)` (documents of one part).
    fn merge_doc(&mut self, src: Spec) {
        self.merge_with(src, true, true);
    }

    /// `mergo.Merge(&final.ReleaseSetSpec, &current.ReleaseSetSpec, WithOverride)` (parts).
    pub(crate) fn merge_parts(&mut self, src: Spec) {
        self.merge_with(src, false, true);
    }

    /// `loadBases`' layering: `mergeEnvironments` (same environment: values and secrets
    /// concatenated, kubeContext and missingFileHandler overridden when set), then `mergo`
    /// with appended lists for the rest.
    pub(crate) fn merge_layer(&mut self, mut src: Spec) {
        for (name, se) in std::mem::take(&mut src.environments) {
            match self.environments.get_mut(&name) {
                Some(de) => {
                    de.secrets.extend(se.secrets);
                    if !se.kube_context.is_empty() {
                        de.kube_context = se.kube_context;
                    }
                    if se.missing_file_handler.is_some() {
                        de.missing_file_handler = se.missing_file_handler;
                    }
                    if !se.merge_strategy.is_empty() {
                        de.merge_strategy = se.merge_strategy;
                    }
                    if de.merge_strategy == "fallback" {
                        let mut v = se.values;
                        v.append(&mut de.values);
                        de.values = v;
                        let mut p = se.values_pos;
                        p.append(&mut de.values_pos);
                        de.values_pos = p;
                    } else {
                        de.values.extend(se.values);
                        de.values_pos.extend(se.values_pos);
                    }
                }
                None => {
                    self.environments.insert(name, se);
                }
            }
        }
        self.merge_with(src, true, false);
    }

    /// `MergeInherited`: what a `helmfiles:` entry's `inherits:` takes from the parent; the
    /// sub-helmfile's own settings win (repositories and apiVersions are the parent's first,
    /// then the child's, without duplicates).
    pub(crate) fn merge_inherited(&mut self, parent: &Spec, inherits: &[String]) {
        let want = |k: &str| inherits.iter().any(|i| i == k);
        if want("repositories") {
            let mut all: Vec<Repository> = parent.repositories.clone();
            all.append(&mut self.repositories);
            let last: BTreeMap<String, usize> = all
                .iter()
                .enumerate()
                .map(|(i, r)| (r.name.clone(), i))
                .collect();
            self.repositories = all
                .into_iter()
                .enumerate()
                .filter(|(i, r)| last.get(&r.name) == Some(i))
                .map(|(_, r)| r)
                .collect();
        }
        if want("helmDefaults") {
            for (k, v) in &parent.helm_defaults {
                let keep = self.helm_defaults.get(k).is_some_and(|mine| {
                    HELM_SPEC_POINTERS.contains(&k.as_str()) || !is_empty(mine)
                });
                if !keep {
                    self.helm_defaults.insert(k.clone(), v.clone());
                }
            }
        }
        if want("commonLabels") {
            for (k, v) in &parent.common_labels {
                self.common_labels
                    .entry(k.clone())
                    .or_insert_with(|| v.clone());
            }
        }
        if want("templates") {
            for (k, v) in &parent.templates {
                self.templates.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        if want("apiVersions") {
            let mut all = parent.api_versions.clone();
            all.append(&mut self.api_versions);
            let mut seen = std::collections::HashSet::new();
            self.api_versions = all.into_iter().filter(|a| seen.insert(a.clone())).collect();
        }
        if want("kubeVersion") && self.kube_version.is_empty() {
            self.kube_version = parent.kube_version.clone();
        }
    }

    fn merge_with(&mut self, src: Spec, append: bool, envs: bool) {
        fn slice<T>(dst: &mut Vec<T>, src: Vec<T>, append: bool) {
            if append {
                dst.extend(src);
            } else if !src.is_empty() {
                *dst = src;
            }
        }
        fn string(dst: &mut String, src: String) {
            if !src.is_empty() {
                *dst = src;
            }
        }
        if append || !src.values.is_empty() {
            slice(&mut self.values_pos, src.values_pos, append);
        }
        slice(&mut self.values, src.values, append);
        if envs {
            self.environments.extend(src.environments);
        }
        slice(&mut self.bases, src.bases, append);
        for (k, v) in src.helm_defaults {
            let set = HELM_SPEC_POINTERS.contains(&k.as_str()) || !is_empty(&v);
            match (&v, self.helm_defaults.get_mut(&k)) {
                (Value::List(l), Some(Value::List(d))) if append => {
                    let mut items = d.items.clone();
                    items.extend(l.items.iter().cloned());
                    self.helm_defaults.insert(k, Value::list(items));
                }
                _ if set => {
                    self.helm_defaults.insert(k, v);
                }
                _ => {}
            }
        }
        slice(&mut self.helmfiles, src.helmfiles, append);
        string(&mut self.kube_context, src.kube_context);
        string(&mut self.namespace, src.namespace);
        string(&mut self.chart, src.chart);
        slice(&mut self.repositories, src.repositories, append);
        self.common_labels.extend(src.common_labels);
        slice(&mut self.releases, src.releases, append);
        slice(&mut self.api_versions, src.api_versions, append);
        string(&mut self.kube_version, src.kube_version);
        self.templates.extend(src.templates);
        if src.missing_file_handler.is_some() {
            self.missing_file_handler = src.missing_file_handler;
        }
        string(&mut self.lock_file, src.lock_file);
        slice(&mut self.default_inherit, src.default_inherit, append);
    }
}

/// mergo's `isEmptyValue` for a decoded scalar or list.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(_) => values::entries(v).is_none_or(|m| m.is_empty()),
        _ => false,
    }
}
