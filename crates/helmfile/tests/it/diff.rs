//! Integration tests of `helmfile::diff`: a real git repository with two commits of a small
//! helmfile, diffed by canon; the expected manifests are rendered by the real helm.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use helmfile::diff::{self, DiffOptions, Rendered};
use helmfile::load::LoadOptions;

fn chart_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/chart")
}

fn helm4() -> PathBuf {
    testenv::helm(testenv::HelmVersion::V4)
        .unwrap_or_else(|e| panic!("this test needs helm v4 (run scripts/testenv): {e}"))
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=canon-test",
            "-c",
            "user.email=t@example.com",
        ])
        .args(args)
        .output()
        .expect("this test needs the git CLI");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read fixture dir") {
        let e = e.expect("dir entry");
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy fixture file");
        }
    }
}

/// Writes one revision of the source repo: the helmfile listing `releases` (name, values
/// YAML) over the local chart, and commits it.
fn write_revision(repo: &Path, releases: &[(&str, &str)], message: &str) -> String {
    let mut hf = String::from("environments:\n  staging: {}\n---\nreleases:\n");
    let values = repo.join("values");
    if values.exists() {
        std::fs::remove_dir_all(&values).expect("clear values");
    }
    std::fs::create_dir_all(&values).expect("values dir");
    for (name, vals) in releases {
        hf.push_str(&format!(
            "- name: {name}\n  chart: ./charts/app\n  values:\n  - values/{name}.yaml\n"
        ));
        std::fs::write(values.join(format!("{name}.yaml")), vals).expect("write values");
    }
    std::fs::write(repo.join("helmfile.yaml"), hf).expect("write helmfile");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

/// What the real helm renders for these releases, with helmfile's flags (`helm template NAME
/// CHART -f VALUES --output-dir DIR`), read back per release.
fn helm_rendered(repo: &Path, releases: &[(&str, &str)]) -> Rendered {
    let mut out = Rendered::new();
    for (name, _) in releases {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new(helm4())
            .current_dir(repo)
            .args(["template", name, "./charts/app", "-f"])
            .arg(format!("values/{name}.yaml"))
            .arg("--output-dir")
            .arg(dir.path())
            .output()
            .expect("run helm");
        assert!(
            status.status.success(),
            "helm template {name}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let mut files = BTreeMap::new();
        read_tree(dir.path(), dir.path(), &mut files);
        out.insert(name.to_string(), files);
    }
    out
}

fn read_tree(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for e in std::fs::read_dir(dir).expect("read output") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            read_tree(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).expect("under root");
            out.insert(
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read_to_string(&p).expect("read rendered file"),
            );
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    base: String,
    head: String,
    expected_base: Rendered,
    expected_head: Rendered,
}

const OLD_PASSWORD: &str = "s3cr3t-old-pw";
const NEW_PASSWORD: &str = "s3cr3t-new-pw";

fn fixture(big_lines: usize) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("src");
    std::fs::create_dir_all(&repo).expect("repo dir");
    git(&repo, &["init", "-q", "-b", "master"]);
    copy_dir(&chart_fixture(), &repo.join("charts/app"));
    let beta_old = format!("password: {OLD_PASSWORD}\n");
    let rev1 = [
        ("alpha", "greeting: hello\n"),
        ("beta", beta_old.as_str()),
        ("gamma", "greeting: bye\n"),
    ];
    let base = write_revision(&repo, &rev1, "first");
    let expected_base = helm_rendered(&repo, &rev1);
    let mut alpha_new = String::from("greeting: hola\nlines:\n");
    for i in 0..big_lines {
        alpha_new.push_str(&format!("- generated line {i} of a big change\n"));
    }
    if big_lines == 0 {
        alpha_new = "greeting: hola\n".into();
    }
    let beta_new = format!("password: {NEW_PASSWORD}\n");
    let rev2 = [
        ("alpha", alpha_new.as_str()),
        ("beta", beta_new.as_str()),
        ("delta", "replicas: 3\n"),
    ];
    let head = write_revision(&repo, &rev2, "second");
    let expected_head = helm_rendered(&repo, &rev2);
    // An uncommitted edit: the diff renders commits, never the work tree.
    std::fs::write(
        repo.join("values/alpha.yaml"),
        "greeting: dirty-work-tree\n",
    )
    .expect("dirty edit");
    Fixture {
        _dir: dir,
        repo,
        base,
        head,
        expected_base,
        expected_head,
    }
}

fn options(repo: &Path, env: &str) -> DiffOptions {
    DiffOptions {
        file: Some(repo.join("helmfile.yaml")),
        load: LoadOptions {
            environment: env.into(),
            ..LoadOptions::default()
        },
        ..DiffOptions::default()
    }
}

#[test]
fn unified_diff_matches_helms_renders_of_both_revisions() {
    let f = fixture(0);
    let diffs = diff::diff_revisions(&f.base, None, &options(&f.repo, "staging"))
        .expect("diff the two revisions");
    let expected = diff::diff_rendered(&f.expected_base, &f.expected_head);
    let got = diff::unified(&diffs);
    assert_eq!(got, diff::unified(&expected));

    let summary: Vec<(&str, &str)> = diffs
        .iter()
        .map(|d| (d.release.as_str(), d.change.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("alpha", "changed"),
            ("beta", "changed"),
            ("delta", "added"),
            ("gamma", "removed")
        ]
    );
    // The lines themselves, independent of canon's differ: helm's files, line by line.
    let cm = "app/templates/cm.yaml";
    assert!(
        got.contains(&format!("--- a/alpha/{cm}\n+++ b/alpha/{cm}\n")),
        "{got}"
    );
    assert!(
        got.contains("\n-  greeting: \"hello\"\n+  greeting: \"hola\"\n"),
        "{got}"
    );
    assert!(
        got.contains(&format!("--- /dev/null\n+++ b/delta/{cm}\n")),
        "{got}"
    );
    for line in f.expected_head["delta"][cm].lines() {
        assert!(
            got.contains(&format!("\n+{line}\n")),
            "missing +{line}: {got}"
        );
    }
    assert!(
        got.contains(&format!("--- a/gamma/{cm}\n+++ /dev/null\n")),
        "{got}"
    );
    for line in f.expected_base["gamma"][cm].lines() {
        assert!(
            got.contains(&format!("\n-{line}\n")),
            "missing -{line}: {got}"
        );
    }
    assert!(!got.contains("dirty-work-tree"), "{got}");
    // Beta's ConfigMap did not change: only its Secret is in the diff.
    assert!(!got.contains(&format!("a/beta/{cm}")), "{got}");
    // Secrets: changed values show as different masks, unchanged as the same one.
    let secret = "app/templates/secret.yaml";
    assert!(got.contains(&format!("--- a/beta/{secret}\n")), "{got}");
    assert!(
        got.contains("\n-  password: ++++++++\n+  password: +++++++++\n"),
        "{got}"
    );
    assert!(got.contains("\n   username: ++++++++\n"), "{got}");
    assert!(
        got.contains("\n-  plain: ++++++++\n+  plain: +++++++++\n"),
        "{got}"
    );
    assert_no_secret(&got, &f);
    assert_eq!(
        normalize(&got),
        git_diff_no_index(&f.expected_base, &f.expected_head),
        "canon's hunks differ from git's on helm's renders"
    );
}

/// `git diff --no-index` (an independent differ) over helm's renders of both revisions, with
/// the Secret values masked as canon masks them; only the header-free hunk lines, which is
/// what `normalize` keeps of canon's output.
fn git_diff_no_index(base: &Rendered, head: &Rendered) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).expect("a");
    std::fs::create_dir_all(&b).expect("b");
    let empty = BTreeMap::new();
    for release in base.keys().chain(head.keys()) {
        let (x, y) = (
            base.get(release).unwrap_or(&empty),
            head.get(release).unwrap_or(&empty),
        );
        for path in x.keys().chain(y.keys()) {
            let (old, new) = (x.get(path), y.get(path));
            let (om, nm) = diff::mask_pair(
                old.map(String::as_str).unwrap_or(""),
                new.map(String::as_str).unwrap_or(""),
            );
            for (root, text, present) in [(&a, om, old.is_some()), (&b, nm, new.is_some())] {
                if present {
                    let p = root.join(release).join(path);
                    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                    std::fs::write(p, text).expect("write");
                }
            }
        }
    }
    let out = Command::new("git")
        .current_dir(dir.path())
        .args([
            "diff",
            "--no-index",
            "--no-color",
            "--no-renames",
            "-U3",
            "a",
            "b",
        ])
        .output()
        .expect("this test needs the git CLI");
    // 1: differences found.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    normalize(&String::from_utf8_lossy(&out.stdout))
}

