//! `helm template` end to end: load, check dependencies, merge and coalesce values, validate,
//! render, sort and assemble the output exactly as helm v4 (default) or v3 prints it.
//!
//! This follows helm's `pkg/cmd/template.go` (v4; `cmd/helm/template.go` in v3), `runInstall` and
//! `action.Install.RunWithContext` in client-only dry-run mode, and `renderResources`: the order of
//! the checks decides which error a broken chart reports, so it is kept step for step.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::capabilities::Capabilities;
use crate::chart::Chart;
use crate::engine::{EngineOptions, ReleaseInfo, RenderInput};
use crate::releaseutil::{self, Hook};
use crate::values::ValueOptions;
use crate::{Error, HelmVersion};

/// A failure of the template action outside the stages' own errors, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{0}")]
    Message(String),
    /// A document that is not valid YAML (`YAML parse error on ...`).
    #[error(transparent)]
    Manifest(#[from] releaseutil::ManifestError),
}

fn msg(s: impl Into<String>) -> Error {
    Error::Action(ActionError::Message(s.into()))
}

/// What `helm template [NAME] CHART [flags]` was given.
#[derive(Clone, Debug, Default)]
pub struct TemplateOptions {
    /// The positional arguments: `[NAME] CHART` (helm checks their number itself).
    pub args: Vec<String>,
    /// `--name-template`.
    pub name_template: Option<String>,
    /// `-g/--generate-name` (no effect in `helm template`, whose release name defaults first).
    pub generate_name: bool,
    /// `-n/--namespace` (helm's default: `default`).
    pub namespace: String,
    /// `-f`, `--set`, `--set-string`, `--set-file`, `--set-json`, `--set-literal`.
    pub values: ValueOptions,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// `-a/--api-versions`, each already split at commas.
    pub api_versions: Vec<String>,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `-s/--show-only`.
    pub show_only: Vec<String>,
    /// `--output-dir`.
    pub output_dir: Option<PathBuf>,
    /// `--release-name` (put the output dir's files under the release name).
    pub use_release_name: bool,
    /// `--is-upgrade`.
    pub is_upgrade: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--debug`: print what was rendered even when the output is invalid.
    pub debug: bool,
    /// Which helm's behaviour to follow.
    pub compat: HelmVersion,
    /// Seed and clock for Sprig's random and date functions.
    pub sprig: sprig::Options,
    /// The chart at `args`' chart path, already loaded (with this `compat`): callers that render
    /// one chart for many releases (helmfile) load it once. `None` loads it from the path.
    pub chart: Option<std::sync::Arc<Chart>>,
}

impl TemplateOptions {
    /// Options for `helm template [NAME] CHART` with helm's defaults.
    pub fn new(args: Vec<String>) -> TemplateOptions {
        TemplateOptions {
            args,
            namespace: "default".into(),
            ..TemplateOptions::default()
        }
    }
}

/// What one `helm template` run produces: what it prints on stdout (also on failure, as helm
/// does with `--debug` or `--output-dir`) and how it ended.
#[derive(Debug)]
pub struct TemplateOutcome {
    pub stdout: String,
    pub result: Result<(), Error>,
}

/// `helm template`: the printed manifests, or the error helm prints after `Error: `.
pub fn template(opts: &TemplateOptions) -> Result<String, Error> {
    let o = run(opts);
    o.result.map(|()| o.stdout)
}

/// The rendered release before it is printed (helm's `*release.Release` in dry-run).
struct Rendered {
    /// `rel.Manifest`.
    manifest: String,
    hooks: Vec<Hook>,
    /// The release name (for `--release-name` output directories).
    name: String,
}

/// `helm template` with everything it prints: stdout and the result.
pub fn run(opts: &TemplateOptions) -> TemplateOutcome {
    let mut stdout = String::new();
    let result = run_into(opts, &mut stdout);
    TemplateOutcome { stdout, result }
}

fn run_into(opts: &TemplateOptions, out: &mut String) -> Result<(), Error> {
    let v = opts.compat;
    // `--kube-version` is parsed first (helm's template command does it before anything else).
    let caps = Capabilities::with_flags(v, opts.kube_version.as_deref(), &opts.api_versions)
        .map_err(|e| msg(e.0))?;
    // Writes to --output-dir print "wrote ..." on stdout as they happen.
    let installed = install(opts, caps, out);
    crate::phase("release assembled");
    let r = print_installed(opts, installed, out);
    crate::phase("printed");
    r
}

/// The template command's handling of the install's result: `--debug`, hooks, `--show-only`.
fn print_installed(
    opts: &TemplateOptions,
    installed: Result<Rendered, (Option<Rendered>, Error)>,
    out: &mut String,
) -> Result<(), Error> {
    let (rel, err) = match installed {
        Ok(rel) => (Some(rel), None),
        Err((rel, e)) => (rel, Some(e)),
    };
    if let Some(e) = err {
        if !opts.debug {
            return Err(match rel {
                Some(_) => msg(format!(
                    "{e}\n\nUse --debug flag to render out invalid YAML"
                )),
                None => e,
            });
        }
        if rel.is_none() {
            return Err(e);
        }
        return print_release(opts, rel.expect("checked"), Some(e), out);
    }
    print_release(opts, rel.expect("no error means a release"), None, out)
}

/// The part of helm's template command after the install: hooks, `--show-only`, printing.
fn print_release(
    opts: &TemplateOptions,
    rel: Rendered,
    install_err: Option<Error>,
    out: &mut String,
) -> Result<(), Error> {
    let v = opts.compat;
    let mut manifests = rel.manifest;
    // Trimmed in place: the manifest text is most of the output.
    let end = manifests.trim_end().len();
    manifests.truncate(end);
    let start = manifests.len() - manifests.trim_start().len();
    manifests.drain(..start);
    manifests.push('\n');
    if !opts.no_hooks {
        let mut written: BTreeMap<String, bool> = BTreeMap::new();
        for h in &rel.hooks {
            if opts.skip_tests && h.is_test() {
                continue;
            }
            match &opts.output_dir {
                None => {
                    manifests.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
                }
                Some(dir) => {
                    let dir = release_dir(dir, opts, &rel.name);
                    if Path::new(&format!("{dir}/{}", h.path)).exists() {
                        written.insert(h.path.clone(), true);
                    }
                    let append = written.get(&h.path).copied().unwrap_or(false);
                    write_to_file(&dir, &h.path, &h.manifest, append, out)?;
                }
            }
        }
    }
    if opts.show_only.is_empty() {
        if out.is_empty() {
            *out = manifests;
        } else {
            out.push_str(&manifests);
        }
        return match install_err {
            Some(e) => Err(e),
            None => Ok(()),
        };
    }
    let docs = goyaml::split_manifests(&manifests, v);
    let mut to_render: Vec<&str> = Vec::new();
    for f in &opts.show_only {
        let mut missing = true;
        for doc in &docs {
            let Some(name) = source_name(doc) else {
                continue;
            };
            if !go_path_match(f, name) {
                continue;
            }
            to_render.push(doc);
            missing = false;
        }
        if missing {
            if let (Some(e), true) = (install_err, opts.debug) {
                return Err(e);
            }
            return Err(msg(format!("could not find template {f} in chart")));
        }
    }
    for m in to_render {
        out.push_str("---\n");
        out.push_str(m);
        out.push('\n');
    }
    match install_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The first match of `# Source: [^/]+/(.+)` in a document: its path inside the chart.
fn source_name(doc: &str) -> Option<&str> {
    let mut rest = doc;
    while let Some(i) = rest.find("# Source: ") {
        let after = &rest[i + "# Source: ".len()..];
        let line = after.split('\n').next().unwrap_or(after);
        // [^/]+ then '/' then at least one character (not a newline).
        if let Some(slash) = line.find('/')
            && slash > 0
            && slash + 1 < line.len()
        {
            return Some(&line[slash + 1..]);
        }
        rest = &rest[i + 1..];
    }
    None
}

/// The output directory of a release: `--output-dir`, under the release name with `--release-name`.
fn release_dir(dir: &Path, opts: &TemplateOptions, release_name: &str) -> String {
    let dir = dir.to_string_lossy().into_owned();
    if opts.use_release_name {
        go_path_join(&dir, release_name)
    } else {
        dir
    }
}

/// Go's `filepath.Join(a, b)` for the two-element case helm uses: joined and cleaned.
fn go_path_join(a: &str, b: &str) -> String {
    let joined = match (a.is_empty(), b.is_empty()) {
        (true, true) => return String::new(),
        (true, false) => b.to_string(),
        (false, true) => a.to_string(),
        (false, false) => format!("{a}/{b}"),
    };
    sprig::path_clean(&joined)
}

/// helm's `writeToFile`: `---\n# Source: NAME\nDATA\n` into `DIR/NAME`, appended when the file
/// was written before in this run, and `wrote DIR/NAME` on stdout.
fn write_to_file(
    dir: &str,
    name: &str,
    data: &str,
    append: bool,
    out: &mut String,
) -> Result<(), Error> {
    use std::io::Write;
    let file_name = format!("{dir}/{name}");
    let path = Path::new(&file_name);
    let open = || {
        if append {
            std::fs::OpenOptions::new().append(true).open(path)
        } else {
            std::fs::File::create(path)
        }
    };
    // helm makes the file's directory, then opens the file. Opening first and making the
    // directory only when that fails has the same outcome and errors, and spares a mkdir and a
    // stat per file: an output dir holds many files per directory, and with fresh files on
    // ext4 these system calls were most of what `--output-dir` added to a render.
    let file = match open() {
        Ok(f) => Ok(f),
        Err(_) => {
            if let Some(parent) = path.parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| msg(go_io_error("mkdir", &parent.to_string_lossy(), &e)))?;
            }
            open()
        }
    };
    let mut file = file.map_err(|e| msg(go_io_error("open", &file_name, &e)))?;
    // Go writes the string's bytes: escaped non-UTF-8 bytes go out raw (gotmpl::gostr).
    file.write_all(&gotmpl::gostr::to_go_bytes(&format!(
        "---\n# Source: {name}\n{data}\n"
    )))
    .map_err(|e| msg(go_io_error("write", &file_name, &e)))?;
    out.push_str(&format!("wrote {file_name}\n"));
    Ok(())
}

