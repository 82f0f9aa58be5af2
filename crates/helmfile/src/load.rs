//! Loading a helmfile for one environment (helmfile's `desired_state_file_loader.go`,
//! `two_pass_renderer.go`, `state/create.go`, `envvals_loader.go`): parts, environments, bases,
//! sub-helmfiles, strict keys with `file:line:col`.
//!
//! Contract (owner: the `hf-load` helper):
//! - [`find`] resolves `-f` the way helmfile does: a file, a directory (`helmfile.d/*.yaml` and
//!   `*.yaml.gotmpl`, sorted), or by default `helmfile.yaml`, `helmfile.yaml.gotmpl`,
//!   `helmfile.d/`.
//! - [`load`] reads one file into a [`HelmState`]: split into parts on `---` lines, render each
//!   part in order (only `.gotmpl` files are templates in helmfile v1) with the environment built
//!   from the parts before it, decode each part strictly (unknown keys are errors, as yaml.v3's
//!   `KnownFields`), merge parts, apply `bases`, load environment values (files, `.gotmpl`
//!   files rendered, inline maps; maps merge, lists replace; `missingFileHandler`), top-level
//!   `values`, and load `helmfiles:` recursively into [`crate::spec::SubState`]s.
//! - [`load_all`] is [`find`] plus [`load`] for each, skipping helmfiles that do not declare
//!   the environment, as helmfile does.
//! - Errors name the file, line and column where there is one (template errors and values-file
//!   errors point into the file that has them), after helmfile's own text.
//!
//! Not supported, refused with a clear error rather than ignored: remote (go-getter) helmfiles,
//! bases and values files; environment `secrets` (helm-secrets); HCL values files. Ignored
//! (they do not change rendered output): `hooks`, `helmBinary`, `kustomizeBinary`, `llm`,
//! `missingFileHandlerConfig`. A `Warn`/`Info` missing file handler skips the file and leaves
//! helmfile's log line in [`HelmState::warnings`] (`Debug` skips quietly, as helmfile does
//! without `--debug`). A missing values file under `Error` is placed at the entry naming it.
//!
//! helmfile's quirks are kept on purpose, since users' helmfiles depend on them: parts are
//! merged with `mergo` (a later part's non-empty `releases` *replace* earlier ones, `false` and
//! `0` never override), documents inside one part and `bases` layers append lists; the unknown
//! environment check runs after every part that declares `environments`; a sub-helmfile sees only
//! the `values` its `helmfiles:` entry passes (not the parent's, nor `--state-values-set`), and
//! is skipped when it does not declare the environment.
//!
//! Line numbers: helmfile (yaml.v3) counts lines within the rendered part; canon's [`Pos`] counts
//! them in the file (exact for plain YAML; for `.gotmpl` parts, the rendered line plus the line
//! the part starts on).

mod env;
mod gopath;
mod schema;
mod spec_decode;
mod strict;
mod tmpl;
mod values;

pub(crate) use tmpl::error_pos as template_error_pos;

use std::path::{Path, PathBuf};

use gotmpl::Value;

use crate::spec::{HelmState, MissingFileHandler, Pos, SubState};
use env::EnvVals;
use spec_decode::{Spec, SubSpec};

/// helmfile's default environment, which need not be declared.
const DEFAULT_ENV: &str = "default";

/// A helmfile that cannot be read, parsed or templated, or names an unknown environment.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// helmfile's message (`in ./helmfile.yaml: failed to read ...`).
    #[error("{0}")]
    Message(String),
    /// helmfile's message about a place in a file.
    #[error("{pos}: {message}")]
    At { pos: Pos, message: String },
    /// `-e` names an environment the helmfile does not declare (helmfile skips such a
    /// sub-helmfile silently, and reports no matching release for a top-level one).
    #[error("failed to read {file}: environment \"{env}\" is not defined")]
    UndefinedEnv { file: String, env: String },
}

impl LoadError {
    fn msg(s: impl Into<String>) -> LoadError {
        LoadError::Message(s.into())
    }

    /// The same error with helmfile's `in FILE: ` (or `in .helmfiles[i]: `) context in front.
    fn context(self, ctx: &str) -> LoadError {
        match self {
            LoadError::Message(m) => LoadError::Message(format!("{ctx}: {m}")),
            LoadError::At { pos, message } => LoadError::At {
                pos,
                message: format!("{ctx}: {message}"),
            },
            e @ LoadError::UndefinedEnv { .. } => e,
        }
    }
}

