//! Integration tests of `helmfile::render`: release rendering against the real helm (what
//! helmfile runs per release), and whole `helmfile template` runs against the real helmfile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use helmfile::load::LoadOptions;
use helmfile::release::ReleaseOptions;
use helmfile::render::{self, RenderOptions, Sink, StateInfo};
use helmfile::repo::ChartResolver;
use helmfile::spec::{Environment, ResolvedRelease, SetFlag, ValuesLayer};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/render")
}

fn corpus_chart(name: &str) -> PathBuf {
    testenv::corpus_dir()
        .expect("the shared corpus (../shared/corpus or CANON_CORPUS)")
        .join("charts")
        .join(name)
}

fn layer(source: &str, yaml: &str) -> ValuesLayer {
    ValuesLayer {
        source: source.into(),
        data: yaml.as_bytes().to_vec(),
    }
}

/// A release of `chart` (an absolute path) with nothing else set.
fn release(name: &str, chart: &Path) -> ResolvedRelease {
    ResolvedRelease {
        name: name.into(),
        chart: chart.to_string_lossy().into_owned(),
        base_dir: chart.parent().expect("a chart dir has a parent").into(),
        ..ResolvedRelease::default()
    }
}

/// Releases over several charts with every per-release flag render passes to helm.
fn sample_releases() -> Vec<ResolvedRelease> {
    let good = fixtures().join("charts/good");
    let mut a = release("alpha", &good);
    a.namespace = "team-a".into();
    a.values = vec![
        layer("a1", "x: 1\nlist: [1, 2]\nnested:\n  k: v\n"),
        layer("a2", "list: [3]\nnested:\n  j: w\n"),
    ];
    a.set = vec![
        SetFlag::Set("y=2,z=true".into()),
        SetFlag::SetString("s=007".into()),
    ];
    a.kube_version = Some("1.29.3".into());
    a.api_versions = vec!["monitoring.coreos.com/v1".into()];
    let mut b = release("beta", &corpus_chart("podinfo"));
    b.values = vec![layer("b1", "replicaCount: 3\n")];
    let mut c = release("gamma", &corpus_chart("monochart"));
    c.namespace = "demo".into();
    c.values = vec![layer(
        "c1",
        "deployment:\n  enabled: true\nimage:\n  repository: nginx\n",
    )];
    let mut d = release("delta", &corpus_chart("nginx"));
    d.namespace = "web".into();
    d.skip_schema_validation = true;
    // Self-signed certificates are random: helm and canon cannot agree on them.
    d.values = vec![layer("d1", "tls:\n  enabled: false\n")];
    vec![a, b, c, d]
}

fn state_info(dir: &Path) -> StateInfo {
    StateInfo {
        file_path: "helmfile.yaml".into(),
        abs_path: dir.join("helmfile.yaml"),
        work_dir: dir.to_path_buf(),
        env: Environment::default(),
    }
}

fn render_all(
    releases: &[ResolvedRelease],
    dir: &Path,
    opts: &RenderOptions,
) -> render::RenderOutput {
    let refs: Vec<&ResolvedRelease> = releases.iter().collect();
    render::render(&refs, &state_info(dir), &ChartResolver::default(), opts)
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under dir");
                out.insert(
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(&p).expect("readable file"),
                );
            }
        }
    }
    out
}

