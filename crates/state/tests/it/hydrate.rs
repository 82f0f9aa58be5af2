//! Hydrate against bare remotes on disk: layout, index, no-op, removals, other paths, ordering,
//! branch-per-environment, and separate processes racing or killed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use state::index::{DEFAULT_PATH_TEMPLATE, Index, index_path};
use state::{HydrateOptions, Outcome, SourceOrder, Target};

use crate::{
    bare, child, child_result, expected_files, git, provenance, render, source_repo, tree_files,
};

fn target() -> Target {
    Target {
        branch: "main".into(),
        path_template: DEFAULT_PATH_TEMPLATE.into(),
    }
}

fn open(url: &Path, tmp: &Path) -> Box<dyn state::git::Remote> {
    state::git::open(url.to_str().expect("utf-8"), &tmp.join("cache")).expect("open remote")
}

fn head(remote: &Path, branch: &str) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(remote)
        .args([
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/heads/{branch}"),
        ])
        .output()
        .expect("git");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn read_index(remote: &Path, rev: &str, env: &str) -> Index {
    let text = git(remote, &["show", &format!("{rev}:{}", index_path(env))]);
    Index::parse(&text, &index_path(env)).expect("index parses")
}

/// Every environment index of `rev` is complete and consistent with its tree.
fn validate_all(remote: &Path, rev: &str) {
    let repo = git2::Repository::open_bare(remote).expect("open");
    let tree = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_tree())
        .expect("tree");
    let idx = state::hydrate::read_indexes(&repo, &tree).expect("indexes");
    for i in idx.values() {
        i.validate_against(&repo, &tree)
            .expect("index matches its tree");
    }
}

#[test]
fn layout_index_and_noop() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 2);
    let mut r = open(&remote, tmp.path());
    let input = render("staging", 1, 3);
    let prov = provenance(&src, 1, "refs/heads/master");
    let out = state::hydrate(
        r.as_mut(),
        &target(),
        &input,
        &prov,
        &HydrateOptions::default(),
    )
    .expect("hydrate");
    assert!(
        matches!(out, Outcome::Committed { attempts: 1, .. }),
        "{out:?}"
    );

    // The layout: release dirs as helmfile's --output-dir-template writes them, plus the index.
    let mut want = expected_files(&input);
    let files = tree_files(&remote, "main", "");
    let idx_text = files
        .get(&index_path("staging"))
        .expect("index committed")
        .clone();
    want.insert(index_path("staging"), idx_text.clone());
    assert_eq!(files, want);
    assert_eq!(git(&remote, &["rev-list", "--count", "main"]).trim(), "1");

    let idx = read_index(&remote, "main", "staging");
    assert_eq!(idx.environment, "staging");
    assert_eq!(idx.source.commit, prov.source_commit);
    assert_eq!(idx.source.reference, "refs/heads/master");
    assert_eq!(idx.source.commit_time, prov.source_commit_time);
    let names: Vec<&str> = idx.releases.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "staging-odd-only",
            "staging-r000",
            "staging-r001",
            "staging-r002"
        ]
    );
    assert!(
        idx.releases
            .iter()
            .all(|r| r.path == r.name && r.namespace == "apps")
    );
    validate_all(&remote, "main");

    // Message: summary, body, trailers (read back with git's own trailer parser).
    let subject = git(&remote, &["log", "-1", "--format=%s", "main"]);
    assert_eq!(
        subject.trim(),
        format!(
            "staging: render {} (change number 1)",
            &prov.source_commit[..7]
        )
    );
    let body = git(&remote, &["log", "-1", "--format=%b", "main"]);
    assert!(body.contains("- added staging-r001"), "{body}");
    let trailers = git(
        &remote,
        &["log", "-1", "--format=%(trailers:only,unfold)", "main"],
    );
    assert_eq!(
        trailers.trim(),
        format!(
            "Canon-Environment: staging\nCanon-Source-Repo: https://example.com/org/app.git\nCanon-Source-Commit: {}\nCanon-Source-Ref: refs/heads/master\nCanon-Version: {}",
            prov.source_commit,
            state::CANON_VERSION
        )
    );

    // Same input again: no commit.
    let before = head(&remote, "main");
    let out = state::hydrate(
        r.as_mut(),
        &target(),
        &input,
        &prov,
        &HydrateOptions::default(),
    )
    .expect("hydrate");
    assert!(matches!(out, Outcome::Unchanged { .. }), "{out:?}");
    assert_eq!(head(&remote, "main"), before);
}

