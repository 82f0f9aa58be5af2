//! `action::template` against real helm on the whole pipeline: option handling (release names,
//! `--name-template`, namespaces, `--kube-version`, `--api-versions`, `--is-upgrade`), and broken
//! charts whose errors must read as helm's (template error, missing required value, schema
//! violation, missing dependency, output that is not YAML, kubeVersion mismatch).

use std::path::Path;

use helm::HelmVersion;

use crate::support::{first_difference, helm_printed, parse_template_args, printed};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, t) in files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
        std::fs::write(p, t).expect("write");
    }
}

const CHART: &str = "apiVersion: v2\nname: c\nversion: 0.1.0\n";

/// Charts that fail, each with the args to run; helm's combined output is the expectation.
/// A broken chart: what is wrong, its files, extra arguments.
type Broken = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
);

fn broken_charts() -> Vec<Broken> {
    vec![
        (
            // z.yaml executes first (helm's reverse order), a.yaml after it fails to execute:
            // the execution error wins over z's broken YAML, split while a.yaml executed.
            "execution error after a file that is not YAML",
            vec![
                ("Chart.yaml", CHART),
                ("templates/z.yaml", "kind: [\n"),
                (
                    "templates/a.yaml",
                    "kind: ConfigMap\nx: {{ .Values.a.b.c }}\n",
                ),
            ],
            vec![],
        ),
        (
            // Both files are broken; a.yaml's second document comes first in path order,
            // although z.yaml (and the subchart) executed first.
            "the first broken document in path order",
            vec![
                ("Chart.yaml", CHART),
                ("templates/z.yaml", "kind: {\n"),
                ("templates/a.yaml", "kind: A\n---\nkind: [\n---\nkind: {\n"),
                ("templates/_h.tpl", "kind: [\n"),
                ("templates/NOTES.txt", "kind: [\n"),
                (
                    "charts/s/Chart.yaml",
                    "apiVersion: v2\nname: s\nversion: 0.1.0\n",
                ),
                ("charts/s/templates/s.yaml", "kind: S\n"),
            ],
            vec![],
        ),
        (
            "template error",
            vec![
                ("Chart.yaml", CHART),
                (
                    "templates/cm.yaml",
                    "kind: ConfigMap\ndata:\n  x: {{ .Values.a.b.c }}\n",
                ),
            ],
            vec![],
        ),
        (
            "parse error",
            vec![
                ("Chart.yaml", CHART),
                ("templates/cm.yaml", "kind: ConfigMap\n{{ if }}\n"),
            ],
            vec![],
        ),
        (
            "missing required value",
            vec![
                ("Chart.yaml", CHART),
                (
                    "templates/cm.yaml",
                    "kind: ConfigMap\ndata:\n  x: {{ required \"x is required\" .Values.x }}\n",
                ),
            ],
            vec![],
        ),
        (
            "schema violation",
            vec![
                ("Chart.yaml", CHART),
                // One failing property besides the missing one: helm orders sibling property errors
                // by Go map iteration, so two of them print in either order.
                ("values.yaml", "port: eighty\n"),
                (
                    "values.schema.json",
                    "{\"type\":\"object\",\"required\":[\"image\"],\"properties\":{\"port\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"}}}",
                ),
                ("templates/cm.yaml", "kind: ConfigMap\n"),
            ],
            vec![],
        ),
        (
            "missing dependency",
            vec![
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n  - name: sub\n    version: 1.0.0\n    repository: https://example.com\n  - name: other\n    version: 1.0.0\n",
                ),
                ("templates/cm.yaml", "kind: ConfigMap\n"),
            ],
            vec![],
        ),
        (
            "invalid YAML output",
            vec![
                ("Chart.yaml", CHART),
                (
                    "templates/cm.yaml",
                    "kind: ConfigMap\nmetadata:\n  name: {{ \"a: b\" }}\n",
                ),
            ],
            vec![],
        ),
        (
            "invalid YAML output, --debug",
            vec![
                ("Chart.yaml", CHART),
                (
                    "templates/cm.yaml",
                    "kind: ConfigMap\nmetadata:\n  name: {{ \"a: b\" }}\n",
                ),
            ],
            vec!["--debug"],
        ),
        (
            "kubeVersion mismatch",
            vec![
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: c\nversion: 0.1.0\nkubeVersion: \">=1.40.0-0\"\n",
                ),
                ("templates/cm.yaml", "kind: ConfigMap\n"),
            ],
            vec![],
        ),
        (
            "fail in NOTES.txt",
            vec![
                ("Chart.yaml", CHART),
                ("templates/cm.yaml", "kind: ConfigMap\n"),
                ("templates/NOTES.txt", "{{ fail \"notes failed\" }}\n"),
            ],
            vec![],
        ),
        (
            "library chart",
            vec![
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: c\nversion: 0.1.0\ntype: library\n",
                ),
                ("templates/_x.tpl", "{{ define \"x\" }}{{ end }}\n"),
            ],
            vec![],
        ),
        (
            "bad release name",
            vec![
                ("Chart.yaml", CHART),
                ("templates/cm.yaml", "kind: ConfigMap\n"),
            ],
            vec!["Bad_Name"],
        ),
        (
            "show-only of a missing template",
            vec![
                ("Chart.yaml", CHART),
                ("templates/cm.yaml", "kind: ConfigMap\n"),
            ],
            vec!["--show-only", "templates/none.yaml"],
        ),
    ]
}

