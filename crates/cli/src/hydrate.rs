//! `canon hydrate`: render the environments a git ref maps to and commit each to the state repo,
//! and the same composition in-process for `canon serve` ([`InProcessHydrator`]).
//!
//! The pipeline, per environment: load the helmfile for the environment, resolve and render
//! its releases with the helmfile crate into a temporary directory laid out as
//! `helmfile template --include-crds --skip-tests --output-dir-template
//! '{{ .OutputDir }}/{{ .Release.Name }}'` writes it, read each release directory back
//! ([`state::source::read_release_dir`]), and hand the environment's render with the source
//! commit's provenance to [`state::hydrate()`], which commits it to the state repo with
//! compare-and-swap.
//!
//! What is rendered is exactly the commit HEAD points to: canon renders the work tree, so it
//! refuses a work tree that differs from HEAD (modified, staged, deleted or untracked files;
//! ignored files do not count) with exit code 2 and the paths, rather than rendering something
//! no commit holds. There is deliberately no `--allow-dirty`: commit first.
//!
//! The ref (for `canon.yaml`'s rules and the `Canon-Source-Ref` trailer) defaults to the
//! checkout's branch, or on a detached HEAD to the one tag pointing at it (what CI checks
//! out); `--ref` takes `refs/heads/x`, `refs/tags/v1` or a bare name.
//!
//! Exit codes (DESIGN.md): 0 every environment committed, unchanged or stale (an older source
//! commit than the state repo's is not written), or the ref maps to no environment; 1 an
//! operation failed (a chart render, an unreachable remote, refused credentials, the remote
//! kept moving); 2 usage or configuration (unknown environment, a bad `canon.yaml` or
//! helmfile, a dirty work tree, no ref to go by).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use helm::HelmVersion;
use helmfile::load::LoadOptions;
use helmfile::release::ReleaseOptions;
use helmfile::render::{RenderOptions, StateInfo};
use helmfile::repo::ChartResolver;
use helmfile::spec::{HelmState, ResolvedRelease};
use state::config::CanonConfig;
use state::git2;
use state::hydrate::{Change, Timings};
use state::{EnvironmentRender, HydrateOptions, Outcome, RenderedRelease, SourceOrder, Target};

/// Each release's directory under the render's output dir: the state repo's layout.
const OUTPUT_DIR_TEMPLATE: &str = "{{ .OutputDir }}/{{ .Release.Name }}";

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
#[command(
    about = "Render the environments a git ref maps to (canon.yaml) and commit them to the state repo",
    long_about = None
)]
pub struct HydrateArgs {
    /// The helmfile (a file or a helmfile.d directory); default: helmfile.yaml,
    /// helmfile.yaml.gotmpl or helmfile.d/ in the current directory. canon.yaml is read from
    /// its directory.
    #[arg(short = 'f', long = "file")]
    file: Option<PathBuf>,
    /// The git ref being hydrated (`refs/heads/master`, `refs/tags/v1.0.0`, or a bare name);
    /// default: the checkout's branch, or the tag pointing at a detached HEAD.
    #[arg(long = "ref", value_name = "REF")]
    reference: Option<String>,
    /// Environments to hydrate instead of those canon.yaml's rules map the ref to.
    #[arg(short = 'e', long = "environment")]
    environment: Vec<String>,
    /// The state repo (a git URL or path) instead of canon.yaml's `state.repo`.
    #[arg(long = "state-repo", value_name = "URL")]
    state_repo: Option<String>,
    /// Output format.
    #[arg(long = "output", short = 'o', value_enum, default_value = "text")]
    output: OutputFormat,
}

/// A failure with its exit code (1 failed operation, 2 usage or configuration).
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

