//! The render engine against helm: fixture charts under `tests/fixtures/engine/` rendered by canon
//! and compared per template with what `helm template --output-dir` wrote (committed under
//! `expected/v4` and `expected/v3` by `tests/fixtures/engine/regen.sh` from the real helm
//! binaries), or with helm's error message. The `#[ignore]`d tests run helm live instead.
//! The stages before the engine (loader, dependencies, coalescing) are the crate's own; the
//! comparison is per template file, before helm's output assembly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gotmpl::Value;
use helm::HelmVersion;
use helm::capabilities::Capabilities;
use helm::chart::File;
use helm::engine::{EngineOptions, ReleaseInfo, RenderInput, render};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/engine")
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<File>) {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir readable")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    names.sort();
    for n in names {
        let p = dir.join(&n);
        let r = if rel.is_empty() {
            n.clone()
        } else {
            format!("{rel}/{n}")
        };
        if p.is_dir() {
            walk(&p, &r, out);
        } else {
            out.push(File {
                name: r,
                data: std::fs::read(&p).expect("fixture file readable").into(),
            });
        }
    }
}

fn render_fixture(name: &str, compat: HelmVersion) -> Result<BTreeMap<String, String>, String> {
    render_dir(&fixtures().join(name), compat, false, false)
}

fn render_dir(
    dir: &Path,
    compat: HelmVersion,
    strict: bool,
    lint_mode: bool,
) -> Result<BTreeMap<String, String>, String> {
    render_chart(dir, compat, None, strict, lint_mode)
}

/// The stages before the engine as `helm template` runs them (load, dependencies, coalesce),
/// then the engine alone.
fn render_chart(
    dir: &Path,
    compat: HelmVersion,
    kube_version: Option<&str>,
    strict: bool,
    lint_mode: bool,
) -> Result<BTreeMap<String, String>, String> {
    let user = Value::map(BTreeMap::new());
    let mut chart = helm::loader::load_for(dir, compat).map_err(|e| e.to_string())?;
    helm::dependencies::process_dependencies(&mut chart, &user, compat)
        .map_err(|e| e.to_string())?;
    let values = helm::values::coalesce_values(&chart, &user, compat).map_err(|e| e.to_string())?;
    let input = RenderInput {
        values,
        release: ReleaseInfo {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            is_install: true,
            service: "Helm".into(),
        },
        capabilities: Capabilities::with_flags(compat, kube_version, &[]).map_err(|e| e.0)?,
    };
    let opts = EngineOptions {
        compat,
        strict,
        lint_mode,
        ..EngineOptions::default()
    };
    render(&chart, &input, &opts).map_err(|e| e.to_string())
}

/// What helm produced for a fixture: the files `--output-dir` wrote (path → content), or the error.
enum Helm {
    Files(BTreeMap<String, String>),
    Error(String),
}

fn read_tree(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
    let mut files = Vec::new();
    walk(dir, rel, &mut files);
    for f in files {
        out.insert(
            f.name,
            String::from_utf8(f.data.to_vec()).expect("helm writes UTF-8"),
        );
    }
}

fn committed(name: &str, v: &str) -> Helm {
    let base = fixtures().join("expected").join(v);
    let err = base.join(format!("{name}.error"));
    if err.exists() {
        return Helm::Error(std::fs::read_to_string(err).expect("error file"));
    }
    let dir = base.join(name);
    assert!(
        dir.is_dir(),
        "no expected output for {name} ({v}): run tests/fixtures/engine/regen.sh"
    );
    let mut out = BTreeMap::new();
    read_tree(&dir, name, &mut out);
    Helm::Files(out)
}

/// helm's file for one template: `---\n# Source: NAME\n` + document, per document.
fn helm_docs(name: &str, content: &str) -> Vec<String> {
    let header = format!("---\n# Source: {name}\n");
    content
        .split(&header)
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .collect()
}

