//! `canon render` as a process: the demo renders, configuration errors exit 2 naming what
//! helmfile names (and where, when there is a place), and the real helmfile rejects the same
//! files with the same words.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn good_chart() -> PathBuf {
    testenv::repo_root().join("crates/helmfile/tests/fixtures/render/charts/good")
}

/// A helmfile in a fresh directory, with the `good` chart beside it as `./good`.
fn project(file: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&good_chart(), &dir.path().join("good"));
    std::fs::write(dir.path().join(file), text).expect("write helmfile");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("readable") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("named"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

fn canon_render(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canon"))
        .arg("render")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run canon")
}

/// A configuration error: its helmfile, the arguments, and words helmfile's message holds.
struct ErrorCase {
    name: &'static str,
    file: &'static str,
    text: &'static str,
    args: &'static [&'static str],
    /// In both canon's and helmfile's message.
    says: &'static str,
    /// `file:line:col` canon names, when the error has a place.
    at: Option<&'static str>,
}

const ERRORS: &[ErrorCase] = &[
    ErrorCase {
        name: "unknown key",
        file: "helmfile.yaml",
        text: "releases:\n  - name: a\n    chart: ./good\n    nope: 1\n",
        args: &[],
        says: "field nope not found in type state.ReleaseSpec",
        at: Some("helmfile.yaml:4:5"),
    },
    ErrorCase {
        name: "malformed YAML",
        file: "helmfile.yaml",
        text: "releases:\n  - name: a\n   chart: ./good\n",
        args: &[],
        says: "did not find expected '-' indicator",
        at: Some("helmfile.yaml:3:4"),
    },
    ErrorCase {
        name: "unknown environment",
        file: "helmfile.yaml",
        text: "environments:\n  staging: {}\n---\nreleases:\n  - name: a\n    chart: ./good\n",
        args: &["-e", "nope"],
        says: "nope",
        at: None,
    },
    ErrorCase {
        name: "missing values file",
        file: "helmfile.yaml",
        text: "releases:\n  - name: a\n    chart: ./good\n    values:\n      - missing.yaml\n",
        args: &[],
        says: "values file matching \"missing.yaml\" does not exist",
        at: None,
    },
    ErrorCase {
        name: "template error",
        file: "helmfile.yaml.gotmpl",
        text: "releases:\n  - name: a\n    chart: ./good\n    values:\n      - x: {{ .Values.nope.deeper }}\n",
        args: &[],
        says: "stringTemplate:5:21: executing \"stringTemplate\" at <.Values.nope.deeper>: map has no entry for key \"nope\"",
        at: None,
    },
    ErrorCase {
        name: "selector matching nothing",
        file: "helmfile.yaml",
        text: "releases:\n  - name: a\n    chart: ./good\n",
        args: &["-l", "name=zzz"],
        says: "no releases found that matches specified selector(name=zzz) and environment(default), in any helmfile",
        at: None,
    },
    ErrorCase {
        name: "needs cycle",
        file: "helmfile.yaml",
        text: "releases:\n  - name: a\n    chart: ./good\n    needs: [b]\n  - name: b\n    chart: ./good\n    needs: [a]\n",
        args: &[],
        says: "cycle detected: a -> b -> a",
        at: None,
    },
];

#[test]
fn configuration_errors_exit_2_saying_what_and_where() {
    for c in ERRORS {
        let dir = project(c.file, c.text);
        let out = canon_render(dir.path(), c.args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", c.name);
        assert!(err.starts_with("Error: "), "{}: {err}", c.name);
        assert!(err.contains(c.says), "{}: {err}", c.name);
        if let Some(at) = c.at {
            assert!(err.contains(at), "{}: no {at} in {err}", c.name);
        }
        assert!(out.stdout.is_empty(), "{}", c.name);
    }
}

#[test]
#[ignore = "runs helmfile and helm v4 (scripts/testenv)"]
fn helmfile_rejects_the_same_files_with_the_same_words() {
    let helmfile = testenv::helmfile().expect("helmfile (scripts/testenv)");
    let helm = testenv::helm(testenv::HelmVersion::V4).expect("helm v4 (scripts/testenv)");
    for c in ERRORS {
        let dir = project(c.file, c.text);
        let home = dir.path().join("home");
        let out = Command::new(&helmfile)
            .arg("--helm-binary")
            .arg(&helm)
            .args(c.args)
            .args(["template", "--skip-deps"])
            .current_dir(dir.path())
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .output()
            .expect("run helmfile");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}: helmfile succeeded", c.name);
        assert!(err.contains(c.says), "{}: helmfile says {err}", c.name);
    }
}

#[test]
fn the_demo_renders_each_environment() {
    let demo = testenv::repo_root().join("examples/demo");
    for (env, says) in [
        ("staging", "I love Gitops from Staging"),
        ("production", "I love Gitops from Production"),
    ] {
        let out = canon_render(&demo, &["-e", env]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("name: demo--{env}-monochart")),
            "{text}"
        );
        assert!(text.contains(says), "{text}");
        assert!(text.contains("image: docker/whalesay:latest"), "{text}");
    }
}