impl Fail {
    fn usage(message: impl Into<String>) -> Self {
        Fail {
            code: 2,
            message: message.into(),
        }
    }
    fn failed(message: impl Into<String>) -> Self {
        Fail {
            code: 1,
            message: message.into(),
        }
    }
    fn state(e: state::Error) -> Self {
        Fail {
            code: if e.is_usage() { 2 } else { 1 },
            message: e.to_string(),
        }
    }
    fn helmfile(e: helmfile::Error) -> Self {
        Fail {
            code: u8::try_from(e.exit_code()).unwrap_or(1),
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

/// One hydration run over a source checkout: what the CLI and the webhook receiver share.
pub struct Job<'a> {
    /// The source checkout; its HEAD is what gets rendered.
    pub repo: &'a git2::Repository,
    /// The helmfile as given to the helmfile loader (`None`: the default names in the current
    /// directory).
    pub helmfile: Option<PathBuf>,
    /// The directory holding `canon.yaml` (the helmfile's).
    pub config_dir: PathBuf,
    /// A relative local `state.repo` resolves against this directory.
    pub relative_base: PathBuf,
    /// The ref, as given (normalized here).
    pub reference: String,
    /// Environments named on the command line; empty: canon.yaml's rules.
    pub environments: Vec<String>,
    /// Overrides canon.yaml's `state.repo`.
    pub state_repo: Option<String>,
    /// Root of the network remotes' cache repositories.
    pub cache_root: PathBuf,
}

/// What happened to one environment.
pub struct EnvReport {
    pub environment: String,
    pub releases: usize,
    pub render: Duration,
    pub result: Result<Outcome, Fail>,
}

/// What a run did.
pub struct Report {
    pub reference: String,
    pub source_commit: String,
    pub state_repo: String,
    pub environments: Vec<EnvReport>,
}

impl Report {
    /// The worst exit code of the environments (2 over 1 over 0).
    pub fn exit_code(&self) -> u8 {
        self.environments
            .iter()
            .filter_map(|e| e.result.as_ref().err().map(|f| f.code))
            .max()
            .unwrap_or(0)
    }
}

/// Qualifies a bare ref name by what the repository has: a tag, else a branch, else as given.
fn normalize_ref(repo: &git2::Repository, reference: &str) -> String {
    if reference.starts_with("refs/") {
        return reference.to_string();
    }
    for full in [
        format!("refs/tags/{reference}"),
        format!("refs/heads/{reference}"),
    ] {
        if repo.find_reference(&full).is_ok() {
            return full;
        }
    }
    reference.to_string()
}

/// The ref CI would name for this checkout: its branch, or the single tag at a detached HEAD.
fn current_ref(repo: &git2::Repository) -> Result<String, Fail> {
    let head = repo
        .head()
        .map_err(|e| Fail::usage(format!("reading HEAD of the source repo: {}", e.message())))?;
    if head.is_branch() {
        return head
            .name()
            .map(str::to_string)
            .ok_or_else(|| Fail::usage("the current branch name is not UTF-8"));
    }
    let id = head
        .peel_to_commit()
        .map_err(|e| Fail::usage(format!("reading HEAD: {}", e.message())))?
        .id();
    let mut tags = Vec::new();
    let refs = repo
        .references_glob("refs/tags/*")
        .map_err(|e| Fail::failed(format!("listing tags: {}", e.message())))?;
    for r in refs.flatten() {
        if r.peel_to_commit().is_ok_and(|c| c.id() == id)
            && let Some(n) = r.name()
        {
            tags.push(n.to_string());
        }
    }
    match tags.len() {
        1 => Ok(tags.remove(0)),
        0 => Err(Fail::usage(format!(
            "HEAD ({}) is detached and no tag points at it: pass --ref",
            short(&id.to_string())
        ))),
        _ => Err(Fail::usage(format!(
            "several tags point at HEAD ({}): pass --ref",
            tags.join(", ")
        ))),
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(7)]
}

/// Reads `canon.yaml` from `dir`.
fn read_config(dir: &Path) -> Result<CanonConfig, Fail> {
    let path = dir.join("canon.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Fail::usage(format!(
            "{}: {e} (canon hydrate needs canon.yaml beside the helmfile)",
            path.display()
        ))
    })?;
    CanonConfig::parse(&text, &path.display().to_string()).map_err(Fail::state)
}

/// Refuses a work tree that is not exactly HEAD.
fn check_clean(repo: &git2::Repository) -> Result<(), Fail> {
    let dirty = state::source::dirty_paths(repo).map_err(Fail::state)?;
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = dirty.iter().take(20).map(String::as_str).collect();
    let more = if dirty.len() > shown.len() {
        format!(" (and {} more)", dirty.len() - shown.len())
    } else {
        String::new()
    };
    Err(Fail::usage(format!(
        "the work tree differs from HEAD: {}{more}. canon hydrate renders exactly the commit HEAD points to; commit (or remove) these changes first",
        shown.join(", ")
    )))
}

