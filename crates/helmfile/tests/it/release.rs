//! Integration tests of `helmfile::release`: canon's resolved releases against what the real
//! helmfile v1.8.0 does with the same helmfile (`list --output json`, the `helm template`
//! command lines and kept values files of `--debug template --skip-cleanup`, the merged values
//! of `write-values`, and its error messages).
//!
//! The states come from `helmfile::load`, as `canon render` gets them.

use std::path::{Path, PathBuf};
use std::process::Command;

use gotmpl::Value;
use helmfile::release::{self, ReleaseOptions};
use helmfile::spec::{HelmState, ResolvedRelease, SetFlag};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/release")
}

/// Deep merge of values maps (later wins, maps merge, anything else replaces).
fn merge(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            let mut out = x.entries.read().expect("lock").clone();
            for (k, v) in y.entries.read().expect("lock").iter() {
                let merged = match out.get(k) {
                    Some(old) => merge(old, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::map(out)
        }
        (_, b) => b.clone(),
    }
}

/// The fixture `dir/helmfile.yaml` loaded by `helmfile::load` for the default environment.
fn load(dir: &Path) -> HelmState {
    load_env(dir, "default")
}

/// The fixture `dir/helmfile.yaml` loaded for environment `env`.
fn load_env(dir: &Path, env: &str) -> HelmState {
    let opts = helmfile::load::LoadOptions {
        environment: env.to_string(),
        ..Default::default()
    };
    load_with(dir, &opts)
}

fn load_with(dir: &Path, opts: &helmfile::load::LoadOptions) -> HelmState {
    helmfile::load::load(&dir.join("helmfile.yaml"), opts)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// The real helmfile, run in `dir` with a private HOME, cache and temp dir.
struct Helmfile {
    bin: PathBuf,
    helm: PathBuf,
    tmp: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Helmfile {
    fn new() -> Helmfile {
        let bin = testenv::helmfile().unwrap_or_else(|e| {
            panic!("this test compares with the real helmfile, which is missing: {e}")
        });
        let helm = testenv::helm(testenv::HelmVersion::V4).unwrap_or_else(|e| {
            panic!("this test runs helmfile with the real helm v4, which is missing: {e}")
        });
        Helmfile {
            bin,
            helm,
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn values_dir(&self) -> PathBuf {
        self.tmp.path().join("values")
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Run {
        let t = self.tmp.path();
        for d in ["home", "cache", "tmp"] {
            std::fs::create_dir_all(t.join(d)).expect("mkdir");
        }
        let out = Command::new(&self.bin)
            .current_dir(dir)
            .arg("--helm-binary")
            .arg(&self.helm)
            .args(args)
            .env("HOME", t.join("home"))
            .env("XDG_CACHE_HOME", t.join("cache"))
            .env("TMPDIR", t.join("tmp"))
            .env("HELMFILE_TEMPDIR", self.values_dir())
            .output()
            .expect("run helmfile");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// One `helm template` command line helmfile ran.
#[derive(Debug)]
struct HelmCall {
    name: String,
    chart: String,
    flags: Vec<String>,
}

/// The `exec: helm template …` lines of `helmfile --debug template`.
fn helm_calls(stderr_and_out: &str) -> Vec<HelmCall> {
    stderr_and_out
        .lines()
        .filter_map(|l| l.strip_prefix("exec: "))
        .filter_map(|l| {
            // `helm [--kube-context CTX] template NAME CHART FLAGS…`
            let mut words = l.split(' ').skip_while(|w| *w != "template");
            words.next()?;
            let name = words.next()?.to_string();
            let chart = words.next()?.to_string();
            let flags = words
                .filter(|w| *w != "--debug")
                .map(|w| w.to_string())
                .collect();
            Some(HelmCall { name, chart, flags })
        })
        .collect()
}

/// helmfile's `--debug` output escapes nothing: the flags are the words between spaces.
fn expected_flags(r: &ResolvedRelease, value_files: &[String]) -> Vec<String> {
    let mut f = Vec::new();
    if let Some(v) = &r.version {
        f.extend(["--version".to_string(), v.clone()]);
    }
    if r.devel {
        f.push("--devel".into());
    }
    if r.enable_dns {
        f.push("--enable-dns".into());
    }
    for a in &r.api_versions {
        f.extend(["--api-versions".to_string(), a.clone()]);
    }
    if let Some(k) = &r.kube_version {
        f.extend(["--kube-version".to_string(), k.clone()]);
    }
    if r.skip_schema_validation {
        f.push("--skip-schema-validation".into());
    }
    if !r.kube_context.is_empty() {
        f.extend(["--kube-context".to_string(), r.kube_context.clone()]);
    }
    if !r.namespace.is_empty() {
        f.extend(["--namespace".to_string(), r.namespace.clone()]);
    }
    for v in value_files {
        f.extend(["--values".to_string(), v.clone()]);
    }
    for s in &r.set {
        let (flag, v) = match s {
            SetFlag::Set(v) => ("--set", v),
            SetFlag::SetString(v) => ("--set-string", v),
            SetFlag::SetFile(v) => ("--set-file", v),
        };
        f.extend([flag.to_string(), v.clone()]);
    }
    f
}

/// `--set-file name=path`: helmfile's path is relative to the helmfile's directory.
fn absolute_set_file(dir: &Path, flag: &str) -> String {
    match flag.split_once('=') {
        Some((k, p)) if !Path::new(p).is_absolute() => {
            format!("{k}={}", dir.join(p).display())
        }
        _ => flag.to_string(),
    }
}

/// Runs `helmfile --debug template` with `args` and checks canon resolves the same releases, in
/// the same order, with the same `helm template` flags and values file bytes.
fn check_template(case: &str, args: &[&str], opts: &ReleaseOptions) {
    check_template_env(case, "default", args, opts);
}

fn check_template_env(case: &str, env: &str, args: &[&str], opts: &ReleaseOptions) {
    let lopts = helmfile::load::LoadOptions {
        environment: env.to_string(),
        ..Default::default()
    };
    check_template_with(case, &lopts, args, opts);
}

/// [`check_template`] with the loader's options (`-e`, `-n`, `--kube-context`); `args` must
/// carry the same flags for helmfile (besides `-e`).
fn check_template_with(
    case: &str,
    lopts: &helmfile::load::LoadOptions,
    args: &[&str],
    opts: &ReleaseOptions,
) {
    let env = lopts.environment.as_str();
    let dir = fixtures().join(case);
    let hf = Helmfile::new();
    let mut full = vec!["--debug", "-e", env];
    full.extend_from_slice(args);
    full.extend(["template", "--skip-cleanup", "--skip-deps"]);
    let run = hf.run(&dir, &full);
    assert_eq!(run.code, 0, "helmfile failed: {}", run.stderr);
    let calls = helm_calls(&format!("{}\n{}", run.stderr, run.stdout));
    let state = load_with(&dir, lopts);
    let resolved = release::resolve(&state, opts).expect("canon resolves");
    let names: Vec<&str> = resolved.iter().map(|r| r.name.as_str()).collect();
    let want: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, want, "{case} {args:?}: releases and their order");
    for (r, call) in resolved.iter().zip(&calls) {
        // The chart: helmfile hands helm the local chart's directory.
        let chart = release::local_chart_dir(&r.base_dir, &r.chart).expect("local chart");
        assert_eq!(
            chart.canonicalize().expect("chart"),
            dir.join(&call.chart)
                .canonicalize()
                .expect("helmfile's chart"),
            "{case}: chart of {}",
            r.name
        );
        // Values files: compare their bytes, then the whole command line.
        let mut files = Vec::new();
        let mut helmfile_flags = Vec::new();
        let mut it = call.flags.iter();
        while let Some(f) = it.next() {
            helmfile_flags.push(f.clone());
            if f == "--values" {
                let path = it.next().expect("--values PATH");
                files.push(path.clone());
                helmfile_flags.push(path.clone());
            } else if f == "--set-file" {
                let v = it.next().expect("--set-file k=path");
                helmfile_flags.push(absolute_set_file(&dir, v));
            }
        }
        assert_eq!(
            files.len(),
            r.values.len(),
            "{case}: values files of {}",
            r.name
        );
        for (layer, file) in r.values.iter().zip(&files) {
            let theirs = std::fs::read(file).expect("kept values file");
            assert_eq!(
                String::from_utf8_lossy(&layer.data),
                String::from_utf8_lossy(&theirs),
                "{case}: values layer {} of {}",
                layer.source,
                r.name
            );
        }
        assert_eq!(
            expected_flags(r, &files),
            helmfile_flags,
            "{case}: helm template flags of {}",
            r.name
        );
    }
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_without_selectors_matches_helmfile() {
    check_template("basic", &[], &ReleaseOptions::default());
}

/// Top-level `namespace`, `kubeVersion`, `apiVersions`, `helmDefaults` and a release's own
/// settings over them; `needs` across kube contexts.
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_with_overrides_matches_helmfile() {
    check_template("overrides", &[], &ReleaseOptions::default());
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_with_selectors_matches_helmfile() {
    let cases: &[&[&str]] = &[
        &["tier=backend"],
        &["name=a", "name=e"],
        &["team!=x,namespace=ns1"],
        &["team=core,tier!=backend"],
        &["name=b"],
        &["name=c"],
    ];
    for sels in cases {
        let mut args = Vec::new();
        for s in *sels {
            args.extend(["-l", s]);
        }
        let opts = ReleaseOptions {
            selectors: sels.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let dir = fixtures().join("basic");
        let canon = release::resolve(&load(&dir), &opts).expect("canon resolves");
        if canon.is_empty() {
            // helmfile exits 3 with its no-match error: canon's must be the same text.
            let mut full = args.clone();
            full.push("template");
            let run = Helmfile::new().run(&dir, &full);
            assert_eq!(run.code, 3, "{sels:?}: {}", run.stderr);
            let e = release::ReleaseError::no_match(&opts.selectors, "default");
            assert_eq!(
                run.stderr.trim_end().lines().last(),
                Some(e.to_string().as_str())
            );
        } else {
            check_template("basic", &args, &opts);
        }
    }
}

/// Release templating stops after helmfile's sixth round: a chain of labels each naming the
/// next resolves one link per round, so helmfile and canon must agree on which depths still
/// resolve and on the labels they end with.
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_fixpoint_limit_matches_helmfile() {
    for depth in 2..=7 {
        let work = tempfile::tempdir().expect("temp dir");
        let dir = work.path();
        let mut labels = String::new();
        for i in 0..depth {
            labels.push_str(&format!(
                "      l{i}: \"{{{{ .Release.Labels.l{} }}}}\"\n",
                i + 1
            ));
        }
        labels.push_str(&format!("      l{depth}: end\n"));
        let text = format!("releases:\n  - name: a\n    chart: ./chart\n    labels:\n{labels}");
        std::fs::write(dir.join("helmfile.yaml"), &text).expect("write helmfile");
        let run = Helmfile::new().run(dir, &["list", "--output", "json", "--skip-charts"]);
        let ours = release::list(&load(dir));
        match ours {
            Ok(l) => {
                assert_eq!(
                    run.code, 0,
                    "depth {depth}: helmfile failed: {}",
                    run.stderr
                );
                let theirs = goyaml::from_json_array(run.stdout.trim());
                let labels: Vec<String> = l[0]
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect();
                let want = match &theirs {
                    Value::List(items) => get_str(&items.items[0], "labels"),
                    _ => String::new(),
                };
                assert_eq!(labels.join(","), want, "depth {depth}");
            }
            Err(e) => {
                assert_ne!(
                    run.code, 0,
                    "depth {depth}: canon failed ({e}), helmfile did not"
                );
                assert_eq!(
                    Some(format!("in ./helmfile.yaml: {e}").as_str()),
                    run.stderr.trim_end().lines().last(),
                    "depth {depth}"
                );
            }
        }
    }
}

fn get_str(v: &Value, key: &str) -> String {
    match v {
        Value::Map(m) => match m.entries.read().expect("lock").get(key) {
            Some(Value::String(s)) => s.to_string(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// A selection of only `installed: false` releases renders nothing, and is no "no releases
/// found" error (helmfile exits 0); a selection of nothing is.
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn uninstalled_selection_is_a_match_without_output() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path();
    std::fs::write(
        dir.join("helmfile.yaml"),
        "releases:\n  - name: a\n    chart: ./chart\n    installed: false\n",
    )
    .expect("write helmfile");
    copy_dir(&fixtures().join("chart"), &dir.join("chart"));
    for (sel, matched, code) in [("name=a", true, 0), ("name=b", false, 3)] {
        let run = Helmfile::new().run(dir, &["-l", sel, "template", "--skip-deps"]);
        assert_eq!(run.code, code, "{sel}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{sel}");
        let opts = ReleaseOptions {
            selectors: vec![sel.to_string()],
            ..Default::default()
        };
        let r = release::resolve_state(&load(dir), &opts).expect("canon resolves");
        assert!(r.releases.is_empty(), "{sel}");
        assert_eq!(r.matched, matched, "{sel}");
    }
}

/// Environments: their values drive `condition` and templates, their `kubeContext` is the
/// `--kube-context` of releases without their own.
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_per_environment_matches_helmfile() {
    for env in ["default", "prod"] {
        check_template_env("envs", env, &[], &ReleaseOptions::default());
    }
}

/// The command line's `--namespace` and `--kube-context` override every release's.
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_with_cli_overrides_matches_helmfile() {
    let lopts = helmfile::load::LoadOptions {
        environment: "default".into(),
        namespace: Some("cli-ns".into()),
        kube_context: Some("cli-ctx".into()),
        ..Default::default()
    };
    let args = ["-n", "cli-ns", "--kube-context", "cli-ctx"];
    check_template_with("envs", &lopts, &args, &ReleaseOptions::default());
    // In `basic`, `needs` no longer name releases once every namespace is `cli-ns`. helmfile
    // reports one undefined need, picked in Go's random map order: canon's must be among them.
    let dir = fixtures().join("basic");
    let mut full = args.to_vec();
    full.extend(["template", "--skip-deps"]);
    let e = release::resolve(&load_with(&dir, &lopts), &ReleaseOptions::default())
        .expect_err("an undefined need");
    let ours = format!("in ./helmfile.yaml: {e}");
    let hf = Helmfile::new();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let run = hf.run(&dir, &full);
        assert_ne!(run.code, 0);
        seen.insert(
            run.stderr
                .trim_end()
                .lines()
                .last()
                .unwrap_or_default()
                .to_string(),
        );
        if seen.contains(&ours) {
            break;
        }
    }
    assert!(
        seen.contains(&ours),
        "{ours}\nnot among helmfile's {seen:#?}"
    );
}

/// Two releases with one ID: the selected one stays (helmfile's deduplication), and the
/// other release's `needs` point at it.
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn duplicate_ids_resolve_to_the_selected_release() {
    for sel in ["v=1", "v=2"] {
        let opts = ReleaseOptions {
            selectors: vec![sel.to_string()],
            ..Default::default()
        };
        check_template("dupes", &["-l", sel], &opts);
    }
    {
        let sel = "name=b";
        let opts = ReleaseOptions {
            selectors: vec![sel.to_string()],
            include_needs: true,
            ..Default::default()
        };
        let dir = fixtures().join("dupes");
        let run = Helmfile::new().run(&dir, &["-l", sel, "template", "--include-needs"]);
        let canon = release::resolve(&load(&dir), &opts);
        match canon {
            Ok(r) => panic!(
                "canon resolved {} releases; helmfile: {}",
                r.len(),
                run.stderr
            ),
            Err(e) => assert_eq!(
                Some(format!("in ./helmfile.yaml: {e}").as_str()),
                run.stderr.trim_end().lines().last()
            ),
        }
    }
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn template_with_include_needs_matches_helmfile() {
    for (sels, flag) in [
        (vec!["name=b"], "--include-needs"),
        (vec!["name=e"], "--include-needs"),
        (vec!["name=e"], "--include-transitive-needs"),
    ] {
        let dir = fixtures().join("basic");
        let hf = Helmfile::new();
        let mut full = vec!["--debug"];
        for s in &sels {
            full.extend(["-l", s]);
        }
        full.extend(["template", "--skip-deps", flag]);
        let run = hf.run(&dir, &full);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let want: Vec<String> = helm_calls(&format!("{}\n{}", run.stderr, run.stdout))
            .into_iter()
            .map(|c| c.name)
            .collect();
        let opts = ReleaseOptions {
            selectors: sels.iter().map(|s| s.to_string()).collect(),
            include_needs: flag == "--include-needs",
            include_transitive_needs: flag == "--include-transitive-needs",
        };
        let got: Vec<String> = release::resolve(&load(&dir), &opts)
            .expect("canon resolves")
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(got, want, "{sels:?} {flag}");
    }
}

/// `helmfile list --output json`'s entries, as canon lists them.
fn check_list(case: &str) {
    {
        let dir = fixtures().join(case);
        let run = Helmfile::new().run(&dir, &["list", "--output", "json", "--skip-charts"]);
        let ours = release::list(&load(&dir));
        if run.code != 0 {
            let e = ours.expect_err("helmfile failed, canon did not");
            assert_eq!(
                Some(format!("in ./helmfile.yaml: {e}").as_str()),
                run.stderr.trim_end().lines().last(),
                "{case}"
            );
            return;
        }
        let theirs = goyaml::from_json_array(run.stdout.trim());
        let mut ours = ours.expect("canon lists");
        ours.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let ours: Vec<Value> = ours
            .iter()
            .map(|r| {
                let labels: Vec<String> =
                    r.labels.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                Value::map([
                    ("name".to_string(), Value::string(&r.name)),
                    ("namespace".to_string(), Value::string(&r.namespace)),
                    ("enabled".to_string(), Value::bool(r.enabled)),
                    ("installed".to_string(), Value::bool(r.installed)),
                    ("labels".to_string(), Value::string(labels.join(","))),
                    ("chart".to_string(), Value::string(&r.chart)),
                    ("version".to_string(), Value::string(&r.version)),
                ])
            })
            .collect();
        assert_eq!(
            goyaml::to_json(&Value::list(ours)).expect("json"),
            goyaml::to_json(&theirs).expect("json"),
            "{case}"
        );
    }
}

/// yaml.v3's reading of a values file into `map[string]any` (what `write-values` merges).
fn read_v3(text: &str) -> Value {
    match goyaml::v3::unmarshal(text).expect("values YAML") {
        Some(n) => goyaml::native_to_value(&n),
        None => Value::map([]),
    }
}

/// canon's values layers, merged the way `helmfile write-values` merges the files it would
/// pass to helm (yaml.v3 reading, mergo with override: maps merge, anything else replaces),
/// equal that command's output. (`--set` flags are not part of it; the template tests compare
/// them as strings.)
fn check_write_values(case: &str) {
    {
        let dir = fixtures().join(case);
        let hf = Helmfile::new();
        let out = hf.tmp.path().join("out");
        let tmpl = format!("{}/{{{{ .Release.Name }}}}.yaml", out.display());
        let run = hf.run(&dir, &["write-values", "--output-file-template", &tmpl]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let resolved =
            release::resolve(&load(&dir), &ReleaseOptions::default()).expect("canon resolves");
        assert!(!resolved.is_empty());
        for r in &resolved {
            let mut ours = Value::map([]);
            for l in &r.values {
                ours = merge(&ours, &read_v3(&String::from_utf8_lossy(&l.data)));
            }
            let theirs = std::fs::read_to_string(out.join(format!("{}.yaml", r.name)))
                .expect("helmfile wrote the release's values");
            assert_eq!(
                goyaml::to_json(&ours).expect("json"),
                goyaml::to_json(&read_v3(&theirs)).expect("json"),
                "{case}: merged values of {}",
                r.name
            );
        }
    }
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn list_matches_helmfile() {
    for case in ["basic", "overrides", "dupes", "envs"] {
        check_list(case);
    }
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn merged_values_match_helmfile_write_values() {
    check_write_values("basic");
}

// The `templated` fixture runs release templates through `helmfile::funcs` (hf-funcs).

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn templated_release_matches_helmfile() {
    check_template("templated", &[], &ReleaseOptions::default());
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn templated_list_matches_helmfile() {
    check_list("templated");
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn templated_merged_values_match_helmfile_write_values() {
    check_write_values("templated");
}

/// Each `errors/NAME.yaml` fails in helmfile and in canon with the same message (helmfile
/// prefixes it with `in ./helmfile.yaml: `).
fn check_errors(set: &str, at_least: usize) {
    let errors = fixtures().join(set);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&errors)
        .expect("errors fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= at_least);
    for case in cases {
        let work = tempfile::tempdir().expect("temp dir");
        let dir = work.path();
        std::fs::write(
            dir.join("helmfile.yaml"),
            std::fs::read(&case).expect("fixture"),
        )
        .expect("copy");
        let stem = case
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        // `selector--name=z z.yaml` runs with `-l 'name=z z'`.
        let selectors: Vec<String> = stem
            .split_once("--")
            .map(|(_, s)| vec![s.to_string()])
            .unwrap_or_default();
        let chart_link = dir.join("chart");
        copy_dir(&fixtures().join("chart"), &chart_link);
        let mut args = Vec::new();
        for s in &selectors {
            args.extend(["-l", s.as_str()]);
        }
        args.extend(["template", "--skip-deps"]);
        let run = Helmfile::new().run(dir, &args);
        assert_ne!(run.code, 0, "{stem}: helmfile succeeded");
        let theirs = run
            .stderr
            .trim_end()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        let opts = ReleaseOptions {
            selectors,
            ..Default::default()
        };
        let ours = match release::resolve(&load(dir), &opts) {
            Ok(r) => panic!("{stem}: canon resolved {} releases", r.len()),
            Err(e) => {
                // Errors about one release say where it is declared, or where the values
                // file's template failed.
                if let Some(pos) = e.pos() {
                    let in_values_template =
                        pos.file.extension().is_some_and(|x| x == "gotmpl") && pos.line >= 1;
                    assert!(
                        in_values_template
                            || (pos.file.ends_with("helmfile.yaml") && pos.line >= 2),
                        "{stem}: {pos}"
                    );
                }
                format!("in ./helmfile.yaml: {e}")
            }
        };
        assert_eq!(ours, theirs, "{stem}");
    }
}

#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn errors_match_helmfile() {
    check_errors("errors", 14);
}

/// Errors of release templates (through `helmfile::funcs`).
#[test]
#[ignore = "runs the real helmfile (scripts/test provisions it)"]
fn templated_errors_match_helmfile() {
    check_errors("templated-errors", 5);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// `plan` batches resolved releases by `needs`, as the order `resolve` returned them in.
#[test]
fn plan_batches_follow_needs() {
    let dir = fixtures().join("basic");
    let resolved =
        release::resolve(&load(&dir), &ReleaseOptions::default()).expect("canon resolves");
    let batches = release::plan(&resolved).expect("acyclic");
    let flat: Vec<usize> = batches.iter().flatten().copied().collect();
    assert_eq!(flat, (0..resolved.len()).collect::<Vec<_>>());
    assert!(batches.len() >= 2, "b needs a: two batches at least");
}