#[test]
fn parallel_output_is_the_sequential_output() {
    let releases = sample_releases();
    // podinfo's test pods have random name suffixes: a seed makes them reproducible.
    let seeded = || RenderOptions {
        sprig: sprig::Options {
            seed: Some(7),
            ..sprig::Options::default()
        },
        ..RenderOptions::default()
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let seq = render_all(
        &releases,
        tmp.path(),
        &RenderOptions {
            jobs: 1,
            ..seeded()
        },
    );
    assert!(seq.error.is_none(), "{:?}", seq.error);
    let par = render_all(
        &releases,
        tmp.path(),
        &RenderOptions {
            jobs: 4,
            ..seeded()
        },
    );
    assert!(par.error.is_none(), "{:?}", par.error);
    assert_eq!(
        String::from_utf8_lossy(&seq.stdout),
        String::from_utf8_lossy(&par.stdout)
    );
    // The stream is each release's own output in order, each followed by one newline.
    let mut one_by_one = Vec::new();
    for r in &releases {
        let o = render_all(std::slice::from_ref(r), tmp.path(), &seeded());
        assert!(o.error.is_none(), "{:?}", o.error);
        assert!(
            o.stdout.ends_with(b"\n\n"),
            "helm's output plus helmfile's newline"
        );
        one_by_one.extend_from_slice(&o.stdout);
    }
    assert_eq!(par.stdout, one_by_one);
}

#[test]
fn a_failing_release_stops_the_releases_after_it() {
    let good = fixtures().join("charts/good");
    let bad = fixtures().join("charts/bad");
    let releases = vec![release("a", &good), release("b", &bad), release("c", &good)];
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = render_all(&releases, tmp.path(), &RenderOptions::default());
    let first = render_all(&releases[..1], tmp.path(), &RenderOptions::default());
    assert_eq!(out.stdout, first.stdout);
    let err = out.error.expect("b fails");
    assert_eq!(err.exit_code(), 1);
    let msg = err.to_string();
    assert!(msg.contains("release \"b\""), "{msg}");
    assert!(msg.contains("boom"), "{msg}");
}

#[test]
fn releases_sharing_an_output_dir_render_in_order() {
    // Both write good/templates/cm.yaml into the same directory: the last one wins, as when
    // helmfile runs them one after the other.
    let good = fixtures().join("charts/good");
    let releases = vec![release("first", &good), release("second", &good)];
    let tmp = tempfile::tempdir().expect("tempdir");
    let opts = RenderOptions {
        output_dir: Some(tmp.path().join("out")),
        output_dir_template: Some("{{ .OutputDir }}".into()),
        jobs: 4,
        ..RenderOptions::default()
    };
    let out = render_all(&releases, tmp.path(), &opts);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.stdout.is_empty());
    let cm =
        std::fs::read_to_string(tmp.path().join("out/good/templates/cm.yaml")).expect("written");
    assert!(cm.contains("name: second\n"), "{cm}");
    assert!(!cm.contains("name: first\n"), "{cm}");
    assert!(out.stderr.contains("Templating release=first"));
}

#[test]
fn bad_output_dir_templates_are_usage_errors() {
    let good = fixtures().join("charts/good");
    let tmp = tempfile::tempdir().expect("tempdir");
    let opts = RenderOptions {
        output_dir: Some(tmp.path().join("out")),
        output_dir_template: Some("{{ .OutputDir ".into()),
        ..RenderOptions::default()
    };
    let out = render_all(&[release("a", &good)], tmp.path(), &opts);
    assert_eq!(out.error.expect("parse error").exit_code(), 2);
}

// ---- oracle tests: the real helm and helmfile ----

/// A temporary HOME for helm and helmfile (they write caches and temp files there).
struct Home(tempfile::TempDir);

impl Home {
    fn new() -> Home {
        Home(tempfile::tempdir().expect("tempdir"))
    }
    fn cmd(&self, bin: &Path) -> Command {
        let mut c = Command::new(bin);
        c.env("HOME", self.0.path())
            .env("XDG_CACHE_HOME", self.0.path().join(".cache"))
            .env("XDG_CONFIG_HOME", self.0.path().join(".config"))
            .env("XDG_DATA_HOME", self.0.path().join(".local/share"));
        c
    }
}

fn helm4() -> PathBuf {
    testenv::helm(testenv::HelmVersion::V4)
        .unwrap_or_else(|e| panic!("this test needs helm v4 (run scripts/testenv): {e}"))
}

fn helmfile_bin() -> PathBuf {
    testenv::helmfile()
        .unwrap_or_else(|e| panic!("this test needs helmfile (run scripts/testenv): {e}"))
}