/// An `*os.PathError` text: `op path: reason` with Go's lower-case errno wording.
fn go_io_error(op: &str, path: &str, e: &std::io::Error) -> String {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::AlreadyExists => "file exists".to_string(),
        std::io::ErrorKind::NotADirectory => "not a directory".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    };
    format!("{op} {path}: {reason}")
}

/// helm's `Install.NameAndChart`, with `ReleaseName` preset to `release-name` as `helm template`
/// does (so `--generate-name` never generates).
fn name_and_chart(opts: &TemplateOptions) -> Result<(String, String), Error> {
    let args = &opts.args;
    let name_template = opts.name_template.as_deref().unwrap_or("");
    if args.len() > 2 {
        return Err(msg(format!(
            "expected at most two arguments, unexpected arguments: {}",
            args[2..].join(", ")
        )));
    }
    if args.len() == 2 {
        if opts.generate_name {
            return Err(msg("cannot set --generate-name and also specify a name"));
        }
        if !name_template.is_empty() {
            return Err(msg("cannot set --name-template and also specify a name"));
        }
        return Ok((args[0].clone(), args[1].clone()));
    }
    let chart = args.first().cloned().unwrap_or_default();
    if !name_template.is_empty() {
        return Ok((template_name(name_template)?, chart));
    }
    Ok(("release-name".into(), chart))
}

