//! `helm::loader` against the real helm binaries: charts are loaded by canon and by helm, and
//! helm prints what it loaded through a probe template added to every chart of a copy of the
//! fixture (`.Chart` fields, every `.Files` entry with its SHA-256); loader errors are compared
//! with what `helm template` prints after `Error: `.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use gotmpl::Value;
use helm::Chart;
use helm::loader::{self, LoadError};
use sha2::Digest as _;
use testenv::HelmVersion as TV;

pub const BOTH: [TV; 2] = [TV::V4, TV::V3];

pub fn compat(v: TV) -> helm::HelmVersion {
    match v {
        TV::V4 => helm::HelmVersion::V4,
        TV::V3 => helm::HelmVersion::V3,
    }
}

/// The helm binary, or a failure saying how to provision it.
pub fn helm_bin(v: TV) -> PathBuf {
    testenv::helm(v).unwrap_or_else(|e| panic!("{e}"))
}

pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// helm's message after `Error: ` (helm prints `Error: <msg>` last on stderr).
    pub fn error(&self) -> String {
        assert!(
            !self.ok,
            "helm succeeded where an error was expected:\n{}",
            self.stdout
        );
        let at = self
            .stderr
            .rfind("Error: ")
            .unwrap_or_else(|| panic!("no `Error: ` in helm's stderr:\n{}", self.stderr));
        self.stderr[at + "Error: ".len()..].trim_end().to_string()
    }
}

pub fn run_helm(v: TV, args: &[&str]) -> Run {
    let out = Command::new(helm_bin(v))
        .args(args)
        .env(
            "HELM_CACHE_HOME",
            std::env::temp_dir().join("canon-helm-test-cache"),
        )
        .env(
            "HELM_CONFIG_HOME",
            std::env::temp_dir().join("canon-helm-test-config"),
        )
        .env(
            "HELM_DATA_HOME",
            std::env::temp_dir().join("canon-helm-test-data"),
        )
        .output()
        .expect("helm runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/loader")
        .join(name)
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("readdir") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        let ty = e.file_type().expect("type");
        if ty.is_symlink() {
            let target = std::fs::read_link(e.path()).expect("readlink");
            std::os::unix::fs::symlink(target, &to).expect("symlink");
        } else if ty.is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
}

