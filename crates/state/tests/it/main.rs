//! Integration tests of the state crate against real git repositories: bare remotes on disk made
//! with the `git` CLI, `git http-backend` over loopback HTTP, and separate processes racing.

mod git;
mod hydrate;
mod index;
mod source;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use state::{EnvironmentRender, Provenance, RenderedRelease};

/// Runs the `git` CLI (the independent view of what canon wrote); panics with its stderr.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
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

/// A new bare repository (the state remote).
pub fn bare(dir: &Path) -> PathBuf {
    let p = dir.join("state.git");
    git(
        dir,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            p.to_str().expect("utf-8"),
        ],
    );
    p
}

/// A source repository with commits tagged v1..=vN at increasing committer times.
pub fn source_repo(dir: &Path, n: u32) -> PathBuf {
    let p = dir.join("source");
    git(
        dir,
        &["init", "-q", "-b", "master", p.to_str().expect("utf-8")],
    );
    for k in 1..=n {
        std::fs::write(p.join("helmfile.yaml"), format!("# v{k}\n")).expect("write");
        git(&p, &["add", "."]);
        let date = format!("{} +0000", 1_700_000_000 + u64::from(k) * 60);
        let out = Command::new("git")
            .arg("-C")
            .arg(&p)
            .args(["commit", "-q", "-m", &format!("change number {k}")])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        git(&p, &["tag", &format!("v{k}")]);
    }
    p
}

/// Provenance of tag `v{k}` of the source repo, read with the git CLI.
pub fn provenance(source: &Path, k: u32, reference: &str) -> Provenance {
    let tag = format!("v{k}^{{commit}}");
    let line = git(source, &["log", "-1", "--format=%H %ct %s", &tag]);
    let mut parts = line.trim().splitn(3, ' ');
    Provenance {
        source_repo: "https://example.com/org/app.git".into(),
        source_commit: parts.next().expect("hash").into(),
        source_commit_time: parts.next().expect("time").parse().expect("int"),
        source_subject: parts.next().unwrap_or("").into(),
        source_ref: reference.into(),
        canon_version: state::CANON_VERSION.into(),
    }
}

/// A generated render of `env` at version `k`: releases `r000..` whose content carries the
/// version, plus `odd-only` in odd versions (so it leaves and comes back).
pub fn render(env: &str, k: u32, n: usize) -> EnvironmentRender {
    let mut releases = Vec::new();
    for i in 0..n {
        let name = format!("{env}-r{i:03}");
        releases.push(release(&name, &format!("{env} {i} v{k}")));
    }
    if k % 2 == 1 {
        releases.push(release(
            &format!("{env}-odd-only"),
            &format!("{env} odd v{k}"),
        ));
    }
    EnvironmentRender {
        environment: env.into(),
        releases,
    }
}

pub fn release(name: &str, marker: &str) -> RenderedRelease {
    let files = BTreeMap::from([
        (
            "monochart/templates/deployment.yaml".to_string(),
            format!("---\n# Source: monochart/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  annotations:\n    marker: {marker}\n").into_bytes(),
        ),
        (
            "monochart/templates/service.yaml".to_string(),
            format!("---\n# Source: monochart/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n").into_bytes(),
        ),
    ]);
    RenderedRelease {
        name: name.into(),
        namespace: "apps".into(),
        chart_name: "monochart".into(),
        chart_version: "1.2.3".into(),
        kube_context: None,
        files,
    }
}

/// The files a render puts in the state repo (default path template), as the expected tree.
pub fn expected_files(r: &EnvironmentRender) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for rel in &r.releases {
        for (p, c) in &rel.files {
            out.insert(format!("{}/{p}", rel.name), c.clone());
        }
    }
    out
}

/// The files of `rev` in `repo` whose path starts with `prefix`, read with the git CLI.
pub fn tree_files(repo: &Path, rev: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for p in git(repo, &["ls-tree", "-r", "--name-only", rev]).lines() {
        if p.starts_with(prefix) {
            let c = git(repo, &["show", &format!("{rev}:{p}")]);
            out.insert(p.to_string(), c.into_bytes());
        }
    }
    out
}

/// Runs this test binary as a separate hydrating process (see [`child_entry`]).
pub fn child(envs: &[(&str, String)]) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("test binary path"));
    c.args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env("CANON_STATE_CHILD", "1")
        .env_remove("CANON_GIT_TOKEN")
        .env_remove("CANON_GIT_USERNAME")
        .env_remove("CANON_GIT_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        c.env(k, v);
    }
    c
}

/// The outcome line a child printed (`OUTCOME committed|unchanged|stale`), or its error.
pub fn child_result(out: &std::process::Output) -> Result<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("OUTCOME ").map(|(_, r)| r));
    match (out.status.success(), line) {
        (true, Some(l)) => Ok(l.to_string()),
        _ => Err(format!(
            "status {:?}\nstdout: {stdout}\nstderr: {stderr}",
            out.status
        )),
    }
}

/// The body of a child process: does nothing in a normal test run. With `CANON_STATE_CHILD`
/// set it hydrates `CHILD_ENV` at source version `CHILD_VERSION` into `CHILD_URL` and exits.
#[test]
fn child_entry() {
    if std::env::var_os("CANON_STATE_CHILD").is_none() {
        return;
    }
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} must be set"));
    let env = var("CHILD_ENV");
    let k: u32 = var("CHILD_VERSION").parse().expect("version");
    let n: usize = var("CHILD_RELEASES").parse().expect("releases");
    let source = PathBuf::from(var("CHILD_SOURCE"));
    let reference = if env == "production" {
        format!("refs/tags/v{k}")
    } else {
        "refs/heads/master".to_string()
    };
    let prov = provenance(&source, k, &reference);
    let src = git2::Repository::open(&source).expect("source repo");
    let opts = state::HydrateOptions {
        max_attempts: 40,
        order: state::SourceOrder::Ancestry(&src),
        ..Default::default()
    };
    let target = state::Target {
        branch: std::env::var("CHILD_BRANCH").unwrap_or_else(|_| "main".into()),
        path_template: state::index::DEFAULT_PATH_TEMPLATE.into(),
    };
    let result = state::git::open(&var("CHILD_URL"), Path::new(&var("CHILD_CACHE"))).and_then(
        |mut remote| state::hydrate(remote.as_mut(), &target, &render(&env, k, n), &prov, &opts),
    );
    match result {
        Ok(state::Outcome::Committed { attempts, .. }) => {
            println!("OUTCOME committed {attempts}")
        }
        Ok(state::Outcome::Unchanged { .. }) => println!("OUTCOME unchanged"),
        Ok(state::Outcome::Stale { .. }) => println!("OUTCOME stale"),
        Err(e) => {
            eprintln!("ERROR {e}");
            std::process::exit(1);
        }
    }
    std::process::exit(0);
}
