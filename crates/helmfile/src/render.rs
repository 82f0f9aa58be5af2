//! `helmfile template` for resolved releases: runs the native Helm engine per release (in
//! parallel, output deterministic) with the flags helmfile passes to `helm template`, and writes
//! what helmfile writes: `--output-dir` with `--output-dir-template`, or one stream to stdout.
//!
//! helmfile's `TemplateReleases` (pkg/state/state.go) runs `helm template NAME CHART` once per
//! release, in plan order, with `--namespace`, one `--values` file per values layer, the
//! release's `--set*` flags, the CLI's `--values` and `--set`, `--api-versions`,
//! `--kube-version` (the CLI's, else the release's, else the state's), `--output-dir` (the
//! templated output-dir template), `--include-crds`, `--no-hooks`, `--skip-tests` and
//! `--skip-schema-validation`. Without an output dir, helm's stdout is copied to helmfile's
//! stdout followed by one newline (`helmexec.write`); with one, helm's `wrote PATH` lines are
//! logs (stderr, each path once). The first release that fails stops the releases after it
//! (helmfile guards each helm run with `len(errs) == 0`), so the stream holds the output of the
//! releases before it.
//!
//! canon renders all releases on worker threads and assembles their outputs in plan order, so
//! the bytes do not depend on scheduling. Releases whose output directories coincide render one
//! after the other (helm appends to files it wrote in the same run and truncates others, which is
//! order-dependent).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gotmpl::Value;
use helm::HelmVersion;
use helm::action::{self, TemplateOptions};
use helm::chart::Chart;
use helm::values::ValueOptions;
use sha1::Digest;

use crate::load::{self, LoadOptions};
use crate::release::{self, ReleaseOptions};
use crate::repo::{ChartResolver, FetchOptions};
use crate::spec::{Environment, HelmState, ResolvedRelease, SetFlag};

/// A release that fails to render (a chart or template error, as helm reports it), or options
/// that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Message(String),
    /// helm failed for one release (its message, as helm prints it after `Error: `).
    #[error("in {file}: release \"{release}\": {message}")]
    Release {
        file: String,
        release: String,
        message: String,
    },
    /// No release of any helmfile was selected (helmfile's `NoMatchingHelmfileError`).
    #[error(
        "no releases found that matches specified selector({}) and environment({env}), in any helmfile",
        selectors.join(", ")
    )]
    NoMatch { selectors: Vec<String>, env: String },
    /// A chart that cannot be resolved or fetched.
    #[error(transparent)]
    Chart(#[from] crate::repo::RepoError),
    /// Bad usage: an output-dir template that does not parse or execute, an `--args` flag canon
    /// does not know.
    #[error("{0}")]
    Usage(String),
}

impl RenderError {
    /// 1 for chart and template failures (helm's own errors), 2 for bad usage.
    pub fn exit_code(&self) -> i32 {
        match self {
            RenderError::Usage(_) | RenderError::NoMatch { .. } => 2,
            RenderError::Message(_) | RenderError::Release { .. } | RenderError::Chart(_) => 1,
        }
    }
}

/// helmfile's default `--output-dir-template` (`filepath.Join` of its two parts).
pub const DEFAULT_OUTPUT_DIR_TEMPLATE: &str =
    "{{ .OutputDir }}/{{ .State.BaseName }}-{{ .State.AbsPathSHA1 }}-{{ .Release.Name}}";

/// What `helmfile template` takes on its command line that affects rendering.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// `--output-dir`.
    pub output_dir: Option<PathBuf>,
    /// `--output-dir-template` (helmfile's default, [`DEFAULT_OUTPUT_DIR_TEMPLATE`], when an
    /// output dir is given without one).
    pub output_dir_template: Option<String>,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--include-crds` (helmfile template's default is false: it passes the flag only when given).
    pub include_crds: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--kube-version` (wins over the release's and the state's).
    pub kube_version: Option<String>,
    /// `--values`: extra values files for every release, after the release's own.
    pub values: Vec<PathBuf>,
    /// `--set`: extra values for every release, after the release's own.
    pub set: Vec<String>,
    /// `--args`: extra `helm template` flags (those canon knows, see [`parse_args`]).
    pub args: Vec<String>,
    /// Which helm's output to reproduce.
    pub compat: HelmVersion,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Sprig's seed and clock (random functions in charts).
    pub sprig: sprig::Options,
}

