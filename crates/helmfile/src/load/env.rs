//! helmfile's `environment.Environment` (values in three layers: top-level `values` defaults,
//! environment values, CLI overrides) and `EnvironmentValuesLoader` (values files, globs,
//! `.gotmpl` values files, inline maps, `missingFileHandler`, `mergeStrategy`).

use gotmpl::Value;

use super::gopath;
use super::tmpl;
use super::values::{self, ArrayStrategy};

/// `environment.Environment`.
#[derive(Clone, Debug)]
pub(crate) struct EnvVals {
    pub name: String,
    pub kube_context: String,
    /// Environment values (`environments.NAME.values`, `--state-values-file`).
    pub values: Value,
    /// Top-level `values:`.
    pub defaults: Value,
    /// `--state-values-set` (lists merge item by item).
    pub cli: Value,
}

impl EnvVals {
    /// `environment.New(name)`.
    pub fn new(name: &str) -> EnvVals {
        EnvVals {
            name: name.to_string(),
            kube_context: String::new(),
            values: values::empty_map(),
            defaults: values::empty_map(),
            cli: values::empty_map(),
        }
    }

    /// `&environment.Environment{Name: name, Values: nil}` (the first part's render data).
    pub fn named_nil(name: &str) -> EnvVals {
        EnvVals {
            values: Value::Nil,
            defaults: Value::Nil,
            cli: Value::Nil,
            ..EnvVals::new(name)
        }
    }

    /// `(*Environment).Merge(other)`, nil receivers included.
    pub fn merge(this: Option<&EnvVals>, other: Option<&EnvVals>) -> Option<EnvVals> {
        let Some(this) = this else {
            return other.cloned();
        };
        let mut c = this.clone();
        if let Some(o) = other {
            if !o.name.is_empty() {
                c.name = o.name.clone();
            }
            if !o.kube_context.is_empty() {
                c.kube_context = o.kube_context.clone();
            }
            c.values = values::merge_maps(&c.values, &o.values, ArrayStrategy::Sparse);
            c.defaults = values::merge_maps(&c.defaults, &o.defaults, ArrayStrategy::Sparse);
            c.cli = values::merge_maps(&c.cli, &o.cli, ArrayStrategy::Merge);
        }
        Some(c)
    }

    /// `mergo.Merge(&final.Env, &current.Env, WithOverride)` when parts are merged.
    pub fn mergo(&self, src: &EnvVals) -> EnvVals {
        EnvVals {
            name: if src.name.is_empty() {
                self.name.clone()
            } else {
                src.name.clone()
            },
            kube_context: if src.kube_context.is_empty() {
                self.kube_context.clone()
            } else {
                src.kube_context.clone()
            },
            values: values::mergo_override(&self.values, &src.values),
            defaults: values::mergo_override(&self.defaults, &src.defaults),
            cli: values::mergo_override(&self.cli, &src.cli),
        }
    }

    /// `.Environment.Values`: the environment's values with the CLI overrides, without the
    /// top-level defaults.
    pub fn environment_values(&self) -> Value {
        values::merge_maps(&self.values, &self.cli, ArrayStrategy::Merge)
    }

    /// The environment as later stages see it, with `values` as its merged values.
    pub fn to_spec(&self, values: Value) -> crate::spec::Environment {
        crate::spec::Environment {
            name: self.name.clone(),
            kube_context: self.kube_context.clone(),
            values,
            env_values: self.environment_values(),
            defaults: self.defaults.clone(),
        }
    }

    /// `GetMergedValues`: defaults, then values, then CLI overrides.
    pub fn merged_values(&self) -> Value {
        let v = values::merge_maps(&values::empty_map(), &self.defaults, ArrayStrategy::Sparse);
        let v = values::merge_maps(&v, &self.values, ArrayStrategy::Sparse);
        values::merge_maps(&v, &self.cli, ArrayStrategy::Merge)
    }
}

