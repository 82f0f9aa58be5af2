//! `canon hydrate` as CI runs it: a checkout of a real source repo (examples/demo committed with
//! the git CLI) and a bare state remote on disk (and one behind `git http-backend`), checked
//! afterwards with the git CLI.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// Runs the `git` CLI with a fixed identity and no user or system config; panics with stderr.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir)
        .args(args)
        .output()
        .expect("the git CLI is required by these tests and must be on PATH");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t");
    c
}

pub fn copy_dir(from: &Path, to: &Path) {
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

/// A source repo (`<tmp>/source`, branch master) holding examples/demo, committed, and the
/// empty bare state remote its canon.yaml names (`../gitops-state.git`).
pub struct Demo {
    pub tmp: tempfile::TempDir,
    pub source: PathBuf,
    pub remote: PathBuf,
    pub home: PathBuf,
}

impl Demo {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let source = tmp.path().join("source");
        copy_dir(&testenv::repo_root().join("examples/demo"), &source);
        git(tmp.path(), &["init", "-q", "-b", "master", "source"]);
        git(&source, &["add", "-A"]);
        git(
            &source,
            &["commit", "-q", "-m", "Merge pull request #12 from demo"],
        );
        let remote = tmp.path().join("gitops-state.git");
        git(
            tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "gitops-state.git"],
        );
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).expect("mkdir");
        Demo {
            tmp,
            source,
            remote,
            home,
        }
    }

    /// `canon hydrate ARGS` in the source checkout, with caches under the test's home.
    pub fn hydrate(&self, args: &[&str]) -> Output {
        self.hydrate_env(args, &[])
    }

    pub fn hydrate_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_canon"));
        c.arg("hydrate")
            .args(args)
            .current_dir(&self.source)
            .env("HOME", &self.home)
            .env_remove("XDG_CACHE_HOME")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("XDG_CONFIG_HOME", &self.home);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run canon")
    }

    pub fn commit_all(&self, message: &str) -> String {
        git(&self.source, &["add", "-A"]);
        git(&self.source, &["commit", "-q", "-m", message]);
        self.head()
    }

    pub fn head(&self) -> String {
        git(&self.source, &["rev-parse", "HEAD"]).trim().to_string()
    }
}

/// The commit a branch of a bare repo points to, if it exists.
pub fn branch_head(remote: &Path, branch: &str) -> Option<String> {
    let out = git_cmd(remote)
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

pub fn commit_count(remote: &Path, branch: &str) -> usize {
    if branch_head(remote, branch).is_none() {
        return 0;
    }
    git(remote, &["rev-list", "--count", branch])
        .trim()
        .parse()
        .expect("a count")
}

pub fn files_at(remote: &Path, rev: &str) -> Vec<String> {
    git(remote, &["ls-tree", "-r", "--name-only", rev])
        .lines()
        .map(str::to_string)
        .collect()
}

pub fn show(remote: &Path, rev: &str, path: &str) -> String {
    git(remote, &["show", &format!("{rev}:{path}")])
}

/// The environment index at `rev`, parsed and validated against its tree by the state crate.
pub fn index(remote: &Path, rev: &str, env: &str) -> state::Index {
    let path = format!(".canon/environments/{env}.yaml");
    let idx = state::Index::parse(&show(remote, rev, &path), &path).expect("a valid index");
    let repo = state::git2::Repository::open_bare(remote).expect("open remote");
    let tree = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_tree())
        .expect("tree");
    idx.validate_against(&repo, &tree)
        .expect("the index matches the tree it was committed with");
    idx
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("json output: {e}: {}\n{}", stdout(o), stderr(o)))
}

/// Asserts success and returns the one environment's JSON report.
fn one_env(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(o), stderr(o));
    let v = json(o);
    let envs = v["environments"].as_array().expect("environments");
    assert_eq!(envs.len(), 1, "{v}");
    envs[0].clone()
}

/// What `canon render` writes for `env` in the layout hydrate commits (render itself is
/// checked byte for byte against the real helmfile in the render tests; the ignored test
/// below compares hydrate with helmfile directly).
fn rendered(dir: &Path, env: &str) -> Vec<(String, Vec<u8>)> {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_canon"))
        .current_dir(dir)
        .args([
            "render",
            "-e",
            env,
            "--include-crds",
            "--skip-tests",
            "--output-dir",
        ])
        .arg(out_dir.path())
        .args([
            "--output-dir-template",
            "{{ .OutputDir }}/{{ .Release.Name }}",
        ])
        .output()
        .expect("run canon render");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut out = Vec::new();
    walk(out_dir.path(), out_dir.path(), &mut out);
    out.sort();
    out
}

fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(d).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .expect("below")
                .to_string_lossy()
                .into_owned();
            out.push((rel, std::fs::read(&p).expect("read")));
        }
    }
}

#[test]
fn merge_then_tag_then_same_input_again() {
    let d = Demo::new();
    let c1 = d.head();

    // A merge to master: one staging commit with the layout, the index and provenance.
    let e = one_env(&d.hydrate(&["--output", "json"]));
    assert_eq!(e["environment"], "staging");
    assert_eq!(e["result"], "committed", "{e}");
    assert_eq!(e["changes"][0]["release"], "demo--staging");
    assert_eq!(e["changes"][0]["change"], "added");
    for k in ["render", "build", "fetch", "push", "git"] {
        assert!(e["timings"][k].is_number(), "timings.{k}: {e}");
    }
    assert_eq!(commit_count(&d.remote, "main"), 1);
    let staging_commit = branch_head(&d.remote, "main").expect("main exists");
    assert_eq!(e["commit"], staging_commit.as_str());
    let files = files_at(&d.remote, "main");
    assert!(
        files.contains(&".canon/environments/staging.yaml".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"demo--staging/monochart/templates/deployment.yaml".to_string()),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .all(|f| f.starts_with(".canon/") || f.starts_with("demo--staging/"))
    );
    let want = rendered(&d.source, "staging");
    assert!(!want.is_empty());
    for (path, bytes) in &want {
        assert_eq!(
            show(&d.remote, "main", path).as_bytes(),
            &bytes[..],
            "{path} differs from canon render's"
        );
    }
    assert_eq!(files.len(), want.len() + 1, "{files:?}");
    let idx = index(&d.remote, "main", "staging");
    assert_eq!(idx.environment, "staging");
    assert_eq!(idx.source.commit, c1);
    assert_eq!(idx.source.reference, "refs/heads/master");
    assert_eq!(idx.releases.len(), 1);
    let r = &idx.releases[0];
    assert_eq!(
        (r.name.as_str(), r.namespace.as_str(), r.path.as_str()),
        ("demo--staging", "demo", "demo--staging")
    );
    // The chart's own Chart.yaml says monochart 0.28.0.
    assert_eq!(
        (r.chart.name.as_str(), r.chart.version.as_str()),
        ("monochart", "0.28.0")
    );
    let msg = git(&d.remote, &["log", "-1", "--format=%B", "main"]);
    assert!(
        msg.starts_with(&format!(
            "staging: render {} (Merge pull request #12",
            &c1[..7]
        )),
        "{msg}"
    );
    for trailer in [
        "Canon-Environment: staging".to_string(),
        format!("Canon-Source-Commit: {c1}"),
        "Canon-Source-Ref: refs/heads/master".to_string(),
        format!("Canon-Source-Repo: {}", d.source.display()),
        format!("Canon-Version: {}", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(
            msg.contains(&format!("\n{trailer}\n")),
            "{trailer:?} in {msg}"
        );
    }

    // A tag v1.0.0, checked out as CI does (detached): one production commit, staging kept.
    git(&d.source, &["tag", "v1.0.0"]);
    git(&d.source, &["checkout", "-q", "v1.0.0"]);
    let o = d.hydrate(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("production: committed "),
        "{}",
        stdout(&o)
    );
    assert_eq!(commit_count(&d.remote, "main"), 2);
    let idx = index(&d.remote, "main", "production");
    assert_eq!(idx.source.reference, "refs/tags/v1.0.0");
    assert_eq!(idx.releases[0].name, "demo--production");
    let msg = git(&d.remote, &["log", "-1", "--format=%B", "main"]);
    assert!(msg.contains("\nCanon-Environment: production\n"), "{msg}");
    assert_eq!(
        git(&d.remote, &["rev-parse", "main:demo--staging"]),
        git(
            &d.remote,
            &["rev-parse", &format!("{staging_commit}:demo--staging")]
        ),
        "production's commit left staging's paths alone"
    );
    assert_eq!(
        git(
            &d.remote,
            &["rev-parse", "main:.canon/environments/staging.yaml"]
        ),
        git(
            &d.remote,
            &[
                "rev-parse",
                &format!("{staging_commit}:.canon/environments/staging.yaml")
            ]
        ),
    );

    // The same input again: no commit, for either environment; `--ref` spelled three ways.
    let head = branch_head(&d.remote, "main");
    for args in [
        vec!["--output", "json"],
        vec!["--ref", "refs/heads/master", "--output", "json"],
        vec!["--ref", "master", "--output", "json"],
        vec!["--ref", "v1.0.0", "--output", "json"],
    ] {
        let e = one_env(&d.hydrate(&args));
        assert_eq!(e["result"], "unchanged", "{args:?}: {e}");
    }
    assert_eq!(branch_head(&d.remote, "main"), head);
    assert_eq!(commit_count(&d.remote, "main"), 2);
}

#[test]
fn ref_without_environment_is_nothing_to_do() {
    let d = Demo::new();
    git(&d.source, &["checkout", "-q", "-b", "feature/x"]);
    let o = d.hydrate(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("refs/heads/feature/x maps to no environment"),
        "{}",
        stdout(&o)
    );
    let v = json(&d.hydrate(&["--output", "json"]));
    assert_eq!(v["environments"], serde_json::json!([]));
    // `-e` names environments whatever the ref.
    let e = one_env(&d.hydrate(&["-e", "staging", "--output", "json"]));
    assert_eq!(e["result"], "committed");
    assert_eq!(
        index(&d.remote, "main", "staging").source.reference,
        "refs/heads/feature/x"
    );
}

/// A helmfile with releases `a` and `b` of the demo's chart (a Deployment each), inline values.
fn two_releases(with_b: bool) -> String {
    let release = |name: &str, replicas: u32| {
        format!(
            "  - name: {name}\n    namespace: apps\n    chart: ./charts/monochart\n    values:\n      - replicaCount: {replicas}\n        image: {{repository: example/{name}, tag: \"1\"}}\n        deployment: {{enabled: true}}\n"
        )
    };
    let mut s = String::from("environments:\n  staging: {}\n---\nreleases:\n");
    s.push_str(&release("a", 2));
    if with_b {
        s.push_str(&release("b", 3));
    }
    s
}

#[test]
fn removed_release_leaves_and_other_paths_stay() {
    let d = Demo::new();
    std::fs::remove_file(d.source.join("helmfile.yaml.gotmpl")).expect("rm");
    std::fs::write(d.source.join("helmfile.yaml"), two_releases(true)).expect("write");
    d.commit_all("two releases");
    let e = one_env(&d.hydrate(&["--output", "json"]));
    assert_eq!(e["result"], "committed", "{e}");
    let names: Vec<String> = index(&d.remote, "main", "staging")
        .releases
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let files = files_at(&d.remote, "main");
    for dir in ["a/monochart/", "b/monochart/"] {
        assert!(
            files.iter().any(|f| f.starts_with(dir)),
            "{dir} in {files:?}"
        );
    }

    // Someone else's files in the state repo, outside the environment.
    let clone = d.tmp.path().join("clone");
    git(
        d.tmp.path(),
        &["clone", "-q", d.remote.to_str().expect("utf-8"), "clone"],
    );
    std::fs::create_dir_all(clone.join("other")).expect("mkdir");
    std::fs::write(clone.join("README.md"), "hands off\n").expect("write");
    std::fs::write(clone.join("other/x.yaml"), "kind: X\n").expect("write");
    git(&clone, &["add", "-A"]);
    git(&clone, &["commit", "-q", "-m", "outside"]);
    git(&clone, &["push", "-q", "origin", "HEAD:main"]);
    let outside = branch_head(&d.remote, "main").expect("main");

    std::fs::write(d.source.join("helmfile.yaml"), two_releases(false)).expect("write");
    d.commit_all("drop b");
    let e = one_env(&d.hydrate(&["--output", "json"]));
    assert_eq!(e["result"], "committed", "{e}");
    assert_eq!(
        e["changes"],
        serde_json::json!([{"release": "b", "change": "removed"}])
    );
    let files = files_at(&d.remote, "main");
    assert!(!files.iter().any(|f| f.starts_with("b/")), "{files:?}");
    assert!(
        files.iter().any(|f| f.starts_with("a/monochart/")),
        "{files:?}"
    );
    assert_eq!(show(&d.remote, "main", "README.md"), "hands off\n");
    assert_eq!(show(&d.remote, "main", "other/x.yaml"), "kind: X\n");
    let names: Vec<String> = index(&d.remote, "main", "staging")
        .releases
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(names, ["a"]);
    assert_eq!(
        git(&d.remote, &["rev-parse", "main^"]).trim(),
        outside,
        "one commit on top of the outside change"
    );
}

/// Runs `canon hydrate ARGS` on `d` expecting `code`, with stderr containing every `says`, and
/// the state remote exactly as before.
fn refused(d: &Demo, args: &[&str], env: &[(&str, &str)], code: i32, says: &[&str]) {
    let before = branch_head(&d.remote, "main");
    let refs_before = git(&d.remote, &["for-each-ref"]);
    let o = d.hydrate_env(args, env);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{args:?}: {err}\n{}",
        stdout(&o)
    );
    for s in says {
        assert!(err.contains(s), "{args:?}: {s:?} in {err}");
    }
    assert!(err.starts_with("Error: "), "{err}");
    assert_eq!(
        branch_head(&d.remote, "main"),
        before,
        "{args:?} moved the remote"
    );
    assert_eq!(git(&d.remote, &["for-each-ref"]), refs_before);
}