/// The state the releases come from, for the output-dir template and error messages.
#[derive(Clone, Debug)]
pub struct StateInfo {
    /// helmfile's `st.FilePath`: the state file as helmfile names it (the file name when
    /// helmfile loaded it from its own directory).
    pub file_path: String,
    /// The absolute path of the state file (hashed into `.State.AbsPathSHA1`).
    pub abs_path: PathBuf,
    /// Relative output dirs resolve against this directory (helmfile changes into the
    /// helmfile's directory to process a single file).
    pub work_dir: PathBuf,
    pub env: Environment,
}

/// What rendering a state's releases produced, in plan order.
#[derive(Debug, Default)]
pub struct RenderOutput {
    /// What helmfile prints on stdout.
    pub stdout: Vec<u8>,
    /// helmfile's log lines for stderr (`Templating release=…`, `wrote …`), each ending in `\n`.
    pub stderr: String,
    /// The first release failure (the releases after it were not rendered, as in helmfile).
    pub error: Option<RenderError>,
}

/// Where `helmfile template`'s output goes as each state is rendered: stdout bytes, stderr logs.
pub trait Sink {
    fn stdout(&mut self, bytes: &[u8]);
    fn stderr(&mut self, text: &str);
}

/// `helmfile [-f FILE] -e ENV [-l SEL]… template [flags]` end to end: find the helmfiles, load
/// each for the environment (skipping those that do not declare it, as helmfile does), render
/// sub-helmfiles before their parent's releases, resolve, plan and render releases, streaming
/// each state's output to `sink`. The files of a `helmfile.d/` render in parallel (helmfile
/// processes them concurrently too); their output is written in file order. Nothing matched in
/// any helmfile is [`RenderError::NoMatch`]; a selection of only `installed: false` releases
/// renders nothing and succeeds, as in helmfile.
/// `cache_dir` holds downloaded charts (`None`: [`crate::repo::default_cache_dir`]).
pub fn template(
    file: Option<&Path>,
    load_opts: &LoadOptions,
    release_opts: &ReleaseOptions,
    opts: &RenderOptions,
    cache_dir: Option<&Path>,
    sink: &mut dyn Sink,
) -> Result<(), crate::Error> {
    let single = load::find(file)?.len() == 1;
    let states = load::load_all(file, load_opts)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let run = |state: &HelmState, sink: &mut dyn Sink| {
        // helmfile changes into a single helmfile's directory; for several it stays put.
        let work_dir = if single { &state.base_dir } else { &cwd };
        template_state(
            state,
            &release_opts.selectors,
            release_opts,
            opts,
            cache_dir,
            work_dir,
            sink,
        )
    };
    let mut matched = false;
    if states.len() <= 1 {
        for state in &states {
            matched |= run(state, sink)?;
        }
    } else {
        let outcomes: Vec<(Collected, Result<bool, crate::Error>)> = std::thread::scope(|s| {
            let handles: Vec<_> = states
                .iter()
                .map(|state| {
                    s.spawn(move || {
                        let mut c = Collected::default();
                        let r = run(state, &mut c);
                        (c, r)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a helmfile.d worker panicked"))
                .collect()
        });
        for (c, r) in outcomes {
            c.replay(sink);
            matched |= r?;
        }
    }
    if !matched {
        return Err(RenderError::NoMatch {
            selectors: release_opts.selectors.clone(),
            env: load_opts.environment.clone(),
        }
        .into());
    }
    Ok(())
}

/// One state's output kept in order, for states rendered on other threads.
#[derive(Default)]
struct Collected {
    chunks: Vec<(bool, Vec<u8>)>,
}

impl Collected {
    fn replay(self, sink: &mut dyn Sink) {
        for (is_stdout, bytes) in self.chunks {
            if is_stdout {
                sink.stdout(&bytes);
            } else {
                sink.stderr(&String::from_utf8_lossy(&bytes));
            }
        }
    }
}

impl Sink for Collected {
    fn stdout(&mut self, bytes: &[u8]) {
        self.chunks.push((true, bytes.to_vec()));
    }
    fn stderr(&mut self, text: &str) {
        self.chunks.push((false, text.as_bytes().to_vec()));
    }
}

/// One state: its load warnings, its sub-helmfiles, then its releases. Returns whether any
/// release matched the selectors here or in a sub-helmfile (even if none was rendered, all
/// `installed: false`).
fn template_state(
    state: &HelmState,
    selectors: &[String],
    release_opts: &ReleaseOptions,
    opts: &RenderOptions,
    cache_dir: Option<&Path>,
    work_dir: &Path,
    sink: &mut dyn Sink,
) -> Result<bool, crate::Error> {
    log_lines(sink, &state.warnings);
    let mut matched = false;
    for sub in &state.sub_states {
        let sels = sub.selectors.as_deref().unwrap_or(selectors);
        matched |= template_state(
            &sub.state,
            sels,
            release_opts,
            opts,
            cache_dir,
            &sub.state.base_dir,
            sink,
        )?;
    }
    let ropts = ReleaseOptions {
        selectors: selectors.to_vec(),
        ..release_opts.clone()
    };
    let resolution = release::resolve_state(state, &ropts).map_err(|e| e.in_state(state))?;
    log_lines(sink, &resolution.warnings);
    matched |= resolution.matched;
    let releases = resolution.releases;
    if releases.is_empty() {
        return Ok(matched);
    }
    let batches = release::plan(&releases).map_err(|e| e.in_state(state))?;
    let ordered: Vec<&ResolvedRelease> = batches.iter().flatten().map(|&i| &releases[i]).collect();
    let mut resolver = ChartResolver::for_state(state)?;
    if let Some(dir) = cache_dir {
        resolver.cache_dir = dir.to_path_buf();
    }
    let abs_path = std::path::absolute(&state.file).unwrap_or_else(|_| state.file.clone());
    let info = StateInfo {
        file_path: state
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        abs_path,
        work_dir: work_dir.to_path_buf(),
        env: state.env.clone(),
    };
    let out = render(&ordered, &info, &resolver, opts);
    sink.stderr(&out.stderr);
    sink.stdout(&out.stdout);
    if let Some(e) = out.error {
        return Err(e.into());
    }
    Ok(true)
}

/// helmfile's log lines (warnings about skipped files) on stderr.
fn log_lines(sink: &mut dyn Sink, lines: &[String]) {
    for l in lines {
        sink.stderr(&format!("{l}\n"));
    }
}

/// One release's `helm template` invocation, ready to run.
struct Job {
    opts: TemplateOptions,
    log: String,
}

/// Renders `releases` (already in plan order: the flattened batches of
/// [`crate::release::plan`]) as `helmfile template` does.
pub fn render(
    releases: &[&ResolvedRelease],
    state: &StateInfo,
    resolver: &ChartResolver,
    opts: &RenderOptions,
) -> RenderOutput {
    let mut out = RenderOutput::default();
    let extra = match parse_args(&opts.args) {
        Ok(x) => x,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    // Everything up to the helm run is prepared in order; a failure here stops the releases
    // after it, as in helmfile.
    let mut jobs: Vec<Job> = Vec::with_capacity(releases.len());
    let mut prep_error = None;
    let mut charts = ChartCache::default();
    for r in releases {
        match prepare(r, state, resolver, opts, &extra, &mut charts) {
            Ok(job) => jobs.push(job),
            Err(e) => {
                prep_error = Some(e);
                break;
            }
        }
    }
    let outcomes = run_all(&jobs, opts.jobs);
    for (job, outcome) in jobs.iter().zip(outcomes) {
        out.stderr.push_str(&job.log);
        let printed = gotmpl::gostr::to_go_bytes(&outcome.stdout);
        if job.opts.output_dir.is_some() {
            out.stderr.push_str(&dedupe_wrote_lines(&outcome.stdout));
        } else if !printed.is_empty() {
            out.stdout.extend_from_slice(&printed);
            out.stdout.push(b'\n');
        }
        if let Err(e) = outcome.result {
            out.error = Some(RenderError::Release {
                file: format!("./{}", state.file_path),
                release: job.opts.args[0].clone(),
                message: e.to_string(),
            });
            return out;
        }
    }
    out.error = prep_error;
    out
}

/// The flags `--args` may carry that change what `helm template` renders.
#[derive(Clone, Debug, Default)]
struct ExtraArgs {
    values: Vec<PathBuf>,
    set: Vec<String>,
    set_string: Vec<String>,
    set_file: Vec<String>,
    set_json: Vec<String>,
    api_versions: Vec<String>,
    kube_version: Option<String>,
    include_crds: bool,
    skip_tests: bool,
    no_hooks: bool,
    is_upgrade: bool,
    skip_schema_validation: bool,
}

/// `--args`: helmfile splits it on spaces and appends the words to every helm command. canon
/// takes the `helm template` flags that change the output, and refuses others rather than
/// ignoring them.
fn parse_args(args: &[String]) -> Result<ExtraArgs, RenderError> {
    let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
    let mut x = ExtraArgs::default();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (w, None),
        };
        let value = |i: &mut usize| -> Result<String, RenderError> {
            if let Some(v) = &inline {
                return Ok(v.clone());
            }
            *i += 1;
            words.get(*i).map(|s| s.to_string()).ok_or_else(|| {
                RenderError::Usage(format!("--args: flag needs an argument: {flag}"))
            })
        };
        match flag {
            "-f" | "--values" => x.values.push(PathBuf::from(value(&mut i)?)),
            "--set" => x.set.push(value(&mut i)?),
            "--set-string" => x.set_string.push(value(&mut i)?),
            "--set-file" => x.set_file.push(value(&mut i)?),
            "--set-json" => x.set_json.push(value(&mut i)?),
            "-a" | "--api-versions" => x
                .api_versions
                .extend(value(&mut i)?.split(',').map(str::to_string)),
            "--kube-version" => x.kube_version = Some(value(&mut i)?),
            "--include-crds" => x.include_crds = true,
            "--skip-tests" => x.skip_tests = true,
            "--no-hooks" => x.no_hooks = true,
            "--is-upgrade" => x.is_upgrade = true,
            "--skip-schema-validation" => x.skip_schema_validation = true,
            // Flags that only matter to a helm that talks to a cluster or a registry.
            "--skip-crds"
            | "--disable-openapi-validation"
            | "--devel"
            | "--dependency-update"
            | "--insecure-skip-tls-verify"
            | "--plain-http"
            | "--pass-credentials" => {}
            _ => {
                return Err(RenderError::Usage(format!(
                    "--args: canon does not support the helm flag {w:?}"
                )));
            }
        }
        i += 1;
    }
    Ok(x)
}

/// helmfile's `flagsForTemplate` and the rest of `TemplateReleases`' per-release work, as
/// [`TemplateOptions`].
fn prepare(
    r: &ResolvedRelease,
    state: &StateInfo,
    resolver: &ChartResolver,
    opts: &RenderOptions,
    extra: &ExtraArgs,
    charts: &mut ChartCache,
) -> Result<Job, RenderError> {
    let fetch = FetchOptions {
        plain_http: r.plain_http,
        insecure_skip_tls_verify: r.insecure_skip_tls_verify,
        devel: r.devel,
    };
    let chart = resolver.resolve_with(&r.chart, r.version.as_deref(), &r.base_dir, &fetch)?;
    let loaded = charts.get(&chart, opts.compat);
    let mut values = ValueOptions {
        values_data: r
            .values
            .iter()
            .map(|l| (l.source.clone(), l.data.clone()))
            .collect(),
        ..ValueOptions::default()
    };
    for f in &r.set {
        match f {
            SetFlag::Set(s) => values.set.push(s.clone()),
            SetFlag::SetString(s) => values.set_string.push(s.clone()),
            SetFlag::SetFile(s) => values.set_file.push(s.clone()),
        }
    }
    // helmfile makes `--values` paths absolute (against the directory it works in).
    values.values_files = opts
        .values
        .iter()
        .map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                state.work_dir.join(p)
            }
        })
        .collect();
    values.set.extend(opts.set.iter().cloned());
    values.values_files.extend(extra.values.iter().cloned());
    values.set.extend(extra.set.iter().cloned());
    values.set_string.extend(extra.set_string.iter().cloned());
    values.set_file.extend(extra.set_file.iter().cloned());
    values.set_json.extend(extra.set_json.iter().cloned());

    let output_dir = match (&opts.output_dir, &opts.output_dir_template) {
        (None, None) => None,
        (dir, tmpl) => {
            let dir = dir
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = output_dir_path(&dir, tmpl.as_deref(), r, state)?;
            let path = state.work_dir.join(&text);
            std::fs::create_dir_all(&path)
                .map_err(|e| RenderError::Message(format!("mkdir {}: {e}", path.display())))?;
            Some(path)
        }
    };

    let mut api_versions = r.api_versions.clone();
    api_versions.extend(extra.api_versions.iter().cloned());
    // `--args` come last on helm's command line, so their `--kube-version` wins.
    let kube_version = extra
        .kube_version
        .clone()
        .or_else(|| opts.kube_version.clone())
        .or_else(|| r.kube_version.clone())
        .filter(|v| !v.is_empty());
    let topts = TemplateOptions {
        args: vec![r.name.clone(), chart.to_string_lossy().into_owned()],
        namespace: if r.namespace.is_empty() {
            "default".into()
        } else {
            r.namespace.clone()
        },
        values,
        kube_version,
        api_versions,
        include_crds: opts.include_crds || extra.include_crds,
        skip_tests: opts.skip_tests || extra.skip_tests,
        no_hooks: opts.no_hooks || extra.no_hooks,
        output_dir,
        is_upgrade: extra.is_upgrade,
        skip_schema_validation: r.skip_schema_validation
            || opts.skip_schema_validation
            || extra.skip_schema_validation,
        compat: opts.compat,
        sprig: sprig::Options {
            helm: true,
            ..opts.sprig.clone()
        },
        chart: loaded,
        ..TemplateOptions::default()
    };
    Ok(Job {
        log: format!(
            "Templating release={}, chart={}\n",
            r.name,
            display_chart(&r.chart)
        ),
        opts: topts,
    })
}

