//! Integration tests of `helmfile::load`: fixtures under `tests/fixtures/load/` loaded by canon
//! and compared with what the real helmfile v1.8.0 `build` prints for them (the `#[ignore]`d
//! oracle tests, run by `scripts/test`), plus positions and error kinds that need no oracle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use gotmpl::Value;
use helmfile::load::{self, LoadError, LoadOptions};
use helmfile::spec::HelmState;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load")
}

/// A fixture's helmfile: `name` is a directory holding `helmfile.yaml`, or a file.
fn fixture(name: &str) -> PathBuf {
    let p = fixtures().join(name);
    if p.is_dir() {
        p.join("helmfile.yaml")
    } else {
        p
    }
}

fn opts(env: &str) -> LoadOptions {
    LoadOptions {
        environment: env.to_string(),
        ..LoadOptions::default()
    }
}

fn json(v: &Value) -> String {
    goyaml::to_json(v).expect("values encode as JSON")
}

fn get(v: &Value, k: &str) -> Value {
    match v {
        Value::Map(m) => m
            .entries
            .read()
            .expect("map lock")
            .get(k)
            .cloned()
            .unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

fn entries(v: &Value) -> BTreeMap<String, Value> {
    match v {
        Value::Map(m) => m.entries.read().expect("map lock").clone(),
        _ => BTreeMap::new(),
    }
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.items.clone(),
        _ => Vec::new(),
    }
}

// ---- without the oracle ----------------------------------------------------------------------

#[test]
fn plain_yaml_loads_environment_values_and_releases() {
    let st = load::load(&fixture("basic"), &opts("prod")).expect("basic loads");
    assert_eq!(st.env.name, "prod");
    assert_eq!(st.env.kube_context, "prod-ctx");
    assert_eq!(st.namespace.as_deref(), Some("apps"));
    assert_eq!(st.kube_version.as_deref(), Some("1.30"));
    assert_eq!(st.releases.len(), 2);
    // A string field keeps the scalar's text, as Go's typed decoding does.
    assert_eq!(json(&get(&st.releases[0].value, "version")), r#""1.10""#);
    assert_eq!(
        st.common_labels.get("version").map(String::as_str),
        Some("1.10")
    );
    // Each release names where it was declared (the line in the file, not in the part).
    let p = &st.releases[1].pos;
    assert!(p.file.ends_with("basic/helmfile.yaml"), "{p}");
    assert_eq!((p.line, p.col), (55, 3));
    assert_eq!(st.repositories[1].username.as_deref(), Some("user"));
    assert!(st.repositories[1].oci);
}

#[test]
fn unknown_release_key_names_file_line_and_column() {
    let err = load::load(
        &fixture("errors/unknown-release-key.yaml"),
        &opts("default"),
    )
    .expect_err("unknown key is an error");
    let LoadError::At { pos, message } = &err else {
        panic!("want a positioned error, got {err:?}");
    };
    assert_eq!((pos.line, pos.col), (8, 3), "{err}");
    assert!(
        message.contains("line 5: field foo not found in type state.ReleaseSpec"),
        "{message}"
    );
}

/// Errors in a template or a values file point into that file (helmfile names only the line
/// within a rendered part).
#[test]
fn template_and_values_errors_are_positioned() {
    for (case, file, line, col) in [
        (
            "errors/template-error.yaml.gotmpl",
            "template-error.yaml.gotmpl",
            2,
            18,
        ),
        (
            "errors/values-template-error.yaml",
            "broken.yaml.gotmpl",
            1,
            13,
        ),
        ("errors/values-file-not-a-map.yaml", "list-values.yml", 1, 1),
        ("errors/syntax.yaml", "syntax.yaml", 2, 1),
        ("errors/second-document.yaml", "second-document.yaml", 6, 3),
        ("errors/alias-reused.yaml", "alias-reused.yaml", 2, 26),
    ] {
        let err = load::load(&fixture(case), &opts("default")).expect_err(case);
        let LoadError::At { pos, .. } = &err else {
            panic!("{case}: want a positioned error, got {err:?}");
        };
        assert!(pos.file.ends_with(file), "{case}: {pos}");
        assert_eq!((pos.line, pos.col), (line, col), "{case}: {err}");
    }
}

#[test]
fn unknown_environment_is_its_own_error() {
    let err = load::load(&fixture("basic"), &opts("staging")).expect_err("staging is undeclared");
    assert!(
        matches!(&err, LoadError::UndefinedEnv { env, .. } if env == "staging"),
        "{err:?}"
    );
    // `default` needs no declaration.
    load::load(&fixture("parts"), &opts("default")).expect("default env is implicit");
}

#[test]
fn remote_sources_are_refused_clearly() {
    let err = load::load(&fixture("remote.yaml"), &opts("default")).expect_err("remote base");
    assert!(
        err.to_string().contains("canon reads local files only"),
        "{err}"
    );
}

#[test]
fn default_inherit_and_top_level_chart_reach_the_state() {
    let st = load::load(&fixture("default-inherit.yaml"), &opts("default")).expect("loads");
    assert_eq!(st.default_inherit, ["base"]);
    assert_eq!(st.chart, None);
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("helmfile.yaml");
    std::fs::write(
        &f,
        "chart: ./other\ndefaultInherit: \" one \"\nreleases:\n- name: a\n  chart: ./a\n",
    )
    .expect("write");
    let st = load::load(&f, &opts("default")).expect("loads");
    assert_eq!(st.chart.as_deref(), Some("./other"));
    assert_eq!(st.default_inherit, ["one"]);
}

#[test]
fn load_all_skips_helmfiles_without_the_environment() {
    let all = load::load_all(Some(&fixture("basic")), &opts("staging")).expect("skipped");
    assert!(all.is_empty());
    let all = load::load_all(Some(&fixtures().join("helmfile.d")), &opts("default")).expect("dir");
    let names: Vec<String> = all
        .iter()
        .map(|s| json(&get(&s.releases[0].value, "name")))
        .collect();
    assert_eq!(names, [r#""one""#, r#""two""#, r#""three""#]);
}

#[test]
fn find_lists_a_directory_sorted() {
    let files = load::find(Some(&fixtures().join("helmfile.d"))).expect("dir");
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["00-first.yaml", "10-second.yaml.gotmpl", "20-third.yml"]
    );
    let missing = load::find(Some(&fixtures().join("nope.yaml"))).expect_err("missing");
    assert!(missing.to_string().contains("is not found"), "{missing}");
}

// ---- against the real helmfile ------------------------------------------------------------

/// One `helmfile build` run: its exit status, stdout and stderr.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn helmfile_build(file: &Path, env: &str, extra: &[&str]) -> Run {
    let hf = testenv::helmfile().unwrap_or_else(|e| {
        panic!("the oracle test needs the real helmfile (run scripts/testenv): {e}")
    });
    let helm = testenv::helm(testenv::HelmVersion::V4)
        .unwrap_or_else(|e| panic!("helmfile needs helm v4 (run scripts/testenv): {e}"));
    let home = tempfile::tempdir().expect("temp HOME");
    let out = Command::new(hf)
        .arg("--helm-binary")
        .arg(helm)
        .arg("-f")
        .arg(file)
        .arg("-e")
        .arg(env)
        .args(extra)
        .arg("build")
        .current_dir(file.parent().expect("fixture dir"))
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .output()
        .expect("helmfile runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The states `helmfile build` prints, in its order (sub-helmfiles before their parent).
fn build_docs(stdout: &str) -> Vec<Value> {
    stdout
        .split("\n---\n")
        .chain(std::iter::empty())
        .map(|d| d.trim_start_matches("---\n"))
        .filter(|d| d.lines().any(|l| !l.is_empty() && !l.starts_with('#')))
        .map(|d| {
            let n = goyaml::v3::unmarshal(d)
                .expect("helmfile build prints YAML")
                .expect("a document");
            goyaml::native_to_value(&n)
        })
        .collect()
}

/// canon's states in helmfile's visiting order (each state's sub-helmfiles, then itself), with
/// whether a `helmfiles:` entry gave it selectors (helmfile `build` then prints only the
/// releases they select: that selection is `release`'s job, not loading's).
fn flatten(st: &HelmState, selected: bool, out: &mut Vec<(HelmState, bool)>) {
    for s in &st.sub_states {
        flatten(&s.state, s.selectors.is_some(), out);
    }
    out.push((st.clone(), selected));
}

/// Release keys helmfile adds after loading (release preparation, not loading).
const ADDED_AFTER_LOAD: &[&str] = &["labels", "namespace", "apiVersions", "kubeVersion"];

/// How much of the releases to compare: helmfile `build` prints releases after its release
/// stage (inherit, templating), which loading does not do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Releases {
    /// Field by field (releases without templates or inherit).
    Fields,
    /// Names only.
    Names,
    /// Not at all (a `helmfiles:` entry's selectors filtered them).
    Skip,
}

fn compare_state(case: &str, mine: &HelmState, releases_mode: Releases, build: &Value) {
    let ctx = format!("{case} ({})", mine.file.display());
    assert_eq!(
        json(&mine.env.values),
        json(&get(build, "renderedvalues")),
        "{ctx}: environment values"
    );
    let str_field = |k: &str| match get(build, k) {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    };
    assert_eq!(mine.namespace, str_field("namespace"), "{ctx}: namespace");
    assert_eq!(
        mine.kube_context,
        str_field("kubeContext"),
        "{ctx}: kubeContext"
    );
    assert_eq!(
        mine.kube_version,
        str_field("kubeVersion"),
        "{ctx}: kubeVersion"
    );
    assert_eq!(
        mine.lock_file.as_ref().map(|p| p.display().to_string()),
        str_field("lockFilePath"),
        "{ctx}: lockFilePath"
    );
    let api: Vec<String> = items(&get(build, "apiVersions"))
        .iter()
        .map(|v| json(v).trim_matches('"').to_string())
        .collect();
    assert_eq!(mine.api_versions, api, "{ctx}: apiVersions");
    let labels: BTreeMap<String, String> = entries(&get(build, "commonLabels"))
        .into_iter()
        .map(|(k, v)| (k, json(&v).trim_matches('"').to_string()))
        .collect();
    assert_eq!(mine.common_labels, labels, "{ctx}: commonLabels");
    let repos: Vec<(String, String, bool)> = items(&get(build, "repositories"))
        .iter()
        .map(|r| {
            (
                json(&get(r, "name")).trim_matches('"').to_string(),
                json(&get(r, "url")).trim_matches('"').to_string(),
                matches!(get(r, "oci"), Value::Bool(true)),
            )
        })
        .collect();
    let my_repos: Vec<(String, String, bool)> = mine
        .repositories
        .iter()
        .map(|r| (r.name.clone(), r.url.clone(), r.oci))
        .collect();
    assert_eq!(my_repos, repos, "{ctx}: repositories");
    let templates: Vec<String> = entries(&get(build, "templates")).into_keys().collect();
    let my_templates: Vec<String> = mine.templates.keys().cloned().collect();
    assert_eq!(my_templates, templates, "{ctx}: templates");
    for (k, v) in entries(&mine.helm_defaults) {
        assert_eq!(
            json(&v),
            json(&get(&get(build, "helmDefaults"), &k)),
            "{ctx}: helmDefaults.{k}"
        );
    }
    let releases = items(&get(build, "releases"));
    if releases_mode == Releases::Skip {
        return;
    }
    assert_eq!(mine.releases.len(), releases.len(), "{ctx}: release count");
    if releases_mode == Releases::Names {
        for (r, b) in mine.releases.iter().zip(&releases) {
            assert_eq!(
                json(&get(&r.value, "name")),
                json(&get(b, "name")),
                "{ctx}: release names"
            );
        }
        return;
    }
    for (i, (r, b)) in mine.releases.iter().zip(&releases).enumerate() {
        let mut want = entries(b);
        for k in ADDED_AFTER_LOAD {
            want.remove(*k);
        }
        let mut got = entries(&r.value);
        // `labels` and `namespace` as written are inputs of what helmfile prints.
        if let Some(l) = got.remove("labels") {
            let printed = entries(&get(b, "labels"));
            for (k, v) in entries(&l) {
                assert_eq!(
                    Some(json(&v)),
                    printed.get(&k).map(json),
                    "{ctx}: releases[{i}].labels.{k}"
                );
            }
        }
        got.remove("namespace");
        got.remove("apiVersions");
        got.remove("kubeVersion");
        let got: BTreeMap<String, String> = got.iter().map(|(k, v)| (k.clone(), json(v))).collect();
        let want: BTreeMap<String, String> =
            want.iter().map(|(k, v)| (k.clone(), json(v))).collect();
        assert_eq!(got, want, "{ctx}: releases[{i}]");
    }
}

fn oracle_case(case: &str, env: &str, extra: &[&str], opts: LoadOptions) {
    oracle_case_with(case, env, extra, opts, Releases::Fields);
}

fn oracle_case_with(case: &str, env: &str, extra: &[&str], opts: LoadOptions, mode: Releases) {
    oracle_file(&fixture(case), case, env, extra, opts, mode);
}

fn oracle_file(
    file: &Path,
    case: &str,
    env: &str,
    extra: &[&str],
    opts: LoadOptions,
    mode: Releases,
) {
    let run = helmfile_build(file, env, extra);
    assert!(run.ok, "{case}: helmfile build failed: {}", run.stderr);
    let docs = build_docs(&run.stdout);
    let st = load::load(file, &opts).unwrap_or_else(|e| panic!("{case} -e {env}: {e}"));
    let mut mine = Vec::new();
    flatten(&st, false, &mut mine);
    assert_eq!(mine.len(), docs.len(), "{case} -e {env}: number of states");
    for ((m, selected), b) in mine.iter().zip(&docs) {
        let mode = if *selected { Releases::Skip } else { mode };
        compare_state(&format!("{case} -e {env}"), m, mode, b);
    }
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_plain_yaml() {
    for env in ["default", "prod"] {
        oracle_case("basic", env, &[], opts(env));
    }
    oracle_case("parts", "default", &[], opts("default"));
    oracle_case("missing", "default", &[], opts("default"));
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_gotmpl_parts() {
    for env in ["default", "staging"] {
        oracle_case("gotmpl/helmfile.yaml.gotmpl", env, &[], opts(env));
    }
    // mergeStrategy: fallback, a later `.gotmpl` values file seeing the earlier files' values.
    oracle_case(
        "fallback/helmfile.yaml.gotmpl",
        "default",
        &[],
        opts("default"),
    );
    oracle_case("crlf.yaml", "default", &[], opts("default"));
    // Parts re-declaring the environment with values from earlier parts, top-level values in
    // two parts, a conditional part, releases with inherit and templates (names only: helmfile
    // prints them after its release stage).
    for env in ["default", "prod"] {
        oracle_case_with(
            "complex/helmfile.yaml.gotmpl",
            env,
            &[],
            opts(env),
            Releases::Names,
        );
    }
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_helmfile_d() {
    let dir = fixtures().join("helmfile.d");
    // helmfile processes a directory's files in parallel: match its states by file.
    let run = {
        let hf = testenv::helmfile().expect("helmfile");
        let helm = testenv::helm(testenv::HelmVersion::V4).expect("helm v4");
        let home = tempfile::tempdir().expect("temp HOME");
        let out = Command::new(hf)
            .arg("--helm-binary")
            .arg(helm)
            .arg("-f")
            .arg(&dir)
            .arg("build")
            .current_dir(&dir)
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .output()
            .expect("helmfile runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let docs = build_docs(&run);
    let files = load::find(Some(&dir)).expect("helmfile.d lists");
    assert_eq!(files.len(), docs.len(), "one state per file");
    for f in files {
        let st = load::load(&f, &opts("default")).unwrap_or_else(|e| panic!("{e}"));
        let doc = docs
            .iter()
            .find(|d| json(&get(d, "filepath")).trim_matches('"') == f.to_string_lossy())
            .unwrap_or_else(|| panic!("helmfile printed no state for {}", f.display()));
        compare_state("helmfile.d", &st, Releases::Fields, doc);
    }
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_bases() {
    for env in ["default", "other"] {
        oracle_case("bases", env, &[], opts(env));
    }
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_sub_helmfiles() {
    for env in ["default", "prod"] {
        oracle_case("subs", env, &[], opts(env));
        // Values files of a `helmfiles:` entry are relative to the parent; nested globs; a
        // sub-helmfile without the environment is skipped.
        oracle_case("subs2", env, &[], opts(env));
    }
    // `inherits:` (every allowed key) next to the same sub-helmfile without it.
    oracle_case("inherits", "default", &[], opts("default"));
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_state_values_flags() {
    let vals = fixtures().join("basic/env/prod.yaml");
    let vals = vals.to_string_lossy().into_owned();
    let o = LoadOptions {
        environment: "default".into(),
        state_values_set: vec!["replicas=7,nested.cli=x".into(), "list[1]=z".into()],
        state_values_files: vec![PathBuf::from(&vals)],
        ..LoadOptions::default()
    };
    oracle_case(
        "basic",
        "default",
        &[
            "--state-values-set",
            "replicas=7,nested.cli=x",
            "--state-values-set",
            "list[1]=z",
            "--state-values-file",
            &vals,
        ],
        o,
    );
}

/// A relative `--state-values-file` is found beside the helmfile, wherever helmfile runs.
#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_state_values_file_is_relative_to_the_helmfile() {
    let hf = testenv::helmfile().expect("the real helmfile (run scripts/testenv)");
    let helm = testenv::helm(testenv::HelmVersion::V4).expect("helm v4 (run scripts/testenv)");
    let home = tempfile::tempdir().expect("temp HOME");
    let out = Command::new(hf)
        .args(["--helm-binary"])
        .arg(helm)
        .args([
            "-f",
            "basic/helmfile.yaml",
            "--state-values-file",
            "env/prod.yaml",
            "build",
        ])
        .current_dir(fixtures())
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .output()
        .expect("helmfile runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = build_docs(&String::from_utf8_lossy(&out.stdout));
    let o = LoadOptions {
        state_values_files: vec![PathBuf::from("env/prod.yaml")],
        ..opts("default")
    };
    let st = load::load(&fixture("basic"), &o).expect("loads");
    assert_eq!(json(&st.env.values), json(&get(&docs[0], "renderedvalues")));
}

#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_state_values_set_string() {
    let arg = r#"replicas=7,quoted="a,b",nested.flag=true"#;
    let o = LoadOptions {
        environment: "default".into(),
        state_values_set_string: vec![arg.into()],
        ..LoadOptions::default()
    };
    oracle_case("basic", "default", &["--state-values-set-string", arg], o);
}

/// The bundled demo (`examples/demo`), in each of its environments.
#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_demo() {
    let file = testenv::repo_root().join("examples/demo/helmfile.yaml.gotmpl");
    assert!(file.is_file(), "the demo is missing: {}", file.display());
    for env in ["staging", "production"] {
        oracle_file(&file, "demo", env, &[], opts(env), Releases::Names);
    }
}

/// Error cases: helmfile's message (after its `in FILE: ` prefix, which canon prints too) is
/// the tail of canon's.
#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_errors() {
    let dir = fixtures().join("errors");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("errors fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "error fixtures are missing");
    for file in names {
        let run = helmfile_build(&file, "default", &[]);
        assert!(!run.ok, "{}: helmfile accepted it", file.display());
        let err = load::load(&file, &opts("default")).expect_err("canon refuses it too");
        let want = run.stderr.trim_end();
        let got = match &err {
            LoadError::At { message, .. } => message.clone(),
            e => e.to_string(),
        };
        assert_eq!(got.trim_end(), want, "{}", file.display());
    }
}

/// Command-line overrides that clash with the helmfile, and an undeclared environment: helmfile
/// reports the first two, and skips a helmfile without the environment (then finds no release).
#[test]
#[ignore = "needs the real helmfile (scripts/test)"]
fn oracle_command_line_conflicts() {
    let file = fixture("basic");
    let run = helmfile_build(&file, "default", &["--namespace", "other"]);
    assert!(!run.ok);
    let o = LoadOptions {
        namespace: Some("other".into()),
        ..opts("default")
    };
    let err = load::load(&file, &o).expect_err("namespace clash");
    assert_eq!(err.to_string(), run.stderr.trim_end());

    let file = fixture("gotmpl/helmfile.yaml.gotmpl");
    let run = helmfile_build(&file, "staging", &["--kube-context", "other"]);
    let o = LoadOptions {
        kube_context: Some("other".into()),
        ..opts("staging")
    };
    match load::load(&file, &o) {
        Ok(st) => {
            assert!(
                run.ok,
                "canon accepted what helmfile refused: {}",
                run.stderr
            );
            assert_eq!(st.kube_context.as_deref(), Some("other"));
        }
        Err(e) => assert_eq!(e.to_string(), run.stderr.trim_end()),
    }

    let run = helmfile_build(&fixture("basic"), "staging", &[]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("environment(staging)"),
        "helmfile: {}",
        run.stderr
    );
    let err = load::load(&fixture("basic"), &opts("staging")).expect_err("undeclared");
    assert!(matches!(err, LoadError::UndefinedEnv { .. }), "{err:?}");
}