#[test]
fn removed_release_and_other_paths_untouched() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 2);
    // Someone else's files and another environment are already in the repo.
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().expect("utf-8"),
            work.to_str().expect("utf-8"),
        ],
    );
    std::fs::create_dir_all(work.join("docs")).expect("mkdir");
    std::fs::write(work.join("docs/README.md"), "hand-written\n").expect("write");
    std::fs::write(work.join("staging-r000.txt"), "not a release dir\n").expect("write");
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "docs"]);
    git(&work, &["push", "-q", "origin", "HEAD:main"]);

    let mut r = open(&remote, tmp.path());
    let opts = HydrateOptions::default();
    let prod = render("production", 1, 2);
    state::hydrate(
        r.as_mut(),
        &target(),
        &prod,
        &provenance(&src, 1, "refs/tags/v1"),
        &opts,
    )
    .expect("production");
    let prod_files = tree_files(&remote, "main", "production-");

    let v1 = render("staging", 1, 3);
    state::hydrate(
        r.as_mut(),
        &target(),
        &v1,
        &provenance(&src, 1, "refs/heads/master"),
        &opts,
    )
    .expect("staging v1");
    assert!(!tree_files(&remote, "main", "staging-odd-only/").is_empty());

    // v2 has no `staging-odd-only` release: its directory goes, nothing else moves.
    let v2 = render("staging", 2, 3);
    let out = state::hydrate(
        r.as_mut(),
        &target(),
        &v2,
        &provenance(&src, 2, "refs/heads/master"),
        &opts,
    )
    .expect("staging v2");
    let Outcome::Committed { changes, .. } = out else {
        panic!("{out:?}")
    };
    assert!(changes.contains(&state::hydrate::Change::Removed("staging-odd-only".into())));
    assert!(tree_files(&remote, "main", "staging-odd-only/").is_empty());
    let mut want = expected_files(&v2);
    want.insert("staging-r000.txt".into(), b"not a release dir\n".to_vec());
    let staging: BTreeMap<_, _> = tree_files(&remote, "main", "staging-");
    assert_eq!(staging, want);
    assert_eq!(tree_files(&remote, "main", "production-"), prod_files);
    assert_eq!(
        git(&remote, &["show", "main:docs/README.md"]),
        "hand-written\n"
    );
    validate_all(&remote, "main");
    assert_eq!(git(&remote, &["rev-list", "--count", "main"]).trim(), "4");
}

#[test]
fn older_source_never_overwrites_newer() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src_path = source_repo(tmp.path(), 3);
    let src = git2::Repository::open(&src_path).expect("source");
    let mut r = open(&remote, tmp.path());
    for order in [SourceOrder::Ancestry(&src), SourceOrder::CommitTime] {
        let opts = HydrateOptions {
            order,
            ..Default::default()
        };
        let env = match opts.order {
            SourceOrder::Ancestry(_) => "staging",
            SourceOrder::CommitTime => "qa",
        };
        let p3 = provenance(&src_path, 3, "refs/heads/master");
        state::hydrate(r.as_mut(), &target(), &render(env, 3, 1), &p3, &opts).expect("v3");
        let before = head(&remote, "main");
        let p2 = provenance(&src_path, 2, "refs/heads/master");
        let out =
            state::hydrate(r.as_mut(), &target(), &render(env, 2, 1), &p2, &opts).expect("v2");
        match out {
            Outcome::Stale { current_source, .. } => {
                assert_eq!(current_source, p3.source_commit)
            }
            other => panic!("{env}: {other:?}"),
        }
        assert_eq!(head(&remote, "main"), before);
        assert_eq!(
            read_index(&remote, "main", env).source.commit,
            p3.source_commit
        );
    }
}

#[test]
fn branch_per_environment_and_path_template() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 1);
    let cfg = state::config::CanonConfig::parse(
        "state:\n  repo: x\n  pathTemplate: '{{ .Environment.Name }}/{{ .Release.Name }}'\n  branchTemplate: 'env/{{ .Environment.Name }}'\n",
        "canon.yaml",
    )
    .expect("config");
    let mut r = open(&remote, tmp.path());
    for env in ["staging", "production"] {
        let t = Target {
            branch: cfg.branch_for(env).expect("branch"),
            path_template: cfg.state.path_template.clone(),
        };
        let input = render(env, 1, 2);
        state::hydrate(
            r.as_mut(),
            &t,
            &input,
            &provenance(&src, 1, "refs/tags/v1"),
            &HydrateOptions::default(),
        )
        .expect("hydrate");
        let branch = format!("env/{env}");
        let files = tree_files(&remote, &branch, &format!("{env}/"));
        let want: BTreeMap<String, Vec<u8>> = expected_files(&input)
            .into_iter()
            .map(|(p, c)| (format!("{env}/{p}"), c))
            .collect();
        assert_eq!(files, want);
        validate_all(&remote, &branch);
    }
    assert!(head(&remote, "main").is_none());
    assert!(tree_files(&remote, "env/production", "staging/").is_empty());
}