/// What `helmfile` takes on its command line that affects loading.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-e/--environment` (default `default`).
    pub environment: String,
    /// `--state-values-set k=v` (strvals, merged over the environment's values).
    pub state_values_set: Vec<String>,
    /// `--state-values-set-string k=v` (values stay strings; helmfile ignores these when
    /// `--state-values-set` is given too).
    pub state_values_set_string: Vec<String>,
    /// `--state-values-file`.
    pub state_values_files: Vec<PathBuf>,
    /// `--kube-context`.
    pub kube_context: Option<String>,
    /// `-n/--namespace` override.
    pub namespace: Option<String>,
}

/// The helmfiles `-f PATH` (or the default lookup when `None`) stands for, in processing order.
pub fn find(path: Option<&Path>) -> Result<Vec<PathBuf>, LoadError> {
    let dir = match path {
        Some(p) => {
            let s = p.to_string_lossy();
            if gopath::is_file(".", &s) {
                return Ok(vec![p.to_path_buf()]);
            }
            if !gopath::is_dir(".", &s) {
                return Err(LoadError::msg(format!(
                    "specified state file {s} is not found"
                )));
            }
            s.into_owned()
        }
        None => {
            let (yaml, gotmpl) = ("helmfile.yaml", "helmfile.yaml.gotmpl");
            if gopath::is_file(".", yaml) && gopath::is_file(".", gotmpl) {
                return Err(LoadError::msg(format!(
                    "both {yaml} and {yaml}.gotmpl exist. Please remove one of them"
                )));
            }
            let default_file = [yaml, gotmpl].into_iter().find(|f| gopath::is_file(".", f));
            if gopath::is_dir(".", "helmfile.d") {
                if let Some(f) = default_file {
                    return Err(LoadError::msg(format!(
                        "configuration conlict error: you can have either {f} or helmfile.d, but not both"
                    )));
                }
                "helmfile.d".to_string()
            } else if let Some(f) = default_file {
                return Ok(vec![PathBuf::from(f)]);
            } else {
                return Err(LoadError::msg(
                    "no state file found. It must be named helmfile.d/*.{yaml,yml,yaml.gotmpl,yml.gotmpl}, helmfile.yaml, or helmfile.yaml.gotmpl, otherwise specified with the --file flag or HELMFILE_FILE_PATH environment variable",
                ));
            }
        }
    };
    let mut files = Vec::new();
    for pat in ["*.y*ml", "*.y*ml.gotmpl"] {
        files.extend(gopath::glob(".", &gopath::join(&[&dir, pat])).map_err(LoadError::msg)?);
    }
    files.sort();
    Ok(files.into_iter().map(PathBuf::from).collect())
}