pub fn write(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

fn sha256_hex(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn json(s: &str) -> String {
    goyaml::to_json(&Value::string(s)).expect("a string marshals")
}

fn json_list(l: &[String]) -> String {
    goyaml::to_json(&Value::list(l.iter().map(Value::string).collect())).expect("marshals")
}

/// The probe: what helm loaded, one line per fact, in an order canon can reproduce. (Not the
/// dependencies: helm has processed them before rendering; `helm show chart` covers them.)
const PROBE: &str = r#"{{- /* canon loader probe */ -}}
# CANON-PROBE {{ .Template.BasePath }}
# Name {{ .Chart.Name | toJson }}
# Home {{ .Chart.Home | toJson }}
# Sources {{ .Chart.Sources | toJson }}
# Version {{ .Chart.Version | toJson }}
# Description {{ .Chart.Description | toJson }}
# Keywords {{ .Chart.Keywords | toJson }}
# Icon {{ .Chart.Icon | toJson }}
# APIVersion {{ .Chart.APIVersion | toJson }}
# Condition {{ .Chart.Condition | toJson }}
# Tags {{ .Chart.Tags | toJson }}
# AppVersion {{ .Chart.AppVersion | toJson }}
# Deprecated {{ .Chart.Deprecated | toJson }}
# Annotations {{ .Chart.Annotations | toJson }}
# KubeVersion {{ .Chart.KubeVersion | toJson }}
# Type {{ .Chart.Type | toJson }}
{{- range .Chart.Maintainers }}
# Maintainer {{ .Name | toJson }} {{ .Email | toJson }} {{ .URL | toJson }}
{{- end }}
{{- range $k, $v := .Files }}
# File {{ $k | toJson }} {{ toString $v | sha256sum }}
{{- end }}
"#;

const PROBE_NAME: &str = "templates/zz-canon-probe.yaml";

/// Empty JSON collections and `null` print alike (helm v4's `.Chart` has `[]` where v3 has `null`).
fn norm(line: &str) -> String {
    line.replace("[]", "null").replace("{}", "null")
}

/// Adds the probe to the chart at `dir` and to every chart directory under its `charts/`.
fn add_probes(dir: &Path) {
    write(dir, PROBE_NAME, PROBE.as_bytes());
    let charts = dir.join("charts");
    if let Ok(entries) = std::fs::read_dir(&charts) {
        for e in entries.flatten() {
            if e.path().join("Chart.yaml").is_file() {
                add_probes(&e.path());
            }
        }
    }
}

/// What helm's probes printed: chart path (`top/charts/sub`) → probe lines.
fn helm_probes(stdout: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in stdout.lines() {
        if let Some(base) = line.strip_prefix("# CANON-PROBE ") {
            let key = base.strip_suffix("/templates").unwrap_or(base).to_string();
            out.insert(key.clone(), Vec::new());
            current = Some(key);
        } else if line == "---" {
            current = None;
        } else if let Some(k) = &current
            && !line.is_empty()
        {
            out.get_mut(k).expect("section exists").push(norm(line));
        }
    }
    out
}

/// The same facts from canon's loaded tree.
fn canon_probes(c: &Chart, key: &str, out: &mut BTreeMap<String, Vec<String>>) {
    let md = &c.metadata;
    let mut lines = vec![
        format!("# Name {}", json(&md.name)),
        format!("# Home {}", json(&md.home)),
        format!("# Sources {}", json_list(&md.sources)),
        format!("# Version {}", json(&md.version)),
        format!("# Description {}", json(&md.description)),
        format!("# Keywords {}", json_list(&md.keywords)),
        format!("# Icon {}", json(&md.icon)),
        format!("# APIVersion {}", json(&md.api_version)),
        format!("# Condition {}", json(&md.condition)),
        format!("# Tags {}", json(&md.tags)),
        format!("# AppVersion {}", json(&md.app_version)),
        format!("# Deprecated {}", md.deprecated),
        format!(
            "# Annotations {}",
            goyaml::to_json(&Value::map(
                md.annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::string(v)))
            ))
            .expect("marshals")
        ),
        format!("# KubeVersion {}", json(&md.kube_version)),
        format!("# Type {}", json(&md.chart_type)),
    ];
    for m in &md.maintainers {
        lines.push(format!(
            "# Maintainer {} {} {}",
            json(&m.name),
            json(&m.email),
            json(&m.url)
        ));
    }
    let mut files: Vec<&helm::chart::File> = c.files.iter().collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    for f in files {
        lines.push(format!("# File {} {}", json(&f.name), sha256_hex(&f.data)));
    }
    out.insert(key.to_string(), lines.iter().map(|l| norm(l)).collect());
    for d in &c.dependencies {
        // helm renames an aliased subchart to its alias before rendering.
        let alias = md
            .dependencies
            .iter()
            .find(|r| r.name == d.name() && !r.alias.is_empty())
            .map(|r| r.alias.clone());
        match alias {
            Some(alias) => {
                let mut renamed = d.clone();
                renamed.metadata.name = alias.clone();
                canon_probes(&renamed, &format!("{key}/charts/{alias}"), out);
            }
            None => canon_probes(d, &format!("{key}/charts/{}", d.name()), out),
        }
    }
}

/// Loads `src` (a copy, probes added) with canon and with helm and compares what both loaded.
/// Returns the chart paths compared.
pub fn compare_with_helm(v: TV, src: &Path, extra: &[&str]) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(src.file_name().expect("named"));
    copy_dir(src, &dir);
    add_probes(&dir);
    let chart = loader::load_for(&dir, compat(v))
        .unwrap_or_else(|e| panic!("canon cannot load {}: {e}", src.display()));
    let mut canon = BTreeMap::new();
    canon_probes(&chart, chart.name(), &mut canon);
    let dir_s = dir.to_str().expect("utf-8 path");
    let mut args = vec!["template", "release-name", dir_s];
    args.extend_from_slice(extra);
    let run = run_helm(v, &args);
    assert!(
        run.ok,
        "helm {v:?} failed on {}: {}",
        src.display(),
        run.stderr
    );
    let helm = helm_probes(&run.stdout);
    assert!(
        helm.contains_key(chart.name()),
        "helm printed no probe for the top chart {}",
        chart.name()
    );
    for (key, lines) in &helm {
        let ours = canon
            .get(key)
            .unwrap_or_else(|| panic!("helm {v:?} rendered {key}, which canon did not load"));
        assert_eq!(ours, lines, "helm {v:?}: chart {key} of {}", src.display());
    }
    assert_show_chart(v, &dir, &chart);
    helm.keys().cloned().collect()
}

