//! Values (`-f`, `--set*`, coalescing) against helm's own output: fixture charts under
//! `tests/fixtures/values` whose templates print `{{ toJson .Values }}`, each case's expected
//! output written by real helm v4 and v3 (`tests/fixtures/values/regen`, and re-checked live by
//! the ignored `cases_match_live_helm`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gotmpl::Value;
use helm::HelmVersion;
use helm::chart::Chart;
use helm::values::ValueOptions;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/values")
}

/// A fixture chart, loaded by the crate's loader as helm loads it for `compat`.
pub fn load_fixture(dir: &Path, compat: HelmVersion) -> Chart {
    helm::loader::load_for(dir, compat).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn field(m: &Value, k: &str) -> Option<Value> {
    match m {
        Value::Map(m) => m.entries.read().expect("lock").get(k).cloned(),
        _ => None,
    }
}

/// A case's command line: the chart, then helm's flags.
struct Case {
    chart: PathBuf,
    opts: ValueOptions,
    skip_schema: bool,
    args: Vec<String>,
}

fn read_case(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).expect("case file");
    let mut lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let chart_line = lines.next().expect("chart line");
    // `corpus:NAME` names a chart of the shared corpus.
    let chart = match chart_line.strip_prefix("corpus:") {
        Some(name) => testenv::corpus_dir()
            .unwrap_or_else(|e| panic!("{e}"))
            .join("charts")
            .join(name),
        None => fixtures().join(chart_line),
    };
    let mut opts = ValueOptions::default();
    let mut skip_schema = false;
    let mut args = Vec::new();
    for l in lines {
        args.push(l.to_string());
        let (flag, val) = l.split_once(' ').unwrap_or((l, ""));
        let val = val.to_string();
        match flag {
            "-f" | "--values" => opts.values_files.push(PathBuf::from(val)),
            "--set" => opts.set.push(val),
            "--set-string" => opts.set_string.push(val),
            "--set-json" => opts.set_json.push(val),
            "--set-file" => opts.set_file.push(val),
            "--set-literal" => opts.set_literal.push(val),
            "--skip-schema-validation" => skip_schema = true,
            other => panic!("unknown flag {other} in {}", path.display()),
        }
    }
    Case {
        chart,
        opts,
        skip_schema,
        args,
    }
}

