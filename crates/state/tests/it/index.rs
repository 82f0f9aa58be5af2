//! Index validation against real trees: what the agent relies on to trust a release directory.

use state::index::{DEFAULT_PATH_TEMPLATE, index_path};
use state::{HydrateOptions, Target};

use crate::{bare, git, provenance, render, source_repo};

#[test]
fn validation_catches_trees_that_disagree_with_their_index() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 1);
    let mut r =
        state::git::open(remote.to_str().expect("utf-8"), &tmp.path().join("c")).expect("open");
    let t = Target {
        branch: "main".into(),
        path_template: DEFAULT_PATH_TEMPLATE.into(),
    };
    state::hydrate(
        r.as_mut(),
        &t,
        &render("staging", 1, 2),
        &provenance(&src, 1, "m"),
        &HydrateOptions::default(),
    )
    .expect("hydrate");
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
    let check = |rev: &str| {
        let repo = git2::Repository::open(&work).expect("open");
        let tree = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_tree())
            .expect("tree");
        let text = git(
            &work,
            &["show", &format!("{rev}:{}", index_path("staging"))],
        );
        let idx = state::Index::parse(&text, &index_path("staging")).expect("parse");
        idx.validate_against(&repo, &tree)
    };
    check("HEAD").expect("hydrated tree is consistent");

    // A hand edit of a manifest: digest mismatch.
    let f = work.join("staging-r000/monochart/templates/service.yaml");
    std::fs::write(&f, "tampered\n").expect("write");
    git(&work, &["commit", "-qam", "edit"]);
    let e = check("HEAD").expect_err("edited");
    assert!(
        e.to_string().contains("staging-r000") && e.to_string().contains("digest"),
        "{e}"
    );

    // An extra file in a release dir: digest mismatch too (the index covers the whole dir).
    git(&work, &["reset", "-q", "--hard", "HEAD~1"]);
    std::fs::write(work.join("staging-r001/extra.yaml"), "x: 1\n").expect("write");
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "extra"]);
    assert!(check("HEAD").is_err());

    // A release dir gone: incomplete.
    git(&work, &["reset", "-q", "--hard", "HEAD~1"]);
    git(&work, &["rm", "-rqf", "staging-odd-only"]);
    git(&work, &["commit", "-qm", "rm"]);
    let e = check("HEAD").expect_err("removed");
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn a_release_that_renders_nothing_is_valid_without_a_directory() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let src = source_repo(tmp.path(), 1);
    let mut r =
        state::git::open(remote.to_str().expect("utf-8"), &tmp.path().join("c")).expect("open");
    let t = Target {
        branch: "main".into(),
        path_template: DEFAULT_PATH_TEMPLATE.into(),
    };
    let mut input = render("staging", 1, 1);
    input.releases.push(state::RenderedRelease {
        name: "empty".into(),
        namespace: "default".into(),
        chart_name: "c".into(),
        chart_version: "1".into(),
        ..Default::default()
    });
    state::hydrate(
        r.as_mut(),
        &t,
        &input,
        &provenance(&src, 1, "m"),
        &HydrateOptions::default(),
    )
    .expect("hydrate");
    let repo = git2::Repository::open_bare(&remote).expect("open");
    let tree = repo
        .revparse_single("main")
        .and_then(|o| o.peel_to_tree())
        .expect("tree");
    let text = git(
        &remote,
        &["show", &format!("main:{}", index_path("staging"))],
    );
    let idx = state::Index::parse(&text, &index_path("staging")).expect("parse");
    assert!(idx.releases.iter().any(|r| r.name == "empty"));
    assert!(tree.get_path(std::path::Path::new("empty")).is_err());
    idx.validate_against(&repo, &tree)
        .expect("an empty release needs no directory");
}