/// Charts loaded once per render, by path: many releases of one chart share the load. A chart
/// that fails to load is not cached, so helm's action reports the error for each release.
#[derive(Default)]
struct ChartCache {
    charts: std::collections::HashMap<PathBuf, Option<Arc<Chart>>>,
}

impl ChartCache {
    fn get(&mut self, path: &Path, compat: HelmVersion) -> Option<Arc<Chart>> {
        self.charts
            .entry(path.to_path_buf())
            .or_insert_with(|| helm::loader::load_for(path, compat).ok().map(Arc::new))
            .clone()
    }
}

/// The chart as helmfile's log names it (a local path without its leading `./`).
fn display_chart(chart: &str) -> &str {
    chart.strip_prefix("./").unwrap_or(chart)
}

/// helmfile's `GenerateOutputDir`: the output-dir template executed with `.OutputDir`,
/// `.State` (`BaseName`, `Path`, `AbsPath`, `AbsPathSHA1`), `.Release` and `.Environment`.
pub fn output_dir_path(
    output_dir: &str,
    template: Option<&str>,
    r: &ResolvedRelease,
    state: &StateInfo,
) -> Result<String, RenderError> {
    let abs = state.abs_path.to_string_lossy().into_owned();
    let digest = sha1::Sha1::digest(abs.as_bytes());
    let sha: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let sha = &sha[..8];
    let ext = Path::new(&state.file_path)
        .extension()
        .map(|e| e.len() + 1)
        .unwrap_or(0);
    let base_name = &state.file_path[..state.file_path.len() - ext];
    let text = match template {
        Some(t) if !t.is_empty() => t,
        _ => DEFAULT_OUTPUT_DIR_TEMPLATE,
    };
    let s = |v: &str| Value::string(v);
    let labels = Value::map(r.labels.iter().map(|(k, v)| (k.clone(), s(v))));
    let release = Value::map([
        ("Name".to_string(), s(&r.name)),
        ("Namespace".to_string(), s(&r.namespace)),
        // helmfile overrides the chart after the output dir's release data is taken.
        (
            "Chart".to_string(),
            s(if r.own_chart.is_empty() {
                &r.chart
            } else {
                &r.own_chart
            }),
        ),
        ("Version".to_string(), s(r.version.as_deref().unwrap_or(""))),
        ("KubeContext".to_string(), s(&r.kube_context)),
        ("Labels".to_string(), labels),
    ]);
    let data = Value::map([
        ("OutputDir".to_string(), s(output_dir)),
        (
            "State".to_string(),
            Value::map([
                ("BaseName".to_string(), s(base_name)),
                ("Path".to_string(), s(&state.file_path)),
                ("AbsPath".to_string(), s(&abs)),
                ("AbsPathSHA1".to_string(), s(sha)),
            ]),
        ),
        ("Release".to_string(), release),
        (
            "Environment".to_string(),
            Value::map([
                ("Name".to_string(), s(&state.env.name)),
                ("KubeContext".to_string(), s(&state.env.kube_context)),
                (
                    "Values".to_string(),
                    match &state.env.env_values {
                        Value::Nil => state.env.values.clone(),
                        v => v.clone(),
                    },
                ),
            ]),
        ),
    ]);
    let mut t = gotmpl::Template::new("output-dir");
    t.parse(text)
        .map_err(|_| RenderError::Usage("parsing output-dir template".into()))?;
    let mut out = String::new();
    t.execute(&mut out, &data)
        .map_err(|e| RenderError::Usage(format!("executing output-dir template: {e}")))?;
    Ok(out)
}