#[test]
fn path_conflicts_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 1);
    let mut r = open(&remote, tmp.path());
    let prov = provenance(&src, 1, "refs/heads/master");
    let mut a = render("staging", 2, 1);
    a.releases[0].name = "shared".into();
    state::hydrate(r.as_mut(), &target(), &a, &prov, &HydrateOptions::default()).expect("staging");
    let before = head(&remote, "main");
    let mut b = render("production", 2, 1);
    b.releases[0].name = "shared".into();
    let err = state::hydrate(r.as_mut(), &target(), &b, &prov, &HydrateOptions::default())
        .expect_err("overlap with staging");
    assert!(matches!(err, state::Error::PathConflict(_)), "{err}");
    assert!(err.to_string().contains("shared"), "{err}");
    assert_eq!(head(&remote, "main"), before);
}

/// Every commit on `branch` has one parent (or none) and valid indexes.
fn check_history(remote: &Path, branch: &str) -> usize {
    let lines = git(remote, &["rev-list", "--parents", branch]);
    for l in lines.lines() {
        assert!(l.split(' ').count() <= 2, "merge commit in history: {l}");
        validate_all(remote, l.split(' ').next().expect("sha"));
    }
    lines.lines().count()
}

#[test]
fn twenty_processes_race_on_one_remote() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 10);
    let mut jobs: Vec<(&str, u32)> = Vec::new();
    for k in 1..=10 {
        jobs.push(("staging", k));
        jobs.push(("production", k));
    }
    fastrand::shuffle(&mut jobs);
    let children: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(i, (env, k))| {
            let c = child(&[
                ("CHILD_URL", remote.to_str().expect("utf-8").to_string()),
                (
                    "CHILD_CACHE",
                    tmp.path()
                        .join(format!("cache{i}"))
                        .to_string_lossy()
                        .into(),
                ),
                ("CHILD_ENV", env.to_string()),
                ("CHILD_VERSION", k.to_string()),
                ("CHILD_RELEASES", "20".into()),
                ("CHILD_SOURCE", src.to_string_lossy().into()),
            ])
            .spawn()
            .expect("spawn");
            (env, k, c)
        })
        .collect();
    let mut committed = 0;
    for (env, k, c) in children {
        let out = c.wait_with_output().expect("wait");
        let res = child_result(&out).unwrap_or_else(|e| panic!("{env} v{k} failed: {e}"));
        assert!(
            res.starts_with("committed") || res == "stale" || res == "unchanged",
            "{env} v{k}: {res}"
        );
        if res.starts_with("committed") {
            committed += 1;
        }
    }
    let n = check_history(&remote, "main");
    assert_eq!(n, committed, "one commit per successful hydration");
    for env in ["staging", "production"] {
        let newest = render(env, 10, 20);
        assert_eq!(
            tree_files(&remote, "main", &format!("{env}-")),
            expected_files(&newest)
        );
        let idx = read_index(&remote, "main", env);
        assert_eq!(idx.source.commit, provenance(&src, 10, "x").source_commit);
    }
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
}

#[test]
fn killed_processes_leave_the_remote_unchanged_or_complete() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 30);
    let spawn = |i: u32| {
        child(&[
            ("CHILD_URL", remote.to_str().expect("utf-8").to_string()),
            (
                "CHILD_CACHE",
                tmp.path()
                    .join(format!("cache{i}"))
                    .to_string_lossy()
                    .into(),
            ),
            ("CHILD_ENV", "staging".into()),
            ("CHILD_VERSION", i.to_string()),
            ("CHILD_RELEASES", "60".into()),
            ("CHILD_SOURCE", src.to_string_lossy().into()),
        ])
        .spawn()
        .expect("spawn")
    };
    // One full run tells how long a hydration takes here; kills land anywhere in that span.
    let t = Instant::now();
    let out = spawn(1).wait_with_output().expect("wait");
    child_result(&out).expect("first hydration");
    let span = t.elapsed().as_micros() as u64;
    let mut landed = 0;
    for i in 2..=30 {
        let before = head(&remote, "main").expect("head");
        let mut c = spawn(i);
        std::thread::sleep(Duration::from_micros(fastrand::u64(0..span * 6 / 5)));
        let _ = c.kill();
        let _ = c.wait();
        let after = head(&remote, "main").expect("head");
        if after == before {
            continue;
        }
        landed += 1;
        // Moved: it must be the complete render of version i on top of the previous head.
        assert_eq!(
            git(&remote, &["rev-parse", &format!("{after}^")]).trim(),
            before
        );
        assert_eq!(
            tree_files(&remote, &after, "staging-"),
            expected_files(&render("staging", i, 60))
        );
        validate_all(&remote, &after);
    }
    eprintln!("killed 29 hydrations at random points; {landed} had already pushed");
    check_history(&remote, "main");
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
}