/// helm's `TemplateName`: `--name-template` run with plain Sprig (not helm's variant) and no data.
fn template_name(text: &str) -> Result<String, Error> {
    let mut t = gotmpl::Template::new("name-template");
    t.funcs(sprig::funcs(&sprig::Options::default()));
    t.parse(text).map_err(|e| msg(e.to_string()))?;
    let mut out = String::new();
    t.execute(&mut out, &gotmpl::Value::Nil)
        .map_err(|e| msg(e.to_string()))?;
    Ok(out)
}

/// helm's `LocateChart` for a local chart: the path if it exists, else helm's error.
fn locate_chart(name: &str) -> Result<PathBuf, Error> {
    let p = Path::new(name);
    if std::fs::metadata(p).is_ok() {
        return Ok(std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    }
    if p.is_absolute() || name.starts_with('.') {
        return Err(msg(format!("path \"{name}\" not found")));
    }
    Err(msg(format!(
        "non-absolute URLs should be in form of repo_name/path_to_chart, got: {name}"
    )))
}

/// `ValidateReleaseName`.
fn validate_release_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("no name provided".into());
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    if name.len() > 53 || !name.split('.').all(label_ok) {
        return Err("invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53".into());
    }
    Ok(())
}

/// The install: everything helm's `runInstall` and `RunWithContext` do before printing. On
/// failure, the release is returned too when helm has one (a render or sort failure).
fn install(
    opts: &TemplateOptions,
    caps: Capabilities,
    out: &mut String,
) -> Result<Rendered, (Option<Rendered>, Error)> {
    let v = opts.compat;
    let early = |e: Error| (None, e);
    crate::phase("start");
    let (name, chart_ref) = name_and_chart(opts).map_err(early)?;
    let chart_path = locate_chart(&chart_ref).map_err(early)?;
    let vals = crate::values::merge_values(&opts.values, v).map_err(|e| early(e.into()))?;
    let engine_opts = engine_options(opts);
    // A chart read from disk has its templates parsed while it loads and the values are
    // worked out; the render takes what was guessed right (see `Speculation`).
    let mut spec = None;
    let mut chart = match &opts.chart {
        Some(c) => Chart::clone(c),
        None => {
            spec = crate::engine::Speculation::new(
                &engine_opts,
                !opts.skip_schema_validation,
                chart_path.clone(),
            );
            let obs: &mut dyn crate::loader::Observer = match spec.as_mut() {
                Some(s) => s,
                None => &mut crate::loader::Unobserved,
            };
            crate::loader::load_observed(&chart_path, v, obs).map_err(|e| early(e.into()))?
        }
    };
    crate::phase("chart loaded");
    if !matches!(chart.metadata.chart_type.as_str(), "" | "application") {
        return Err(early(msg(format!(
            "{} charts are not installable",
            chart.metadata.chart_type
        ))));
    }
    if !chart.metadata.dependencies.is_empty() {
        crate::loader::check_dependencies_for(&chart, v).map_err(|e| early(e.into()))?;
    }
    if let Err(e) = validate_release_name(&name) {
        let e = format!("release name {}: {e}", go_quote(&name));
        return Err(early(msg(match v {
            HelmVersion::V4 => format!("release name check failed: {e}"),
            HelmVersion::V3 => e,
        })));
    }
    crate::dependencies::process_dependencies(&mut chart, &vals, v).map_err(|e| early(e.into()))?;

    crate::phase("dependencies processed");
    let coalesced =
        crate::values::coalesce_values(&chart, &vals, v).map_err(|e| early(e.into()))?;
    if !opts.skip_schema_validation {
        if let Some(s) = &spec {
            s.prepare_schemas();
        }
        crate::schema::validate(&chart, &coalesced, v).map_err(|e| early(e.into()))?;
    }

    crate::phase("values coalesced and validated");
    let release = ReleaseInfo {
        name: name.clone(),
        namespace: opts.namespace.clone(),
        revision: 1,
        is_upgrade: opts.is_upgrade,
        is_install: !opts.is_upgrade,
        service: "Helm".into(),
    };
    let input = RenderInput {
        values: coalesced,
        release,
        capabilities: caps,
    };
    render_resources(opts, &chart, &input, &name, spec, out)
}

