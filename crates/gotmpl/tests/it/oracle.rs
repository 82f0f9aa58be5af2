//! The Go oracle (tools/oracle): found through `CANON_ORACLE` or built with `go build` into a
//! temp dir, and run in batch mode (one process, JSON lines in and out).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::cases::{Case, Outcome};

/// The oracle binary. Panics (failing the test) with the reason when there is none to be had.
pub fn path() -> PathBuf {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PATH.get_or_init(locate)
        .clone()
        .unwrap_or_else(|e| panic!("Go oracle unavailable: {e}"))
}

fn locate() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("CANON_ORACLE") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("CANON_ORACLE={} is not a file", p.display()))
        };
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/oracle");
    let dir = std::env::temp_dir().join(format!("canon-gotmpl-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
    let bin = dir.join("oracle");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .output()
        .map_err(|e| format!("CANON_ORACLE is not set and `go build` could not run ({e}): install Go or set CANON_ORACLE"))?;
    if !out.status.success() {
        return Err(format!(
            "CANON_ORACLE is not set and `go build` of {} failed:\n{}",
            src.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

/// The request line the oracle reads for a case (its `want` and `note` left out).
pub fn request(c: &Case) -> String {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), c.id.clone().into());
    m.insert("template".into(), c.template.clone().into());
    if let Some(d) = &c.data {
        m.insert("data".into(), d.clone());
    }
    for (k, v) in [
        ("funcs", &c.funcs),
        ("missingkey", &c.missingkey),
        ("name", &c.name),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), v.clone().into());
        }
    }
    if let Some(d) = &c.delims {
        m.insert("delims".into(), d.clone().into());
    }
    serde_json::Value::Object(m).to_string()
}

/// Runs the cases through one oracle process; one outcome per case, in order.
pub fn run_batch(cases: &[Case]) -> Vec<Outcome> {
    let mut child = Command::new(path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let reqs: Vec<String> = cases.iter().map(request).collect();
    let writer = std::thread::spawn(move || {
        for r in reqs {
            stdin.write_all(r.as_bytes()).expect("write to oracle");
            stdin.write_all(b"\n").expect("write to oracle");
        }
    });
    let reader = BufReader::new(child.stdout.take().expect("oracle stdout"));
    let mut outs = Vec::with_capacity(cases.len());
    for (line, case) in reader.lines().zip(cases) {
        let line = line.expect("read oracle output");
        let v: serde_json::Value = serde_json::from_str(&line).expect("oracle prints JSON");
        assert_eq!(
            v["id"].as_str(),
            Some(case.id.as_str()),
            "oracle answered out of order"
        );
        outs.push(Outcome {
            output: v["output"].as_str().unwrap_or_default().to_string(),
            error: v["error"].as_str().unwrap_or_default().to_string(),
            phase: v["phase"].as_str().unwrap_or_default().to_string(),
        });
    }
    writer.join().expect("oracle writer thread");
    let status = child.wait().expect("oracle exit");
    assert!(status.success(), "oracle exited with {status}");
    assert_eq!(
        outs.len(),
        cases.len(),
        "oracle answered {} of {} cases",
        outs.len(),
        cases.len()
    );
    outs
}

/// Like `run_batch`, but survives the oracle dying (a Go fatal error such as running out of
/// memory is not recoverable in-process): the case it died on gets `None` and a fresh oracle
/// process continues with the next one.
pub fn run_batch_tolerant(cases: &[Case]) -> Vec<Option<Outcome>> {
    let mut outs: Vec<Option<Outcome>> = Vec::with_capacity(cases.len());
    while outs.len() < cases.len() {
        let rest = &cases[outs.len()..];
        let got = run_some(rest);
        let n = got.len();
        outs.extend(got.into_iter().map(Some));
        if n < rest.len() {
            eprintln!("oracle died on case {}: {:?}", rest[n].id, rest[n].template);
            outs.push(None);
        }
    }
    outs
}

/// Runs cases until the oracle stops answering; returns the answers it gave, in order.
fn run_some(cases: &[Case]) -> Vec<Outcome> {
    let mut child = Command::new(path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the oracle");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let reqs: Vec<String> = cases.iter().map(request).collect();
    let writer = std::thread::spawn(move || {
        for r in reqs {
            if stdin
                .write_all(r.as_bytes())
                .and_then(|()| stdin.write_all(b"\n"))
                .is_err()
            {
                return;
            }
        }
    });
    let reader = BufReader::new(child.stdout.take().expect("oracle stdout"));
    let mut outs = Vec::with_capacity(cases.len());
    for (line, case) in reader.lines().zip(cases) {
        let Ok(line) = line else { break };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            break;
        };
        assert_eq!(
            v["id"].as_str(),
            Some(case.id.as_str()),
            "oracle answered out of order"
        );
        outs.push(Outcome {
            output: v["output"].as_str().unwrap_or_default().to_string(),
            error: v["error"].as_str().unwrap_or_default().to_string(),
            phase: v["phase"].as_str().unwrap_or_default().to_string(),
        });
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = writer.join();
    outs
}