/// [`find`], then [`load`] each helmfile as helmfile visits them: one that does not declare the
/// environment is skipped ([`LoadError::UndefinedEnv`]), as helmfile skips it; an empty result
/// is helmfile's "no releases found that matches specified selector() and environment(ENV)".
pub fn load_all(path: Option<&Path>, opts: &LoadOptions) -> Result<Vec<HelmState>, LoadError> {
    let mut out = Vec::new();
    for f in find(path)? {
        match load(&f, opts) {
            Ok(st) => out.push(st),
            Err(LoadError::UndefinedEnv { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Loads one helmfile for the environment in `opts`.
pub fn load(file: &Path, opts: &LoadOptions) -> Result<HelmState, LoadError> {
    let env_name = if opts.environment.is_empty() {
        DEFAULT_ENV.to_string()
    } else {
        opts.environment.clone()
    };
    let f = file.to_string_lossy().into_owned();
    let (dir, base) = (gopath::dir(&f), gopath::base(&f));
    let ctx = format!("in {dir}/{base}");
    let ld = Loader {
        env: env_name,
        namespace: opts.namespace.clone().unwrap_or_default(),
        kube_context: opts.kube_context.clone().unwrap_or_default(),
        cwd: dir.clone(),
        warnings: Default::default(),
        context: ctx.clone(),
    };
    let overrode = ld.cli_overrides(opts, &base)?;
    ld.load_top(&base, overrode.as_ref())
        .map_err(|e| e.context(&ctx))
}

/// One state file after its parts are merged: the decoded spec, the environment it built, and
/// where it lives.
struct Loaded {
    spec: Spec,
    env: EnvVals,
    file: String,
    base_dir: String,
}

struct Loader {
    env: String,
    /// `-n`, the `.Namespace` of helmfile templates and every state's namespace override.
    namespace: String,
    /// `--kube-context`, every state's kubeContext override.
    kube_context: String,
    /// The directory helmfile would have changed into for this helmfile (relative paths in
    /// messages are relative to it, as in helmfile).
    cwd: String,
    /// What helmfile logs while loading this helmfile (skipped missing values files).
    warnings: std::cell::RefCell<Vec<String>>,
    /// helmfile's `in FILE` chain for errors about this helmfile ([`HelmState::context`]).
    context: String,
}

impl Loader {
    /// `--state-values-file` and `--state-values-set` as helmfile's override environment.
    fn cli_overrides(
        &self,
        opts: &LoadOptions,
        callee: &str,
    ) -> Result<Option<EnvVals>, LoadError> {
        if opts.state_values_files.is_empty()
            && opts.state_values_set.is_empty()
            && opts.state_values_set_string.is_empty()
        {
            return Ok(None);
        }
        // helmfile resolves these against the helmfile's directory, not the process's.
        let cli_place = env::Place {
            base_dir: ".",
            cwd: &self.cwd,
            file: callee,
            warnings: &self.warnings,
        };
        let mut ov = EnvVals::new(&self.env);
        if !opts.state_values_files.is_empty() {
            let entries: Vec<Value> = opts
                .state_values_files
                .iter()
                .map(|p| Value::string(p.to_string_lossy()))
                .collect();
            let fresh = EnvVals::new(&self.env);
            ov.values = env::load_values(&self.env, None, &entries, Some(&fresh), "", cli_place)
                .map_err(LoadError::from)?;
        }
        // helmfile's `NewCLIConfigImpl`: `--state-values-set` replaces the string set wholesale.
        let mut set = None;
        if !opts.state_values_set_string.is_empty() {
            let mut m = values::empty_map();
            for s in &opts.state_values_set_string {
                for (k, v) in values::set_string_ops(s) {
                    m = values::set_path(&m, &values::parse_key(&k), &v, true);
                }
            }
            set = Some(m);
        }
        if !opts.state_values_set.is_empty() {
            let mut m = values::empty_map();
            for s in &opts.state_values_set {
                for op in s.split(',') {
                    let Some((k, v)) = op.split_once('=') else {
                        return Err(LoadError::msg(format!(
                            "invalid --state-values-set {op:?}: expected key=value"
                        )));
                    };
                    m = values::set_path(&m, &values::parse_key(k), v, false);
                }
            }
            set = Some(m);
        }
        if let Some(set) = set {
            let fresh = EnvVals::new(&self.env);
            ov.cli = env::load_values(&self.env, None, &[set], Some(&fresh), "", cli_place)
                .map_err(LoadError::from)?;
        }
        Ok(Some(ov))
    }

    /// helmfile's `Load` of a top-level (or sub-) helmfile, with its `helmfiles:` loaded too.
    fn load_top(&self, file: &str, overrode: Option<&EnvVals>) -> Result<HelmState, LoadError> {
        let l = self.load_file(None, overrode, ".", file, true)?;
        self.finish(l)
    }

    fn finish(&self, l: Loaded) -> Result<HelmState, LoadError> {
        // helmfile's `Load`: the command line's overrides must not clash with the state's.
        if !self.kube_context.is_empty() && !l.spec.kube_context.is_empty() {
            return Err(LoadError::msg(
                "err: Cannot use option --kube-context and set attribute kubeContext.",
            ));
        }
        if !self.namespace.is_empty() && !l.spec.namespace.is_empty() {
            return Err(LoadError::msg(
                "err: Cannot use option --namespace and set attribute namespace.",
            ));
        }
        let mut sub_states = Vec::new();
        for (i, h) in l.spec.helmfiles.iter().enumerate() {
            match self.load_sub(&l, h, i) {
                Ok(Some(s)) => sub_states.push(s),
                Ok(None) => {}
                Err(e) => return Err(e.context(&format!("in .helmfiles[{i}]"))),
            }
        }
        let spec = l.spec;
        let mfh = match spec.missing_file_handler.as_deref() {
            None | Some("Error") => MissingFileHandler::Error,
            Some("Warn") => MissingFileHandler::Warn,
            Some("Info") => MissingFileHandler::Info,
            Some("Debug") => MissingFileHandler::Debug,
            Some(other) => {
                return Err(LoadError::msg(format!(
                    "invalid missing file handler \"{other}\" in \"{}\": it must be one of [Error Warn Info Debug]",
                    l.file
                )));
            }
        };
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        Ok(HelmState {
            file: PathBuf::from(gopath::at(&self.cwd, &l.file)),
            context: self.context.clone(),
            base_dir: PathBuf::from(gopath::at(&self.cwd, &l.base_dir)),
            env: l.env.to_spec(l.env.merged_values()),
            repositories: spec.repositories,
            helm_defaults: values::map(spec.helm_defaults),
            releases: spec.releases,
            templates: spec.templates,
            common_labels: spec.common_labels,
            kube_version: non_empty(spec.kube_version),
            api_versions: spec.api_versions,
            namespace: non_empty(spec.namespace).or_else(|| non_empty(self.namespace.clone())),
            kube_context: non_empty(spec.kube_context)
                .or_else(|| non_empty(self.kube_context.clone())),
            missing_file_handler: mfh,
            lock_file: non_empty(spec.lock_file).map(PathBuf::from),
            chart: non_empty(spec.chart),
            default_inherit: spec.default_inherit,
            sub_states,
            warnings: self.warnings.take(),
        })
    }

    /// One `helmfiles:` entry: loaded with only the entry's `values` as its state values.
    fn load_sub(
        &self,
        parent: &Loaded,
        h: &SubSpec,
        index: usize,
    ) -> Result<Option<SubState>, LoadError> {
        let overrode = if h.values.is_empty() {
            None
        } else {
            let mut ov = EnvVals::new(&self.env);
            let fresh = EnvVals::new(&self.env);
            ov.values = self.load_env_values(
                None,
                &h.values,
                Some(&fresh),
                "",
                &parent.base_dir,
                &parent.file,
                &[],
            )?;
            Some(ov)
        };
        let (dir, base) = (gopath::dir(&h.path), gopath::base(&h.path));
        let sub = Loader {
            env: self.env.clone(),
            namespace: self.namespace.clone(),
            kube_context: self.kube_context.clone(),
            cwd: gopath::at(&self.cwd, &dir),
            warnings: Default::default(),
            context: format!("{}: in .helmfiles[{index}]: in {dir}/{base}", self.context),
        };
        // `inherits: [environments]`: the parent's environment is the sub-helmfile's starting
        // point (helmfile's `Inherited.Env`).
        let inherit = |k: &str| h.inherits.iter().any(|i| i == k);
        let inherited_env = inherit("environments").then(|| parent.env.clone());
        let loaded = sub.load_file(inherited_env.as_ref(), overrode.as_ref(), ".", &base, true);
        let state = match loaded {
            Ok(mut l) => {
                l.spec.merge_inherited(&parent.spec, &h.inherits);
                sub.finish(l)
                    .map_err(|e| e.context(&format!("in {dir}/{base}")))?
            }
            Err(LoadError::UndefinedEnv { .. }) => return Ok(None),
            Err(e) => return Err(e.context(&format!("in {dir}/{base}"))),
        };
        let selectors = if h.selectors.is_none() || h.selectors_inherited {
            None
        } else {
            h.selectors.clone()
        };
        Ok(Some(SubState { state, selectors }))
    }

    /// `loadFileWithOverrides`.
    fn load_file(
        &self,
        inherited: Option<&EnvVals>,
        overrode: Option<&EnvVals>,
        base_dir: &str,
        file: &str,
        evaluate_bases: bool,
    ) -> Result<Loaded, LoadError> {
        if gopath::is_remote(file) {
            return Err(LoadError::msg(format!(
                "remote helmfile {file:?}: canon reads local files only (fetch it, then refer to the copy)"
            )));
        }
        let f = if gopath::is_abs(file) {
            file.to_string()
        } else {
            gopath::join(&[base_dir, file])
        };
        let content = std::fs::read(gopath::at(&self.cwd, &f))
            .map_err(|e| LoadError::msg(go_open_error(&f, &e)))?;
        let content = String::from_utf8_lossy(&content).into_owned();
        let l = self.load_content(inherited, overrode, base_dir, &f, &content, evaluate_bases)?;
        for (i, h) in l.spec.helmfiles.iter().enumerate() {
            if h.path == f {
                return Err(LoadError::msg(format!(
                    "{f} contains a recursion into the same sub-helmfile at helmfiles[{i}]"
                )));
            }
            if h.path == "." {
                return Err(LoadError::msg(format!(
                    "{f} contains a recursion into the the directory containing this helmfile at helmfiles[{i}]"
                )));
            }
        }
        Ok(l)
    }

    /// helmfile's `desiredStateLoader.load`: parts rendered and merged in order.
    fn load_content(
        &self,
        env: Option<&EnvVals>,
        overrode: Option<&EnvVals>,
        base_dir: &str,
        filename: &str,
        content: &str,
        evaluate_bases: bool,
    ) -> Result<Loaded, LoadError> {
        let mut env: Option<EnvVals> = env.cloned();
        let normalized = content.replace("\r\n", "\n");
        policy_check(filename, &normalized)?;
        let has_env = env.is_some() || overrode.is_some();
        let render = gopath::ext(filename) == ".gotmpl";
        let mut fin: Option<Loaded> = None;
        let mut line = 1;
        for (i, part) in normalized.split("\n---\n").enumerate() {
            let part_line = line;
            line += part.matches('\n').count() + 2;
            let rendered;
            let raw = if render {
                let id = format!("{filename}.part.{i}");
                rendered = self
                    .render_part(base_dir, &id, part, env.as_ref(), overrode)
                    .map_err(|e| {
                        let message = format!("error during {id} parsing: {e}");
                        match tmpl::error_pos(&e) {
                            Some((l, c)) => LoadError::At {
                                pos: pos(&gopath::at(&self.cwd, filename), part_line + l - 1, c),
                                message,
                            },
                            None => LoadError::Message(message),
                        }
                    })?;
                rendered.as_str()
            } else {
                part
            };
            let merged = EnvVals::merge(env.as_ref(), overrode);
            let current = self.parse_and_load(
                raw,
                base_dir,
                filename,
                part_line,
                evaluate_bases,
                merged.as_ref(),
            )?;
            let f = match fin.take() {
                None => current,
                Some(mut f) => {
                    f.spec.merge_parts(current.spec);
                    f.env = f.env.mergo(&current.env);
                    f
                }
            };
            env = Some(f.env.clone());
            let undefined = !f.spec.environments.is_empty()
                && evaluate_bases
                && f.env.name != DEFAULT_ENV
                && !f.spec.environments.contains_key(&f.env.name);
            if undefined {
                return Err(LoadError::UndefinedEnv {
                    file: filename.to_string(),
                    env: f.env.name.clone(),
                });
            }
            fin = Some(f);
        }
        let fin = fin.expect("split yields at least one part");
        if fin.spec.environments.is_empty()
            && evaluate_bases
            && !has_env
            && fin.env.name != DEFAULT_ENV
        {
            return Err(LoadError::UndefinedEnv {
                file: filename.to_string(),
                env: fin.env.name.clone(),
            });
        }
        for r in &fin.spec.releases {
            if let Some(us) = spec_decode::str_field(&r.value, "updateStrategy")
                && !us.is_empty()
                && us != "reinstallIfForbidden"
            {
                return Err(LoadError::msg(format!(
                    "failed to read {filename}: updateStrategy {us:?} is invalid, valid values are: reinstallIfForbidden or not set"
                )));
            }
        }
        Ok(fin)
    }

    /// `twoPassRenderTemplateToYaml`: one part of a `.gotmpl` helmfile with the environment so far.
    fn render_part(
        &self,
        base_dir: &str,
        id: &str,
        part: &str,
        env: Option<&EnvVals>,
        overrode: Option<&EnvVals>,
    ) -> Result<String, String> {
        let fin = match EnvVals::merge(env, overrode) {
            Some(e) => e,
            None => EnvVals::named_nil(&self.env),
        };
        let vals = fin.merged_values();
        let data = env::template_data(&fin, &self.namespace, &vals);
        let _ = id;
        tmpl::render(&gopath::at(&self.cwd, base_dir), part, &data)
    }

    /// `rawLoad` + `ParseAndLoad`: decode one (rendered) part, apply its bases, load its
    /// environment with `env` (the parts before, and the overrides) as context.
    fn parse_and_load(
        &self,
        content: &str,
        base_dir: &str,
        filename: &str,
        first_line: usize,
        evaluate_bases: bool,
        env: Option<&EnvVals>,
    ) -> Result<Loaded, LoadError> {
        let real = gopath::at(&self.cwd, filename);
        let mut spec = spec_decode::parse(content, filename, &real, first_line)?;
        if !evaluate_bases {
            if !spec.bases.is_empty() {
                return Err(LoadError::msg(
                    "nested `base` helmfile is unsupported. please submit a feature request if you need this!",
                ));
            }
        } else if !spec.bases.is_empty() {
            let mut layers = Vec::new();
            for b in spec.bases.clone() {
                let base = self.load_file(env, None, base_dir, &b, false)?;
                layers.push(base.spec);
            }
            let mut acc = layers.remove(0);
            for l in layers {
                acc.merge_layer(l);
            }
            acc.merge_layer(spec);
            spec = acc;
        }
        let ctx = format!("failed to read {filename}");
        let e = self
            .load_env(&spec, env, base_dir, filename)
            .map_err(|e| e.context(&ctx))?;
        let defaults = self.load_env_values(
            None,
            &spec.values,
            env,
            "",
            base_dir,
            filename,
            &spec.values_pos,
        )?;
        let mut e = e;
        e.defaults = values::mergo_override(&e.defaults, &defaults);
        let mut spec = spec;
        spec.helmfiles = expand_helmfiles(&spec, base_dir, &self.cwd)?;
        Ok(Loaded {
            spec,
            env: e,
            file: filename.to_string(),
            base_dir: base_dir.to_string(),
        })
    }

    /// `loadEnvValues`: the selected environment's values over the context environment.
    fn load_env(
        &self,
        spec: &Spec,
        ctx: Option<&EnvVals>,
        base_dir: &str,
        file: &str,
    ) -> Result<EnvVals, LoadError> {
        let name = &self.env;
        let mut new = EnvVals::new(name);
        if let Some(es) = spec.environments.get(name) {
            if !es.secrets.is_empty() {
                return Err(LoadError::msg(format!(
                    "environment {name:?}: secrets are not supported by canon (they need helm-secrets)"
                )));
            }
            new.values = self.load_env_values(
                es.missing_file_handler.as_deref(),
                &es.values,
                ctx,
                &es.merge_strategy,
                base_dir,
                file,
                &es.values_pos,
            )?;
            new.kube_context = es.kube_context.clone();
        }
        if let Some(c) = ctx {
            new.defaults =
                values::merge_maps(&c.defaults, &new.defaults, values::ArrayStrategy::Sparse);
            new.values = values::merge_maps(&c.values, &new.values, values::ArrayStrategy::Sparse);
            new.cli = values::merge_maps(&new.cli, &c.cli, values::ArrayStrategy::Merge);
            if !c.name.is_empty() {
                new.name = c.name.clone();
            }
            if !c.kube_context.is_empty() {
                new.kube_context = c.kube_context.clone();
            }
        }
        Ok(new)
    }

    /// `LoadEnvironmentValues`: values entries (files, globs, `.gotmpl` files, inline maps)
    /// merged in order into one map. `positions` (aligned with `entries`, or empty) place an
    /// error about an entry, such as a missing file, where the entry is written.
    #[allow(clippy::too_many_arguments)]
    fn load_env_values(
        &self,
        missing_file_handler: Option<&str>,
        entries: &[Value],
        ctx: Option<&EnvVals>,
        merge_strategy: &str,
        base_dir: &str,
        file: &str,
        positions: &[Option<Pos>],
    ) -> Result<Value, LoadError> {
        env::load_values(
            &self.env,
            missing_file_handler,
            entries,
            ctx,
            merge_strategy,
            env::Place {
                base_dir,
                cwd: &self.cwd,
                file,
                warnings: &self.warnings,
            },
        )
        .map_err(|e| {
            let at = match e.entry {
                Some(i) if e.at.is_none() && positions.len() == entries.len() => {
                    positions[i].clone()
                }
                _ => None,
            };
            match at {
                Some(pos) => LoadError::At {
                    pos,
                    message: e.message,
                },
                None => LoadError::from(e),
            }
        })
    }
}

/// `ExpandedHelmfiles`: `helmfiles:` paths globbed relative to the helmfile's directory.
fn expand_helmfiles(spec: &Spec, base_dir: &str, cwd: &str) -> Result<Vec<SubSpec>, LoadError> {
    let mut out = Vec::new();
    for h in &spec.helmfiles {
        if gopath::is_remote(&h.path) {
            out.push(h.clone());
            continue;
        }
        let pattern = if gopath::is_abs(&h.path) {
            h.path.clone()
        } else {
            gopath::join(&[base_dir, &h.path])
        };
        let mut matches = gopath::glob(cwd, &pattern)
            .map_err(|e| LoadError::msg(format!("failed processing {}: {e}", h.path)))?;
        matches.sort();
        if matches.is_empty() {
            if spec.missing_file_handler.as_deref().unwrap_or("Error") == "Error" {
                return Err(LoadError::msg(format!("no matches for path: {}", h.path)));
            }
            continue;
        }
        for m in matches {
            let mut h = h.clone();
            h.path = m;
            out.push(h);
        }
    }
    Ok(out)
}

/// helmfile's `policy.Checker`: top-level keys in order, and `environments` and `releases` in
/// different parts.
fn policy_check(file: &str, content: &str) -> Result<(), LoadError> {
    let top_keys = |with_sep: bool| -> Vec<String> {
        let mut keys = Vec::new();
        for line in content.split('\n') {
            let l = line.trim_end();
            if l.is_empty() {
                continue;
            }
            if with_sep && l.starts_with("---") && l[3..].bytes().all(|b| b == b' ') {
                keys.push(l.to_string());
            }
            let name_len = l.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
            if name_len > 0 && l.as_bytes().get(name_len) == Some(&b':') {
                keys.push(l[..name_len].to_string());
            }
        }
        keys
    };
    let priority = |k: &str| match k {
        "bases" | "environments" => Some(0),
        "releases" => Some(1),
        _ => None,
    };
    let keys = top_keys(false);
    if keys.is_empty() {
        return Err(LoadError::msg(format!(
            "no top-level config keys are found in {file}"
        )));
    }
    let ordered: Vec<&String> = keys.iter().filter(|k| priority(k).is_some()).collect();
    for w in ordered.windows(2) {
        if priority(w[0]) > priority(w[1]) {
            return Err(LoadError::msg(format!(
                "top-level config key {} must be defined before {} in {file}",
                w[1], w[0]
            )));
        }
    }
    let mut result: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for k in top_keys(true) {
        let tracked = k == "environments" || k == "releases" || k.starts_with("---");
        if tracked && !seen.contains(&k) {
            if !k.starts_with("---") {
                seen.insert(k.clone());
            }
            result.push(k);
        }
    }
    if result.len() >= 2 {
        for w in result.windows(2) {
            if !w[0].starts_with("---") && !w[1].starts_with("---") {
                return Err(LoadError::msg(
                    "environments and releases cannot be defined within the same YAML part. Use --- to extract the environments into a dedicated part",
                ));
            }
        }
    }
    Ok(())
}

impl From<env::ValuesError> for LoadError {
    fn from(e: env::ValuesError) -> LoadError {
        match e.at {
            Some((file, line, col)) => LoadError::At {
                pos: pos(&file, line, col),
                message: e.message,
            },
            None => LoadError::Message(e.message),
        }
    }
}

/// Go's `*PathError` text for a failed `os.ReadFile`.
fn go_open_error(path: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => return format!("read {path}: is a directory"),
        _ => e.to_string(),
    };
    format!("open {path}: {what}")
}

/// A release's position, for [`RawRelease::pos`].
fn pos(file: &str, line: usize, col: usize) -> Pos {
    Pos {
        file: PathBuf::from(file),
        line,
        col,
    }
}