#[test]
fn bad_input_is_refused_and_pushes_nothing() {
    let d = Demo::new();
    // One good render first, so "unchanged remote" means something.
    assert_eq!(d.hydrate(&[]).status.code(), Some(0));

    // Unknown environment: 2, naming it.
    refused(&d, &["-e", "nope"], &[], 2, &["nope"]);

    // A dirty work tree: 2, naming the paths (tracked and untracked).
    let values = d.source.join("values/demo--staging.yaml");
    let orig = std::fs::read_to_string(&values).expect("read");
    std::fs::write(&values, format!("{orig}replicaCount: 5\n")).expect("write");
    refused(&d, &[], &[], 2, &["values/demo--staging.yaml", "commit"]);
    std::fs::write(&values, &orig).expect("restore");
    std::fs::write(d.source.join("stray.yaml"), "x: 1\n").expect("write");
    refused(&d, &[], &[], 2, &["stray.yaml"]);
    std::fs::remove_file(d.source.join("stray.yaml")).expect("rm");

    // A broken helmfile (committed): 2 with file:line:col.
    std::fs::remove_file(d.source.join("helmfile.yaml.gotmpl")).expect("rm");
    std::fs::write(
        d.source.join("helmfile.yaml"),
        "environments:\n  staging: {}\n---\nreleases:\n  - name: a\n    chart: ./charts/monochart\n    nope: 1\n",
    )
    .expect("write");
    d.commit_all("broken helmfile");
    refused(&d, &[], &[], 2, &["helmfile.yaml:7:5", "nope"]);

    // A chart that fails to render: 1, helm's words.
    std::fs::write(
        d.source.join("helmfile.yaml"),
        "environments:\n  staging: {}\n---\nreleases:\n  - name: a\n    chart: ./charts/monochart\n",
    )
    .expect("write");
    std::fs::write(
        d.source.join("charts/monochart/templates/zz-fail.yaml"),
        "{{ fail \"the chart refuses\" }}\n",
    )
    .expect("write");
    d.commit_all("failing chart");
    refused(&d, &[], &[], 1, &["the chart refuses", "release \"a\""]);
    std::fs::remove_file(d.source.join("charts/monochart/templates/zz-fail.yaml")).expect("rm");
    d.commit_all("chart fixed");

    // A bad canon.yaml: 2, naming the file.
    let canon_yaml = std::fs::read_to_string(d.source.join("canon.yaml")).expect("read");
    std::fs::write(d.source.join("canon.yaml"), "state: {repo: x, brnch: y}\n").expect("write");
    d.commit_all("bad canon.yaml");
    refused(&d, &[], &[], 2, &["canon.yaml", "brnch"]);
    std::fs::write(d.source.join("canon.yaml"), canon_yaml).expect("write");
    d.commit_all("canon.yaml fixed");

    // Unreachable remotes: 1, naming them.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let http = format!("http://127.0.0.1:{port}/state.git");
    refused(&d, &["--state-repo", &http], &[], 1, &[http.as_str()]);
    let missing = d.tmp.path().join("missing.git");
    let missing = missing.to_str().expect("utf-8");
    refused(&d, &["--state-repo", missing], &[], 1, &[missing]);

    // Detached HEAD without a tag and no --ref: 2, asking for one.
    git(&d.source, &["checkout", "-q", "--detach"]);
    refused(&d, &[], &[], 2, &["--ref"]);

    // And after all that, the good input still hydrates.
    let o = d.hydrate(&["--ref", "master"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `git http-backend` behind the state crate's tiny Python server (basic auth); killed on drop.
struct HttpServer {
    proc: Child,
    port: u16,
}

impl HttpServer {
    fn start(root: &Path, auth: &str) -> Self {
        let script = testenv::repo_root().join("crates/state/tests/it/git_http.py");
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

#[test]
fn http_remote_with_and_without_the_right_credentials() {
    let d = Demo::new();
    let root = d.tmp.path().join("srv");
    std::fs::create_dir_all(&root).expect("mkdir");
    git(&root, &["init", "-q", "--bare", "-b", "main", "state.git"]);
    let remote = root.join("state.git");
    git(&remote, &["config", "http.receivepack", "true"]);
    let server = HttpServer::start(&root, "canon:s3cret");
    let url = format!("http://127.0.0.1:{}/state.git", server.port);

    for creds in [
        vec![
            ("CANON_GIT_USERNAME", "canon"),
            ("CANON_GIT_PASSWORD", "wrong"),
        ],
        vec![],
    ] {
        let o = d.hydrate_env(&["--state-repo", &url], &creds);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{creds:?}: {err}");
        assert!(err.contains("authentication failed"), "{err}");
        assert!(err.contains(&url), "{err}");
        assert_eq!(branch_head(&remote, "main"), None);
    }
    let good = [
        ("CANON_GIT_USERNAME", "canon"),
        ("CANON_GIT_PASSWORD", "s3cret"),
    ];
    let e = one_env(&d.hydrate_env(&["--state-repo", &url, "--output", "json"], &good));
    assert_eq!(e["result"], "committed", "{e}");
    assert_eq!(commit_count(&remote, "main"), 1);
    index(&remote, "main", "staging");
    let e = one_env(&d.hydrate_env(&["--state-repo", &url, "--output", "json"], &good));
    assert_eq!(e["result"], "unchanged", "{e}");
    // The cache repository lives under the home's cache, keyed by URL, beside its lock.
    let cache = d.home.join(".cache/canon/state");
    let entries: Vec<String> = std::fs::read_dir(&cache)
        .expect("the state cache exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries.iter().any(|e| e.ends_with(".lock")), "{entries:?}");
}

/// The real helmfile's output dir, committed by hand, equals what canon hydrate commits.
#[test]
#[ignore = "needs helmfile and helm from scripts/testenv"]
fn hydrate_commits_what_helmfile_writes() {
    let helmfile = testenv::helmfile()
        .unwrap_or_else(|e| panic!("this test runs the real helmfile, which is missing: {e}"));
    let helm = testenv::helm(testenv::HelmVersion::V4).unwrap_or_else(|e| {
        panic!("this test runs helmfile with the real helm v4, which is missing: {e}")
    });
    let d = Demo::new();
    for env in ["staging", "production"] {
        let o = d.hydrate(&["-e", env]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out_dir = d.tmp.path().join(format!("helmfile-{env}"));
        let o = Command::new(&helmfile)
            .current_dir(&d.source)
            .arg("--helm-binary")
            .arg(&helm)
            .args([
                "-e",
                env,
                "template",
                "--skip-deps",
                "--include-crds",
                "--skip-tests",
            ])
            .arg("--output-dir")
            .arg(&out_dir)
            .args([
                "--output-dir-template",
                "{{ .OutputDir }}/{{ .Release.Name }}",
            ])
            .env("HOME", &d.home)
            .output()
            .expect("run helmfile");
        assert!(o.status.success(), "helmfile: {}", stderr(&o));
        let mut want = Vec::new();
        walk(&out_dir, &out_dir, &mut want);
        assert!(!want.is_empty());
        for (path, bytes) in &want {
            assert_eq!(
                show(&d.remote, "main", path).as_bytes(),
                &bytes[..],
                "{path}"
            );
        }
        let idx = index(&d.remote, "main", env);
        let prefix = format!("{}/", idx.releases[0].path);
        let committed = files_at(&d.remote, "main")
            .into_iter()
            .filter(|f| f.starts_with(&prefix))
            .count();
        assert_eq!(committed, want.len());
    }
}