thread_local! {
    /// The warnings of the last [`canon_outcome`] (helm's stderr lines).
    static WARNINGS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What canon makes of a case, in the shape of helm's output: template path → `toJson .Values`
/// of that chart, or the error.
fn canon_outcome(case: &Case, compat: HelmVersion) -> Result<BTreeMap<String, String>, String> {
    WARNINGS.with(|w| w.borrow_mut().clear());
    let mut chart = load_fixture(&case.chart, compat);
    // -f paths in cases are relative to the fixtures directory, as helm runs there.
    let cwd = std::env::current_dir().expect("cwd");
    std::env::set_current_dir(fixtures()).expect("chdir");
    let vals = helm::values::merge_values(&case.opts, compat);
    std::env::set_current_dir(cwd).expect("chdir back");
    let vals = vals.map_err(|e| e.to_string())?;
    let mut warnings = Vec::new();
    let r = helm::dependencies::process_dependencies_logged(&mut chart, &vals, compat, &mut |w| {
        warnings.push(w)
    })
    .map_err(|e| e.to_string())
    .and_then(|()| {
        helm::values::to_render_values_logged(&chart, &vals, compat, case.skip_schema, &mut |w| {
            warnings.push(w)
        })
        .map_err(|e| e.to_string())
    });
    WARNINGS.with(|w| *w.borrow_mut() = warnings);
    let top = r?;
    let mut out = BTreeMap::new();
    walk(&chart, &top, chart.name(), false, &mut out);
    Ok(out)
}

/// Every non-library chart with a `templates/values.yaml` (or, with `all`, every one) prints
/// its scoped values.
fn walk(c: &Chart, vals: &Value, path: &str, all: bool, out: &mut BTreeMap<String, String>) {
    if !c.is_library()
        && (all
            || c.templates
                .iter()
                .any(|t| t.name == "templates/values.yaml"))
    {
        out.insert(
            format!("{path}/templates/values.yaml"),
            goyaml::to_json(vals).expect("values marshal"),
        );
    }
    for d in &c.dependencies {
        let sub = field(vals, d.name()).unwrap_or(Value::Nil);
        walk(d, &sub, &format!("{path}/charts/{}", d.name()), all, out);
    }
}

/// helm's output (stdout, or the `Error: ` line) in the same shape.
pub fn helm_outcome(text: &str) -> Result<BTreeMap<String, String>, String> {
    if let Some(e) = text.strip_prefix("Error: ") {
        // helm prints `Error: <msg>\n`.
        return Err(e.strip_suffix('\n').unwrap_or(e).to_string());
    }
    let mut out = BTreeMap::new();
    for doc in text.split("---\n# Source: ").skip(1) {
        let (path, body) = doc.split_once('\n').expect("source line");
        out.insert(path.to_string(), body.trim_end().to_string());
    }
    Ok(out)
}

pub type Outcome = Result<BTreeMap<String, String>, String>;

/// Schema errors with siblings sorted: Go's validator walks an object's properties in Go's
/// random map order, so the order of several errors under one object changes from run to run.
pub fn normalize(o: Outcome) -> Outcome {
    fn indent(l: &str) -> usize {
        l.len() - l.trim_start_matches(' ').len()
    }
    fn tree(lines: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let base = indent(lines[i]);
            let mut j = i + 1;
            while j < lines.len() && indent(lines[j]) > base {
                j += 1;
            }
            let mut node = lines[i].to_string();
            for c in tree(&lines[i + 1..j]) {
                node.push('\n');
                node.push_str(&c);
            }
            out.push(node);
            i = j;
        }
        out.sort();
        out
    }
    // Go also lists additional properties in map order.
    let o = o.map_err(|e| {
        e.lines()
            .map(
                |l| match (l.find("additional properties "), l.rfind(" not allowed")) {
                    (Some(i), Some(j)) if i < j => {
                        let start = i + "additional properties ".len();
                        let mut names: Vec<&str> = l[start..j].split(", ").collect();
                        names.sort();
                        format!("{}{}{}", &l[..start], names.join(", "), &l[j..])
                    }
                    _ => l.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("\n")
    });
    o.map_err(|e| {
        let mut parts = e.splitn(2, '\n');
        let head = parts.next().unwrap_or_default().to_string();
        let rest = parts.next().unwrap_or_default();
        if !head.starts_with("values don't meet") {
            return e;
        }
        // One block per chart: `name:` then its `- ` lines.
        let mut blocks: Vec<String> = Vec::new();
        let mut cur: Vec<&str> = Vec::new();
        let flush = |cur: &mut Vec<&str>, blocks: &mut Vec<String>| {
            if let Some((h, body)) = cur.split_first() {
                blocks.push(format!("{h}\n{}", tree(body).join("\n")));
            }
            cur.clear();
        };
        for l in rest.lines() {
            if !l.starts_with(' ') && !l.starts_with('-') && !cur.is_empty() {
                flush(&mut cur, &mut blocks);
            }
            cur.push(l);
        }
        flush(&mut cur, &mut blocks);
        // Subcharts come in helm's loader order, Go's random map order too.
        blocks.sort();
        format!("{head}\n{}", blocks.join("\n"))
    })
}

/// The documents that differ between helm's outcome and canon's.
pub fn diff(want: &Outcome, got: &Outcome) -> String {
    match (want, got) {
        (Ok(w), Ok(g)) => {
            let mut out = String::new();
            for k in w.keys().chain(g.keys().filter(|k| !w.contains_key(*k))) {
                if w.get(k) != g.get(k) {
                    out.push_str(&format!(
                        "  {k}\n    helm:  {:?}\n    canon: {:?}\n",
                        w.get(k),
                        g.get(k)
                    ));
                }
            }
            out
        }
        _ => format!("  helm:  {want:?}\n  canon: {got:?}\n"),
    }
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures().join("cases"))
        .expect("cases dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .collect();
    v.sort();
    v
}

pub fn tag(compat: HelmVersion) -> &'static str {
    match compat {
        HelmVersion::V4 => "v4",
        HelmVersion::V3 => "v3",
    }
}

/// Which module's cases a case file belongs to, by its name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Area {
    Values,
    Dependencies,
    Schema,
}

fn area(path: &Path) -> Area {
    let name = path.file_name().expect("name").to_string_lossy();
    if name.starts_with("deps-") {
        Area::Dependencies
    } else if name.contains("schema") {
        Area::Schema
    } else {
        Area::Values
    }
}

