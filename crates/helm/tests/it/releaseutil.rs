//! Output assembly (sorting, hooks, splitting, `--show-only`, `--include-crds`, `--output-dir`)
//! against real helm on static charts: templates without actions render to themselves, so helm's
//! output for such a chart is exactly its assembly of those files, which canon's
//! `action::assemble` must reproduce from the same files. Also helm's own kind-sorter case.

use std::collections::BTreeMap;
use std::path::Path;

use helm::HelmVersion;
use helm::action::{self, TemplateOptions};
use helm::chart::{Chart, File};
use helm::releaseutil;

use crate::support::first_difference;

/// helm's `TestKindSorterKeepOriginalOrder` expectation ("01aAz!u2u1t3"), through sort_manifests.
#[test]
fn kind_sort_keeps_original_order_within_a_kind() {
    let docs = [
        ("a", "ClusterRole"),
        ("A", "ClusterRole"),
        ("0", "ConfigMap"),
        ("1", "ConfigMap"),
        ("z", "ClusterRoleBinding"),
        ("!", "ClusterRoleBinding"),
        ("u2", "Unknown"),
        ("u1", "Unknown"),
        ("t3", "Unknown2"),
    ];
    let text: String = docs
        .iter()
        .map(|(n, k)| format!("---\nkind: {k}\nmetadata:\n  name: \"{n}\"\n"))
        .collect();
    for v in [HelmVersion::V4, HelmVersion::V3] {
        let files = BTreeMap::from([("c/templates/all.yaml".to_string(), text.clone())]);
        let (hooks, manifests) = releaseutil::sort_manifests(&files, v).expect("valid");
        assert!(hooks.is_empty());
        let names: String = manifests
            .iter()
            .map(|m| m.head.metadata.as_ref().expect("metadata").name.clone())
            .collect();
        assert_eq!(names, "01aAz!u2u1t3");
    }
}

/// Files of the static chart used against helm: several kinds, unknown kinds, hooks with weights
/// and test hooks, an unknown hook event, blank and comment-only documents, odd separators.
fn static_templates() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "templates/b.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\n# only a comment\n---\n\n---   \napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
        ),
        (
            "templates/a.yaml",
            "\n\napiVersion: example.com/v1\nkind: Zebra\nmetadata:\n  name: z\n---\napiVersion: example.com/v1\nkind: Antelope\nmetadata:\n  name: an\n---\nkind: Namespace\napiVersion: v1\nmetadata:\n  name: ns\n\n\n",
        ),
        (
            "templates/hooks.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: late\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: \"5\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: early\n  annotations:\n    \"helm.sh/hook\": pre-install,pre-upgrade\n    helm.sh/hook-weight: -5\n    helm.sh/hook-delete-policy: before-hook-creation\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: unknown-hook\n  annotations:\n    helm.sh/hook: on-a-whim\n",
        ),
        (
            "templates/tests/test-pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n",
        ),
        (
            "templates/sub/webhook.yaml",
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: w\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n  annotations: {}\n",
        ),
        ("templates/empty.yaml", "\n  \n"),
        ("templates/NOTES.txt", "Thanks for installing.\n"),
        (
            "crds/crd.yaml",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n",
        ),
        ("crds/notes.txt", "not a manifest\n"),
    ]
}

fn write_chart(dir: &Path, name: &str, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).expect("chart dir");
    std::fs::write(
        dir.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
    )
    .expect("Chart.yaml");
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
        std::fs::write(p, text).expect("template");
    }
}

/// The chart tree canon would load for `files`, built by hand (only names and crds matter here).
fn chart_of(name: &str, files: &[(&str, &str)]) -> (Chart, BTreeMap<String, String>) {
    let mut chart = Chart::default();
    chart.metadata.name = name.to_string();
    let mut rendered = BTreeMap::new();
    for (path, text) in files {
        if path.starts_with("templates/") {
            rendered.insert(format!("{name}/{path}"), text.to_string());
        } else {
            chart.files.push(File {
                name: path.to_string(),
                data: text.as_bytes().into(),
            });
        }
    }
    (chart, rendered)
}

fn helm_printed(v: HelmVersion, chart_dir: &Path, flags: &[&str]) -> String {
    let mut args = vec![chart_dir.to_string_lossy().into_owned()];
    args.extend(["--kube-version".to_string(), "1.33.0".to_string()]);
    args.extend(flags.iter().map(|f| f.to_string()));
    crate::support::helm_printed(v, chart_dir, &args)
}

