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
//!
//! Ported by hand from helmfile v1.8.0 (`pkg/tmpl/context_funcs.go`, `get_or_nil.go`,
//! `context_tmpl.go`): users see these functions' error texts, and `get`'s and
//! `setValueAtPath`'s type rules decide what renders, so they follow the Go code line by line.
//!
//! How helmfile builds each template (`Context.newTemplate`), reproduced by [`render`]: a new
//! set named `stringTemplate` with `missingkey=error`, Sprig's `TxtFuncMap` with helmfile's
//! functions over it (Sprig's `get` stays reachable as `sprigGet`), `include` bound to the set,
//! then every `_*.tpl` file of the base directory parsed into the set (in name order, as the
//! body of `stringTemplate`, so their `define`s are visible to `include` and `template`), then
//! the text itself. `tpl` renders its text the same way, in a new set.
//!
//! Known differences from helmfile:
//! - `fetchSecretValue`/`expandSecretRefs` (helmfile's `vals` integration) pass strings
//!   without `ref+…` references through unchanged and resolve a whole-string `ref+echo://X`;
//!   every other reference (secret stores, files, fragments, references inside longer strings)
//!   fails with an error saying so, rather than guessing what an external system would answer.
//! - `%v` of the data (`{{ . }}`) prints a fixed pointer where Go prints `.StateValues`'
//!   address, which changes from run to run.
//! - `.StateValues` is Go's `*map[string]any`; here it is the same map as `.Values`, so `%v`
//!   prints the map where Go prints an address and `kindOf` says `map` where Go says `ptr`.
//! - `readDirEntries` entries have `Name`, `IsDir` and `Type` but no `Info`, and the list's
//!   `%T` is `[]interface {}` where Go's is `[]fs.DirEntry`.
//! - `fromYaml` keeps an unquoted timestamp (`2001-12-14`) a string where yaml.v3 gives a
//!   `time.Time` (goyaml's reader does not make timestamps).
//! - The first-pass ("prerender") mode of helmfile v0 is not implemented: helmfile v1 does not
//!   use it.

mod data;
mod exec;
mod fs;
mod values;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use gotmpl::{ArgType, ElemType, Func, FuncMap, Template, Value};

use crate::spec::Environment;

pub use data::{EnvData, ReleaseData, ReleaseInfo};

/// The name helmfile gives every template it renders (`template.New("stringTemplate")`), as
/// its error texts show it: `template: stringTemplate:3:5: executing "stringTemplate" at ...`.
pub const TEMPLATE_NAME: &str = "stringTemplate";

/// helmfile's `include` nesting limit per template name (`recursionMaxNums`).
const INCLUDE_MAX_DEPTH: usize = 1000;

/// A template that fails to parse or execute, or a function that fails, with helmfile's text.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{0}")]
    Message(String),
}

/// Where templates run: the directory relative paths (readFile, exec, include) resolve against.
#[derive(Clone, Debug, Default)]
pub struct FuncContext {
    /// helmfile's `basePath`, used as given: `filepath.Join(base_dir, name)` for relative
    /// names (so error texts show the same relative or absolute paths helmfile's do), the
    /// working directory of `exec`, and where `_*.tpl` helpers are looked up.
    pub base_dir: PathBuf,
}

/// Sprig's `TxtFuncMap` (Sprig's own `env`, `toJson`…, not Helm's variant), built once: it
/// holds no per-render state.
fn sprig_map() -> &'static FuncMap {
    static M: OnceLock<FuncMap> = OnceLock::new();
    M.get_or_init(|| sprig::funcs(&sprig::Options::default()))
}

