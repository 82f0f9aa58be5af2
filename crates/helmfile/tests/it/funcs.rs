//! Integration tests of `helmfile::funcs`: templates rendered by canon against what the real
//! helmfile v1.8.0 renders from the same text, files and values.
//!
//! Observation channels (no canon output is pasted into a test):
//! - a helmfile part: `helmfile --debug build` logs each part's rendered text ("rendering
//!   result of") before parsing it, or the template error; the part sees helmfile's
//!   `EnvironmentTemplateData` ([`funcs::env_data`]);
//! - a release values file `case.yaml.gotmpl` holding `out: {{ tpl (readFile "case.tmpl") . |
//!   toJson }}`, read back through `helmfile write-values`: the text rendered with helmfile's
//!   `releaseTemplateData` ([`funcs::release_data`]).
//!
//! helmfile changes into the helmfile's directory and resolves paths against `.`; canon runs
//! with an absolute base directory, so canon's texts are compared with that directory taken out.

use std::path::{Path, PathBuf};
use std::process::Command;

use gotmpl::Value;
use helmfile::funcs::{self, FuncContext, TEMPLATE_NAME};
use helmfile::spec::Environment;

const ENV_VALUES: &str =
    "name: demo\nnum: 3\nempty: \"\"\nnested:\n  a:\n    b: c\n  list: [1, two]\n";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/funcs/base")
}

/// The real helmfile and helm, or a failure saying how to get them.
fn tools() -> (PathBuf, PathBuf) {
    let hf = testenv::helmfile()
        .unwrap_or_else(|e| panic!("helmfile v1.8.0 is needed (run scripts/testenv): {e}"));
    let helm = testenv::helm(testenv::HelmVersion::V4)
        .unwrap_or_else(|e| panic!("helm v4 is needed (run scripts/testenv): {e}"));
    (hf, helm)
}

/// A copy of the fixture directory in a new temp dir.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read fixture dir") {
        let e = e.expect("dir entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            // fs::copy keeps the permission bits (script.sh stays executable).
            std::fs::copy(e.path(), &target).expect("copy fixture file");
        }
    }
}