/// Compares canon's render with helm's: the list of mismatches, each a description.
fn compare(
    name: &str,
    canon: &Result<BTreeMap<String, String>, String>,
    helm: &Helm,
    compat: HelmVersion,
) -> Vec<String> {
    let mut bad = Vec::new();
    match (canon, helm) {
        (Err(c), Helm::Error(h)) => {
            if c != h {
                bad.push(format!("{name}: error differs\ncanon: {c}\nhelm:  {h}"));
            }
        }
        (Ok(_), Helm::Error(h)) => bad.push(format!("{name}: canon rendered, helm failed: {h}")),
        (Err(c), Helm::Files(_)) => bad.push(format!("{name}: canon failed, helm rendered: {c}")),
        (Ok(rendered), Helm::Files(files)) => {
            for (path, text) in rendered {
                // --output-dir writes a template's documents in helm's kind order: compare
                // them as sorted lists.
                let mut want = files
                    .get(path)
                    .map(|f| helm_docs(path, f))
                    .unwrap_or_default();
                want.sort();
                let mut got: Vec<String> = goyaml::split_manifests(text, compat)
                    .iter()
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty())
                    .collect();
                got.sort();
                if got != want {
                    bad.push(format!("{path}: differs\ncanon: {got:?}\nhelm:  {want:?}"));
                }
            }
            for path in files.keys() {
                if !rendered.contains_key(path) {
                    bad.push(format!("{path}: helm wrote it, canon did not render it"));
                }
            }
        }
    }
    bad
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir() && p.join("Chart.yaml").exists())
        .map(|p| p.file_name().expect("name").to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

fn versions() -> [(HelmVersion, &'static str, testenv::HelmVersion); 2] {
    [
        (HelmVersion::V4, "v4", testenv::HelmVersion::V4),
        (HelmVersion::V3, "v3", testenv::HelmVersion::V3),
    ]
}

/// Differences canon knows about, each waiting for another crate: (fixture, helm version,
/// mismatch prefix, why). The test still runs them and fails once one starts matching (then
/// remove it here).
const KNOWN: &[(&str, &str, &str, &str)] = &[
    (
        "err-func-in-include",
        "v4",
        "err-func-in-include: error differs",
        "helm links Masterminds/semver v3.5.0 (lower-case errors, new prerelease rules); the sprig crate follows v3.3.0",
    ),
    (
        "err-func-in-include",
        "v3",
        "err-func-in-include: error differs",
        "as for v4: helm v3.21.4 links semver v3.5.0 too",
    ),
    (
        "toml",
        "v4",
        "toml/templates/dt.yaml: differs",
        "fromToml date-times are strings: sprig exposes no time.Time value to build (same toJson)",
    ),
    (
        "toml",
        "v4",
        "toml/templates/err.yaml: differs",
        "fromToml parse errors are the toml crate's texts, not BurntSushi's",
    ),
    (
        "toml",
        "v3",
        "toml/templates/dt.yaml: differs",
        "fromToml date-times are strings: sprig exposes no time.Time value to build (same toJson)",
    ),
    (
        "toml",
        "v3",
        "toml/templates/err.yaml: differs",
        "fromToml parse errors are the toml crate's texts, not BurntSushi's",
    ),
    (
        "chart-print",
        "v3",
        "chart-print/templates/maintainers-type.yaml: differs",
        "gotmpl's ElemType cannot name []*chart.Maintainer (prints []interface {})",
    ),
];

fn check(results: Vec<(String, String, Vec<String>)>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for (fixture, v, bad) in results {
        count += 1;
        let known: Vec<&str> = KNOWN
            .iter()
            .filter(|(f, kv, _, _)| *f == fixture && *kv == v)
            .map(|(_, _, path, _)| *path)
            .collect();
        for b in &bad {
            if !known.iter().any(|k| b.starts_with(k)) {
                failures.push(format!("[{v}] {b}"));
            }
        }
        for k in known {
            if !bad.iter().any(|b| b.starts_with(k)) {
                failures.push(format!(
                    "[{v}] {k}: listed as known but now matches helm: remove it from KNOWN"
                ));
            }
        }
    }
    assert!(count > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} mismatches with helm:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fixtures_render_like_helm() {
    let mut results = Vec::new();
    for name in fixture_names() {
        for (compat, v, _) in versions() {
            let canon = render_fixture(&name, compat);
            results.push((
                name.clone(),
                v.to_string(),
                compare(&name, &canon, &committed(&name, v), compat),
            ));
        }
    }
    check(results);
}

#[test]
#[ignore = "runs helm v4.2.4 and v3.21.4 (scripts/test provisions them)"]
fn fixtures_render_like_live_helm() {
    let mut results = Vec::new();
    for (compat, v, tv) in versions() {
        let helm = testenv::helm(tv).unwrap_or_else(|e| panic!("{e}"));
        for name in fixture_names() {
            let tmp = tempfile::tempdir().expect("tempdir");
            let out = std::process::Command::new(&helm)
                .current_dir(fixtures())
                .args(["template", "release-name", &name, "--output-dir"])
                .arg(tmp.path().join("out"))
                .output()
                .expect("helm runs");
            let live = if out.status.success() {
                let mut files = BTreeMap::new();
                let dir = tmp.path().join("out").join(&name);
                if dir.is_dir() {
                    read_tree(&dir, &name, &mut files);
                }
                Helm::Files(files)
            } else {
                let e = String::from_utf8_lossy(&out.stderr).to_string();
                let e = e.split_once("Error: ").map(|x| x.1).unwrap_or(&e);
                let e = e
                    .split("\n\nUse --debug flag to render out invalid YAML")
                    .next()
                    .unwrap_or(e);
                Helm::Error(e.trim_end_matches('\n').to_string())
            };
            let canon = render_fixture(&name, compat);
            results.push((
                name.clone(),
                v.to_string(),
                compare(&name, &canon, &live, compat),
            ));
        }
    }
    check(results);
}

/// Strict and lint modes (not reachable through `helm template`) against helm v4's engine
/// package itself: `expected/modes/CHART.MODE.txt` is what `modes-oracle/main.go` printed.
#[test]
fn modes_render_like_helm_engine() {
    let base = fixtures().join("modes");
    let mut charts: Vec<String> = std::fs::read_dir(&base)
        .expect("modes dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    charts.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for chart in charts {
        for mode in ["normal", "strict", "lint"] {
            let want = std::fs::read_to_string(
                fixtures()
                    .join("expected/modes")
                    .join(format!("{chart}.{mode}.txt")),
            )
            .expect("expected output: run tests/fixtures/engine/regen.sh");
            let got = match render_dir(
                &base.join(&chart),
                HelmVersion::V4,
                mode == "strict",
                mode == "lint",
            ) {
                Err(e) => format!("ERROR: {e}\n"),
                Ok(m) => m.iter().map(|(k, v)| format!("### {k}\n{v}\n")).collect(),
            };
            count += 1;
            if got != want {
                failures.push(format!(
                    "{chart} ({mode}):\ncanon: {got:?}\nhelm:  {want:?}"
                ));
            }
        }
    }
    assert!(count >= 12, "modes fixtures missing");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs `helm template release-name CHART --output-dir` with `extra` flags; the files it wrote
/// (path → content) or its error.
fn helm_output_dir(helm: &Path, cwd: &Path, chart: &str, extra: &[&str]) -> Helm {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(helm)
        .current_dir(cwd)
        .args(["template", "release-name", chart, "--output-dir"])
        .arg(tmp.path().join("out"))
        .args(extra)
        .output()
        .expect("helm runs");
    if !out.status.success() {
        let e = String::from_utf8_lossy(&out.stderr).to_string();
        let e = e.split_once("Error: ").map(|x| x.1).unwrap_or(&e);
        let e = e
            .split("\n\nUse --debug flag to render out invalid YAML")
            .next()
            .unwrap_or(e);
        return Helm::Error(e.trim_end_matches('\n').to_string());
    }
    let mut files = BTreeMap::new();
    let name = Path::new(chart)
        .file_name()
        .expect("chart dir name")
        .to_string_lossy()
        .to_string();
    let dir = tmp.path().join("out").join(&name);
    if dir.is_dir() {
        read_tree(&dir, &name, &mut files);
    }
    Helm::Files(files)
}

/// Every corpus chart (default values, `--kube-version 1.33.0`), template by template, against
/// helm v4 and v3. helm runs twice: files that differ between its own runs (random passwords,
/// generated names) are not compared, and are counted.
#[test]
#[ignore = "runs helm v4.2.4 and v3.21.4 on the corpus charts (scripts/testenv)"]
fn corpus_charts_render_like_helm() {
    let corpus = testenv::corpus_dir()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("charts");
    let mut charts: Vec<String> = std::fs::read_dir(&corpus)
        .expect("corpus charts")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    charts.sort();
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for (compat, v, tv) in versions() {
        let helm = testenv::helm(tv).unwrap_or_else(|e| panic!("{e}"));
        for chart in &charts {
            let flags = ["--kube-version", "1.33.0"];
            let first = helm_output_dir(&helm, &corpus, chart, &flags);
            let second = helm_output_dir(&helm, &corpus, chart, &flags);
            let canon = render_chart(&corpus.join(chart), compat, Some("1.33.0"), false, false);
            let (want, random) = match (first, second) {
                (Helm::Files(a), Helm::Files(b)) => {
                    let random: Vec<String> = a
                        .iter()
                        .filter(|(k, f)| b.get(*k) != Some(*f))
                        .map(|(k, _)| k.clone())
                        .collect();
                    (Helm::Files(a), random)
                }
                (e, _) => (e, Vec::new()),
            };
            let canon = canon.map(|mut m| {
                // NOTES.txt is rendered but never written by --output-dir.
                m.retain(|k, _| !k.ends_with("NOTES.txt") && !random.contains(k));
                m
            });
            let want = match want {
                Helm::Files(mut f) => {
                    f.retain(|k, _| !random.contains(k));
                    Helm::Files(f)
                }
                e => e,
            };
            let n = canon.as_ref().map(|m| m.len()).unwrap_or(0);
            let bad = compare(chart, &canon, &want, compat);
            summary.push(format!(
                "{chart} {v}: {n} templates compared, {} random skipped, {} differ",
                random.len(),
                bad.len()
            ));
            failures.extend(bad.into_iter().map(|b| format!("[{v}] {b}")));
        }
    }
    println!("{}", summary.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n{} mismatches with helm:\n{}",
        summary.join("\n"),
        failures.len(),
        failures.join("\n\n")
    );
}