/// The state repo URL: the override, else canon.yaml's; a relative local path resolves against
/// `base`.
fn state_url(cfg: &CanonConfig, job: &Job<'_>) -> String {
    let url = job
        .state_repo
        .clone()
        .unwrap_or_else(|| cfg.state.repo.clone());
    match state::git::local_path(&url) {
        Some(p) if p.is_relative() && !url.starts_with("file://") => {
            job.relative_base.join(p).to_string_lossy().into_owned()
        }
        _ => url,
    }
}

/// Runs `job`: the environments in turn. Errors before any environment (configuration, a dirty
/// tree, no ref) are returned as such; an environment's failure is in its report.
pub fn run_job(job: &Job<'_>) -> Result<Report, Fail> {
    let reference = normalize_ref(job.repo, &job.reference);
    let cfg = read_config(&job.config_dir)?;
    let envs = if job.environments.is_empty() {
        cfg.environments_for_ref(&reference)
    } else {
        job.environments.clone()
    };
    let url = state_url(&cfg, job);
    let head = job
        .repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| Fail::usage(format!("reading HEAD of the source repo: {}", e.message())))?
        .id()
        .to_string();
    let mut report = Report {
        reference: reference.clone(),
        source_commit: head,
        state_repo: state::source::strip_credentials(&url),
        environments: Vec::new(),
    };
    if envs.is_empty() {
        return Ok(report);
    }
    check_clean(job.repo)?;
    let prov = state::source::provenance(job.repo, "HEAD", &reference, state::CANON_VERSION)
        .map_err(Fail::state)?;
    for env in envs {
        let t = Instant::now();
        let rendered = render_environment(job.helmfile.as_deref(), &env);
        let render = t.elapsed();
        let releases = rendered.as_ref().map(|r| r.releases.len()).unwrap_or(0);
        let result = rendered.and_then(|r| commit(&cfg, job, &url, &r, &prov));
        report.environments.push(EnvReport {
            environment: env,
            releases,
            render,
            result,
        });
    }
    Ok(report)
}

/// Commits one rendered environment (the network cache repository locked meanwhile).
fn commit(
    cfg: &CanonConfig,
    job: &Job<'_>,
    url: &str,
    render: &EnvironmentRender,
    prov: &state::Provenance,
) -> Result<Outcome, Fail> {
    let target = Target {
        branch: cfg.branch_for(&render.environment).map_err(Fail::state)?,
        path_template: cfg.state.path_template.clone(),
    };
    let (mut remote, _lock) = state::git::open_cached(url, &job.cache_root).map_err(Fail::state)?;
    let opts = HydrateOptions {
        order: SourceOrder::Ancestry(job.repo),
        ..HydrateOptions::default()
    };
    state::hydrate(remote.as_mut(), &target, render, prov, &opts).map_err(Fail::state)
}

/// Renders every release of `env` into memory, with the metadata the index records.
pub fn render_environment(helmfile: Option<&Path>, env: &str) -> Result<EnvironmentRender, Fail> {
    let out_dir = tempfile::tempdir()
        .map_err(|e| Fail::failed(format!("creating a temporary directory: {e}")))?;
    let files =
        helmfile::load::find(helmfile).map_err(|e| Fail::helmfile(helmfile::Error::from(e)))?;
    let single = files.len() == 1;
    let cwd = std::env::current_dir().unwrap_or_default();
    let load_opts = LoadOptions {
        environment: env.to_string(),
        ..LoadOptions::default()
    };
    let opts = RenderOptions {
        output_dir: Some(out_dir.path().to_path_buf()),
        output_dir_template: Some(OUTPUT_DIR_TEMPLATE.into()),
        include_crds: true,
        skip_tests: true,
        compat: HelmVersion::V4,
        sprig: sprig::Options {
            helm: true,
            ..sprig::Options::default()
        },
        ..RenderOptions::default()
    };
    let mut walk = Walk {
        opts: &opts,
        charts: HashMap::new(),
        releases: Vec::new(),
    };
    for f in &files {
        let st = helmfile::load::load(f, &load_opts)
            .map_err(|e| Fail::helmfile(helmfile::Error::from(e)))?;
        let work_dir = if single {
            st.base_dir.clone()
        } else {
            cwd.clone()
        };
        walk.state(&st, &[], &work_dir)?;
    }
    let mut releases = Vec::with_capacity(walk.releases.len());
    for mut r in walk.releases {
        r.files =
            state::source::read_release_dir(&out_dir.path().join(&r.name)).map_err(Fail::state)?;
        releases.push(r);
    }
    Ok(EnvironmentRender {
        environment: env.to_string(),
        releases,
    })
}

