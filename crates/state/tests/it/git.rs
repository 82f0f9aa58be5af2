//! The git layer over real transports: compare-and-swap on a local bare repo, and https-style
//! smart HTTP through `git http-backend` on loopback with basic auth, a token, a credential
//! helper, wrong credentials and an unreachable remote.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use state::git::Push;

use crate::{bare, child, child_result, expected_files, git, render, source_repo, tree_files};

/// `git http-backend` behind a small Python HTTP server; killed on drop.
struct HttpServer {
    proc: Child,
    port: u16,
}

impl HttpServer {
    fn start(root: &Path, auth: &str) -> Self {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/git_http.py");
        let mut proc = Command::new("python3")
            .arg(script)
            .arg(root)
            .arg(auth)
            .stdout(Stdio::piped())
            .spawn()
            .expect(
                "python3 is required to serve git http-backend in this test and must be on PATH",
            );
        let mut line = String::new();
        BufReader::new(proc.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port line");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("server printed {line:?}"));
        Self { proc, port }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

fn branch_head(remote: &Path, branch: &str) -> Option<String> {
    let out = Command::new("git")
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

#[test]
fn local_push_is_compare_and_swap() {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let mut r =
        state::git::open(remote.to_str().expect("utf-8"), &tmp.path().join("c")).expect("open");
    assert_eq!(r.fetch("main").expect("fetch"), None);
    let (a, b) = {
        let repo = r.repo();
        let sig = git2::Signature::now("t", "t@t").expect("sig");
        let tree = state::git::update_tree(repo, None, &[], &Default::default()).expect("tree");
        let tree = repo.find_tree(tree).expect("tree");
        let a = repo.commit(None, &sig, &sig, "a", &tree, &[]).expect("a");
        let b = repo.commit(None, &sig, &sig, "b", &tree, &[]).expect("b");
        (a, b)
    };
    assert_eq!(r.push("main", None, a).expect("create"), Push::Done);
    // Creating again, or moving from a stale id, is refused and changes nothing.
    assert_eq!(
        r.push("main", None, b).expect("create again"),
        Push::Rejected
    );
    assert_eq!(r.push("main", Some(b), b).expect("stale"), Push::Rejected);
    assert_eq!(branch_head(&remote, "main"), Some(a.to_string()));
    assert_eq!(r.push("main", Some(a), b).expect("cas"), Push::Done);
    assert_eq!(branch_head(&remote, "main"), Some(b.to_string()));
}

struct Http {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    remote: PathBuf,
    source: PathBuf,
    home: PathBuf,
    server: HttpServer,
}

fn http_setup() -> Http {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("srv");
    std::fs::create_dir_all(&root).expect("mkdir");
    let remote = bare(&root);
    git(&remote, &["config", "http.receivepack", "true"]);
    let source = source_repo(tmp.path(), 6);
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let server = HttpServer::start(&root, "canon:s3cret");
    Http {
        root: tmp.path().to_path_buf(),
        _tmp: tmp,
        remote,
        source,
        home,
        server,
    }
}

impl Http {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/state.git", self.server.port)
    }

    fn run(&self, env: &str, k: u32, extra: &[(&str, String)]) -> std::process::Output {
        let mut vars = vec![
            ("CHILD_URL", self.url()),
            (
                "CHILD_CACHE",
                self.root
                    .join(format!("cache-{env}-{k}"))
                    .to_string_lossy()
                    .into(),
            ),
            ("CHILD_ENV", env.to_string()),
            ("CHILD_VERSION", k.to_string()),
            ("CHILD_RELEASES", "5".into()),
            ("CHILD_SOURCE", self.source.to_string_lossy().into()),
            ("HOME", self.home.to_string_lossy().into()),
            ("XDG_CONFIG_HOME", self.home.to_string_lossy().into()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ];
        vars.extend(extra.iter().cloned());
        child(&vars).output().expect("child")
    }
}

fn basic() -> Vec<(&'static str, String)> {
    vec![
        ("CANON_GIT_USERNAME", "canon".into()),
        ("CANON_GIT_PASSWORD", "s3cret".into()),
    ]
}

#[test]
fn http_hydrate_with_basic_auth_then_noop_then_races() {
    let h = http_setup();
    let out = h.run("staging", 1, &basic());
    assert_eq!(
        child_result(&out).expect("hydrate over http"),
        "committed 1"
    );
    assert_eq!(
        tree_files(&h.remote, "main", "staging-"),
        expected_files(&render("staging", 1, 5))
    );
    let out = h.run("staging", 1, &basic());
    assert_eq!(child_result(&out).expect("again"), "unchanged");

    // Six processes racing over HTTP: the network push path's compare-and-swap.
    let kids: Vec<_> = [
        ("staging", 4),
        ("production", 3),
        ("staging", 2),
        ("production", 5),
        ("staging", 3),
        ("production", 4),
    ]
    .into_iter()
    .map(|(env, k)| {
        let mut vars = vec![
            ("CHILD_URL", h.url()),
            (
                "CHILD_CACHE",
                h.root
                    .join(format!("race-{env}-{k}"))
                    .to_string_lossy()
                    .into(),
            ),
            ("CHILD_ENV", env.to_string()),
            ("CHILD_VERSION", k.to_string()),
            ("CHILD_RELEASES", "5".into()),
            ("CHILD_SOURCE", h.source.to_string_lossy().into()),
            ("HOME", h.home.to_string_lossy().into()),
            ("XDG_CONFIG_HOME", h.home.to_string_lossy().into()),
        ];
        vars.extend(basic());
        (env, k, child(&vars).spawn().expect("spawn"))
    })
    .collect();
    for (env, k, c) in kids {
        let out = c.wait_with_output().expect("wait");
        child_result(&out).unwrap_or_else(|e| panic!("{env} v{k}: {e}"));
    }
    assert_eq!(
        tree_files(&h.remote, "main", "staging-"),
        expected_files(&render("staging", 4, 5))
    );
    assert_eq!(
        tree_files(&h.remote, "main", "production-"),
        expected_files(&render("production", 5, 5))
    );
    let parents = git(&h.remote, &["rev-list", "--parents", "main"]);
    assert!(
        parents.lines().all(|l| l.split(' ').count() <= 2),
        "{parents}"
    );
}

#[test]
fn http_token_and_credential_helper() {
    let h = http_setup();
    let out = h.run(
        "staging",
        1,
        &[
            ("CANON_GIT_TOKEN", "s3cret".into()),
            ("CANON_GIT_USERNAME", "canon".into()),
        ],
    );
    assert_eq!(child_result(&out).expect("token"), "committed 1");
    std::fs::write(
        h.home.join(".gitconfig"),
        "[credential]\n\thelper = \"!f() { echo username=canon; echo password=s3cret; }; f\"\n",
    )
    .expect("write gitconfig");
    let out = h.run("staging", 2, &[]);
    assert_eq!(
        child_result(&out).expect("credential helper"),
        "committed 1"
    );
}

#[test]
fn http_wrong_credentials_push_nothing() {
    let h = http_setup();
    for extra in [
        vec![
            ("CANON_GIT_USERNAME", "canon".to_string()),
            ("CANON_GIT_PASSWORD", "wrong".to_string()),
        ],
        vec![],
    ] {
        let out = h.run("staging", 1, &extra);
        let err = child_result(&out).expect_err("must fail");
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("authentication failed"), "{err}");
        assert!(err.contains(&h.url()), "names the remote: {err}");
    }
    assert_eq!(branch_head(&h.remote, "main"), None);
}

#[test]
fn unreachable_remotes_are_clear_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let source = source_repo(tmp.path(), 1);
    // A port nothing listens on: bind one, note it, drop it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    for url in [
        format!("http://127.0.0.1:{port}/state.git"),
        tmp.path()
            .join("does-not-exist.git")
            .to_string_lossy()
            .into_owned(),
    ] {
        let out = child(&[
            ("CHILD_URL", url.clone()),
            (
                "CHILD_CACHE",
                tmp.path().join("cache").to_string_lossy().into(),
            ),
            ("CHILD_ENV", "staging".into()),
            ("CHILD_VERSION", "1".into()),
            ("CHILD_RELEASES", "1".into()),
            ("CHILD_SOURCE", source.to_string_lossy().into()),
        ])
        .output()
        .expect("child");
        let err = child_result(&out).expect_err("must fail");
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("ERROR") && err.contains(&url), "{err}");
    }
}