/// What helmfile runs for one release: `helm template NAME CHART` with its flags.
fn helm_template_args(r: &ResolvedRelease, tmp: &Path, output_dir: Option<&Path>) -> Vec<String> {
    let mut args: Vec<String> = vec!["template".into(), r.name.clone(), r.chart.clone()];
    for a in &r.api_versions {
        args.extend(["--api-versions".into(), a.clone()]);
    }
    if let Some(v) = &r.kube_version {
        args.extend(["--kube-version".into(), v.clone()]);
    }
    if r.skip_schema_validation {
        args.push("--skip-schema-validation".into());
    }
    if !r.namespace.is_empty() {
        args.extend(["--namespace".into(), r.namespace.clone()]);
    }
    for (i, l) in r.values.iter().enumerate() {
        let p = tmp.join(format!("{}-{i}.yaml", r.name));
        std::fs::write(&p, &l.data).expect("write values");
        args.extend(["--values".into(), p.to_string_lossy().into_owned()]);
    }
    for s in &r.set {
        match s {
            SetFlag::Set(v) => args.extend(["--set".into(), v.clone()]),
            SetFlag::SetString(v) => args.extend(["--set-string".into(), v.clone()]),
            SetFlag::SetFile(v) => args.extend(["--set-file".into(), v.clone()]),
        }
    }
    if let Some(d) = output_dir {
        args.extend(["--output-dir".into(), d.to_string_lossy().into_owned()]);
    }
    args
}

#[test]
#[ignore = "needs helm v4 (scripts/testenv)"]
fn releases_render_as_helm_renders_them() {
    let helm = helm4();
    let home = Home::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let releases = sample_releases();
    // Stream: helm's stdout per release, each followed by helmfile's newline. Without tests:
    // podinfo's test pods have random names.
    let mut want = Vec::new();
    for r in &releases {
        let o = home
            .cmd(&helm)
            .args(helm_template_args(r, tmp.path(), None))
            .arg("--skip-tests")
            .output()
            .expect("run helm");
        assert!(
            o.status.success(),
            "helm: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        want.extend_from_slice(&o.stdout);
        want.push(b'\n');
    }
    let got = render_all(
        &releases,
        tmp.path(),
        &RenderOptions {
            skip_tests: true,
            ..RenderOptions::default()
        },
    );
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        String::from_utf8_lossy(&want)
    );

    // Output dir, one directory per release, with CRDs and without tests.
    let helm_out = tmp.path().join("helm-out");
    for r in &releases {
        let mut args = helm_template_args(r, tmp.path(), Some(&helm_out.join(&r.name)));
        args.extend(["--include-crds".into(), "--skip-tests".into()]);
        let o = home.cmd(&helm).args(args).output().expect("run helm");
        assert!(
            o.status.success(),
            "helm: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let canon_out = tmp.path().join("canon-out");
    let got = render_all(
        &releases,
        tmp.path(),
        &RenderOptions {
            output_dir: Some(canon_out.clone()),
            output_dir_template: Some("{{ .OutputDir }}/{{ .Release.Name }}".into()),
            include_crds: true,
            skip_tests: true,
            ..RenderOptions::default()
        },
    );
    assert!(got.error.is_none(), "{:?}", got.error);
    assert!(got.stdout.is_empty());
    let (want, got) = (tree(&helm_out), tree(&canon_out));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (k, v) in &want {
        assert_eq!(
            String::from_utf8_lossy(v),
            String::from_utf8_lossy(&got[k]),
            "{k}"
        );
    }
}

/// Collects what `render::template` streams.
#[derive(Default)]
struct Collect {
    stdout: Vec<u8>,
    stderr: String,
}

impl Sink for Collect {
    fn stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
    }
    fn stderr(&mut self, text: &str) {
        self.stderr.push_str(text);
    }
}

/// One `helmfile template` case: a helmfile, an environment, selectors, extra flags.
struct Case<'a> {
    file: &'a Path,
    env: &'a str,
    selectors: &'a [&'a str],
    /// Flags for both (`--output-dir X` is added by the test when `output_dir` is set).
    output_dir_template: Option<&'a str>,
    output_dir: bool,
    skip_tests: bool,
    include_crds: bool,
}

impl<'a> Case<'a> {
    fn new(file: &'a Path, env: &'static str) -> Case<'a> {
        Case {
            file,
            env,
            selectors: &[],
            output_dir_template: None,
            output_dir: false,
            skip_tests: false,
            include_crds: false,
        }
    }
}