/// The engine's switches for `helm template`.
fn engine_options(opts: &TemplateOptions) -> EngineOptions {
    EngineOptions {
        compat: opts.compat,
        strict: false,
        lint_mode: false,
        sprig: opts.sprig.clone(),
    }
}

/// Go's `%q` for a release name (ASCII names are the common case; others are escaped as Go does
/// for printable runes, i.e. kept).
fn go_quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                q.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

const NOTES_SUFFIX: &str = "NOTES.txt";

/// helm's `renderResources`: the kubeVersion check, the render, NOTES.txt set aside, the sort,
/// then CRDs (with `--include-crds`) and manifests into the manifest text or the output dir.
fn render_resources(
    opts: &TemplateOptions,
    chart: &Chart,
    input: &RenderInput,
    release_name: &str,
    spec: Option<crate::engine::Speculation>,
    out: &mut String,
) -> Result<Rendered, (Option<Rendered>, Error)> {
    let with_rel = |manifest: String, e: Error| {
        (
            Some(Rendered {
                manifest,
                hooks: Vec::new(),
                name: release_name.to_string(),
            }),
            e,
        )
    };
    crate::loader::check_kube_version(chart, &input.capabilities.kube_version)
        .map_err(|e| with_rel(String::new(), e.into()))?;
    let v = opts.compat;
    let engine_opts = engine_options(opts);
    // Each rendered file is split and its documents' heads read while the next templates
    // execute: by the thread that executed it when several do, else by a second core's worker.
    // NOTES.txt is rendered (its errors count) but not part of the output. A render error wins
    // over any error of the split files.
    let prepare = |name: &str, text: &str| {
        if name.ends_with(NOTES_SUFFIX) {
            Vec::new()
        } else {
            releaseutil::split_file(name, text, v)
        }
    };
    let ((), mut split) = releaseutil::split_while(v, crate::cores() > 1, |sink| {
        crate::engine::render_speculated(
            chart,
            input,
            &engine_opts,
            spec,
            Some(&prepare),
            &mut |name, text, docs| {
                if !name.ends_with(NOTES_SUFFIX) {
                    sink(name, text, docs);
                }
            },
        )
    })
    .map_err(|e| with_rel(String::new(), e.into()))?;
    let sorted = releaseutil::sort_split(
        split
            .iter_mut()
            .map(|(path, (_, docs))| (path, std::mem::take(docs))),
        v,
    );
    finish_sorted(
        opts,
        chart,
        sorted,
        || failed_manifest(split.iter().map(|(p, (t, _))| (p, t))),
        release_name,
        out,
    )
}

