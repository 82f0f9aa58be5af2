//! The source side: provenance read from a real source repo, the dirty-tree check, and the
//! layout of real `helmfile template --output-dir-template '{{ .OutputDir }}/{{ .Release.Name }}'`
//! committed unchanged into the state repo.

use std::collections::BTreeMap;
use std::process::Command;

use state::index::DEFAULT_PATH_TEMPLATE;
use state::{EnvironmentRender, HydrateOptions, RenderedRelease, Target};

use crate::{bare, git, source_repo, tree_files};

#[test]
fn provenance_and_dirty_paths() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = source_repo(tmp.path(), 2);
    git(
        &src,
        &[
            "remote",
            "add",
            "origin",
            "https://bot:ghp_secret@example.com/org/app.git",
        ],
    );
    let repo = git2::Repository::open(&src).expect("open");
    let p = state::source::provenance(&repo, "v1", "refs/tags/v1", "9.9.9").expect("provenance");
    let cli = git(&src, &["log", "-1", "--format=%H %ct %s", "v1^{commit}"]);
    assert_eq!(
        format!(
            "{} {} {}",
            p.source_commit, p.source_commit_time, p.source_subject
        ),
        cli.trim()
    );
    assert_eq!(p.source_repo, "https://example.com/org/app.git");
    assert_eq!(p.source_ref, "refs/tags/v1");
    assert!(
        state::source::dirty_paths(&repo)
            .expect("status")
            .is_empty()
    );
    std::fs::write(src.join("helmfile.yaml"), "changed\n").expect("write");
    std::fs::write(src.join("new.yaml"), "x\n").expect("write");
    assert_eq!(
        state::source::dirty_paths(&repo).expect("status"),
        ["helmfile.yaml", "new.yaml"]
    );
}

/// Real helmfile and helm (Go-built oracles provisioned by scripts/test).
#[test]
#[ignore = "needs helmfile and helm from scripts/testenv"]
fn helmfile_output_dir_layout_is_committed_as_is() {
    let helmfile = testenv::helmfile()
        .unwrap_or_else(|e| panic!("this test runs the real helmfile, which is missing: {e}"));
    let helm = testenv::helm(testenv::HelmVersion::V4).unwrap_or_else(|e| {
        panic!("this test runs helmfile with the real helm v4, which is missing: {e}")
    });
    let tmp = tempfile::tempdir().expect("tmp");
    let t = tmp.path();
    let charts = testenv::corpus_dir()
        .unwrap_or_else(|e| panic!("this test renders corpus charts, which are missing: {e}"))
        .join("charts");
    let hf = format!(
        "environments:\n  staging: {{}}\n---\nreleases:\n- name: demo--staging\n  namespace: demo\n  chart: {}\n- name: web\n  namespace: web\n  chart: {}\n",
        charts.join("podinfo").display(),
        charts.join("podinfo").display()
    );
    std::fs::write(t.join("helmfile.yaml"), hf).expect("write");
    for d in ["home", "cache", "tmp"] {
        std::fs::create_dir_all(t.join(d)).expect("mkdir");
    }
    let out = Command::new(&helmfile)
        .current_dir(t)
        .arg("--helm-binary")
        .arg(&helm)
        .args(["-e", "staging", "template", "--skip-deps", "--output-dir"])
        .arg(t.join("out"))
        .args([
            "--output-dir-template",
            "{{ .OutputDir }}/{{ .Release.Name }}",
        ])
        .env("HOME", t.join("home"))
        .env("XDG_CACHE_HOME", t.join("cache"))
        .env("TMPDIR", t.join("tmp"))
        .output()
        .expect("run helmfile");
    assert!(
        out.status.success(),
        "helmfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut releases = Vec::new();
    for (name, ns, chart) in [
        ("demo--staging", "demo", "podinfo"),
        ("web", "web", "podinfo"),
    ] {
        let files = state::source::read_release_dir(&t.join("out").join(name)).expect("read");
        assert!(!files.is_empty(), "helmfile wrote nothing for {name}");
        releases.push(RenderedRelease {
            name: name.into(),
            namespace: ns.into(),
            chart_name: chart.into(),
            chart_version: "0".into(),
            kube_context: None,
            files,
        });
    }
    let remote = bare(t);
    let src = source_repo(t, 1);
    let src_repo = git2::Repository::open(&src).expect("open");
    let prov =
        state::source::provenance(&src_repo, "HEAD", "refs/heads/master", "0").expect("prov");
    let mut r = state::git::open(remote.to_str().expect("utf-8"), &t.join("c")).expect("open");
    let target = Target {
        branch: "main".into(),
        path_template: DEFAULT_PATH_TEMPLATE.into(),
    };
    let render = EnvironmentRender {
        environment: "staging".into(),
        releases,
    };
    state::hydrate(
        r.as_mut(),
        &target,
        &render,
        &prov,
        &HydrateOptions::default(),
    )
    .expect("hydrate");
    // The state tree is helmfile's output dir, file for file and byte for byte.
    let mut want = BTreeMap::new();
    for name in ["demo--staging", "web"] {
        for (p, c) in state::source::read_release_dir(&t.join("out").join(name)).expect("read") {
            want.insert(format!("{name}/{p}"), c);
        }
    }
    let mut got = tree_files(&remote, "main", "");
    got.retain(|p, _| !p.starts_with(".canon/"));
    assert_eq!(got, want);
}