fn canon_printed(
    v: HelmVersion,
    chart: &Chart,
    files: &BTreeMap<String, String>,
    flags: &[&str],
) -> String {
    let mut o = TemplateOptions::new(vec!["chart".into()]);
    o.compat = v;
    let mut i = 0;
    while i < flags.len() {
        match flags[i] {
            "--skip-tests" => o.skip_tests = true,
            "--no-hooks" => o.no_hooks = true,
            "--include-crds" => o.include_crds = true,
            "--show-only" => {
                i += 1;
                o.show_only.push(flags[i].to_string());
            }
            "--output-dir" => {
                i += 1;
                o.output_dir = Some(flags[i].into());
            }
            "--release-name" => o.use_release_name = true,
            "--debug" => o.debug = true,
            f => panic!("flag {f} not handled by the test"),
        }
        i += 1;
    }
    let out = action::assemble(&o, chart, files.clone(), "release-name");
    let mut s = out.stdout;
    if let Err(e) = out.result {
        s.push_str(&format!("Error: {e}\n"));
    }
    s
}

#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn static_chart_assembly_matches_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = static_templates();
    let dir = tmp.path().join("static");
    write_chart(&dir, "static", &files);
    let (chart, rendered) = chart_of("static", &files);
    let flag_sets: &[&[&str]] = &[
        &[],
        &["--skip-tests"],
        &["--no-hooks"],
        &["--include-crds"],
        &["--show-only", "templates/a.yaml"],
        &["--show-only", "templates/*.yaml"],
        &[
            "--show-only",
            "templates/hooks.yaml",
            "--show-only",
            "templates/a.yaml",
        ],
        &["--show-only", "templates/nope.yaml"],
        &["--show-only", "templates/[.yaml"],
    ];
    let mut failures = Vec::new();
    for v in [HelmVersion::V4, HelmVersion::V3] {
        for flags in flag_sets {
            let want = helm_printed(v, &dir, flags);
            let got = canon_printed(v, &chart, &rendered, flags);
            if let Some(d) = first_difference(&want, &got) {
                failures.push(format!("{v:?} {flags:?}: {d}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "differences from helm:\n{}",
        failures.join("\n")
    );
}

/// Every file under `dir`, path → contents.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn output_dir_matches_helm_including_appending_hooks_on_a_second_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = static_templates();
    let dir = tmp.path().join("static");
    write_chart(&dir, "static", &files);
    let (chart, rendered) = chart_of("static", &files);
    for v in [HelmVersion::V4, HelmVersion::V3] {
        for extra in [&[][..], &["--release-name", "--include-crds"][..]] {
            let h = tmp.path().join(format!("helm-{v:?}-{}", extra.len()));
            let c = tmp.path().join(format!("canon-{v:?}-{}", extra.len()));
            for _ in 0..2 {
                let hs = h.to_string_lossy().into_owned();
                let cs = c.to_string_lossy().into_owned();
                let mut hf = vec!["--output-dir", hs.as_str()];
                hf.extend_from_slice(extra);
                let mut cf = vec!["--output-dir", cs.as_str()];
                cf.extend_from_slice(extra);
                let want = helm_printed(v, &dir, &hf).replace(hs.as_str(), "OUT");
                let got = canon_printed(v, &chart, &rendered, &cf).replace(cs.as_str(), "OUT");
                assert_eq!(
                    first_difference(&want, &got),
                    None,
                    "{v:?} {extra:?} stdout"
                );
            }
            assert_eq!(tree(&h), tree(&c), "{v:?} {extra:?} files");
        }
    }
}

#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn broken_documents_fail_like_helm() {
    let docs = [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n invalid: [\n",
        "kind: ConfigMap\nmetadata: just-a-string\n",
        "- a\n- b\n",
        "plain scalar\n",
        "kind:\n  nested: map\n",
        "kind: A\nmetadata:\n  annotations: [1, 2]\n",
        "kind: A\nmetadata:\n  annotations:\n    a: {b: c}\n",
        "kind: A\nmetadata:\n  name: [x]\n",
        "kind: A\nspec:\n  x: .inf\n",
        "kind: A\nmetadata:\n  name: 1.10\n  annotations:\n    helm.sh/hook: test\n    w: 007\n",
        "kind: 12\n",
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let files = [("templates/doc.yaml", *doc)];
        let dir = tmp.path().join(format!("broken{i}"));
        write_chart(&dir, &format!("broken{i}"), &files);
        let (chart, rendered) = chart_of(&format!("broken{i}"), &files);
        for v in [HelmVersion::V4, HelmVersion::V3] {
            for flags in [&[][..], &["--debug"][..]] {
                let want = helm_printed(v, &dir, flags);
                let got = canon_printed(v, &chart, &rendered, flags);
                if let Some(d) = first_difference(&want, &got) {
                    failures.push(format!("doc {i} {v:?} {flags:?}: {d}"));
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

/// Documents that exercise every reason the head walk leaves a document to the full parse, and
/// the shapes it handles itself: errors inside and outside the head, empty and comment-only
/// documents, flow style, duplicate and case-folded keys, scalars coerced to strings.
const HEAD_EDGE_CASES: &[&str] = &[
    "",
    "# only a comment\n",
    "---\n",
    "--- \n...\n",
    "---\n# comment\n...\n",
    "apiVersion: v1\nkind: A\nmetadata:\n  name: x\n  labels: {a: b}\n  annotations:\n    a: b\n    \"helm.sh/hook\": test\n",
    "kind: A\nspec:\n  x: .nan\n",
    "kind: A\nspec: [.inf, -.Inf]\n",
    "apiVersion: .nan\n",
    "metadata:\n  name: .inf\n",
    "metadata:\n  annotations:\n    a: .NaN\n",
    "zz: -.inf\naa: .nan\nkind: .INF\n",
    ".nan: 1\nkind: A\n",
    "kind: A\nspec:\n  x: 1e999\n  y: 1.5e3\n  z: -.5\n",
    "kind: A\nspec:\n  x: +.inf\n",
    "kind: &k A\nx: *k\n",
    "spec: &s {name: a}\nmetadata: *s\n",
    "kind: A\nspec: *missing\n",
    "spec: &s\n  a: 1\nother: *s\n",
    "base: &b {name: x}\nmetadata:\n  <<: *b\n",
    "kind: A\nspec:\n  <<: {a: 1}\n",
    "metadata:\n  <<: [1]\n",
    "kind: A\nspec:\n  a: <<\n",
    "kind: !!int x\n",
    "kind: A\nspec:\n  a: !!binary \"@@\"\n",
    "kind: A\nspec: !foo 1\n",
    "%TAG ! tag:x,2000:\n---\nkind: !a b\n",
    "kind: !!str 5\n",
    "%YAML 1.1\n---\nkind: A\n",
    "kind: A\nkind: B\n",
    "metadata:\n  name: a\n  name: b\n",
    "metadata: {name: a}\nmetadata: {labels: {}}\n",
    "Kind: A\nkind: B\nKIND: C\n",
    "metadata:\n  NAME: a\n  name: b\n  Annotations: {x: y}\n",
    "? [a]\n: b\nkind: A\n",
    "kind: A\nspec:\n  ? {a: 1}\n  : b\n",
    "[a]: b\n",
    "kind: [a\n",
    "metadata:\n  name: a\n   b: c\n",
    "kind: A\nspec:\n  a: 'unterminated\n",
    "kind: A\nspec:\n  - a\n  b: c\n",
    "kind: A\n\tspec: x\n",
    "kind: A\nspec: {a: 1,, b}\n",
    "a: b: c\n",
    "kind: A\nspec:\n  x: \u{1}\n",
    "kind: A\nspec: [a, b\n",
    "kind: A\nspec: }\n",
    "kind: [a]\n",
    "metadata: 5\n",
    "metadata:\n  annotations: [a]\n",
    "metadata:\n  annotations:\n    a: {b: c}\n",
    "metadata:\n  name: [x]\n",
    "- a\n- b\n",
    "just a string\n",
    "metadata: null\n",
    "metadata:\n  name: null\n  annotations: ~\n",
    "{apiVersion: v1, kind: A, metadata: {name: x, labels: {a: b}}, spec: [1, {a: b}]}\n",
    "{\"kind\": \"A\", \"metadata\": {\"name\": \"n\"}, \"spec\": {\"x\": [1, 2]}}",
    "{kind}\n",
    "{kind: A, }\n",
    "{a: [b: c, d], kind: A}\n",
    "{kind: A, spec: [: c]}\n",
    ": a\nkind: A\n",
    "kind: A\nspec:\n  : a\n",
    "{: a}\n",
    "kind: 5\napiVersion: 1.5\nmetadata:\n  name: yes\n",
    "metadata:\n  annotations:\n    1: 2\n    true: false\n    1.5: 0x10\n    ~: x\n",
    "---\nkind: A\n...\n",
    "kind: A\n---\nkind: B\n",
    "kind: A\nspec:\n- a\n- b: c\n  d: e\nmetadata:\n  name: n\n",
    "kind: A\nspec: |\n  text\n  more\ndata:\n  x: >-\n    folded\n    text\n",
    "kind: A\nspec:\n  a: 99999999999999999999\n  b: 2001-12-14\n  c: 0b101\n",
    "kind: A\nspec:\n  \"quoted key\": 'v'\n  'k': \"\\u00e9\"\n",
    "kind: A\nmetadata:\n  name: n\n  labels:\n    ? explicit\n    : value\n",
    "kind: A\nspec:\n  list:\n  - [1, 2, {a: b}]\n  - {x: [y]}\n",
    "kind: A\nspec:\n  a: b\n  # comment\n  c: d # trailing\n",
    "kind: A\nspec: x\n  bad: indent\n",
    "kind: A\nspec:\n  a:\n  - b\n - c\n",
];

/// Why the head walk may hand a corpus document to the full parse: its text holds an anchor,
/// alias, tag, merge key, non-finite float, explicit or empty key (or the full parse fails, or
/// the root is not a mapping, which the caller checks).
fn may_fall_back(doc: &str) -> bool {
    let lower = doc.to_ascii_lowercase();
    [
        "&", "*", "!", "<<", ".nan", ".inf", "?", "\n:", "{:", "[:", ", :",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

/// The head walk (`parse_head_pruned`) against the full parse (`parse_head_full`) on every
/// document of the helm goldens, of every corpus chart as rendered with its default and `ci/`
/// values in both modes, and of the edge cases above: whenever the walk answers, the answer
/// (head or error text) is the full parse's.
#[test]
fn head_walk_matches_the_full_parse() {
    let corpus = testenv::corpus_dir().expect("the shared corpus");
    let mut streams: Vec<(String, HelmVersion, String)> = Vec::new();
    for (dir, v) in [("v4", HelmVersion::V4), ("v3", HelmVersion::V3)] {
        let out = corpus.join("helm-golden").join(dir).join("testdata/output");
        let mut files: Vec<_> = std::fs::read_dir(&out)
            .expect("golden outputs")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("golden text");
            streams.push((f.display().to_string(), v, text));
        }
    }
    for (chart, values) in crate::support::corpus_cases(&corpus) {
        let chart = &chart;
        let args = crate::support::corpus_args(values.as_deref());
        for v in [HelmVersion::V4, HelmVersion::V3] {
            let opts = crate::support::parse_template_args(&args, chart, v);
            let text = crate::support::printed(&opts);
            streams.push((format!("{} {values:?} {v:?}", chart.display()), v, text));
        }
    }
    let mut docs: Vec<(String, HelmVersion, String)> = Vec::new();
    for (name, v, text) in &streams {
        for d in goyaml::split_manifests(text, *v) {
            docs.push((name.clone(), *v, d));
        }
    }
    let corpus_docs = docs.len();
    for d in HEAD_EDGE_CASES {
        for v in [HelmVersion::V4, HelmVersion::V3] {
            docs.push(("edge case".into(), v, d.to_string()));
        }
    }
    let (mut walked, mut failures) = (0, Vec::new());
    for (i, (name, v, doc)) in docs.iter().enumerate() {
        let full = releaseutil::parse_head_full(doc, *v);
        match releaseutil::parse_head_pruned(doc, *v) {
            Some(fast) => {
                walked += 1;
                if fast != full {
                    failures.push(format!("{name}: {doc:?}\n  walk {fast:?}\n  full {full:?}"));
                }
            }
            None if i < corpus_docs
                && full.is_ok()
                && doc.trim_start().chars().next().is_some_and(|c| c != '-')
                && !may_fall_back(doc) =>
            {
                failures.push(format!(
                    "{name}: a plain document left the fast path: {doc:?}"
                ));
            }
            None => {}
        }
        assert_eq!(releaseutil::parse_head(doc, *v), full, "{name}: {doc:?}");
    }
    println!(
        "head walk: {walked} of {} documents ({corpus_docs} from the corpus) answered without the full parse",
        docs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        walked * 10 > corpus_docs * 9,
        "only {walked} of {corpus_docs} corpus documents took the fast path"
    );
}