/// The manifest text helm keeps when sorting fails: every non-blank file, in path order.
fn failed_manifest<'a>(files: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let mut b = String::new();
    for (name, content) in files {
        if content.trim().is_empty() {
            continue;
        }
        b.push_str(&format!("---\n# Source: {name}\n{content}\n"));
    }
    b
}

/// What `helm template` prints for already rendered templates (`path → text`, as
/// [`crate::engine::render`] returns them): NOTES.txt set aside, documents sorted, CRDs of
/// `chart` with `--include-crds`, hooks, `--show-only`, `--output-dir`. For callers that render
/// themselves (and for testing the assembly against helm on static charts).
pub fn assemble(
    opts: &TemplateOptions,
    chart: &Chart,
    files: BTreeMap<String, String>,
    release_name: &str,
) -> TemplateOutcome {
    let mut stdout = String::new();
    let finished = finish_release(opts, chart, files, release_name, &mut stdout);
    let result = print_installed(opts, finished, &mut stdout);
    TemplateOutcome { stdout, result }
}

/// The end of `renderResources`, after the engine.
fn finish_release(
    opts: &TemplateOptions,
    chart: &Chart,
    mut files: BTreeMap<String, String>,
    release_name: &str,
    out: &mut String,
) -> Result<Rendered, (Option<Rendered>, Error)> {
    // NOTES.txt is rendered (its errors count) but not part of the output.
    files.retain(|k, _| !k.ends_with(NOTES_SUFFIX));
    crate::phase("templates executed");
    let sorted = releaseutil::sort_manifests(&files, opts.compat);
    finish_sorted(
        opts,
        chart,
        sorted,
        || failed_manifest(files.iter()),
        release_name,
        out,
    )
}

/// The end of `renderResources` after the sort (`failed` gives the manifest text helm keeps when
/// the sort failed): CRDs, manifests into the manifest text or the output directory.
fn finish_sorted(
    opts: &TemplateOptions,
    chart: &Chart,
    sorted: Result<(Vec<Hook>, Vec<releaseutil::Manifest>), releaseutil::ManifestError>,
    failed: impl FnOnce() -> String,
    release_name: &str,
    out: &mut String,
) -> Result<Rendered, (Option<Rendered>, Error)> {
    let with_rel = |manifest: String, e: Error| {
        (
            Some(Rendered {
                manifest,
                hooks: Vec::new(),
                name: release_name.to_string(),
            }),
            e,
        )
    };
    let (hooks, manifests) = match sorted {
        Ok(x) => {
            crate::phase("manifests sorted");
            x
        }
        Err(e) => return Err(with_rel(failed(), Error::Action(e.into()))),
    };

    // The manifest text is built once at its final size, room for the hooks that printing
    // appends included: growing it by doubling left a trail of freed buffers, each fresh memory
    // (which this output's size makes count; a big chart's hooks alone doubled it).
    let framed =
        |name: &str, content: &str| name.len() + content.len() + "---\n# Source: \n\n".len();
    let mut b = String::with_capacity(match &opts.output_dir {
        None => {
            manifests
                .iter()
                .map(|m| framed(&m.name, &m.content))
                .sum::<usize>()
                + hooks
                    .iter()
                    .map(|h| framed(&h.path, &h.manifest))
                    .sum::<usize>()
        }
        Some(_) => 0,
    });
    let mut written: BTreeMap<String, bool> = BTreeMap::new();
    let io_err = |e: Error, b: &str| with_rel(b.to_string(), e);
    if opts.include_crds {
        for (filename, data) in crd_objects(chart) {
            match &opts.output_dir {
                None => b.push_str(&format!("---\n# Source: {filename}\n{data}\n")),
                Some(dir) => {
                    let append = written.get(&filename).copied().unwrap_or(false);
                    write_to_file(&dir.to_string_lossy(), &filename, &data, append, out)
                        .map_err(|e| io_err(e, &b))?;
                    written.insert(filename, true);
                }
            }
        }
    }
    for m in &manifests {
        match &opts.output_dir {
            None => {
                for part in ["---\n# Source: ", &m.name, "\n", &m.content, "\n"] {
                    b.push_str(part);
                }
            }
            Some(dir) => {
                let dir = if opts.use_release_name {
                    go_path_join(&dir.to_string_lossy(), release_name)
                } else {
                    dir.to_string_lossy().into_owned()
                };
                let append = written.get(&m.name).copied().unwrap_or(false);
                write_to_file(&dir, &m.name, &m.content, append, out).map_err(|e| io_err(e, &b))?;
                written.insert(m.name.clone(), true);
            }
        }
    }
    Ok(Rendered {
        manifest: b,
        hooks,
        name: release_name.to_string(),
    })
}