/// Walks a state and its sub-helmfiles as `helmfile template` does, rendering into the
/// output dir and collecting release metadata.
struct Walk<'a> {
    opts: &'a RenderOptions,
    /// Chart path → (name, version), each chart read once.
    charts: HashMap<PathBuf, (String, String)>,
    releases: Vec<RenderedRelease>,
}

impl Walk<'_> {
    fn state(&mut self, st: &HelmState, selectors: &[String], work_dir: &Path) -> Result<(), Fail> {
        for sub in &st.sub_states {
            let sels = sub.selectors.as_deref().unwrap_or(selectors);
            self.state(&sub.state, sels, &sub.state.base_dir)?;
        }
        let ropts = ReleaseOptions {
            selectors: selectors.to_vec(),
            ..ReleaseOptions::default()
        };
        let hf = |e: helmfile::Error| Fail::helmfile(e);
        let releases = helmfile::release::resolve(st, &ropts).map_err(|e| hf(e.into()))?;
        if releases.is_empty() {
            return Ok(());
        }
        let batches = helmfile::release::plan(&releases).map_err(|e| hf(e.into()))?;
        let ordered: Vec<&ResolvedRelease> =
            batches.iter().flatten().map(|&i| &releases[i]).collect();
        // Release directories are keyed by name: two releases of one name (in different
        // namespaces or sub-helmfiles) would share one.
        for r in &ordered {
            if self.releases.iter().any(|x| x.name == r.name) {
                return Err(Fail::usage(format!(
                    "{}: release name {:?} is used twice in this environment; the state repo keeps one directory per release name",
                    r.pos, r.name
                )));
            }
        }
        let resolver = ChartResolver::for_state(st).map_err(|e| hf(e.into()))?;
        let info = StateInfo {
            file_path: st
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            abs_path: std::path::absolute(&st.file).unwrap_or_else(|_| st.file.clone()),
            work_dir: work_dir.to_path_buf(),
            env: st.env.clone(),
        };
        let out = helmfile::render::render(&ordered, &info, &resolver, self.opts);
        if let Some(e) = out.error {
            return Err(hf(e.into()));
        }
        for r in ordered {
            let path = resolver
                .resolve(&r.chart, r.version.as_deref(), &r.base_dir)
                .map_err(|e| hf(e.into()))?;
            let (chart_name, chart_version) = match self.charts.get(&path) {
                Some(c) => c.clone(),
                None => {
                    let c = helm::loader::load_for(&path, self.opts.compat).map_err(|e| {
                        Fail::failed(format!("release {:?}: chart {}: {e}", r.name, r.chart))
                    })?;
                    let md = (c.metadata.name.clone(), c.metadata.version.clone());
                    self.charts.insert(path, md.clone());
                    md
                }
            };
            self.releases.push(RenderedRelease {
                name: r.name.clone(),
                namespace: if r.namespace.is_empty() {
                    "default".into()
                } else {
                    r.namespace.clone()
                },
                chart_name,
                chart_version,
                kube_context: (!r.kube_context.is_empty()).then(|| r.kube_context.clone()),
                files: BTreeMap::new(),
            });
        }
        Ok(())
    }
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

fn timings_json(render: Duration, t: Option<&Timings>) -> serde_json::Value {
    let t = t.cloned().unwrap_or_default();
    serde_json::json!({
        "render": secs(render),
        "build": secs(t.build),
        "fetch": secs(t.fetch),
        "push": secs(t.push),
        "git": secs(t.build + t.fetch + t.push),
    })
}