/// `NewEnvironmentTemplateData`: `.Environment` (its `Values` with the CLI overrides but not
/// the defaults), `.Namespace`, `.Values` and `.StateValues` (everything merged).
pub(crate) fn template_data(env: &EnvVals, namespace: &str, vals: &Value) -> Value {
    crate::funcs::env_data(&env.to_spec(vals.clone()), namespace)
}

/// Where values files are looked up: helmfile's storage base directory (relative to `cwd`, the
/// directory helmfile runs in for this helmfile) and the state file named in its messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place<'a> {
    pub base_dir: &'a str,
    pub cwd: &'a str,
    pub file: &'a str,
    /// helmfile's log lines meanwhile (skipped missing files).
    pub warnings: &'a std::cell::RefCell<Vec<String>>,
}

/// A values entry that cannot be loaded: helmfile's message, and the place in a values file
/// (as the process sees the path, 1-based line and column) when there is one.
#[derive(Debug)]
pub(crate) struct ValuesError {
    pub message: String,
    pub at: Option<(String, usize, usize)>,
    /// The values entry the error is about (an index into the entries), when `at` is not
    /// known: the caller knows where that entry is written.
    pub entry: Option<usize>,
}

impl From<String> for ValuesError {
    fn from(message: String) -> ValuesError {
        ValuesError {
            message,
            at: None,
            entry: None,
        }
    }
}

/// `EnvironmentValuesLoader.LoadEnvironmentValues`, files relative to `at.base_dir`.
pub(crate) fn load_values(
    env_name: &str,
    missing_file_handler: Option<&str>,
    entries: &[Value],
    ctx: Option<&EnvVals>,
    merge_strategy: &str,
    at: Place<'_>,
) -> Result<Value, ValuesError> {
    let Place {
        base_dir,
        cwd,
        file,
        warnings,
    } = at;
    let fallback = match merge_strategy {
        "" | "override" => false,
        "fallback" => true,
        other => {
            return Err(ValuesError::from(format!(
                "environment {env_name:?}: invalid mergeStrategy {other:?} (must be \"override\" or \"fallback\")"
            )));
        }
    };
    let mut result = values::empty_map();
    for (index, entry) in entries.iter().enumerate() {
        match entry {
            Value::String(path) => {
                let found = resolve_file(missing_file_handler, path, base_dir, cwd, file, warnings)
                    .map_err(|message| ValuesError {
                        message,
                        at: None,
                        entry: Some(index),
                    })?;
                let Some(files) = found else {
                    continue;
                };
                for f in files {
                    if f.ends_with(".hcl") {
                        return Err(ValuesError::from(format!(
                            "failed to load environment values file \"{f}\": HCL values files are not supported by canon"
                        )));
                    }
                    let env = match ctx {
                        Some(e) => e.clone(),
                        None => EnvVals::new(env_name),
                    };
                    let mut merged = env.merged_values();
                    if fallback && values::entries(&result).is_some_and(|m| !m.is_empty()) {
                        merged = values::mergo_override(&result, &merged);
                    }
                    let bytes = read_values_file(cwd, &f, &env, &merged)?;
                    let m = match goyaml::v3::unmarshal(&bytes) {
                        Ok(None) => values::empty_map(),
                        Ok(Some(n @ goyaml::Node::Map(_))) => values::from_node(&n),
                        Ok(Some(goyaml::Node::Null)) => values::empty_map(),
                        Ok(Some(n)) => {
                            return Err(ValuesError {
                                message: format!(
                                    "failed to load environment values file \"{f}\": yaml: unmarshal errors:\n  line 1: cannot unmarshal {} into map[string]interface {{}}\n\nOffending YAML:\n{bytes}",
                                    short_tag(&n)
                                ),
                                at: Some((gopath::at(cwd, &f), 1, 1)),
                                entry: None,
                            });
                        }
                        Err(e) => {
                            return Err(ValuesError {
                                message: format!(
                                    "failed to load environment values file \"{f}\": {e}\n\nOffending YAML:\n{bytes}"
                                ),
                                at: e
                                    .line
                                    .map(|l| (gopath::at(cwd, &f), l, e.column.unwrap_or(1))),
                                entry: None,
                            });
                        }
                    };
                    result = map_merge(&result, &m, fallback);
                }
            }
            Value::Map(_) => result = map_merge(&result, entry, fallback),
            other => {
                return Err(ValuesError::from(format!(
                    "unexpected type of value: value={}, type={}",
                    gotmpl::fmt::sprint(std::slice::from_ref(other)),
                    go_type(other)
                )));
            }
        }
    }
    Ok(result)
}