/// helmfile's function map for templates under `ctx` (`Context.CreateFuncMap`, plus an
/// `include` with its own nesting counter that runs templates of whatever set executes it).
pub fn func_map(ctx: &FuncContext) -> FuncMap {
    use ArgType::{Any as A, String as S};
    let mut m = sprig_map().clone();
    if let Some(g) = m.get("get").cloned() {
        m.insert("sprigGet".into(), g);
    }
    let base = ctx.base_dir.clone();
    let f = |m: &mut FuncMap, name: &str, func: Func| {
        m.insert(name.to_string(), func);
    };
    let b = base.clone();
    f(
        &mut m,
        "exec",
        Func::new(
            vec![S, ArgType::Slice(ElemType::Interface)],
            Some(S),
            move |_, a| exec::exec(&b, None, &a[0], &a[1], a.get(2)),
        ),
    );
    let b = base.clone();
    f(
        &mut m,
        "envExec",
        Func::new(
            vec![
                ArgType::Map(ElemType::Interface),
                S,
                ArgType::Slice(ElemType::Interface),
            ],
            Some(S),
            move |_, a| exec::exec(&b, Some(&a[0]), &a[1], &a[2], a.get(3)),
        ),
    );
    let b = base.clone();
    f(
        &mut m,
        "isFile",
        Func::new(vec![S], None, move |_, a| fs::is_file(&b, &a[0])),
    );
    let b = base.clone();
    f(
        &mut m,
        "isDir",
        Func::new(vec![S], None, move |_, a| fs::is_dir(&b, &a[0])),
    );
    let b = base.clone();
    f(
        &mut m,
        "readFile",
        Func::new(vec![S], None, move |_, a| fs::read_file(&b, &a[0])),
    );
    let b = base.clone();
    f(
        &mut m,
        "readDir",
        Func::new(vec![S], None, move |_, a| fs::read_dir(&b, &a[0])),
    );
    let b = base.clone();
    f(
        &mut m,
        "readDirEntries",
        Func::new(vec![S], None, move |_, a| fs::read_dir_entries(&b, &a[0])),
    );
    f(
        &mut m,
        "toYaml",
        Func::new(vec![A], None, |_, a| values::to_yaml(&a[0])),
    );
    f(
        &mut m,
        "fromYaml",
        Func::new(vec![S], None, |_, a| values::from_yaml(&a[0])),
    );
    f(
        &mut m,
        "setValueAtPath",
        Func::new(
            vec![S, A, ArgType::Map(ElemType::Interface)],
            None,
            |_, a| values::set_value_at_path(&a[0], &a[1], &a[2]),
        ),
    );
    f(
        &mut m,
        "requiredEnv",
        Func::new(vec![S], None, |_, a| values::required_env(&a[0])),
    );
    f(
        &mut m,
        "get",
        Func::new(vec![S], Some(A), |_, a| values::get_fn(&a[0], &a[1..])),
    );
    f(
        &mut m,
        "getOrNil",
        Func::new(vec![S, A], None, |_, a| values::get_or_nil(&a[0], &a[1])),
    );
    f(
        &mut m,
        "required",
        Func::new(vec![S, A], None, |_, a| values::required(&a[0], &a[1])),
    );
    f(
        &mut m,
        "fetchSecretValue",
        Func::new(vec![S], None, |_, a| values::fetch_secret_value(&a[0])),
    );
    f(
        &mut m,
        "expandSecretRefs",
        Func::new(vec![ArgType::Map(ElemType::Interface)], None, |_, a| {
            values::expand_secret_refs(&a[0])
        }),
    );
    let tctx = ctx.clone();
    f(
        &mut m,
        "tpl",
        Func::new(vec![S, A], None, move |_, a| {
            let text = str_of(&a[0]);
            render(&tctx, TEMPLATE_NAME, &text, &a[1])
                .map(Value::string)
                .map_err(|e| e.to_string())
        }),
    );
    f(&mut m, "include", include_func());
    if insecure_functions_disabled() {
        let slice = || ArgType::Slice(ElemType::Interface);
        let exec = Func::new(vec![S, slice()], Some(S), |_, _| Err(disabled_text()));
        m.insert("exec".into(), exec);
        let env_exec = Func::new(
            vec![ArgType::Map(ElemType::Interface), S, slice()],
            Some(S),
            |_, _| Err(disabled_text()),
        );
        m.insert("envExec".into(), env_exec);
        for name in ["readFile", "readDir", "readDirEntries"] {
            m.insert(
                name.into(),
                Func::new(vec![S], None, |_, _| Err(disabled_text())),
            );
        }
    }
    m
}

const DISABLE_INSECURE_FEATURES: &str = "HELMFILE_DISABLE_INSECURE_FEATURES";
const DISABLE_INSECURE_TEMPLATE_FUNCTIONS: &str = "HELMFILE_DISABLE_INSECURE_TEMPLATE_FUNCTIONS";

fn disabled_text() -> String {
    format!(
        "{DISABLE_INSECURE_FEATURES} or {DISABLE_INSECURE_TEMPLATE_FUNCTIONS} is active, insecure function calls are disabled"
    )
}

/// Go's `strconv.ParseBool` of either variable is true: helmfile then makes `exec`, `envExec`,
/// `readFile`, `readDir` and `readDirEntries` fail.
fn insecure_functions_disabled() -> bool {
    [
        DISABLE_INSECURE_FEATURES,
        DISABLE_INSECURE_TEMPLATE_FUNCTIONS,
    ]
    .iter()
    .any(|k| {
        matches!(
            std::env::var(k).as_deref(),
            Ok("1" | "t" | "T" | "TRUE" | "true" | "True")
        )
    })
}