/// Runs the cases of `which` against their helm goldens; returns how many were compared.
pub fn check_goldens(which: Area) -> usize {
    let mut failures = Vec::new();
    let mut n = 0;
    for path in cases().into_iter().filter(|p| area(p) == which) {
        let case = read_case(&path);
        for compat in [HelmVersion::V4, HelmVersion::V3] {
            let golden = path.with_extension(format!("{}.out", tag(compat)));
            let text = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (run tests/fixtures/values/regen)",
                    golden.display()
                )
            });
            n += 1;
            let want = normalize(helm_outcome(&text));
            let got = normalize(canon_outcome(&case, compat));
            if want != got {
                failures.push(format!(
                    "{} ({}):\n{}",
                    path.display(),
                    tag(compat),
                    diff(&want, &got)
                ));
            }
            // Warnings as a multiset: Go walks maps in random order.
            let warn_file = path.with_extension(format!("{}.warn", tag(compat)));
            let mut want_w: Vec<String> = std::fs::read_to_string(&warn_file)
                .map(|t| t.lines().map(str::to_string).collect())
                .unwrap_or_default();
            let mut got_w = WARNINGS.with(|w| w.borrow().clone());
            want_w.sort();
            got_w.sort();
            if want_w != got_w {
                failures.push(format!(
                    "{} ({}) warnings:\n  helm:  {want_w:?}\n  canon: {got_w:?}",
                    path.display(),
                    tag(compat)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    n
}

#[test]
fn cases_match_helm_goldens() {
    let n = check_goldens(Area::Values);
    assert!(n >= 20, "only {n} values cases found");
}

#[test]
#[ignore = "runs real helm v4 and v3 (scripts/test)"]
fn cases_match_live_helm() {
    let mut failures = Vec::new();
    for path in cases() {
        let case = read_case(&path);
        for compat in [HelmVersion::V4, HelmVersion::V3] {
            let bin = testenv::helm(match compat {
                HelmVersion::V4 => testenv::HelmVersion::V4,
                HelmVersion::V3 => testenv::HelmVersion::V3,
            })
            .unwrap_or_else(|e| panic!("{e}"));
            let chart = match case.chart.strip_prefix(fixtures()) {
                Ok(rel) => Path::new(".").join(rel),
                Err(_) => case.chart.clone(),
            };
            let mut cmd = std::process::Command::new(bin);
            cmd.current_dir(fixtures())
                .arg("template")
                .arg("rel")
                .arg(chart);
            for a in &case.args {
                match a.split_once(' ') {
                    Some((f, v)) => cmd.arg(f).arg(v),
                    None => cmd.arg(a),
                };
            }
            let out = cmd.output().expect("helm runs");
            let text = if out.status.success() {
                String::from_utf8_lossy(&out.stdout).into_owned()
            } else {
                let err = String::from_utf8_lossy(&out.stderr);
                match err.find("Error: ") {
                    Some(i) if i == 0 || err[..i].ends_with('\n') => err[i..].to_string(),
                    _ => err.into_owned(),
                }
            };
            let want = normalize(helm_outcome(&text));
            let got = normalize(canon_outcome(&case, compat));
            if want != got {
                failures.push(format!(
                    "{} ({}):\n{}",
                    path.display(),
                    tag(compat),
                    diff(&want, &got)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The corpus charts' coalesced values (every chart of the processed tree) against helm's, with
/// the chart's defaults and with each of its `ci/*.yaml` values files: dependencies, conditions,
/// aliases, import-values, globals and schema validation (nginx, redis, loki carry schemas) on
/// real charts. Recorded by `tests/fixtures/values/regen-corpus` from copies whose templates
/// print only `{{ toJson .Values }}`, as SHA-256 digests per document.
#[test]
fn corpus_values_match_helm() {
    use sha2::Digest;
    let corpus = testenv::corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut n = 0;
    let mut docs = 0;
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(fixtures().join("corpus"))
        .expect("corpus goldens")
        .map(|e| e.expect("entry").path())
        .collect();
    goldens.sort();
    for golden in goldens {
        let file = golden
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (stem, compat) = match file.strip_suffix(".v4.sum") {
            Some(s) => (s.to_string(), HelmVersion::V4),
            None => match file.strip_suffix(".v3.sum") {
                Some(s) => (s.to_string(), HelmVersion::V3),
                None => continue,
            },
        };
        let (name, ci) = match stem.split_once("--") {
            Some((c, v)) => (c.to_string(), Some(v.to_string())),
            None => (stem.clone(), None),
        };
        let chart_dir = corpus.join("charts").join(&name);
        let text = std::fs::read_to_string(&golden).expect("golden");
        let want: Outcome = match text.strip_prefix("Error: ") {
            Some(e) => Err(e.strip_suffix('\n').unwrap_or(e).to_string()),
            None => Ok(text
                .lines()
                .filter_map(|l| l.split_once("  "))
                .map(|(sum, path)| (path.to_string(), sum.to_string()))
                .collect()),
        };
        let mut chart = load_fixture(&chart_dir, compat);
        let got: Outcome = (|| {
            let opts = ValueOptions {
                values_files: ci
                    .iter()
                    .map(|c| chart_dir.join("ci").join(format!("{c}.yaml")))
                    .collect(),
                ..ValueOptions::default()
            };
            let vals = helm::values::merge_values(&opts, compat).map_err(|e| e.to_string())?;
            helm::dependencies::process_dependencies(&mut chart, &vals, compat)
                .map_err(|e| e.to_string())?;
            let top = helm::values::to_render_values(&chart, &vals, compat, false)
                .map_err(|e| e.to_string())?;
            let mut out = BTreeMap::new();
            walk(&chart, &top, chart.name(), true, &mut out);
            Ok(out
                .into_iter()
                .map(|(p, json)| {
                    let sum: String = sha2::Sha256::digest(json.as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    (p, sum)
                })
                .collect())
        })();
        n += 1;
        docs += want.as_ref().map(BTreeMap::len).unwrap_or(0);
        let got = normalize(got);
        let want = normalize(want);
        if want != got {
            failures.push(format!("{stem} ({}):\n{}", tag(compat), diff(&want, &got)));
        }
    }
    assert!(
        n >= 16,
        "expected the corpus charts x 2 helm versions, found {n}"
    );
    assert!(
        failures.is_empty(),
        "{} of {n} ({docs} documents) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `-f -` and `--set-file k=-` read the standard input, as helm does (helm reads it again for
/// each use; the second read finds it empty).
#[test]
#[ignore = "runs real helm v4 and v3 (scripts/test)"]
fn stdin_values_match_live_helm() {
    use std::io::Write;
    let stdin_text = "fromStdin: 1\nlist: [a]\n";
    for compat in [HelmVersion::V4, HelmVersion::V3] {
        let bin = testenv::helm(match compat {
            HelmVersion::V4 => testenv::HelmVersion::V4,
            HelmVersion::V3 => testenv::HelmVersion::V3,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut child = std::process::Command::new(bin)
            .current_dir(fixtures())
            .args([
                "template",
                "rel",
                "./charts/plain",
                "-f",
                "-",
                "--set-file",
                "again=-",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("helm runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin_text.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("helm output");
        let want = helm_outcome(&String::from_utf8_lossy(&out.stdout));

        let opts = ValueOptions {
            values_files: vec![PathBuf::from("-")],
            set_file: vec!["again=-".into()],
            ..ValueOptions::default()
        };
        let mut served = false;
        let vals = helm::values::merge_values_with(&opts, compat, &mut || {
            let first = !served;
            served = true;
            Ok(if first {
                stdin_text.as_bytes().to_vec()
            } else {
                Vec::new()
            })
        })
        .expect("merge");
        let chart = load_fixture(&fixtures().join("charts/plain"), compat);
        let top = helm::values::to_render_values(&chart, &vals, compat, false).expect("values");
        let mut got = BTreeMap::new();
        walk(&chart, &top, chart.name(), false, &mut got);
        assert_eq!(want, Ok(got), "{}", tag(compat));
    }
}

/// A small deterministic generator (xorshift) for the differential test.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random YAML block of nested maps, nulls, scalars and lists over a few shared keys (so
/// user values, defaults and subchart defaults collide), `global` and the subchart names
/// included.
pub fn random_yaml(rng: &mut Rng, depth: usize, indent: usize, out: &mut String) {
    const KEYS: [&str; 9] = [
        "a", "b", "c", "global", "sub", "other", "d", "tags", "exports",
    ];
    let n = 1 + rng.below(4);
    let mut used = Vec::new();
    for _ in 0..n {
        let k = KEYS[rng.below(KEYS.len() as u64) as usize];
        if used.contains(&k) {
            continue;
        }
        used.push(k);
        out.push_str(&" ".repeat(indent));
        out.push_str(k);
        out.push(':');
        match rng.below(if depth == 0 { 5 } else { 7 }) {
            0 => out.push_str(" null\n"),
            4 => out.push_str(if rng.below(2) == 0 {
                " true\n"
            } else {
                " false\n"
            }),
            1 => out.push_str(&format!(" {}\n", rng.below(100))),
            2 => out.push_str(" text\n"),
            3 => out.push_str(" [1, x]\n"),
            _ => {
                out.push('\n');
                random_yaml(rng, depth.saturating_sub(1), indent + 2, out);
            }
        }
    }
}

/// Random user values over random chart and subchart defaults, coalesced by canon and by real
/// helm: globals, null deletion, tables against scalars, v3/v4 null differences.
#[test]
#[ignore = "runs real helm v4 and v3 (scripts/test)"]
fn coalesce_differential_vs_live_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // CANON_DIFF_SEED / CANON_DIFF_CASES explore further than the default run.
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let mut rng = Rng(env("CANON_DIFF_SEED", 0x9e37_79b9_7f4a_7c15) | 1);
    let mut failures = Vec::new();
    let cases = env("CANON_DIFF_CASES", 60);
    for i in 0..cases {
        let root = tmp.path().join(format!("c{i}"));
        let chart = root.join("top");
        for (dir, name) in [
            (chart.clone(), "top"),
            (chart.join("charts/sub"), "sub"),
            (chart.join("charts/other"), "other"),
        ] {
            std::fs::create_dir_all(dir.join("templates")).expect("mkdir");
            let mut meta = format!("apiVersion: v2\nname: {name}\nversion: 1.0.0\n");
            // Half the cases list the subcharts with conditions, tags, an alias and
            // import-values over the generator's keys.
            if name == "top" && rng.below(2) == 0 {
                let conds = ["sub.a", "a", "global.b,sub.b", "other.c.d", "b"];
                let c1 = conds[rng.below(5) as usize];
                let c2 = conds[rng.below(5) as usize];
                let alias = if rng.below(2) == 0 {
                    "\n    alias: d"
                } else {
                    ""
                };
                meta.push_str(&format!(
                    "dependencies:\n  - name: sub\n    version: 1.0.0\n    condition: {c1}\n    tags: [a, c]\n    import-values:\n      - a\n      - child: b\n        parent: c\n  - name: other\n    version: \"^1\"{alias}\n    condition: {c2}\n    tags: [b]\n    import-values:\n      - child: a\n        parent: other.x\n"
                ));
            }
            std::fs::write(dir.join("Chart.yaml"), meta).expect("write");
            std::fs::write(dir.join("templates/values.yaml"), "{{ toJson .Values }}\n")
                .expect("write");
            let mut v = String::new();
            random_yaml(&mut rng, 3, 0, &mut v);
            std::fs::write(dir.join("values.yaml"), v).expect("write");
        }
        let mut user = String::new();
        random_yaml(&mut rng, 3, 0, &mut user);
        std::fs::write(root.join("user.yaml"), &user).expect("write");
        for compat in [HelmVersion::V4, HelmVersion::V3] {
            let bin = testenv::helm(match compat {
                HelmVersion::V4 => testenv::HelmVersion::V4,
                HelmVersion::V3 => testenv::HelmVersion::V3,
            })
            .unwrap_or_else(|e| panic!("{e}"));
            let out = std::process::Command::new(bin)
                .args(["template", "rel"])
                .arg(&chart)
                .arg("-f")
                .arg(root.join("user.yaml"))
                .output()
                .expect("helm runs");
            let text = if out.status.success() {
                String::from_utf8_lossy(&out.stdout).into_owned()
            } else {
                let err = String::from_utf8_lossy(&out.stderr).into_owned();
                err.find("Error: ")
                    .map(|i| err[i..].to_string())
                    .unwrap_or(err)
            };
            let want = helm_outcome(&text);
            let got = (|| {
                let opts = ValueOptions {
                    values_files: vec![root.join("user.yaml")],
                    ..ValueOptions::default()
                };
                let vals = helm::values::merge_values(&opts, compat).map_err(|e| e.to_string())?;
                let mut c = load_fixture(&chart, compat);
                helm::dependencies::process_dependencies(&mut c, &vals, compat)
                    .map_err(|e| e.to_string())?;
                let top = helm::values::to_render_values(&c, &vals, compat, false)
                    .map_err(|e| e.to_string())?;
                let mut m = BTreeMap::new();
                walk(&c, &top, "top", false, &mut m);
                Ok(m)
            })();
            // helm's loader adds subcharts in Go's random map order, so which of two
            // mismatching subcharts it reports first varies between runs.
            let mismatch = |o: &Outcome| matches!(o, Err(e) if e.contains("type mismatch on "));
            if want != got && !(mismatch(&want) && mismatch(&got)) {
                failures.push(format!(
                    "case {i} ({}): user values:\n{user}\n{}",
                    tag(compat),
                    diff(&want, &got)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases * 2,
        failures.join("\n")
    );
}
