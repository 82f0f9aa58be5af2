//! Shared helpers of the integration tests: helm-style argument parsing into `TemplateOptions`,
//! shell-word splitting, what a run prints (stdout, then `Error: ...` as helm's stderr), and the
//! corpus cases (each chart with its default values and with each `ci/*values.yaml`).

use std::path::{Path, PathBuf};

use helm::HelmVersion;
use helm::action::{self, TemplateOptions};

/// POSIX shell words without globbing (what helm's test harness does with go-shellwords).
pub fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                have = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                have = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                if !matches!(n, '"' | '\\' | '$' | '`') {
                                    cur.push('\\');
                                }
                                cur.push(n);
                            }
                        }
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                have = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c => {
                have = true;
                cur.push(c);
            }
        }
    }
    if have {
        out.push(cur);
    }
    out
}

/// `helm template` flags (the subset the corpus cases use) into options; relative paths resolve
/// against `cwd`, as if helm ran there. Unknown flags panic: a case the harness cannot replay
/// must not pass by accident.
pub fn parse_template_args(args: &[String], cwd: &Path, compat: HelmVersion) -> TemplateOptions {
    let mut o = TemplateOptions::new(Vec::new());
    o.compat = compat;
    o.sprig.helm = true;
    let mut i = 0;
    let resolve = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    while i < args.len() {
        let a = &args[i];
        i += 1;
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if a.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || -> String {
            if let Some(v) = &inline {
                return v.clone();
            }
            i += 1;
            args.get(i - 1)
                .cloned()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--set" => o.values.set.push(value()),
            "--set-string" => o.values.set_string.push(value()),
            "--set-file" => o.values.set_file.push(value()),
            "--set-json" => o.values.set_json.push(value()),
            "-f" | "--values" => {
                for f in value().split(',') {
                    o.values.values_files.push(resolve(f));
                }
            }
            "--name-template" => o.name_template = Some(value()),
            "-n" | "--namespace" => o.namespace = value(),
            "--kube-version" => o.kube_version = Some(value()),
            "-a" | "--api-versions" => o
                .api_versions
                .extend(value().split(',').map(str::to_string)),
            "-s" | "--show-only" => o.show_only.push(value()),
            "--include-crds" => o.include_crds = true,
            "--skip-tests" => o.skip_tests = true,
            "--no-hooks" => o.no_hooks = true,
            "--debug" => o.debug = true,
            "--is-upgrade" => o.is_upgrade = true,
            "--skip-schema-validation" => o.skip_schema_validation = true,
            f if f.starts_with('-') => panic!("flag {f} is not replayed by the test harness"),
            _ => o.args.push(a.clone()),
        }
    }
    // The chart is the last positional argument; resolve it like helm would from `cwd`.
    // (Kept as written when it does not exist there, so the error names it as helm does.)
    if let Some(last) = o.args.last_mut() {
        let r = resolve(last);
        if r.exists() {
            *last = r.to_string_lossy().into_owned();
        }
    }
    o
}

/// What helm prints for a run: stdout, then `Error: <msg>\n` when it failed.
pub fn printed(opts: &TemplateOptions) -> String {
    let o = action::run(opts);
    // The bytes canon writes (gotmpl::gostr escapes made raw), read as helm's are read here.
    let mut s = String::from_utf8_lossy(&gotmpl::gostr::to_go_bytes(&o.stdout)).into_owned();
    if let Err(e) = o.result {
        s.push_str(&format!("Error: {e}\n"));
    }
    s
}

/// The first line where two texts differ, for a readable failure.
pub fn first_difference(want: &str, got: &str) -> Option<String> {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.split('\n').collect(), got.split('\n').collect());
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            return Some(format!(
                "line {}: want {:?}, got {:?}",
                i + 1,
                a.copied().unwrap_or("<end>"),
                b.copied().unwrap_or("<end>")
            ));
        }
    }
    None
}

#[test]
fn shell_words_follow_posix() {
    assert_eq!(
        shell_words(r#"template 'a b' --name-template='x {{ "y" }}' c\ d "e\"f""#),
        [
            "template",
            "a b",
            "--name-template=x {{ \"y\" }}",
            "c d",
            "e\"f"
        ]
    );
    assert_eq!(
        shell_words("templates/subdir/role*"),
        ["templates/subdir/role*"]
    );
}

/// helm's stderr without its log lines, which canon does not reproduce: v4's `level=...`
/// records, v3's `log.Printf` lines (`manifest_sorter.go:199: info: ...`) and `--debug` traces
/// (one of which, `CHART PATH`, ends with an extra blank line; the final one, from `helm.go`,
/// is followed by the error's stack trace).
pub fn strip_logs(stderr: &str) -> String {
    let mut out = String::new();
    let mut skip_blank = false;
    for line in stderr.lines() {
        if skip_blank && line.is_empty() {
            skip_blank = false;
            continue;
        }
        skip_blank = false;
        if line.starts_with("level=") {
            continue;
        }
        if let Some((file, rest)) = line.split_once(".go:")
            && !file.contains(' ')
            && rest
                .split_once(": ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            if file == "helm" && line.contains("[debug]") {
                break;
            }
            skip_blank = line.contains("[debug] CHART PATH");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// What a real helm prints for `helm template ARGS` run in `cwd`: stdout, then stderr without
/// log lines.
pub fn helm_printed(v: HelmVersion, cwd: &Path, args: &[String]) -> String {
    let tv = match v {
        HelmVersion::V4 => testenv::HelmVersion::V4,
        HelmVersion::V3 => testenv::HelmVersion::V3,
    };
    let bin = testenv::helm(tv).expect("helm binary (scripts/testenv builds it)");
    let out = std::process::Command::new(bin)
        .current_dir(cwd)
        .arg("template")
        .args(args)
        .output()
        .expect("run helm");
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&strip_logs(&String::from_utf8_lossy(&out.stderr)));
    s
}

/// Every corpus case, in order: each chart directory of `corpus/charts` with its default values
/// (`None`), then with each of its `ci/*values.yaml` files (`Some("ci/NAME")`).
pub fn corpus_cases(corpus: &Path) -> Vec<(PathBuf, Option<String>)> {
    let mut charts: Vec<_> = std::fs::read_dir(corpus.join("charts"))
        .expect("corpus charts")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    charts.sort();
    let mut cases = Vec::new();
    for chart in charts {
        let mut ci: Vec<String> = match std::fs::read_dir(chart.join("ci")) {
            Ok(rd) => rd
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with("values.yaml"))
                .collect(),
            Err(_) => Vec::new(),
        };
        ci.sort();
        cases.push((chart.clone(), None));
        cases.extend(
            ci.into_iter()
                .map(|n| (chart.clone(), Some(format!("ci/{n}")))),
        );
    }
    cases
}

/// The `helm template` arguments of a corpus case: `. --kube-version 1.33.0 -n default`, and
/// `-f FILE` for a values file.
pub fn corpus_args(values: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = [".", "--kube-version", "1.33.0", "-n", "default"]
        .map(String::from)
        .to_vec();
    if let Some(f) = values {
        args.extend(["-f".to_string(), f.to_string()]);
    }
    args
}