/// helmfile's `include`: runs a named template of the executing set, failing when one name
/// nests deeper than [`INCLUDE_MAX_DEPTH`] in that set (helmfile counts per name, not in total).
fn include_func() -> Func {
    Func::new(vec![ArgType::String, ArgType::Any], None, move |cx, a| {
        let name = str_of(&a[0]);
        // The executing set's address tells sets apart while they run (`tpl` runs a new
        // one, with counts of its own, as helmfile's new template has).
        let key = (std::ptr::from_ref(cx.template()) as usize, name.clone());
        let over = INCLUDE_DEPTH.with(|d| {
            let mut d = d.borrow_mut();
            let n = d.entry(key.clone()).or_insert(0);
            if *n > INCLUDE_MAX_DEPTH {
                return true;
            }
            *n += 1;
            false
        });
        if over {
            return Err(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            ));
        }
        let r = cx.execute_template(&name, &a[1]);
        INCLUDE_DEPTH.with(|d| {
            let mut d = d.borrow_mut();
            if let Some(n) = d.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    d.remove(&key);
                }
            }
        });
        r.map(Value::string).map_err(|e| e.to_string())
    })
}

thread_local! {
    /// `include` nesting per executing set and template name (helmfile's `includedNames`).
    static INCLUDE_DEPTH: std::cell::RefCell<HashMap<(usize, String), usize>> =
        std::cell::RefCell::default();
}

/// The string in a value the executor already converted to a Go `string`.
pub(crate) fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        _ => String::new(),
    }
}

/// helmfile's `Context.newTemplate`: a set named `name` with `missingkey=error`, the function
/// map and the `_*.tpl` helpers of the base directory parsed in.
///
/// helmfile builds this set anew for every text; canon keeps the last one built per base
/// directory and name and clones it (a cheap copy) while the helper files are unchanged, since
/// templating a helmfile renders thousands of small texts. Nothing in a set changes while it
/// runs (`include`'s nesting count lives in the running thread, per executing set).
fn new_template(ctx: &FuncContext, name: &str) -> Result<Template, TemplateError> {
    type Cache = Mutex<HashMap<(PathBuf, String), (Vec<fs::HelperFile>, Template)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let helpers = fs::helper_files(&ctx.base_dir);
    let key = (ctx.base_dir.clone(), name.to_string());
    let cache = CACHE.get_or_init(Cache::default);
    if let Some((h, t)) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
        && *h == helpers
    {
        return Ok(t.clone());
    }
    let mut t = Template::new(name);
    t.option("missingkey=error")
        .map_err(|e| TemplateError::Message(e.to_string()))?;
    t.funcs(func_map(ctx));
    for (h, content) in helpers.iter().zip(fs::read_helpers(&helpers)?) {
        t.parse(&content).map_err(|e| {
            TemplateError::Message(format!("failed to parse helper template {}: {e}", h.file))
        })?;
    }
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, (helpers, t.clone()));
    Ok(t)
}

/// Renders `text` with `data`, as helmfile's `TextRenderer.RenderTemplateText` (and
/// `FileRenderer.RenderTemplateContentToString`) do. `name` is the template's name in Go's
/// error texts: pass [`TEMPLATE_NAME`] for helmfile's own texts.
pub fn render(
    ctx: &FuncContext,
    name: &str,
    text: &str,
    data: &Value,
) -> Result<String, TemplateError> {
    let mut t = new_template(ctx, name)?;
    t.parse(text)
        .map_err(|e| TemplateError::Message(e.to_string()))?;
    let mut out = String::new();
    t.execute(&mut out, data)
        .map_err(|e| TemplateError::Message(e.to_string()))?;
    Ok(out)
}

/// The data of a helmfile part or environment values template (`.Environment`, `.Namespace`,
/// `.Values`, `.StateValues`): helmfile's `*state.EnvironmentTemplateData`.
pub fn env_data(env: &Environment, namespace: &str) -> Value {
    Value::Object(Arc::new(EnvData::new(env, namespace)))
}

/// The data of a release template (`.Release` with Name, Namespace, Labels, Chart, KubeContext,
/// plus everything of [`env_data`]): helmfile's `state.releaseTemplateData`. `namespace` is
/// the state's namespace override (`.Namespace`); `release` is the release's YAML map, from
/// which `.Release` takes `name`, `namespace`, `labels`, `chart`, `version` and `kubeContext`.
pub fn release_data(env: &Environment, namespace: &str, release: &Value) -> Value {
    Value::Object(Arc::new(ReleaseData::new(
        env,
        namespace,
        ReleaseInfo::from_release(release),
    )))
}