#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn broken_charts_fail_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (i, (what, files, extra)) in broken_charts().into_iter().enumerate() {
        let dir = tmp.path().join(format!("c{i}"));
        write(&dir, &files);
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        // A positional release name goes before the chart.
        let name_first = args.first().is_some_and(|a| !a.starts_with('-'));
        let chart = dir.to_string_lossy().into_owned();
        if name_first {
            args.insert(1, chart);
        } else {
            args.insert(0, chart);
        }
        args.extend(["--kube-version".into(), "1.33.0".into()]);
        for v in [HelmVersion::V4, HelmVersion::V3] {
            let want = helm_printed(v, tmp.path(), &args);
            assert!(
                want.contains("Error: "),
                "{what}: helm {v:?} did not fail:\n{want}"
            );
            let got = printed(&parse_template_args(&args, tmp.path(), v));
            if let Some(d) = first_difference(&want, &got) {
                failures.push(format!("{what} {v:?}: {d}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "differences from helm:\n{}",
        failures.join("\n")
    );
}

#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn release_options_render_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("opts");
    write(
        &dir,
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: opts\nversion: 0.1.0\nappVersion: \"1.0\"\n",
            ),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\ndata:\n  install: {{ .Release.IsInstall | quote }}\n  upgrade: {{ .Release.IsUpgrade | quote }}\n  revision: {{ .Release.Revision | quote }}\n  service: {{ .Release.Service }}\n  kube: {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.KubeVersion.Minor }}\n  gitVersion: {{ .Capabilities.KubeVersion.GitVersion }}\n  hasFoo: {{ .Capabilities.APIVersions.Has \"foo.example.com/v1\" | quote }}\n  hasBar: {{ .Capabilities.APIVersions.Has \"bar.example.com/v2\" | quote }}\n",
            ),
        ],
    );
    let chart = dir.to_string_lossy().into_owned();
    let cases: Vec<Vec<String>> = vec![
        vec![chart.clone()],
        vec!["my-rel".into(), chart.clone(), "-n".into(), "prod".into()],
        vec![
            chart.clone(),
            "--name-template".into(),
            "{{ \"abc\" | upper | lower }}-x".into(),
        ],
        vec![chart.clone(), "--is-upgrade".into()],
        vec![
            chart.clone(),
            "--kube-version".into(),
            "v1.29.3-gke.100".into(),
        ],
        vec![
            chart.clone(),
            "--api-versions".into(),
            "foo.example.com/v1,bar.example.com/v2".into(),
        ],
        vec![chart.clone(), "--kube-version".into(), "bad".into()],
        vec![
            "a".into(),
            chart.clone(),
            "--name-template".into(),
            "x".into(),
        ],
        vec!["a".into(), chart.clone(), "extra".into()],
        vec!["./does-not-exist".into()],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let mut args = args;
        if !args.iter().any(|a| a == "--kube-version") {
            args.extend(["--kube-version".into(), "1.33.0".into()]);
        }
        for v in [HelmVersion::V4, HelmVersion::V3] {
            let want = helm_printed(v, tmp.path(), &args);
            let got = printed(&parse_template_args(&args, tmp.path(), v));
            if let Some(d) = first_difference(&want, &got) {
                failures.push(format!("{args:?} {v:?}: {d}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "differences from helm:\n{}",
        failures.join("\n")
    );
}

/// The output (and the error) is the same whether rendered files are split on a second thread
/// while the next templates execute or after all of them, on one thread.
#[test]
fn output_does_not_depend_on_cores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut charts = broken_charts();
    charts.push((
        "hooks, NOTES.txt and many files",
        vec![
            ("Chart.yaml", CHART),
            (
                "templates/many.yaml",
                "{{ range until 400 }}---\napiVersion: v1\nkind: {{ if eq (mod . 3) 0 }}Secret{{ else }}ConfigMap{{ end }}\nmetadata:\n  name: n{{ . }}\ndata:\n  x: {{ $.Values.x | quote }}\n{{ end }}",
            ),
            (
                "templates/hook.yaml",
                "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install\n",
            ),
            ("templates/NOTES.txt", "kind: [\n"),
            ("values.yaml", "x: \"some text to make the files bigger than one split\"\n"),
        ],
        vec![],
    ));
    for (i, (what, files, extra)) in charts.into_iter().enumerate() {
        let dir = tmp.path().join(format!("c{i}"));
        write(&dir, &files);
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        if args.first().is_some_and(|a| !a.starts_with('-')) {
            args.insert(1, dir.to_string_lossy().into_owned());
        } else {
            args.insert(0, dir.to_string_lossy().into_owned());
        }
        for v in [HelmVersion::V4, HelmVersion::V3] {
            let opts = parse_template_args(&args, tmp.path(), v);
            let one = helm::with_cores(1, || printed(&opts));
            let two = helm::with_cores(2, || printed(&opts));
            if let Some(d) = first_difference(&one, &two) {
                panic!("{what} {v:?}: 1 core vs 2 cores: {d}");
            }
            match what {
                "execution error after a file that is not YAML" => assert!(
                    one.contains("executing \"c/templates/a.yaml\" at <.Values.a.b.c>")
                        && !one.contains("YAML parse error"),
                    "{what} {v:?}: {one}"
                ),
                "the first broken document in path order" => assert!(
                    one.contains("YAML parse error on c/templates/a.yaml"),
                    "{what} {v:?}: {one}"
                ),
                "hooks, NOTES.txt and many files" => assert!(
                    one.matches("kind: ConfigMap").count() == 266
                        && one.contains("helm.sh/hook: pre-install")
                        && !one.contains("Error"),
                    "{what} {v:?}: {one}"
                ),
                _ => {}
            }
        }
    }
}

/// The render parses templates while the chart loads (guessing names from the chart
/// directories) and prepares schemas ahead: what it prints and the first error must stay
/// helm's, for a small chart and one big enough to parse on two threads. The tree has a
/// disabled subchart whose template does not parse, an aliased subchart (its templates are
/// renamed), and, per case, parse errors in helm's order or a schema the values violate.
#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn speculative_parse_like_helm() {
    let top = "apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n  condition: sub.enabled\n- name: lib2\n  alias: renamed\n  version: 0.1.0\n";
    let base: Vec<(&str, &str)> = vec![
        ("Chart.yaml", top),
        ("values.yaml", "sub:\n  enabled: false\nx: 1\n"),
        (
            "templates/a.yaml",
            "a: {{ .Values.x }} {{ include \"h\" . }}\n",
        ),
        ("templates/_h.tpl", "{{ define \"h\" }}top-h{{ end }}"),
        (
            "charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        ("charts/sub/templates/bad.yaml", "{{ if }}\n"),
        (
            "charts/lib2/Chart.yaml",
            "apiVersion: v2\nname: lib2\nversion: 0.1.0\n",
        ),
        (
            "charts/lib2/templates/cm.yaml",
            "name: {{ .Chart.Name }} {{ template \"h\" . }} {{ .Template.Name }}\n",
        ),
        (
            "charts/lib2/templates/_g.tpl",
            "{{ define \"g\" }}lib-g{{ end }}",
        ),
    ];
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("renders", vec![]),
        (
            "parse errors",
            vec![
                ("templates/a-bad.yaml", "{{ end }}\n"),
                ("templates/b-bad.yaml", "ok\n{{ if }}\n"),
            ],
        ),
        (
            "enabled broken subchart",
            vec![
                ("values.yaml", "sub:\n  enabled: true\n"),
                ("templates/b-bad.yaml", "{{ if }}\n"),
            ],
        ),
        (
            "schema",
            vec![
                (
                    "values.schema.json",
                    "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"}}}",
                ),
                ("charts/lib2/values.schema.json", "{\"type\":"),
            ],
        ),
    ];
    let pad = "# padding {{ \"x\" }}\n".repeat(400);
    let pads: Vec<(String, &str)> = (0..40)
        .map(|i| (format!("templates/pad{i:02}.yaml"), pad.as_str()))
        .collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (n, (what, extra)) in cases.iter().enumerate() {
        for big in [false, true] {
            let dir = tmp.path().join(format!("c{n}-{big}"));
            write(&dir, &base);
            write(&dir, extra);
            if big {
                let p: Vec<(&str, &str)> = pads.iter().map(|(n, t)| (n.as_str(), *t)).collect();
                write(&dir, &p);
            }
            let args: Vec<String> = [dir.to_string_lossy().as_ref(), "--kube-version", "1.33.0"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            for v in [HelmVersion::V4, HelmVersion::V3] {
                let want = helm_printed(v, tmp.path(), &args);
                let got = printed(&parse_template_args(&args, tmp.path(), v));
                if let Some(d) = first_difference(&want, &got) {
                    failures.push(format!("{what} (big: {big}) {v:?}: {d}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "differences from helm:\n{}",
        failures.join("\n")
    );
}