/// Runs the real helmfile and canon's `render::template` on `case`, and checks that stdout (and
/// the output dir) are identical.
fn compare_with_helmfile(case: &Case) {
    let helmfile = helmfile_bin();
    let helm = helm4();
    let home = Home::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let want_dir = tmp.path().join("helmfile-out");
    let got_dir = tmp.path().join("canon-out");
    let file = case.file.canonicalize().expect("helmfile exists");
    let mut cmd = home.cmd(&helmfile);
    cmd.arg("--helm-binary")
        .arg(&helm)
        .arg("-f")
        .arg(&file)
        .args(["-e", case.env]);
    for s in case.selectors {
        cmd.args(["-l", s]);
    }
    cmd.args(["template", "--skip-deps"]);
    if case.output_dir {
        cmd.arg("--output-dir").arg(&want_dir);
    }
    if let Some(t) = case.output_dir_template {
        cmd.args(["--output-dir-template", t]);
    }
    if case.skip_tests {
        cmd.arg("--skip-tests");
    }
    if case.include_crds {
        cmd.arg("--include-crds");
    }
    let o = cmd.output().expect("run helmfile");
    assert!(
        o.status.success(),
        "helmfile failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut sink = Collect::default();
    let result = render::template(
        Some(&file),
        &LoadOptions {
            environment: case.env.into(),
            ..LoadOptions::default()
        },
        &ReleaseOptions {
            selectors: case.selectors.iter().map(|s| s.to_string()).collect(),
            ..ReleaseOptions::default()
        },
        &RenderOptions {
            output_dir: case.output_dir.then(|| got_dir.clone()),
            output_dir_template: case.output_dir_template.map(str::to_string),
            skip_tests: case.skip_tests,
            include_crds: case.include_crds,
            ..RenderOptions::default()
        },
        Some(&tmp.path().join("cache")),
        &mut sink,
    );
    if let Err(e) = result {
        panic!("canon render failed: {e}\n{}", sink.stderr);
    }
    assert_eq!(
        String::from_utf8_lossy(&sink.stdout),
        String::from_utf8_lossy(&o.stdout),
        "stdout of {}",
        case.file.display()
    );
    if case.output_dir {
        let (want, got) = (tree(&want_dir), tree(&got_dir));
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "output dir of {}",
            case.file.display()
        );
        for (k, v) in &want {
            assert_eq!(
                String::from_utf8_lossy(v),
                String::from_utf8_lossy(&got[k]),
                "{k}"
            );
        }
    }
}