fn run_helmfile(dir: &Path, args: &[&str]) -> (bool, String) {
    let (hf, helm) = tools();
    let out = Command::new(&hf)
        .arg("--helm-binary")
        .arg(&helm)
        .args(args)
        .current_dir(dir)
        .env("HOME", dir.join(".home"))
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .output()
        .expect("run helmfile");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// What helmfile rendered for part 1 of `helmfile.yaml.gotmpl`, or its template error.
fn helmfile_part(dir: &Path) -> Result<String, String> {
    let (_, log) = run_helmfile(dir, &["--debug", "-f", "helmfile.yaml.gotmpl", "build"]);
    let part = "helmfile.yaml.gotmpl.part.1";
    let header = format!("rendering result of \"{part}\":\n");
    if let Some(at) = log.find(&header) {
        let mut lines = Vec::new();
        for (i, line) in log[at + header.len()..].split('\n').enumerate() {
            match line.strip_prefix(&format!("{i:2}: ")) {
                Some(l) => lines.push(l),
                None => break,
            }
        }
        return Ok(lines.join("\n"));
    }
    // A helper template error already fails part 0, whose text has no template of its own.
    let marker = "error during helmfile.yaml.gotmpl.part.";
    let err = log.rfind(marker).and_then(|at| {
        let rest = &log[at..];
        let p = rest.find(" parsing: ")?;
        Some(
            rest[p + " parsing: ".len()..]
                .trim_end_matches('\n')
                .to_string(),
        )
    });
    match err {
        Some(e) => Err(e),
        None => panic!("helmfile neither rendered nor failed on {part}:\n{log}"),
    }
}

fn yaml_value(text: &str) -> Value {
    let node = goyaml::v3::unmarshal(text)
        .expect("test YAML parses")
        .expect("test YAML is not empty");
    goyaml::native_to_value(&node)
}

fn environment() -> Environment {
    Environment {
        name: "default".into(),
        kube_context: String::new(),
        values: yaml_value(ENV_VALUES),
        env_values: Value::Nil,
        defaults: Value::Nil,
    }
}

/// canon's text with the absolute base directory taken out (helmfile's paths are relative).
fn relative(dir: &Path, s: &str) -> String {
    let d = dir.to_string_lossy();
    s.replace(&format!("{d}/"), "").replace(&*d, ".")
}

/// Renders `text` as part 1 of a helmfile in both helmfile and canon.
fn both_part(text: &str) -> (Result<String, String>, Result<String, String>) {
    both_part_with(text, &[])
}

/// [`both_part`] with extra files (a name ending in `/` is a directory).
fn both_part_with(
    text: &str,
    files: &[(&str, &str)],
) -> (Result<String, String>, Result<String, String>) {
    let dir = workdir();
    for (name, content) in files {
        let path = dir.path().join(name);
        if name.ends_with('/') {
            std::fs::create_dir_all(&path).expect("mkdir");
        } else {
            std::fs::write(&path, content).expect("write extra file");
        }
    }
    let env_part = format!(
        "environments:\n  default:\n    values:\n    - {}\n---\n",
        ENV_VALUES.trim_end().replace('\n', "\n      ")
    );
    std::fs::write(
        dir.path().join("helmfile.yaml.gotmpl"),
        format!("{env_part}{text}"),
    )
    .expect("write helmfile");
    let want = helmfile_part(dir.path());
    let ctx = FuncContext {
        base_dir: dir.path().to_path_buf(),
    };
    let data = funcs::env_data(&environment(), "");
    let got = funcs::render(&ctx, TEMPLATE_NAME, text, &data)
        .map(|s| relative(dir.path(), &s))
        .map_err(|e| relative(dir.path(), &e.to_string()));
    (want, got)
}

/// A part's data with top-level `values` (helmfile's `Environment.Defaults`): in `.Values`
/// but not in `.Environment.Values`.
#[test]
#[ignore = "needs helmfile and helm (scripts/testenv)"]
fn part_data_with_defaults_matches_helmfile() {
    let text = "{{ .Environment }}\n{{ .Values }}\n{{ toYaml . }}{{ toJson . }}\n{{ get \"Defaults.top\" .Environment }}";
    let dir = workdir();
    std::fs::write(
        dir.path().join("helmfile.yaml.gotmpl"),
        format!(
            "values:\n- top: 1\n  name: from-defaults\nenvironments:\n  default:\n    values:\n    - {}\n---\n{text}",
            ENV_VALUES.trim_end().replace('\n', "\n      ")
        ),
    )
    .expect("write helmfile");
    let want = helmfile_part(dir.path()).expect("helmfile renders the part");
    let defaults = yaml_value("top: 1\nname: from-defaults\n");
    let env = Environment {
        name: "default".into(),
        kube_context: String::new(),
        // GetMergedValues: defaults, then the environment's values over them.
        values: yaml_value(&format!("top: 1\n{ENV_VALUES}")),
        env_values: yaml_value(ENV_VALUES),
        defaults,
    };
    let ctx = FuncContext {
        base_dir: dir.path().to_path_buf(),
    };
    let got = funcs::render(&ctx, TEMPLATE_NAME, text, &funcs::env_data(&env, ""))
        .expect("canon renders the part");
    assert_eq!(got, want);
}

/// helmfile reads the `_*.tpl` helpers for every template: a helper changed between two
/// renders is seen by the second (canon keeps prepared sets only while the files are unchanged).
#[test]
fn changed_helpers_are_reread() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = FuncContext {
        base_dir: dir.path().to_path_buf(),
    };
    let helper = dir.path().join("_h.tpl");
    let data = funcs::env_data(&environment(), "");
    let render = || funcs::render(&ctx, TEMPLATE_NAME, r#"{{ include "x" . }}"#, &data);
    std::fs::write(&helper, r#"{{ define "x" }}one{{ end }}"#).expect("write helper");
    assert_eq!(render().expect("renders"), "one");
    std::fs::write(&helper, r#"{{ define "x" }}second{{ end }}"#).expect("write helper");
    assert_eq!(render().expect("renders"), "second");
    std::fs::remove_file(&helper).expect("remove helper");
    let err = render().expect_err("x is gone").to_string();
    assert!(
        err.contains(r#"no template "x" associated with template "stringTemplate""#),
        "{err}"
    );
}

/// Templates in a helmfile part, one helmfile run each: canon must render the same text or
/// fail with the same error text.
#[test]
#[ignore = "needs helmfile and helm (scripts/testenv)"]
fn part_templates_match_helmfile() {
    let cases: &[&str] = &[
        // readFile, readDir, readDirEntries, isFile, isDir
        r#"{{ readFile "data/a.txt" }}"#,
        r#"{{ readFile "nope.txt" }}"#,
        r#"{{ readFile "data" }}"#,
        r#"{{ readDir "data" | toJson }} {{ readDir "data/" }} {{ readDir "./data/sub" }}"#,
        r#"{{ readDir "nope" }}"#,
        r#"{{ readDir "data/a.txt" }}"#,
        r#"{{ readDir "data/sub/" | len }} {{ printf "%T" (readDir "data") }}"#,
        r#"{{ range readDirEntries "data" }}{{ .Name }} {{ .IsDir }} {{ .Type }};{{ end }}"#,
        r#"{{ readDirEntries "nope" }}"#,
        r#"{{ isFile "data/a.txt" }} {{ isFile "data" }} {{ isFile "nope" }} {{ isDir "data" }} {{ isDir "data/a.txt" }} {{ isDir "nope" }}"#,
        r#"{{ isFile "data/a.txt/x" }}"#,
        // exec, envExec
        r#"{{ exec "sh" (list "-c" "echo hi; echo err >&2") }}"#,
        r#"{{ exec "cat" (list) "from stdin" }}|{{ exec "cat" (list) "" }}|"#,
        r#"{{ exec "sh" (list "-c" "echo bad >&2; exit 3") }}"#,
        r#"{{ exec "sh" (list "-c" "exit 4") }}"#,
        r#"{{ exec "nonexistent-cmd-xyz" (list) }}"#,
        r#"{{ exec "./nope.sh" (list) }}"#,
        r#"{{ exec "sh" (list 1 "a") }}"#,
        r#"{{ envExec (dict "FOO" "bar") "sh" (list "-c" "echo $FOO") }}"#,
        r#"{{ envExec (dict "FOO" 1) "sh" (list "-c" "echo $FOO") }}"#,
        r#"{{ exec "./script.sh" (list "a" "b c") }}{{ exec "pwd" (list) | trim | base }}"#,
        // env, requiredEnv
        r#"{{ requiredEnv "PATH" | len | lt 0 }} {{ env "PATH" | len | lt 0 }}"#,
        r#"{{ requiredEnv "CANON_SURELY_UNSET_VARIABLE" }}"#,
        // get, getOrNil, sprigGet
        r#"{{ get "nested.a.b" .Values }} {{ .Values | get "nested.a.x" "dflt" }} {{ get "" .Values | toJson }}"#,
        r#"{{ get "nested.a.x" .Values }}"#,
        r#"{{ get "num.x" .Values }}"#,
        r#"{{ get "num.x" "d" .Values }}"#,
        r#"{{ get "Name" .Environment }} {{ get "Values.name" .Environment }} {{ get "Nope" "d" .Environment }}"#,
        r#"{{ get "Nope" .Environment }}"#,
        r#"{{ get "Environment.Name" . }}"#,
        r#"{{ get "a" }}"#,
        r#"{{ get "a" 1 2 3 }}"#,
        r#"{{ getOrNil "nested.a.b" .Values }} {{ getOrNil "nope.x" .Values | toJson }} {{ getOrNil "num.x" .Values }}"#,
        r#"{{ sprigGet (dict "a" 1) "a" }} {{ sprigGet (dict "a" 1) "b" | quote }}"#,
        // setValueAtPath
        r#"{{ $m := dict "a" (dict "b" 1) }}{{ setValueAtPath "a.c" 2 $m | toJson }} {{ $m | toJson }} {{ setValueAtPath "top" "x" $m | toJson }}"#,
        r#"{{ $m := dict "a" (dict "b" 1) }}{{ setValueAtPath "x.y" 1 $m }}"#,
        r#"{{ $m := dict "a" (dict "b" 1) }}{{ setValueAtPath "a.b.c" 1 $m }}"#,
        // toYaml, fromYaml
        r#"{{ toYaml .Values }}"#,
        r#"{{ toYaml (list 1 "a" (dict "k" nil "on" "on" "l" (list))) }}{{ toYaml "on" }}{{ toYaml 1.5 }}"#,
        r#"{{ toYaml . }}"#,
        r#"{{ toYaml .Environment }}"#,
        r#"{{ fromYaml "a: 1\nb: [x, {c: d}]\nc: 0o17\nd: on\n" | toJson }}"#,
        r#"{{ fromYaml "1: a" }}"#,
        r#"{{ fromYaml "a: [" }}"#,
        r#"{{ fromYaml "" | toJson }} {{ (fromYaml "t: '2001-12-14'").t | kindOf }} {{ fromYaml "- 1\n- x" | toJson }}"#,
        // tpl, required, include
        r#"{{ tpl "{{ .Values.name }}-x" . }}"#,
        r#"{{ tpl "{{ .Values.nope }}" . }}"#,
        r#"{{ required "need it" .Values.name }}"#,
        r#"{{ required "need it" .Values.empty }}"#,
        r#"{{ required "need it" nil }}"#,
        r#"{{ include "greet" "bob" }} {{ template "greet" "x" }}"#,
        r#"{{ define "mine" }}[{{ . }}]{{ end }}{{ include "mine" 1 }}"#,
        r#"{{ include "nope" . }}"#,
        r#"{{ tpl "{{ include \"greet\" 2 }}" . }}"#,
        r#"{{ define "m" }}M{{ end }}{{ tpl "{{ include \"m\" . }}" . }}"#,
        r#"{{ tpl "{{ .Release.Name }}" . }}"#,
        r#"{{ tpl "{{ if }}" . }}"#,
        r#"{{ include "greet" }}"#,
        r#"{{ exec "sh" (list "-c" "sleep 0.3") "input that is never read" }}|{{ exec "cat" (list) (repeat 100000 "x") | len }}"#,
        r#"{{ exec "sh" (list "-c" "printf 'a

b
' >&2; exit 1") }}"#,
        r#"{{ exec "true" (list) | printf "%q" }} {{ exec "sh" (list "-c" "printf 'no newline'") }}"#,
        r#"{{ exec "sh" }}"#,
        r#"{{ toYaml nil }}{{ toYaml (dict) }}{{ toYaml (list) }}{{ toYaml "" }}{{ toYaml "a
b" }}"#,
        r#"{{ .Values | toYaml | fromYaml | toJson }}"#,
        r#"{{ required "x" 0 }} {{ required "x" false }} {{ required "x" (list) | toJson }}"#,
        r#"{{ required 1 nil }}"#,
        // the data
        r#"{{ .Environment }} {{ printf "%T" . }} {{ printf "%T" .Environment }} [{{ .Namespace }}] {{ .StateValues.name }}"#,
        r#"{{ .Environment.Name }} {{ .Environment.Values }} {{ .Environment.Defaults }} {{ .Environment.CLIOverrides }}"#,
        r#"{{ toJson . }}"#,
        r#"{{ .Nope }}"#,
        r#"{{ .Environment.Nope }}"#,
        r#"{{ .Values.nested.nope }}"#,
        r#"{{ nope }}"#,
        "a\n{{ if }}",
        // vals
        r#"{{ fetchSecretValue "plain" }} {{ expandSecretRefs (dict "a" "ref+echo://foo" "b" (dict "c" "x" "n" 1 "l" (list "ref+echo://x/y/"))) | toJson }}"#,
        r#"{{ fetchSecretValue "ref+echo://bar/" }} {{ fetchSecretValue "no ref+ here" }} {{ fetchSecretValue "ref+echo://baz+" }}"#,
    ];
    let mut failures = Vec::new();
    for text in cases {
        let (want, got) = both_part(text);
        if want != got {
            failures.push(format!(
                "template: {text}\n  helmfile: {want:?}\n  canon:    {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Release templates see helmfile's `releaseTemplateData`: rendered through a release values
/// file (`tpl` of the case text) and read back with `helmfile write-values`.
#[test]
#[ignore = "needs helmfile and helm (scripts/testenv)"]
fn release_data_matches_helmfile() {
    let text = r#"{{ .Release.Name }}|{{ .Release.Namespace }}|{{ .Release.Labels }}|{{ .Release.Chart }}|{{ .Release.ChartVersion }}|{{ .Release.KubeContext }}
{{ printf "%T" . }} {{ printf "%T" .Release }} {{ printf "%T" .Release.Labels }} {{ printf "%T" .Values }}
{{ .Release }}
{{ .Environment }}
{{ .Values }} {{ .Environment.Values }} {{ .Environment.Defaults }} {{ .StateValues.top }}
{{ toYaml . }}
{{ toJson . }}
{{ get "Release.Name" . }} {{ get "Release.Labels.team" . }} {{ get "Release.Labels.team.x.y" . }} {{ .Release.Labels.team }}
{{ getOrNil "Release.Nope" . | toJson }} {{ get "Release.Nope" "d" . }}
[{{ .Namespace }}|{{ .KubeContext }}|{{ .Chart }}]
"#;
    let dir = workdir();
    let top = "top: 1\n";
    std::fs::write(
        dir.path().join("helmfile.yaml"),
        format!(
            "values:\n- {top}environments:\n  default:\n    values:\n    - {}\n---\nreleases:\n- name: r1\n  chart: ./chart\n  namespace: ns1\n  version: 1.2.0\n  labels: {{team: x}}\n  values:\n  - case.yaml.gotmpl\n",
            ENV_VALUES.trim_end().replace('\n', "\n      ")
        ),
    )
    .expect("write helmfile");
    std::fs::write(dir.path().join("case.tmpl"), text).expect("write case");
    std::fs::write(
        dir.path().join("case.yaml.gotmpl"),
        "out: {{ tpl (readFile \"case.tmpl\") . | toJson }}\n",
    )
    .expect("write values template");
    let (ok, log) = run_helmfile(
        dir.path(),
        &[
            "write-values",
            "--output-file-template",
            "out/{{ .Release.Name }}.yaml",
        ],
    );
    assert!(ok, "helmfile write-values failed:\n{log}");
    let written =
        std::fs::read_to_string(dir.path().join("out/r1.yaml")).expect("helmfile wrote values");
    let want = match yaml_value(&written) {
        Value::Map(m) => match m.entries.read().expect("map").get("out") {
            Some(Value::String(s)) => s.to_string(),
            other => panic!("out is not a string: {other:?}"),
        },
        other => panic!("values are not a map: {other:?}"),
    };

    // What helmfile's release stage hands the values template: the release with its implicit
    // labels, the environment's values with the top-level values as defaults.
    let env_values = yaml_value(ENV_VALUES);
    let mut merged = yaml_value(ENV_VALUES);
    if let (Value::Map(m), Value::Map(t)) = (&mut merged, yaml_value(top)) {
        let t = t.entries.read().expect("map").clone();
        m.write().extend(t);
    }
    let env = Environment {
        name: "default".into(),
        kube_context: String::new(),
        values: merged,
        env_values,
        defaults: yaml_value(top),
    };
    let release = yaml_value(
        "name: r1\nchart: ./chart\nnamespace: ns1\nversion: 1.2.0\nlabels: {team: x, chart: chart, name: r1, namespace: ns1}\n",
    );
    let ctx = FuncContext {
        base_dir: dir.path().to_path_buf(),
    };
    let got = funcs::render(
        &ctx,
        TEMPLATE_NAME,
        text,
        &funcs::release_data(&env, "", &release),
    )
    .expect("canon renders the release template");
    assert_eq!(got, want);
}

/// A small deterministic generator (xorshift64*), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const KEYS: &[&str] = &["a", "b", "c", "on", "x_y", "1"];
const STRINGS: &[&str] = &[
    "",
    "on",
    "yes",
    "1.0",
    "a: b",
    "- x",
    "#c",
    "multi\nline",
    "tab\there",
    "null",
    "~",
    "é",
];

/// A random value as JSON text (which yaml.v3 reads as YAML).
fn random_json(rng: &mut Rng, depth: u32) -> String {
    let quote = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let kind = if depth >= 3 {
        rng.below(5)
    } else {
        rng.below(7)
    };
    match kind {
        0 => (rng.below(2000) as i64 - 1000).to_string(),
        1 => quote(rng.pick(STRINGS)),
        2 => ["true", "false", "null"][rng.below(3) as usize].to_string(),
        3 => format!("{}.{}", rng.below(100), rng.below(100)),
        4 => quote(rng.pick(KEYS)),
        5 => {
            let n = rng.below(3);
            let items: Vec<String> = (0..n).map(|_| random_json(rng, depth + 1)).collect();
            format!("[{}]", items.join(", "))
        }
        _ => {
            let n = rng.below(4);
            let mut keys: Vec<&str> = (0..n).map(|_| rng.pick(KEYS)).collect();
            keys.sort_unstable();
            keys.dedup();
            let items: Vec<String> = keys
                .iter()
                .map(|k| format!("{}: {}", quote(k), random_json(rng, depth + 1)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A random map of up to `n` distinct keys as JSON text.
fn random_map(rng: &mut Rng, n: u64) -> String {
    let mut keys: Vec<&str> = (0..n).map(|_| rng.pick(KEYS)).collect();
    keys.sort_unstable();
    keys.dedup();
    let items: Vec<String> = keys
        .iter()
        .map(|k| format!("\"{k}\": {}", random_json(rng, 1)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn random_path(rng: &mut Rng) -> String {
    let n = rng.below(4);
    (0..n).map(|_| rng.pick(KEYS)).collect::<Vec<_>>().join(".")
}

/// Random maps through `getOrNil`, `toYaml` and `toJson` (none of which fails), all in one
/// template: canon and helmfile must print the same lines.
#[test]
#[ignore = "needs helmfile and helm (scripts/testenv)"]
fn get_or_nil_and_to_yaml_differential() {
    let mut rng = Rng(0x5eed_f00d_1234_5678);
    let mut text = String::new();
    for i in 0..60 {
        let n = 1 + rng.below(4);
        let map = random_map(&mut rng, n);
        text.push_str(&format!("{{{{- $v{i} := fromYaml `{map}` }}}}\n"));
        for _ in 0..3 {
            let p = random_path(&mut rng);
            text.push_str(&format!(
                "{i} getOrNil {p:?}: {{{{ getOrNil {p:?} $v{i} | toJson }}}}\n"
            ));
        }
        text.push_str(&format!("{i} toYaml:\n{{{{ toYaml $v{i} }}}}"));
        text.push_str(&format!("{i} toJson: {{{{ toJson $v{i} }}}}\n"));
    }
    let (want, got) = both_part(&text);
    let want = want.unwrap_or_else(|e| panic!("helmfile failed: {e}\n{text}"));
    let got = got.unwrap_or_else(|e| panic!("canon failed: {e}\n{text}"));
    if want != got {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("  helmfile: {a}\n  canon:    {b}"))
            .collect();
        panic!("outputs differ:\n{}", diff.join("\n"));
    }
}

/// Random `setValueAtPath` and `get` with a default, one helmfile run each (a failing call
/// ends the template): the same output or the same error.
#[test]
#[ignore = "needs helmfile and helm (scripts/testenv)"]
fn set_value_at_path_and_get_differential() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut failures = Vec::new();
    let (n, mut errors) = (28, 0);
    for i in 0..n {
        let n = 1 + rng.below(3);
        let map = random_map(&mut rng, n);
        let mut p = random_path(&mut rng);
        if p.is_empty() {
            p = "a".into();
        }
        let text = if i % 2 == 0 {
            format!(
                "{{{{ $v := fromYaml `{map}` }}}}{{{{ setValueAtPath {p:?} (dict \"new\" 1) $v | toJson }}}} {{{{ toJson $v }}}}"
            )
        } else {
            format!("{{{{ $v := fromYaml `{map}` }}}}{{{{ get {p:?} \"DEF\" $v | toJson }}}}")
        };
        let (want, got) = both_part(&text);
        errors += usize::from(want.is_err());
        if want != got {
            failures.push(format!("{text}\n  helmfile: {want:?}\n  canon:    {got:?}"));
        }
    }
    // The generator must reach both outcomes, or the test checks less than it says.
    assert!(
        errors > 0 && errors < n,
        "{errors} of {n} cases failed in helmfile: the generator needs tuning"
    );
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `_*.tpl` helpers beside the helmfile: parsed into every template in name order, their
/// failures reported as helmfile reports them, `include`'s nesting limit.
#[test]
#[ignore = "needs helmfile and helm (scripts/testenv)"]
fn helper_templates_match_helmfile() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "{{ include \"x\" . }}",
            &[
                ("_a.tpl", "{{ define \"x\" }}a{{ end }}"),
                ("_b.tpl", "{{ define \"x\" }}b{{ end }}"),
            ],
        ),
        ("{{ include \"greet\" 1 }}", &[("_zz.tpl", "{{ if }}")]),
        ("x", &[("_dir.tpl/", "")]),
        (
            "{{/* only a comment */}}",
            &[("_body.tpl", "BODY {{ .Values.name }}")],
        ),
        ("main", &[("_body.tpl", "BODY")]),
        ("{{ include \"recurse\" 1 }}", &[]),
        (
            "{{ template \"greet\" \"t\" }}",
            &[("not_helper.tpl", "{{ define \"greet\" }}other{{ end }}")],
        ),
    ];
    let mut failures = Vec::new();
    for (text, files) in cases {
        let (want, got) = both_part_with(text, files);
        if want != got {
            let short = |r: &Result<String, String>| {
                let s = format!("{r:?}");
                if s.len() > 2000 {
                    format!("{}…({} bytes)", &s[..2000], s.len())
                } else {
                    s
                }
            };
            failures.push(format!(
                "template: {text} with {files:?}\n  helmfile: {}\n  canon:    {}",
                short(&want),
                short(&got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Benchmark (prints numbers, asserts none): a small text rendered many times over the
/// fixture's helpers, the cost `release` templating pays per field.
#[test]
#[ignore = "benchmark: run with --release --nocapture"]
fn render_throughput() {
    let ctx = FuncContext {
        base_dir: fixture(),
    };
    let data = funcs::env_data(&environment(), "");
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        funcs::render(&ctx, TEMPLATE_NAME, "{{ .Values.name }}-x", &data).expect("render");
    }
    eprintln!("1000 renders: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        let _ = funcs::func_map(&ctx);
    }
    eprintln!("1000 func_maps: {:?}", t.elapsed());
}