fn change_json(c: &Change) -> serde_json::Value {
    let (kind, name) = match c {
        Change::Added(n) => ("added", n),
        Change::Updated(n) => ("updated", n),
        Change::Removed(n) => ("removed", n),
    };
    serde_json::json!({ "release": name, "change": kind })
}

/// The report as JSON (`--output json`).
pub fn report_json(r: &Report) -> serde_json::Value {
    let envs: Vec<serde_json::Value> = r
        .environments
        .iter()
        .map(|e| {
            let mut v = serde_json::json!({
                "environment": e.environment,
                "releases": e.releases,
            });
            let m = v.as_object_mut().expect("an object literal");
            match &e.result {
                Ok(Outcome::Committed {
                    commit,
                    attempts,
                    changes,
                    timings,
                }) => {
                    m.insert("result".into(), "committed".into());
                    m.insert("commit".into(), commit.to_string().into());
                    m.insert("attempts".into(), (*attempts).into());
                    m.insert(
                        "changes".into(),
                        changes.iter().map(change_json).collect::<Vec<_>>().into(),
                    );
                    m.insert("timings".into(), timings_json(e.render, Some(timings)));
                }
                Ok(Outcome::Unchanged { head, timings }) => {
                    m.insert("result".into(), "unchanged".into());
                    m.insert("commit".into(), head.to_string().into());
                    m.insert("timings".into(), timings_json(e.render, Some(timings)));
                }
                Ok(Outcome::Stale {
                    current_source,
                    timings,
                }) => {
                    m.insert("result".into(), "stale".into());
                    m.insert("currentSource".into(), current_source.clone().into());
                    m.insert("timings".into(), timings_json(e.render, Some(timings)));
                }
                Err(f) => {
                    m.insert("result".into(), "failed".into());
                    m.insert("exitCode".into(), f.code.into());
                    m.insert("error".into(), f.message.clone().into());
                    m.insert("timings".into(), timings_json(e.render, None));
                }
            }
            v
        })
        .collect();
    serde_json::json!({
        "ref": r.reference,
        "sourceCommit": r.source_commit,
        "stateRepo": r.state_repo,
        "environments": envs,
    })
}

/// One line per environment, for people.
fn print_text(r: &Report) {
    if r.environments.is_empty() {
        println!(
            "{} maps to no environment in canon.yaml: nothing to hydrate",
            r.reference
        );
        return;
    }
    for e in &r.environments {
        match &e.result {
            Ok(Outcome::Committed {
                commit, changes, ..
            }) => {
                let list: Vec<String> = changes
                    .iter()
                    .map(|c| match c {
                        Change::Added(n) => format!("+{n}"),
                        Change::Updated(n) => format!("~{n}"),
                        Change::Removed(n) => format!("-{n}"),
                    })
                    .collect();
                let what = if list.is_empty() {
                    "provenance only".to_string()
                } else {
                    list.join(" ")
                };
                println!(
                    "{}: committed {} to {} ({what})",
                    e.environment,
                    short(&commit.to_string()),
                    r.state_repo
                );
            }
            Ok(Outcome::Unchanged { head, .. }) => println!(
                "{}: unchanged (the state repo already holds this render at {})",
                e.environment,
                short(&head.to_string())
            ),
            Ok(Outcome::Stale { current_source, .. }) => println!(
                "{}: stale, nothing written (the state repo holds a render of the newer source commit {})",
                e.environment,
                short(current_source)
            ),
            Err(f) => eprintln!("Error: {}: {}", e.environment, f.message),
        }
    }
}