/// helmexec's `dedupeWroteLines` then `info`: each `wrote PATH` line once, trailing newlines
/// trimmed, one newline after the block.
fn dedupe_wrote_lines(out: &str) -> String {
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for line in out.split('\n') {
        if line.starts_with("wrote ") && !seen.insert(line) {
            continue;
        }
        kept.push(line);
    }
    let joined = kept.join("\n");
    let trimmed = joined.trim_end_matches('\n');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// Runs every job, each on one worker, and returns their outcomes in job order. Jobs that
/// write to the same output directory are run by one worker, in order.
fn run_all(jobs: &[Job], threads: usize) -> Vec<action::TemplateOutcome> {
    // Group jobs whose output directories coincide; each group is one unit of work.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_dir: std::collections::HashMap<&Path, usize> = std::collections::HashMap::new();
    for (i, j) in jobs.iter().enumerate() {
        match j.opts.output_dir.as_deref() {
            Some(d) => match by_dir.get(d) {
                Some(&g) => groups[g].push(i),
                None => {
                    by_dir.insert(d, groups.len());
                    groups.push(vec![i]);
                }
            },
            None => groups.push(vec![i]),
        }
    }
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
    .min(groups.len())
    .max(1);
    let slots: Vec<Mutex<Option<action::TemplateOutcome>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let g = next.fetch_add(1, Ordering::Relaxed);
            let Some(group) = groups.get(g) else { break };
            for &i in group {
                let outcome = action::run(&jobs[i].opts);
                *slots[i].lock().expect("a worker panicked") = Some(outcome);
            }
        }
    };
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .expect("a worker panicked")
                .expect("every job ran")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrote_lines_are_deduplicated_and_trimmed() {
        assert_eq!(
            dedupe_wrote_lines("wrote a\nwrote a\nwrote b\n\n"),
            "wrote a\nwrote b\n"
        );
        assert_eq!(dedupe_wrote_lines("\n"), "");
    }

    #[test]
    fn args_take_the_flags_that_change_output() {
        let x = parse_args(&["--set a=1 --skip-tests --api-versions=x/v1,y/v1".into()])
            .expect("known flags");
        assert_eq!(x.set, ["a=1"]);
        assert!(x.skip_tests);
        assert_eq!(x.api_versions, ["x/v1", "y/v1"]);
        let e = parse_args(&["--wait".into()]).expect_err("unknown flag");
        assert_eq!(e.exit_code(), 2);
    }
}
