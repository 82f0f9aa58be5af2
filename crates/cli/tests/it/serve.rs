//! `canon serve` as a process with its in-process hydrator: a signed GitHub push webhook over
//! loopback HTTP becomes exactly one hydration commit on a bare state remote.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::hydrate::{Demo, branch_head, commit_count, git, index};

const SECRET: &str = "hook-secret";

/// The receiver, killed on drop.
struct Serve {
    proc: Child,
    addr: String,
}

impl Serve {
    fn start(config: &Path, home: &Path) -> Self {
        let mut proc = Command::new(env!("CARGO_BIN_EXE_canon"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env("GH_HOOK_SECRET", SECRET)
            .env("HOME", home)
            .env_remove("XDG_CACHE_HOME")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("run canon serve");
        let mut err = BufReader::new(proc.stderr.take().expect("stderr"));
        let mut addr = None;
        let mut seen = String::new();
        let mut line = String::new();
        while err.read_line(&mut line).expect("read stderr") > 0 {
            if let Some(a) = line.trim().strip_prefix("canon serve: listening on ") {
                addr = Some(a.to_string());
                break;
            }
            seen.push_str(&line);
            line.clear();
        }
        let addr = addr.unwrap_or_else(|| panic!("canon serve did not start: {seen}"));
        // Keep draining its log so the process never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = err.read_to_end(&mut sink);
        });
        Serve { proc, addr }
    }

    /// POSTs a GitHub push delivery, signed with `secret`; returns the HTTP status.
    fn github_push(&self, git_ref: &str, after: &str, secret: &str) -> u16 {
        let body = format!(
            r#"{{"ref":"{git_ref}","before":"0000000000000000000000000000000000000000","after":"{after}","repository":{{"full_name":"acme/demo"}}}}"#
        );
        let sig = serve::signature::sign(secret.as_bytes(), body.as_bytes());
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        write!(
            s,
            "POST /hooks/github HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: {sig}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .expect("send");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("response");
        resp.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {resp:?}"))
    }

    fn metrics(&self) -> String {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("send");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("response");
        resp
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

/// The sum of `canon_serve_hydrations_total` samples with this outcome (0 when absent).
fn metric(text: &str, outcome: &str) -> f64 {
    let label = format!("outcome=\"{outcome}\"");
    text.lines()
        .filter(|l| l.starts_with("canon_serve_hydrations_total{") && l.contains(&label))
        .filter_map(|l| l.split_whitespace().last())
        .filter_map(|v| v.parse::<f64>().ok())
        .sum()
}

/// Waits for the receiver to finish `n` hydrations (success or failure), failing the test
/// (not asserting on time) if it never does.
fn wait_hydrations(s: &Serve, n: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let m = s.metrics();
        let done = metric(&m, "success") + metric(&m, "failure");
        if done >= n {
            return m;
        }
        assert!(Instant::now() < deadline, "no hydration finished: {m}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn signed_github_push_gives_one_in_process_hydration_commit() {
    let d = Demo::new();
    let head = d.head();
    let config = d.tmp.path().join("serve.yaml");
    std::fs::write(
        &config,
        "listen: 127.0.0.1:0\nsecrets: {github: GH_HOOK_SECRET}\nsourceRepo: source\n",
    )
    .expect("write config");
    let s = Serve::start(&config, &d.home);

    // A wrong signature runs nothing.
    assert_eq!(
        s.github_push("refs/heads/master", &head, "not-the-secret"),
        403
    );
    assert_eq!(branch_head(&d.remote, "main"), None);

    assert_eq!(s.github_push("refs/heads/master", &head, SECRET), 202);
    let m = wait_hydrations(&s, 1.0);
    assert_eq!(metric(&m, "success"), 1.0, "{m}");
    assert_eq!(commit_count(&d.remote, "main"), 1);
    let idx = index(&d.remote, "main", "staging");
    assert_eq!(idx.source.commit, head);
    assert_eq!(idx.source.reference, "refs/heads/master");
    // The source repo recorded is the one the receiver fetched from, not its cache checkout.
    let msg = git(&d.remote, &["log", "-1", "--format=%B", "main"]);
    assert!(
        msg.contains(&format!("\nCanon-Source-Repo: {}\n", d.source.display())),
        "{msg}"
    );

    // The same push again: a hydration runs, and commits nothing.
    assert_eq!(s.github_push("refs/heads/master", &head, SECRET), 202);
    let m = wait_hydrations(&s, 2.0);
    assert_eq!(metric(&m, "success"), 2.0, "{m}");
    assert_eq!(commit_count(&d.remote, "main"), 1);
}

/// Starts `canon [--log-format F] serve` and returns its stderr up to the listening notice.
fn serve_stderr(log_format: Option<&str>) -> String {
    let d = Demo::new();
    let config = d.tmp.path().join("serve.yaml");
    std::fs::write(
        &config,
        "listen: 127.0.0.1:0\nsecrets: {github: GH_HOOK_SECRET}\nsourceRepo: source\n",
    )
    .expect("write config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canon"));
    if let Some(f) = log_format {
        cmd.args(["--log-format", f]);
    }
    let mut proc = cmd
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env("GH_HOOK_SECRET", SECRET)
        .env("HOME", &d.home)
        .env_remove("CANON_LOG_FORMAT")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("run canon serve");
    let mut err = BufReader::new(proc.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let mut line = String::new();
    // The tracing event comes right after the plain notice; read both.
    while err.read_line(&mut line).expect("read stderr") > 0 {
        seen.push_str(&line);
        line.clear();
        if seen.contains("canon serve listening") {
            break;
        }
    }
    let _ = proc.kill();
    let _ = proc.wait();
    seen
}

#[test]
fn logs_are_json_on_request_and_plain_text_without_colour_on_a_pipe() {
    let json = serve_stderr(Some("json"));
    let event = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["fields"]["message"] == "canon serve listening")
        .unwrap_or_else(|| panic!("no JSON log event in: {json}"));
    assert_eq!(event["level"], "INFO", "{event}");
    assert!(
        event["fields"]["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:")),
        "{event}"
    );

    let text = serve_stderr(None);
    assert!(text.contains("canon serve listening"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes on a pipe: {text:?}");
}