/// `helm show chart` (the loaded, validated metadata as YAML) of `dir` and of every chart
/// directory under its `charts/`, against canon's metadata of the same charts.
fn assert_show_chart(v: TV, dir: &Path, chart: &Chart) {
    let run = run_helm(v, &["show", "chart", dir.to_str().expect("utf-8")]);
    assert!(run.ok, "helm {v:?} show chart: {}", run.stderr);
    let json = loader::metadata_json(&chart.metadata);
    let ours = goyaml::to_yaml(&goyaml::from_json_value(&json).expect("metadata_json is JSON"))
        .expect("marshals");
    assert_eq!(
        ours.trim_end(),
        run.stdout.trim_end(),
        "helm {v:?} show chart {}",
        dir.display()
    );
    for sub in &chart.dependencies {
        let sub_dir = dir.join("charts").join(sub.name());
        if sub_dir.join("Chart.yaml").is_file() {
            assert_show_chart(v, &sub_dir, sub);
        }
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn basic_fixture_loads_like_helm() {
    for v in BOTH {
        let compared = compare_with_helm(v, &fixture("basic"), &[]);
        assert_eq!(compared, ["basic", "basic/charts/sub1"]);
    }
}

/// The templates canon loads are the ones helm renders (every fixture template renders).
#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn basic_fixture_templates_like_helm() {
    for v in BOTH {
        let chart = loader::load_for(&fixture("basic"), compat(v)).expect("loads");
        let mut ours = Vec::new();
        fn collect(c: &Chart, key: &str, out: &mut Vec<String>) {
            for t in &c.templates {
                let base = t.name.rsplit('/').next().unwrap_or(&t.name);
                if !base.starts_with('_') {
                    out.push(format!("{key}/{}", t.name));
                }
            }
            for d in &c.dependencies {
                collect(d, &format!("{key}/charts/{}", d.name()), out);
            }
        }
        collect(&chart, "basic", &mut ours);
        ours.sort();
        let run = run_helm(
            v,
            &["template", "x", fixture("basic").to_str().expect("utf-8")],
        );
        assert!(run.ok, "{}", run.stderr);
        let mut theirs: Vec<String> = run
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("# Source: ").map(String::from))
            .collect();
        theirs.sort();
        assert_eq!(ours, theirs, "helm {v:?}");
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn corpus_charts_load_like_helm() {
    let corpus = testenv::corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    let charts = corpus.join("charts");
    let loki_values = charts.join("loki/ci/default-values.yaml");
    let loki_values = loki_values.to_str().expect("utf-8");
    // Values that make each chart render and enable its optional subcharts (only rendered
    // charts print helm's probe).
    let cases: &[(&str, &[&str])] = &[
        ("ingress-nginx", &[]),
        (
            "kube-prometheus-stack",
            &["--set", "windowsMonitoring.enabled=true"],
        ),
        (
            "loki",
            &[
                "-f",
                loki_values,
                "--set",
                "minio.enabled=true,ignoreMinioDeprecation=true,rollout_operator.enabled=true",
            ],
        ),
        ("metrics-server", &[]),
        ("monochart", &["--set", "dockercfg.enabled=true"]),
        ("nginx", &[]),
        ("podinfo", &[]),
        ("redis", &[]),
    ];
    let mut compared = Vec::new();
    for (name, args) in cases {
        for v in BOTH {
            compared.extend(compare_with_helm(v, &charts.join(name), args));
        }
    }
    let n = std::fs::read_dir(&charts).expect("corpus charts").count();
    assert_eq!(n, cases.len(), "a corpus chart has no case here");
    // Every chart helm renders, subcharts included, in both versions.
    assert!(
        compared.len() >= 2 * 14,
        "only {} charts compared: {compared:?}",
        compared.len()
    );
}

/// Writes a chart from `(path, bytes)` pairs into a fresh directory named `name`.
pub fn chart_dir(tmp: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = tmp.join(name);
    for (rel, data) in files {
        write(&dir, rel, data);
    }
    dir
}

fn canon_error(v: TV, path: &Path) -> String {
    match loader::load_for(path, compat(v)) {
        Ok(c) => match loader::check_dependencies_for(&c, compat(v)) {
            Ok(()) => panic!("canon loaded {} without error", path.display()),
            Err(LoadError::Message(m)) => m,
        },
        Err(LoadError::Message(m)) => m,
    }
}

/// helm and canon fail alike on `path` (or, where this helm accepts the chart, both load it).
fn assert_same_error(v: TV, path: &Path) {
    let run = run_helm(v, &["template", "x", path.to_str().expect("utf-8")]);
    if run.ok {
        let ours = loader::load_for(path, compat(v))
            .and_then(|c| loader::check_dependencies_for(&c, compat(v)));
        if let Err(e) = ours {
            panic!("helm {v:?} loads {}, canon fails: {e}", path.display());
        }
        return;
    }
    let theirs = run.error();
    let ours = canon_error(v, path);
    assert_eq!(ours, theirs, "helm {v:?}, chart {}", path.display());
}

/// A chart's files as `(path, bytes)`.
type Files<'a> = &'a [(&'a str, &'a [u8])];

const CHART: &[u8] = b"apiVersion: v2\nname: c\nversion: 0.1.0\n";

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn load_errors_like_helm() {
    let cases: &[(&str, Files)] = &[
        ("no-chart-yaml", &[("values.yaml", b"a: 1\n")]),
        ("no-name", &[("Chart.yaml", b"apiVersion: v2\nversion: 1.0.0\n")]),
        ("no-version", &[("Chart.yaml", b"apiVersion: v2\nname: c\n")]),
        ("bad-version", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: one\n")]),
        ("slash-name", &[("Chart.yaml", b"apiVersion: v2\nname: a/b\nversion: 1.0.0\n")]),
        ("dot-name", &[("Chart.yaml", b"apiVersion: v2\nname: ..\nversion: 1.0.0\n")]),
        ("bad-type", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ntype: lib\n")]),
        ("bad-api", &[("Chart.yaml", b"apiVersion: v9\nname: c\nversion: 1.0.0\n")]),
        ("list-name", &[("Chart.yaml", b"apiVersion: v2\nname: [a]\nversion: 1.0.0\n")]),
        ("dep-type", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: {a: 1}\n")]),
        ("bool-string", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ndeprecated: \"yes\"\n")]),
        ("yaml-syntax", &[("Chart.yaml", b"apiVersion: v2\nname: c\n  version: 1.0.0\n")]),
        ("not-a-map", &[("Chart.yaml", b"- a\n- b\n")]),
        ("null-maintainer", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\nmaintainers:\n- \n")]),
        ("null-dependency", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: a\n  repository: x\n-\n")]),
        ("bad-alias", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: a\n  alias: a.b\n")]),
        ("dup-dependency", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: a\n- name: b\n  alias: a\n")]),
        ("values-syntax", &[("Chart.yaml", CHART), ("values.yaml", b"a: 1\nb: [\n")]),
        ("values-list", &[("Chart.yaml", CHART), ("values.yaml", b"- 1\n")]),
        ("values-separator", &[("Chart.yaml", CHART), ("values.yaml", b"a: 1\n---x\nb: 2\n")]),
        ("lock-syntax", &[("Chart.yaml", CHART), ("Chart.lock", b"generated: [\n")]),
        ("lock-time", &[("Chart.yaml", CHART), ("Chart.lock", b"generated: yesterday\n")]),
        ("helmignore-doublestar", &[("Chart.yaml", CHART), (".helmignore", b"a/**/b\n")]),
        ("helmignore-bad", &[("Chart.yaml", CHART), (".helmignore", b"[\n")]),
        ("subchart-bad", &[("Chart.yaml", CHART), ("charts/sub/Chart.yaml", b"apiVersion: v2\nname: sub\n")]),
        ("subchart-stray-file", &[("Chart.yaml", CHART), ("charts/README.md", b"x\n")]),
        ("subchart-bad-tgz", &[("Chart.yaml", CHART), ("charts/sub-1.0.0.tgz", b"not gzip")]),
        ("missing-dependency", &[("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: a\n  repository: x\n- name: b\n  alias: bb\n  repository: x\n")]),
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, files) in cases {
        let dir = chart_dir(tmp.path(), name, files);
        for v in BOTH {
            assert_same_error(v, &dir);
        }
    }
}

/// A `.tgz` of `files`, each under the top directory `top/` (as `helm package` writes them).
pub fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // Raw name bytes: the builder would refuse `..` and absolute paths, which some tests need.
        let bytes = name.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_cksum();
        b.append(&h, *data).expect("tar entry");
    }
    let gz = b.into_inner().expect("tar finishes");
    gz.finish().expect("gzip finishes")
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn archive_errors_like_helm() {
    let cases: &[(&str, Vec<u8>)] = &[
        ("not-gzip.tgz", b"hello world\n".to_vec()),
        ("values.yaml", b"a: 1\n".to_vec()),
        ("zip.tgz", b"PK\x03\x04rest".to_vec()),
        ("empty.tgz", tgz(&[])),
        ("parent.tgz", tgz(&[("c/../../x", b"x")])),
        ("absolute.tgz", tgz(&[("/c/Chart.yaml", CHART)])),
        ("top-chart-yaml.tgz", tgz(&[("Chart.yaml", CHART)])),
        ("no-chart-yaml.tgz", tgz(&[("c/values.yaml", b"a: 1\n")])),
        (
            "invalid.tgz",
            tgz(&[("c/Chart.yaml", b"apiVersion: v2\nname: c\n")]),
        ),
        (
            "bad-values.tgz",
            tgz(&[("c/Chart.yaml", CHART), ("c/values.yaml", b"a: [\n")]),
        ),
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, data) in cases {
        let path = tmp.path().join(name);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(data))
            .expect("write archive");
        for v in BOTH {
            assert_same_error(v, &path);
        }
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn archives_load_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The basic fixture packaged by helm itself, as a chart and as a subchart archive.
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("mkdir");
    let run = run_helm(
        TV::V4,
        &[
            "package",
            fixture("basic").to_str().expect("utf-8"),
            "-d",
            pkg.to_str().expect("utf-8"),
        ],
    );
    assert!(run.ok, "helm package: {}", run.stderr);
    let archive = pkg.join("basic-1.tgz");
    assert!(
        archive.is_file(),
        "helm package wrote {:?}",
        std::fs::read_dir(&pkg).map(|d| d.count())
    );
    let top = chart_dir(
        tmp.path(),
        "top",
        &[
            ("Chart.yaml", b"apiVersion: v2\nname: top\nversion: 0.1.0\n"),
            ("templates/t.yaml", b"t: 1\n"),
        ],
    );
    std::fs::create_dir_all(top.join("charts")).expect("mkdir");
    std::fs::copy(&archive, top.join("charts/basic-1.tgz")).expect("copy");
    for v in BOTH {
        // helm's probe cannot be added inside the archive: compare .Files of the whole tree
        // through a probe in the parent chart and the subchart's templates rendered by helm.
        let compared = compare_with_helm(v, &top, &[]);
        assert_eq!(compared, ["top"]);
        let chart = loader::load_for(&top, compat(v)).expect("loads");
        let sub = &chart.dependencies[0];
        let direct = loader::load_for(&fixture("basic"), compat(v)).expect("loads");
        assert_eq!(sub.metadata.name, direct.metadata.name);
        assert_eq!(
            sub.files, direct.files,
            "the archive holds the directory's files"
        );
        assert_eq!(sub.templates, direct.templates);
        assert_eq!(sub.dependencies.len(), direct.dependencies.len());
        let packaged = loader::load_for(&archive, compat(v)).expect("loads the archive");
        assert_eq!(packaged.files, direct.files);
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn values_load_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let probe: &[u8] = b"# VALUES {{ .Values | toJson }}\n";
    let cases: &[(&str, &[u8])] = &[
        (
            "plain",
            b"a: 1\nb: {c: [1, 2.5, x]}\nd: yes\ne: 0777\nf: 1e3\n",
        ),
        (
            "multidoc",
            b"a: 1\nm: {x: 1, y: 2}\n---\nb: 2\nm: {y: 3}\n--- # comment\nc: 3\n",
        ),
        ("leading-separator", b"---\na: 1\n"),
        ("bom", b"\xEF\xBB\xBFa: 1\n"),
        ("crlf", b"a: 1\r\n---\r\nb: 2\r\n"),
        ("empty", b""),
        ("comments-only", b"# nothing\n"),
    ];
    for (name, values) in cases {
        let dir = chart_dir(
            tmp.path(),
            name,
            &[
                ("Chart.yaml", CHART),
                ("values.yaml", values),
                ("templates/v.yaml", probe),
            ],
        );
        for v in BOTH {
            let run = run_helm(v, &["template", "x", dir.to_str().expect("utf-8")]);
            assert!(run.ok, "helm {v:?} {name}: {}", run.stderr);
            let theirs = run
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("# VALUES "))
                .expect("probe printed")
                .to_string();
            let chart = loader::load_for(&dir, compat(v)).expect("loads");
            let ours = goyaml::to_json(&chart.values).expect("marshals");
            assert_eq!(ours, theirs, "helm {v:?}, values {name}");
        }
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn bom_and_requirements_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // apiVersion v1: requirements.yaml supplies dependencies and is a .Files entry.
    let v1 = chart_dir(
        tmp.path(),
        "v1chart",
        &[
            ("Chart.yaml", b"\xEF\xBB\xBFname: v1chart\nversion: 0.2.0\n"),
            ("requirements.yaml", b"dependencies:\n- name: sub\n  version: 0.1.0\n  repository: file://charts/sub\n  alias: other\n"),
            ("requirements.lock", b"generated: \"2020-01-02T03:04:05Z\"\ndigest: sha256:x\ndependencies: []\n"),
            ("templates/t.yaml", b"t: 1\n"),
            ("charts/sub/Chart.yaml", b"apiVersion: v1\nname: sub\nversion: 0.1.0\n"),
            ("charts/sub/templates/s.yaml", b"s: 1\n"),
        ],
    );
    for v in BOTH {
        compare_with_helm(v, &v1, &[]);
        let c = loader::load_for(&v1, compat(v)).expect("loads");
        assert_eq!(c.metadata.api_version, "v1");
        assert!(c.lock.is_some());
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn kube_version_check_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str)] = &[
        (">=1.30.0-0", "1.29.3"),
        ("<1.20", "v1.36.0"),
        ("~1.25", "1.26.0"),
        ("not a constraint", "1.30.0"),
        (">=1.25.0", "v1.25.0-gke.100"),
    ];
    for (i, (constraint, kube)) in cases.iter().enumerate() {
        let chart_yaml =
            format!("apiVersion: v2\nname: c\nversion: 0.1.0\nkubeVersion: \"{constraint}\"\n");
        let dir = chart_dir(
            tmp.path(),
            &format!("kv{i}"),
            &[
                ("Chart.yaml", chart_yaml.as_bytes()),
                ("templates/t.yaml", b"t: 1\n"),
            ],
        );
        for v in BOTH {
            let run = run_helm(
                v,
                &[
                    "template",
                    "x",
                    dir.to_str().expect("utf-8"),
                    "--kube-version",
                    kube,
                ],
            );
            let chart = loader::load_for(&dir, compat(v)).expect("loads");
            let caps = helm::capabilities::Capabilities::with_flags(compat(v), Some(kube), &[])
                .expect("valid kube version");
            let ours = loader::check_kube_version(&chart, &caps.kube_version);
            match ours {
                Ok(()) => assert!(
                    run.ok,
                    "helm {v:?} refused {constraint} / {kube}: {}",
                    run.stderr
                ),
                Err(LoadError::Message(m)) => {
                    // helm template's hint after render-phase errors is the command's, not ours.
                    let theirs = run.error();
                    let theirs = theirs
                        .strip_suffix("\n\nUse --debug flag to render out invalid YAML")
                        .unwrap_or(&theirs);
                    assert_eq!(m, theirs, "helm {v:?}");
                }
            }
        }
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn symlinks_and_special_files_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside");
    write(&outside, "shared/x.txt", b"shared\n");
    write(&outside, "file.txt", b"outside file\n");
    let base = chart_dir(
        tmp.path(),
        "links",
        &[
            ("Chart.yaml", CHART),
            ("templates/t.yaml", b"t: 1\n"),
            ("real/a.txt", b"a\n"),
        ],
    );
    std::os::unix::fs::symlink(outside.join("shared"), base.join("linked-dir")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("file.txt"), base.join("linked-file.txt"))
        .expect("symlink");
    std::os::unix::fs::symlink("real/a.txt", base.join("relative-link.txt")).expect("symlink");
    write(&outside, "tpl/linked.yaml", b"linked: {{ .Chart.Name }}\n");
    std::os::unix::fs::symlink(outside.join("tpl"), base.join("templates/dir")).expect("symlink");
    std::os::unix::fs::symlink(
        outside.join("tpl/linked.yaml"),
        base.join("templates/l.yaml"),
    )
    .expect("symlink");
    for v in BOTH {
        compare_with_helm(v, &base, &[]);
    }

    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make)> = vec![
        (
            "broken-link",
            Box::new(|d: &Path| {
                std::os::unix::fs::symlink(d.join("nowhere"), d.join("broken")).expect("symlink")
            }),
        ),
        ("fifo", Box::new(|d: &Path| mkfifo(&d.join("pipe")))),
        (
            "too-big",
            Box::new(|d: &Path| {
                let data = vec![b'x'; 5 * 1024 * 1024 + 1];
                write(d, "files/big.txt", &data);
            }),
        ),
        (
            "just-big-enough",
            Box::new(|d: &Path| {
                let data = vec![b'x'; 5 * 1024 * 1024];
                write(d, "files/big.txt", &data);
            }),
        ),
        // The files read at load (templates, values) are read without a size asked first;
        // the limit and the errors must still be helm's.
        (
            "too-big-template",
            Box::new(|d: &Path| write(d, "templates/big.yaml", &big_comment(5 * 1024 * 1024 + 1))),
        ),
        (
            "just-big-enough-template",
            Box::new(|d: &Path| write(d, "templates/big.yaml", &big_comment(5 * 1024 * 1024))),
        ),
        (
            "too-big-values",
            Box::new(|d: &Path| write(d, "values.yaml", &big_comment(5 * 1024 * 1024 + 1))),
        ),
        (
            "big-linked-template",
            Box::new(|d: &Path| {
                write(d, "elsewhere/big.yaml", &big_comment(5 * 1024 * 1024 + 1));
                std::os::unix::fs::symlink(
                    d.join("elsewhere/big.yaml"),
                    d.join("templates/l.yaml"),
                )
                .expect("symlink");
            }),
        ),
        (
            "fifo-template",
            Box::new(|d: &Path| mkfifo(&d.join("templates/pipe.yaml"))),
        ),
        (
            "broken-template-link",
            Box::new(|d: &Path| {
                std::os::unix::fs::symlink(d.join("nowhere.yaml"), d.join("templates/b.yaml"))
                    .expect("symlink")
            }),
        ),
    ];
    for (name, make) in cases {
        let dir = chart_dir(
            tmp.path(),
            name,
            &[("Chart.yaml", CHART), ("templates/t.yaml", b"t: 1\n")],
        );
        make(&dir);
        for v in BOTH {
            assert_same_error(v, &dir);
        }
    }
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// A YAML comment of exactly `len` bytes (a template or values file that renders to nothing).
fn big_comment(len: usize) -> Vec<u8> {
    let mut data = vec![b'x'; len];
    data[0] = b'#';
    data
}

/// A `.tgz` written entry by entry: `(header name, type, bytes)`.
fn tgz_typed(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, ty, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(if ty.is_dir() { 0o755 } else { 0o644 });
        h.set_entry_type(*ty);
        if name.len() <= 100 {
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            b.append(&h, *data).expect("tar entry");
        } else {
            // Long names go through a PAX extended header, as Go and GNU tar write them.
            b.append_data(&mut h, name, *data).expect("long tar entry");
        }
    }
    let gz = b.into_inner().expect("tar finishes");
    gz.finish().expect("gzip finishes")
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn archive_layouts_like_helm() {
    use tar::EntryType as T;
    let long = format!("c/files/{}/x.txt", "d".repeat(120));
    let tmp = tempfile::tempdir().expect("tempdir");
    let values: &[u8] = b"a: 1\n";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "github.tgz",
            tgz_typed(&[
                (
                    "pax_global_header",
                    T::XGlobalHeader,
                    b"52 comment=0123456789012345678901234567890123456789\n",
                ),
                ("c/", T::Directory, b""),
                ("c/Chart.yaml", T::Regular, CHART),
                ("c/templates/", T::Directory, b""),
                ("c/templates/t.yaml", T::Regular, b"t: 1\n"),
                ("c/values.yaml", T::Regular, values),
            ]),
        ),
        (
            "long-names.tgz",
            tgz_typed(&[
                ("c/Chart.yaml", T::Regular, CHART),
                ("c/templates/t.yaml", T::Regular, b"t: 1\n"),
                (&long, T::Regular, b"long\n"),
            ]),
        ),
        (
            "backslashes.tgz",
            tgz_typed(&[
                ("c\\Chart.yaml", T::Regular, CHART),
                ("c\\templates\\t.yaml", T::Regular, b"t: 1\n"),
                ("c\\files\\a.txt", T::Regular, b"a\n"),
            ]),
        ),
        (
            "bom.tgz",
            tgz_typed(&[
                (
                    "c/Chart.yaml",
                    T::Regular,
                    b"\xEF\xBB\xBFapiVersion: v2\nname: c\nversion: 0.1.0\n",
                ),
                ("c/templates/t.yaml", T::Regular, b"t: 1\n"),
                ("c/files/bom.txt", T::Regular, b"\xEF\xBB\xBFbom\n"),
            ]),
        ),
        (
            "other-top-dir.tgz",
            tgz_typed(&[
                ("whatever/Chart.yaml", T::Regular, CHART),
                ("whatever/templates/t.yaml", T::Regular, b"t: 1\n"),
                ("else/files/a.txt", T::Regular, b"a from another top dir\n"),
            ]),
        ),
        (
            "symlink-entry.tgz",
            tgz_typed(&[
                ("c/Chart.yaml", T::Regular, CHART),
                ("c/templates/t.yaml", T::Regular, b"t: 1\n"),
                ("c/files/link", T::Symlink, b""),
            ]),
        ),
    ];
    for (name, data) in &cases {
        // As a subchart archive of a directory chart (its probe shows the parent's view) and
        // loaded directly: canon must agree with helm on both.
        let parent = chart_dir(
            tmp.path(),
            &format!("parent-{name}"),
            &[
                (
                    "Chart.yaml",
                    b"apiVersion: v2\nname: parent\nversion: 0.1.0\n",
                ),
                ("templates/p.yaml", b"p: 1\n"),
            ],
        );
        write(&parent, &format!("charts/{name}"), data);
        for v in BOTH {
            compare_with_helm(v, &parent, &[]);
            let chart = loader::load_for(&parent, compat(v)).expect("loads");
            let sub = &chart.dependencies[0];
            // The subchart's own files, through a template that lists them in helm.
            let run = run_helm(
                v,
                &[
                    "template",
                    "x",
                    parent.to_str().expect("utf-8"),
                    "--show-only",
                    "charts/c/templates/t.yaml",
                ],
            );
            assert!(run.ok, "helm {v:?} {name}: {}", run.stderr);
            assert_eq!(sub.templates.len(), 1, "{name}");
            let files: Vec<&str> = sub.files.iter().map(|f| f.name.as_str()).collect();
            let expected_files = match *name {
                "github.tgz" => vec![],
                "long-names.tgz" => vec![&long["c/".len()..]],
                "backslashes.tgz" => vec!["files/a.txt"],
                "bom.tgz" => vec!["files/bom.txt"],
                "other-top-dir.tgz" => vec!["files/a.txt"],
                _ => vec!["files/link"],
            };
            assert_eq!(files, expected_files, "{name}");
        }
    }
}

/// helm's own test charts (`helm-golden/*/testdata/testcharts`, directories and archives):
/// what loads, what helm refuses at load time and with which message, and what each loaded.
#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn helm_testcharts_load_like_helm() {
    let corpus = testenv::corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    // Messages of helm's load phase (the rest fail later: schema, templates, YAML).
    let load_phase = [
        "cannot load ",
        "validation: ",
        "error unpacking subchart",
        "an error occurred while checking for chart dependencies",
        "An error occurred while checking for chart dependencies",
        "file '",
        "unable to detect chart",
        "Chart.yaml file is missing",
    ];
    let mut loaded = 0;
    let mut refused = 0;
    for v in BOTH {
        let dir = corpus.join(match v {
            TV::V4 => "helm-golden/v4/testdata/testcharts",
            TV::V3 => "helm-golden/v3/testdata/testcharts",
        });
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("testcharts")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let p = path.to_str().expect("utf-8");
            let run = run_helm(v, &["template", "x", p, "--kube-version", "1.20.0"]);
            let ours = loader::load_for(&path, compat(v))
                .and_then(|c| loader::check_dependencies_for(&c, compat(v)));
            let theirs = (!run.ok).then(|| run.error());
            match theirs {
                Some(msg) if load_phase.iter().any(|p| msg.starts_with(p)) => {
                    refused += 1;
                    let ours = ours.err().map(|e| e.to_string());
                    assert_eq!(ours.as_deref(), Some(msg.as_str()), "helm {v:?} {p}");
                }
                _ => {
                    loaded += 1;
                    if let Err(e) = ours {
                        panic!("helm {v:?} loads {p}, canon fails: {e}");
                    }
                    if run.ok && path.is_dir() {
                        compare_with_helm(v, &path, &["--kube-version", "1.20.0"]);
                    }
                }
            }
        }
    }
    assert!(
        loaded >= 60 && refused >= 16,
        "loaded {loaded}, refused {refused}"
    );
}