fn short_tag(n: &goyaml::Node) -> String {
    match n {
        goyaml::Node::Seq(_) => "!!seq".into(),
        goyaml::Node::Str(s) => format!("!!str `{s}`"),
        goyaml::Node::Int(_) | goyaml::Node::Uint(_) => "!!int".into(),
        goyaml::Node::Float(_) => "!!float".into(),
        goyaml::Node::Bool(_) => "!!bool".into(),
        _ => "!!map".into(),
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Int(..) => "int",
        Value::Uint(..) => "uint64",
        Value::Float(..) => "float64",
        Value::List(_) => "[]interface {}",
        Value::Nil => "<nil>",
        _ => "string",
    }
}

/// `mapMerge`: one loaded map into the accumulated values.
fn map_merge(dest: &Value, m: &Value, fallback: bool) -> Value {
    if fallback {
        values::merge_maps(m, dest, ArrayStrategy::Sparse)
    } else {
        values::mergo_override(dest, m)
    }
}

/// A values file's bytes: rendered with the environment when it ends in `.gotmpl`.
fn read_values_file(
    cwd: &str,
    f: &str,
    env: &EnvVals,
    merged: &Value,
) -> Result<String, ValuesError> {
    let text = std::fs::read(gopath::at(cwd, f)).map_err(|e| {
        format!(
            "failed to load environment values file \"{f}\": {}",
            super::go_open_error(f, &e)
        )
    })?;
    let text = String::from_utf8_lossy(&text).into_owned();
    if f.rsplit('.').next() != Some("gotmpl") {
        return Ok(text);
    }
    let data = template_data(env, "", merged);
    tmpl::render(&gopath::at(cwd, &gopath::dir(f)), &text, &data).map_err(|e| ValuesError {
        at: tmpl::error_pos(&e).map(|(l, c)| (gopath::at(cwd, f), l, c)),
        entry: None,
        message: format!(
            "failed to load environment values file \"{f}\": failed to render [{f}], because of {e}"
        ),
    })
}

/// `Storage.resolveFile` for local paths: the glob's matches, or `None` when none match and the
/// missing file handler says to skip.
fn resolve_file(
    missing_file_handler: Option<&str>,
    path: &str,
    base_dir: &str,
    cwd: &str,
    file: &str,
    warnings: &std::cell::RefCell<Vec<String>>,
) -> Result<Option<Vec<String>>, String> {
    if gopath::is_remote(path) {
        return Err(format!(
            "remote environment values file {path:?}: canon reads local files only"
        ));
    }
    let pattern = if gopath::is_abs(path) {
        path.to_string()
    } else {
        gopath::join(&[base_dir, path])
    };
    let mut files =
        gopath::glob(cwd, &pattern).map_err(|e| format!("failed processing {path}: {e}"))?;
    files.sort();
    if !files.is_empty() {
        return Ok(Some(files));
    }
    match missing_file_handler.unwrap_or("Error") {
        "Error" => Err(format!(
            "environment values file matching \"{path}\" does not exist in \"{base_dir}\""
        )),
        // helmfile logs these at their levels; its default level shows Warn and Info.
        h @ ("Warn" | "Info" | "Debug") => {
            if h != "Debug" {
                warnings.borrow_mut().push(format!(
                    "skipping missing environment values file matching \"{path}\""
                ));
            }
            Ok(None)
        }
        other => Err(format!(
            "invalid missing file handler \"{other}\" while processing \"{path}\" in \"{file}\": it must be one of [Error Warn Info Debug]"
        )),
    }
}