/// helm's `Chart.CRDObjects`: `crds/*.{yaml,yml,json}` (any case) of the chart, then of each
/// dependency in order, named by the chart's full path (`parent/charts/sub/crds/x.yaml`).
pub fn crd_objects(chart: &Chart) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_crds(chart, chart.name(), &mut out);
    out
}

fn collect_crds(chart: &Chart, full_path: &str, out: &mut Vec<(String, String)>) {
    for f in &chart.files {
        if f.name.starts_with("crds/") && has_manifest_extension(&f.name) {
            out.push((
                format!("{full_path}/{}", f.name),
                String::from_utf8_lossy(&f.data).into_owned(),
            ));
        }
    }
    for dep in &chart.dependencies {
        collect_crds(dep, &format!("{full_path}/charts/{}", dep.name()), out);
    }
}

/// `filepath.Ext` is `.yaml`, `.yml` or `.json`, case-insensitively.
fn has_manifest_extension(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    let ext = match base.rfind('.') {
        Some(i) => &base[i..],
        None => "",
    };
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| e.eq_ignore_ascii_case(ext))
}

/// Go's `filepath.Match(pattern, name)` on `/`-separated paths; a malformed pattern matches
/// nothing (helm ignores the error).
pub fn go_path_match(pattern: &str, name: &str) -> bool {
    crate::ignore::filepath_match(pattern, name).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_match_follows_go() {
        assert!(go_path_match(
            "templates/subdir/role*",
            "templates/subdir/role.yaml"
        ));
        assert!(go_path_match(
            "templates/subdir/role*",
            "templates/subdir/rolebinding.yaml"
        ));
        assert!(!go_path_match("templates/*", "templates/subdir/role.yaml"));
        assert!(go_path_match(
            "templates/*/*.yaml",
            "templates/subdir/role.yaml"
        ));
        assert!(go_path_match("a?c", "abc"));
        assert!(!go_path_match("a?c", "a/c"));
        assert!(go_path_match("[a-c]x", "bx"));
        assert!(!go_path_match("[^a-c]x", "bx"));
        assert!(!go_path_match("[", "["));
        assert!(go_path_match("\\*", "*"));
        assert!(go_path_match(
            "templates/service.yaml",
            "templates/service.yaml"
        ));
    }

    #[test]
    fn source_name_strips_the_chart() {
        assert_eq!(
            source_name("# Source: chart/templates/x.yaml\nkind: A\n"),
            Some("templates/x.yaml")
        );
        assert_eq!(source_name("kind: A\n"), None);
    }

    #[test]
    fn release_names() {
        assert!(validate_release_name("release-name").is_ok());
        assert!(validate_release_name("a.b-c").is_ok());
        assert!(validate_release_name("Bad_Name").is_err());
        assert!(validate_release_name("-a").is_err());
        assert!(validate_release_name(&"a".repeat(54)).is_err());
    }

    #[test]
    fn path_clean() {
        assert_eq!(go_path_join("/tmp/od/", "rel"), "/tmp/od/rel");
        assert_eq!(go_path_join("od", "../x"), "x");
        assert_eq!(go_path_join("", "x"), "x");
    }
}