fn demo() -> PathBuf {
    testenv::repo_root().join("examples/demo/helmfile.yaml.gotmpl")
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn demo_renders_as_helmfile_renders_it() {
    let demo = demo();
    for env in ["staging", "production"] {
        compare_with_helmfile(&Case::new(&demo, env));
        compare_with_helmfile(&Case {
            output_dir: true,
            output_dir_template: Some("{{ .OutputDir }}/{{ .Release.Name }}"),
            ..Case::new(&demo, env)
        });
        // helmfile's default output-dir template (state file name and path hash).
        compare_with_helmfile(&Case {
            output_dir: true,
            ..Case::new(&demo, env)
        });
    }
}

/// The feature helmfiles: `fixtures/render/helmfiles/<feature>/helmfile.yaml[.gotmpl]`.
fn feature_helmfiles() -> Vec<PathBuf> {
    let dir = fixtures().join("helmfiles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/render/helmfiles")
        .flat_map(|e| {
            let d = e.expect("dir entry").path();
            ["helmfile.yaml", "helmfile.yaml.gotmpl"].map(|n| d.join(n))
        })
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn feature_helmfiles_render_as_helmfile_renders_them() {
    let files = feature_helmfiles();
    assert!(!files.is_empty());
    // Every case runs; the failures (their messages are printed as they happen) are listed.
    let mut failed = Vec::new();
    for f in &files {
        for env in ["default", "staging", "production"] {
            let case = Case::new(f, env);
            if std::panic::catch_unwind(|| compare_with_helmfile(&case)).is_err() {
                failed.push(format!("{} -e {env}", f.display()));
            }
        }
    }
    assert!(failed.is_empty(), "differ from helmfile: {failed:#?}");
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn hundred_releases_render_as_helmfile_renders_them() {
    // Generated by fixtures/render/hundred/generate. podinfo's test pods have random names:
    // --skip-tests.
    let f = fixtures().join("hundred/helmfile.yaml.gotmpl");
    for env in ["staging", "production"] {
        compare_with_helmfile(&Case {
            output_dir: true,
            output_dir_template: Some("{{ .OutputDir }}/{{ .Release.Name }}"),
            skip_tests: true,
            ..Case::new(&f, env)
        });
        compare_with_helmfile(&Case {
            skip_tests: true,
            ..Case::new(&f, env)
        });
    }
    compare_with_helmfile(&Case {
        selectors: &["tier=web", "name=app-007"],
        skip_tests: true,
        ..Case::new(&f, "staging")
    });
}

// ---- helmfile.d, selections and errors, `render::template` against the real helmfile ----

/// The documents of a stream, sorted: helmfile renders a helmfile.d's files concurrently, so
/// its stream's order across files is not fixed.
fn sorted_documents(stream: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stream);
    let mut docs: Vec<String> = text
        .split("---\n")
        .map(|d| d.trim_end().to_string())
        .filter(|d| !d.is_empty())
        .collect();
    docs.sort();
    docs
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn helmfile_d_renders_each_file_declaring_the_environment() {
    let dir = fixtures().join("helmfile-d/helmfile.d");
    for env in ["default", "staging", "production"] {
        // The output dir does not depend on the order releases are written in.
        compare_with_helmfile(&Case {
            output_dir: true,
            output_dir_template: Some("{{ .OutputDir }}/{{ .Release.Name }}"),
            skip_tests: true,
            ..Case::new(&dir, env)
        });
        let (theirs, ours) = stdout_of_both(&dir, env, &[]);
        assert_eq!(sorted_documents(&theirs), sorted_documents(&ours), "{env}");
        // canon writes the files' streams in file order, whatever finished first.
        let (again, _) = stdout_of_both(&dir, env, &[]);
        assert_eq!(sorted_documents(&again), sorted_documents(&ours), "{env}");
        let (_, ours_again) = stdout_of_both(&dir, env, &[]);
        assert_eq!(ours, ours_again, "{env}: canon's stream is deterministic");
    }
}

/// `helmfile template --skip-tests` and canon's stdout for a helmfile (or helmfile.d), both
/// succeeding.
fn stdout_of_both(file: &Path, env: &str, selectors: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let home = Home::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cmd = home.cmd(&helmfile_bin());
    cmd.arg("--helm-binary").arg(helm4()).arg("-f").arg(file);
    cmd.args(["-e", env]);
    for s in selectors {
        cmd.args(["-l", s]);
    }
    let o = cmd
        .args(["template", "--skip-deps", "--skip-tests"])
        .output()
        .expect("run helmfile");
    assert!(
        o.status.success(),
        "helmfile failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut sink = Collect::default();
    render::template(
        Some(file),
        &LoadOptions {
            environment: env.into(),
            ..LoadOptions::default()
        },
        &ReleaseOptions {
            selectors: selectors.iter().map(|s| s.to_string()).collect(),
            ..ReleaseOptions::default()
        },
        &RenderOptions {
            skip_tests: true,
            ..RenderOptions::default()
        },
        Some(&tmp.path().join("cache")),
        &mut sink,
    )
    .unwrap_or_else(|e| panic!("canon render failed: {e}\n{}", sink.stderr));
    (o.stdout, sink.stdout)
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn a_selection_of_only_uninstalled_releases_renders_nothing_and_succeeds() {
    let dir = fixtures().join("helmfile-d/helmfile.d");
    // `off` is `installed: false` (in a file staging declares): helmfile exits 0, no output.
    let (theirs, ours) = stdout_of_both(&dir, "staging", &["name=off"]);
    assert!(theirs.is_empty(), "{}", String::from_utf8_lossy(&theirs));
    assert!(ours.is_empty(), "{}", String::from_utf8_lossy(&ours));
    // In production that file is skipped: nothing matches, an error for both.
    let case = ErrorCase {
        files: &[],
        file: "",
        env: "production",
        selectors: &["name=off"],
        at: None,
        go_pos_after: None,
        exit_code: 2,
    };
    check_error_at(&dir, &case);
}

/// A broken helmfile, the file:line:col canon must name (relative to the project dir, `None`
/// when helmfile's message has no place), and canon's exit code.
struct ErrorCase<'a> {
    /// Files of the project: (path, text).
    files: &'a [(&'a str, &'a str)],
    /// The helmfile `-f` names.
    file: &'a str,
    env: &'a str,
    selectors: &'a [&'a str],
    at: Option<(&'a str, usize, usize)>,
    /// For a template error, the line and column come from the `stringTemplate:L:C` helmfile
    /// reports (Go's own), plus this many lines before the rendered part; `at`'s are ignored.
    go_pos_after: Option<usize>,
    exit_code: i32,
}

/// Runs helmfile and canon on `case` in a fresh project (with the `good` chart as `./good`),
/// and checks that canon's error is `FILE:LINE:COL: ` (where the case says) followed by
/// helmfile's own message, with the expected exit code.
fn check_error(case: &ErrorCase) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("project");
    copy_tree(&fixtures().join("charts/good"), &dir.join("good"));
    for (path, text) in case.files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    check_error_at(&dir.join(case.file), case);
}

fn check_error_at(file: &Path, case: &ErrorCase) {
    let home = Home::new();
    let mut cmd = home.cmd(&helmfile_bin());
    cmd.arg("--helm-binary").arg(helm4()).arg("-f").arg(file);
    cmd.args(["-e", case.env]);
    for s in case.selectors {
        cmd.args(["-l", s]);
    }
    let o = cmd
        .args(["template", "--skip-deps"])
        .output()
        .expect("run helmfile");
    let theirs = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert!(
        !o.status.success(),
        "helmfile succeeded on {}",
        file.display()
    );
    let mut sink = Collect::default();
    let cache = tempfile::tempdir().expect("tempdir");
    let e = render::template(
        Some(file),
        &LoadOptions {
            environment: case.env.into(),
            ..LoadOptions::default()
        },
        &ReleaseOptions {
            selectors: case.selectors.iter().map(|s| s.to_string()).collect(),
            ..ReleaseOptions::default()
        },
        &RenderOptions::default(),
        Some(cache.path()),
        &mut sink,
    )
    .expect_err("canon must fail where helmfile fails");
    assert_eq!(e.exit_code(), case.exit_code, "{e}");
    let ours = e.to_string();
    let at = case.at.map(|(f, line, col)| match case.go_pos_after {
        Some(before) => {
            let (l, c) = go_template_pos(&theirs)
                .unwrap_or_else(|| panic!("no stringTemplate:L:C in helmfile's {theirs}"));
            (f, l + before, c)
        }
        None => (f, line, col),
    });
    let message = match at {
        Some((f, line, col)) => {
            let base = file.parent().expect("a parent");
            let prefix = format!("{}:{line}:{col}: ", base.join(f).display());
            ours.strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("canon's error does not start with {prefix:?}: {ours}"))
                .to_string()
        }
        None => ours.clone(),
    };
    // helmfile's last words are its error (log lines may come before it); `err: ` is how it
    // prints "no releases found".
    let message = match &e {
        helmfile::Error::Render(render::RenderError::NoMatch { .. }) => format!("err: {message}"),
        _ => message,
    };
    assert!(
        theirs == message || theirs.ends_with(&format!("\n{message}")),
        "helmfile says:\n{theirs}\ncanon says:\n{ours}"
    );
}

/// The `LINE:COL` of Go's `template: stringTemplate:LINE:COL: ...` in helmfile's message.
fn go_template_pos(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find("stringTemplate:")? + "stringTemplate:".len()..];
    let mut nums = rest.split(':').map(|n| n.parse::<usize>());
    Some((nums.next()?.ok()?, nums.next()?.ok()?))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("readable") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("named"));
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

const RELEASE_A: &str = "releases:\n  - name: a\n    chart: ./good\n";

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn configuration_errors_name_file_line_and_column_with_helmfiles_words() {
    let cases = [
        // A release's missing values file: the entry that names it.
        ErrorCase {
            files: &[
                (
                    "helmfile.yaml",
                    "releases:\n  - name: a\n    chart: ./good\n    values:\n      - present.yaml\n      - missing.yaml\n",
                ),
                ("present.yaml", "x: 1\n"),
            ],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("helmfile.yaml", 6, 9)),
            go_pos_after: None,
            exit_code: 2,
        },
        // An environment's missing values file, in a later part.
        ErrorCase {
            files: &[(
                "helmfile.yaml",
                "environments:\n  staging:\n    values:\n    - {a: 1}\n    - env/missing.yaml\n---\nreleases:\n  - name: a\n    chart: ./good\n",
            )],
            file: "helmfile.yaml",
            env: "staging",
            selectors: &[],
            at: Some(("helmfile.yaml", 5, 7)),
            go_pos_after: None,
            exit_code: 2,
        },
        // A missing top-level values file.
        ErrorCase {
            files: &[(
                "helmfile.yaml",
                "values:\n  - gone.yaml\n---\nreleases:\n  - name: a\n    chart: ./good\n",
            )],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("helmfile.yaml", 2, 5)),
            go_pos_after: None,
            exit_code: 2,
        },
        // A `needs` cycle: the first release it names.
        ErrorCase {
            files: &[(
                "helmfile.yaml",
                "releases:\n  - name: x\n    chart: ./good\n  - name: a\n    chart: ./good\n    needs: [b]\n  - name: b\n    chart: ./good\n    needs: [a]\n",
            )],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("helmfile.yaml", 4, 5)),
            go_pos_after: None,
            exit_code: 2,
        },
        // A template error in the helmfile's second part: Go's line and column in the part,
        // counted in the file.
        ErrorCase {
            files: &[(
                "helmfile.yaml.gotmpl",
                "environments:\n  default: {}\n---\nreleases:\n  - name: a\n    chart: ./good\n    values:\n      - x: {{ .Values.nope.deeper }}\n",
            )],
            file: "helmfile.yaml.gotmpl",
            env: "default",
            selectors: &[],
            at: Some(("helmfile.yaml.gotmpl", 0, 0)),
            go_pos_after: Some(3),
            exit_code: 2,
        },
        // A template error in a release's `.gotmpl` values file.
        ErrorCase {
            files: &[
                (
                    "helmfile.yaml",
                    "releases:\n  - name: a\n    chart: ./good\n    values:\n      - values/a.yaml.gotmpl\n",
                ),
                (
                    "values/a.yaml.gotmpl",
                    "a: 1\nb: {{ .Values.nope.deeper }}\n",
                ),
            ],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("values/a.yaml.gotmpl", 0, 0)),
            go_pos_after: Some(0),
            exit_code: 2,
        },
        // A template error in an environment's `.gotmpl` values file.
        ErrorCase {
            files: &[
                (
                    "helmfile.yaml",
                    "environments:\n  default:\n    values:\n      - env.yaml.gotmpl\n---\nreleases:\n  - name: a\n    chart: ./good\n",
                ),
                (
                    "env.yaml.gotmpl",
                    "a: 1\n\nb: {{ required \"b is required\" .Values.b }}\n",
                ),
            ],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("env.yaml.gotmpl", 0, 0)),
            go_pos_after: Some(0),
            exit_code: 2,
        },
        // A sub-helmfile's missing values file: helmfile's chain of files, and the entry.
        ErrorCase {
            files: &[
                (
                    "helmfile.yaml",
                    "helmfiles:\n  - path: sub/helmfile.yaml\n---\nreleases:\n  - name: top\n    chart: ./good\n",
                ),
                (
                    "sub/helmfile.yaml",
                    "releases:\n  - name: a\n    chart: ../good\n    values:\n    - nope.yaml\n",
                ),
            ],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("sub/helmfile.yaml", 5, 7)),
            go_pos_after: None,
            exit_code: 2,
        },
        // An unknown key (strict decoding).
        ErrorCase {
            files: &[(
                "helmfile.yaml",
                "releases:\n  - name: a\n    chart: ./good\n    nope: 1\n",
            )],
            file: "helmfile.yaml",
            env: "default",
            selectors: &[],
            at: Some(("helmfile.yaml", 4, 5)),
            go_pos_after: None,
            exit_code: 2,
        },
        // An environment no file declares: nothing matches (helmfile exits 3).
        ErrorCase {
            files: &[(
                "helmfile.yaml",
                "environments:\n  staging: {}\n---\nreleases:\n  - name: a\n    chart: ./good\n",
            )],
            file: "helmfile.yaml",
            env: "nope",
            selectors: &[],
            at: None,
            go_pos_after: None,
            exit_code: 2,
        },
        // A selector matching nothing.
        ErrorCase {
            files: &[("helmfile.yaml", RELEASE_A)],
            file: "helmfile.yaml",
            env: "default",
            selectors: &["name=zzz"],
            at: None,
            go_pos_after: None,
            exit_code: 2,
        },
    ];
    let mut failed = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        if std::panic::catch_unwind(|| check_error(c)).is_err() {
            failed.push(i);
        }
    }
    assert!(failed.is_empty(), "cases that differ: {failed:?}");
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn skipped_missing_files_are_logged_as_helmfile_logs_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for handler in ["Warn", "Info", "Debug"] {
        let dir = tmp.path().join(handler);
        copy_tree(&fixtures().join("charts/good"), &dir.join("good"));
        let text = format!(
            "environments:\n  default:\n    missingFileHandler: {handler}\n    values:\n    - nope-env.yaml\n---\nmissingFileHandler: {handler}\nreleases:\n  - name: a\n    chart: ./good\n    values:\n      - missing.yaml\n"
        );
        let file = dir.join("helmfile.yaml");
        std::fs::write(&file, text).expect("write");
        let home = Home::new();
        let o = home
            .cmd(&helmfile_bin())
            .arg("--helm-binary")
            .arg(helm4())
            .arg("-f")
            .arg(&file)
            .args(["template", "--skip-deps"])
            .output()
            .expect("run helmfile");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut sink = Collect::default();
        render::template(
            Some(&file),
            &LoadOptions::default(),
            &ReleaseOptions::default(),
            &RenderOptions::default(),
            Some(&tmp.path().join("cache")),
            &mut sink,
        )
        .unwrap_or_else(|e| panic!("{handler}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&sink.stdout),
            String::from_utf8_lossy(&o.stdout),
            "{handler}"
        );
        // helmfile's log lines, but for the chart it names (canon: as written).
        let logs = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| l.starts_with("skipping "))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            logs(&sink.stderr),
            logs(&String::from_utf8_lossy(&o.stderr)),
            "{handler}"
        );
    }
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn default_inherit_and_top_level_chart_render_as_helmfile_renders_them() {
    for name in ["default-inherit", "chart-override"] {
        let f = fixtures()
            .join("helmfiles")
            .join(name)
            .join("helmfile.yaml");
        compare_with_helmfile(&Case {
            skip_tests: true,
            ..Case::new(&f, "default")
        });
        // `.Release.Chart` in the output-dir template is the release's own chart.
        compare_with_helmfile(&Case {
            output_dir: true,
            output_dir_template: Some(
                "{{ .OutputDir }}/{{ .Release.Name }}{{ if eq .Release.Chart \"../../charts/good\" }}-own-chart{{ end }}",
            ),
            skip_tests: true,
            ..Case::new(&f, "default")
        });
    }
    // Labels keep the release's own chart: `chart=good` selects `a`, `chart=other` nothing.
    let f = fixtures().join("helmfiles/chart-override/helmfile.yaml");
    compare_with_helmfile(&Case {
        selectors: &["chart=good"],
        skip_tests: true,
        ..Case::new(&f, "default")
    });
    check_error_at(
        &f,
        &ErrorCase {
            files: &[],
            file: "",
            env: "default",
            selectors: &["chart=other"],
            at: None,
            go_pos_after: None,
            exit_code: 2,
        },
    );
}
