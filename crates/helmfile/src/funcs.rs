//! helmfile's template functions and template data (`pkg/tmpl`): readFile, readDir,
//! readDirEntries, exec, envExec, isFile, isDir, requiredEnv, env, get, getOrNil,
//! setValueAtPath, toYaml (yaml.v3, indent 2), fromYaml, tpl, required, include (with `_*.tpl`
//! beside the helmfile), on top of Sprig.
//!
//! Contract (owner: the `hf-funcs` helper): [`func_map`] builds the function map for templates
//! rendered relative to a base directory; [`render`] renders one template text the way
//! helmfile's `TextRenderer` does (its options, its error texts); [`env_data`] and
//! [`release_data`] build the template data (`.Environment`, `.Values`, `.StateValues`,
//! `.Namespace`, `.Release`).

use std::path::PathBuf;

use gotmpl::{FuncMap, Value};

use crate::spec::Environment;

/// A template that fails to parse or execute, or a function that fails, with helmfile's text.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{0}")]
    Message(String),
}

/// Where templates run: the directory relative paths (readFile, exec, include) resolve against.
#[derive(Clone, Debug, Default)]
pub struct FuncContext {
    pub base_dir: PathBuf,
}

/// helmfile's function map for templates under `ctx`.
pub fn func_map(ctx: &FuncContext) -> FuncMap {
    let _ = ctx;
    sprig::funcs(&sprig::Options::default())
}

/// Renders `text` (named `name` in errors) with `data`, as helmfile's `TextRenderer.RenderTemplateText`.
pub fn render(
    ctx: &FuncContext,
    name: &str,
    text: &str,
    data: &Value,
) -> Result<String, TemplateError> {
    let _ = (ctx, name, text, data);
    Err(TemplateError::Message(
        "helmfile templates are not implemented yet".into(),
    ))
}

/// The data of a helmfile part or environment values template (`.Environment`, `.Namespace`,
/// `.Values`, `.StateValues`).
pub fn env_data(env: &Environment, namespace: &str) -> Value {
    let _ = (env, namespace);
    Value::Nil
}

/// The data of a release template (`.Release` with Name, Namespace, Labels, Chart, KubeContext,
/// plus everything of [`env_data`]).
pub fn release_data(env: &Environment, namespace: &str, release: &Value) -> Value {
    let _ = (env, namespace, release);
    Value::Nil
}