/// Hunk lines only, `@@ … @@` without git's function-name context.
fn normalize(diff: &str) -> Vec<String> {
    diff.lines()
        .filter(|l| {
            !(l.starts_with("diff --git")
                || l.starts_with("index ")
                || l.starts_with("new file mode")
                || l.starts_with("deleted file mode")
                || l.starts_with("--- ")
                || l.starts_with("+++ "))
        })
        .map(|l| match l.strip_prefix("@@ ") {
            Some(rest) => format!("@@ {} @@", rest.split(" @@").next().unwrap_or(rest)),
            None => l.to_string(),
        })
        .collect()
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn assert_no_secret(text: &str, f: &Fixture) {
    // The helm renders hold the values (the masking is not vacuous) and the output does not.
    let secret = "app/templates/secret.yaml";
    assert!(f.expected_base["beta"][secret].contains(&b64(OLD_PASSWORD)));
    assert!(f.expected_head["beta"][secret].contains(&b64(NEW_PASSWORD)));
    for s in [
        OLD_PASSWORD,
        NEW_PASSWORD,
        &b64(OLD_PASSWORD),
        &b64(NEW_PASSWORD),
        &b64("admin"),
    ] {
        assert!(!text.contains(s), "secret value {s} printed: {text}");
    }
}

#[test]
fn same_revision_has_no_diff_and_explicit_head_works() {
    let f = fixture(0);
    let opts = options(&f.repo, "staging");
    let same = diff::diff_revisions(&f.head, Some(&f.head), &opts).expect("diff");
    assert!(same.is_empty(), "{}", diff::unified(&same));
    let reverse = diff::diff_revisions("HEAD", Some("HEAD~1"), &opts).expect("diff");
    let expected = diff::diff_rendered(&f.expected_head, &f.expected_base);
    assert_eq!(diff::unified(&reverse), diff::unified(&expected));
    assert_eq!(
        diff::markdown(&same, 100),
        "No changes in the rendered manifests.\n"
    );
}

#[test]
fn unknown_revision_and_environment_are_usage_errors() {
    let f = fixture(0);
    let e = diff::diff_revisions("no-such-rev", None, &options(&f.repo, "staging"))
        .expect_err("unknown revision");
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(e.to_string().contains("no-such-rev"), "{e}");
    let e =
        diff::diff_revisions(&f.base, None, &options(&f.repo, "nope")).expect_err("unknown env");
    assert_eq!(e.exit_code(), 2, "{e}");
    let outside = tempfile::tempdir().expect("temp dir");
    let mut o = options(&f.repo, "staging");
    o.file = Some(outside.path().join("helmfile.yaml"));
    let e = diff::diff_revisions(&f.base, None, &o).expect_err("not a repository");
    assert_eq!(e.exit_code(), 2, "{e}");
}

#[test]
fn markdown_stays_within_githubs_limit_on_a_big_change() {
    let f = fixture(3000);
    let diffs = diff::diff_revisions(&f.base, None, &options(&f.repo, "staging")).expect("diff");
    let full = diff::unified(&diffs);
    assert!(
        full.chars().count() > diff::GITHUB_COMMENT_LIMIT,
        "the change must be big"
    );
    let md = diff::markdown(&diffs, diff::GITHUB_COMMENT_LIMIT);
    assert!(
        md.chars().count() <= diff::GITHUB_COMMENT_LIMIT,
        "{}",
        md.chars().count()
    );
    assert!(md.starts_with("| Release | Change | + | - |\n"), "{md}");
    let alpha = diffs
        .iter()
        .find(|d| d.release == "alpha")
        .expect("alpha changed");
    assert!(alpha.added_lines >= 3000);
    assert!(md.contains(&format!(
        "| alpha | changed | {} | {} |",
        alpha.added_lines, alpha.removed_lines
    )));
    assert!(md.contains("1 release diff(s) omitted"), "{md}");
    assert!(
        md.contains("Diff omitted: too large for one comment."),
        "{md}"
    );
    assert!(
        !md.contains("generated line 2999"),
        "alpha's body must be dropped"
    );
    // The smaller releases keep their bodies.
    assert!(
        md.contains("```diff\n--- /dev/null\n+++ b/delta/app/templates/cm.yaml\n"),
        "{md}"
    );
    assert!(md.contains("+  password: +++++++++\n"), "{md}");
    assert_no_secret(&md, &f);
    // Without a limit problem every body is there.
    let unlimited = diff::markdown(&diffs, usize::MAX);
    assert!(unlimited.contains("generated line 2999"));
    assert_eq!(unlimited.matches("<details>").count(), 4);
}

#[test]
fn a_chart_that_fails_to_render_is_exit_1() {
    let f = fixture(0);
    std::fs::write(
        f.repo.join("charts/app/templates/broken.yaml"),
        "{{ fail \"broken on purpose\" }}\n",
    )
    .expect("break the chart");
    git(&f.repo, &["add", "-A"]);
    git(&f.repo, &["commit", "-q", "-m", "broken"]);
    let e = diff::diff_revisions(&f.base, None, &options(&f.repo, "staging"))
        .expect_err("the head does not render");
    assert_eq!(e.exit_code(), 1, "{e}");
    assert!(e.to_string().contains("broken on purpose"), "{e}");
}
