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