pub fn run(a: HydrateArgs) -> ExitCode {
    let json = a.output == OutputFormat::Json;
    let fail = |f: Fail| {
        if json {
            println!(
                "{}",
                serde_json::json!({ "error": f.message, "exitCode": f.code })
            );
        }
        eprintln!("Error: {}", f.message);
        ExitCode::from(f.code)
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return fail(Fail::failed(format!("current directory: {e}"))),
    };
    let config_dir = match &a.file {
        // canon.yaml sits beside the helmfile (or the helmfile.d directory).
        Some(f) => {
            let abs = cwd.join(f);
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        }
        None => cwd.clone(),
    };
    let repo = match git2::Repository::discover(&config_dir) {
        Ok(r) if r.workdir().is_some() => r,
        Ok(_) => {
            return fail(Fail::usage(
                "canon hydrate runs in a checkout, not a bare repository",
            ));
        }
        Err(e) => {
            return fail(Fail::usage(format!(
                "{} is not in a git checkout: {}",
                config_dir.display(),
                e.message()
            )));
        }
    };
    let reference = match a.reference {
        Some(r) => r,
        None => match current_ref(&repo) {
            Ok(r) => r,
            Err(f) => return fail(f),
        },
    };
    let job = Job {
        repo: &repo,
        helmfile: a.file,
        relative_base: config_dir.clone(),
        config_dir,
        reference,
        environments: a.environment,
        state_repo: a.state_repo.map(|u| match state::git::local_path(&u) {
            Some(p) if p.is_relative() && !u.starts_with("file://") => {
                cwd.join(p).to_string_lossy().into_owned()
            }
            _ => u,
        }),
        cache_root: state::git::default_cache_root("state"),
    };
    let report = match run_job(&job) {
        Ok(r) => r,
        Err(f) => return fail(f),
    };
    if json {
        println!("{}", report_json(&report));
        for e in &report.environments {
            if let Err(f) = &e.result {
                eprintln!("Error: {}: {}", e.environment, f.message);
            }
        }
    } else {
        print_text(&report);
    }
    ExitCode::from(report.exit_code())
}

/// The webhook receiver's in-process hydrator: checks the pushed commit out into a cache
/// checkout of the source repo (one per environment, so two environments hydrate side by side)
/// and runs the same [`run_job`] as `canon hydrate` on it.
pub struct InProcessHydrator {
    /// Where the source repo is fetched from.
    pub source_url: String,
    /// The helmfile, relative to the checkout's top (`None`: the default names at the top).
    pub helmfile: Option<PathBuf>,
    /// A relative local `state.repo` in canon.yaml resolves against this directory (the source
    /// repo's own checkout, where `canon hydrate` would run).
    pub relative_base: PathBuf,
    /// Overrides canon.yaml's `state.repo`.
    pub state_repo: Option<String>,
    /// Root of the source checkouts (`~/.cache/canon/source`).
    pub checkout_root: PathBuf,
    /// Root of the state repo caches (`~/.cache/canon/state`).
    pub cache_root: PathBuf,
}

impl ::serve::Hydrator for InProcessHydrator {
    fn hydrate(&self, req: ::serve::HydrationRequest) -> Result<(), ::serve::HydrateError> {
        let dir =
            state::git::cache_dir(&self.checkout_root, &self.source_url).join(&req.environment);
        let _lock = state::git::CacheLock::acquire(&dir)?;
        let repo = state::source::checkout(&self.source_url, &dir, &req.commit)?;
        let top = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| Fail::failed("the source checkout has no work tree"))?;
        let helmfile = match &self.helmfile {
            Some(h) => top.join(h),
            None => ["helmfile.yaml", "helmfile.yaml.gotmpl", "helmfile.d"]
                .iter()
                .map(|n| top.join(n))
                .find(|p| p.exists())
                .ok_or_else(|| {
                    Fail::usage(format!(
                        "no helmfile.yaml, helmfile.yaml.gotmpl or helmfile.d at {}",
                        short(&req.commit)
                    ))
                })?,
        };
        let config_dir = helmfile
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| top.clone());
        let rel = config_dir.strip_prefix(&top).unwrap_or(Path::new(""));
        let job = Job {
            repo: &repo,
            helmfile: Some(helmfile.clone()),
            config_dir: config_dir.clone(),
            relative_base: self.relative_base.join(rel),
            reference: req.source_ref.clone(),
            environments: vec![req.environment.clone()],
            state_repo: self.state_repo.clone(),
            cache_root: self.cache_root.clone(),
        };
        let report = run_job(&job)?;
        for e in report.environments {
            match e.result {
                Ok(outcome) => {
                    let what = match &outcome {
                        Outcome::Committed { commit, .. } => format!("committed {commit}"),
                        Outcome::Unchanged { .. } => "unchanged".to_string(),
                        Outcome::Stale { .. } => "stale".to_string(),
                    };
                    tracing::info!(environment = %e.environment, commit = %req.commit, result = %what, "hydrated");
                }
                Err(f) => return Err(Box::new(f)),
            }
        }
        Ok(())
    }
}
