//! Benchmark: hydrate a generated 500-release environment into a bare state repo on disk and,
//! when python3 is present, over smart HTTP (`git http-backend` on loopback); prints seconds
//! for building blobs, trees and the commit versus fetching and pushing, for the first commit,
//! a no-op re-hydration, and a change of one release. Run: `cargo bench -p canon-state`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use state::hydrate::Timings;
use state::{EnvironmentRender, HydrateOptions, Outcome, Provenance, RenderedRelease, Target};

const RELEASES: usize = 500;

/// Roughly what a small chart renders: a few manifests of a few KiB per release.
fn render(version: u32, changed: usize) -> EnvironmentRender {
    let mut releases = Vec::new();
    for i in 0..RELEASES {
        let v = if i == changed { version } else { 1 };
        let mut files = BTreeMap::new();
        for kind in [
            "deployment",
            "service",
            "configmap",
            "serviceaccount",
            "ingress",
            "hpa",
        ] {
            let mut s = format!(
                "---\n# Source: app/templates/{kind}.yaml\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: rel-{i}\n  labels:\n    version: \"{v}\"\ndata:\n"
            );
            for line in 0..60 {
                s.push_str(&format!("  key{line}: value-{i}-{line}-{kind}\n"));
            }
            files.insert(format!("app/templates/{kind}.yaml"), s.into_bytes());
        }
        releases.push(RenderedRelease {
            name: format!("rel-{i:03}"),
            namespace: "apps".into(),
            chart_name: "app".into(),
            chart_version: "1.0.0".into(),
            kube_context: None,
            files,
        });
    }
    EnvironmentRender {
        environment: "staging".into(),
        releases,
    }
}

fn prov(version: u32) -> Provenance {
    Provenance {
        source_repo: "https://example.com/app.git".into(),
        source_commit: format!("{version:040x}"),
        source_subject: format!("change {version}"),
        source_commit_time: 1_700_000_000 + i64::from(version),
        source_ref: "refs/heads/master".into(),
        canon_version: state::CANON_VERSION.into(),
    }
}

fn git(args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .status()
        .expect("git CLI")
        .success();
    assert!(ok, "git {args:?}");
}

fn report(label: &str, total: f64, t: &Timings, out: &Outcome) {
    let kind = match out {
        Outcome::Committed { .. } => "commit",
        Outcome::Unchanged { .. } => "no commit",
        Outcome::Stale { .. } => "stale",
    };
    println!(
        "{label:<34} total {total:>7.3}s  build {:>7.3}s  fetch {:>7.3}s  push {:>7.3}s  ({kind})",
        t.build.as_secs_f64(),
        t.fetch.as_secs_f64(),
        t.push.as_secs_f64()
    );
}

fn run(label: &str, url: &str, cache: &Path) {
    let target = Target {
        branch: "main".into(),
        path_template: state::index::DEFAULT_PATH_TEMPLATE.into(),
    };
    let opts = HydrateOptions::default();
    for (step, version, changed) in [
        ("first", 1, usize::MAX),
        ("no-op", 1, usize::MAX),
        ("one release changed", 2, 250),
    ] {
        let input = render(version, changed);
        let t = Instant::now();
        let mut remote = state::git::open(url, cache).expect("open remote");
        let out = state::hydrate(remote.as_mut(), &target, &input, &prov(version), &opts)
            .expect("hydrate");
        let total = t.elapsed().as_secs_f64();
        let timings = match &out {
            Outcome::Committed { timings, .. } | Outcome::Unchanged { timings, .. } => {
                timings.clone()
            }
            Outcome::Stale { .. } => Timings::default(),
        };
        report(&format!("{label}: {step}"), total, &timings, &out);
    }
}

fn main() {
    let tmp = std::env::temp_dir().join(format!("canon-bench-hydrate-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let files: usize = render(1, usize::MAX)
        .releases
        .iter()
        .map(|r| r.files.len())
        .sum();
    let bytes: usize = render(1, usize::MAX)
        .releases
        .iter()
        .flat_map(|r| r.files.values())
        .map(Vec::len)
        .sum();
    println!(
        "hydrate: {RELEASES} releases, {files} files, {:.1} MiB",
        bytes as f64 / 1048576.0
    );

    let local = tmp.join("local.git");
    git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        local.to_str().expect("utf-8"),
    ]);
    run(
        "local bare repo",
        local.to_str().expect("utf-8"),
        &tmp.join("unused"),
    );

    let srv = tmp.join("srv");
    std::fs::create_dir_all(&srv).expect("mkdir");
    let remote = srv.join("state.git");
    git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        remote.to_str().expect("utf-8"),
    ]);
    git(&[
        "-C",
        remote.to_str().expect("utf-8"),
        "config",
        "http.receivepack",
        "true",
    ]);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/git_http.py");
    match Command::new("python3")
        .arg(script)
        .arg(&srv)
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(mut server) => {
            let mut line = String::new();
            BufReader::new(server.stdout.take().expect("stdout"))
                .read_line(&mut line)
                .expect("port");
            let url = format!("http://127.0.0.1:{}/state.git", line.trim());
            run("http (git http-backend)", &url, &tmp.join("cache"));
            let _ = server.kill();
            let _ = server.wait();
        }
        Err(e) => println!("http: skipped, python3 not available: {e}"),
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
