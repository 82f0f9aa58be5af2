//! Replays every case file in `tests/cases/` (wants filled by the Go oracle through
//! `scripts/sprig-regen`) and requires canon's output, error text and phase to match.

use std::path::Path;

use serde_json::Value as J;

use crate::data::{Outcome, run, same};

fn want(c: &J) -> Outcome {
    let w = &c["want"];
    Outcome {
        output: w["output"].as_str().unwrap_or("").to_string(),
        error: w["error"].as_str().unwrap_or("").to_string(),
        phase: w["phase"].as_str().unwrap_or("").to_string(),
    }
}

fn replay(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("case file exists");
    let sprig = sprig::funcs(&sprig::Options::default());
    let helm = sprig::funcs(&sprig::Options {
        helm: true,
        ..Default::default()
    });
    let verbose = std::env::var("SPRIG_CASES_VERBOSE").is_ok();
    let (mut n, mut bad) = (0, Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let c: J = serde_json::from_str(line).expect("case is JSON");
        assert!(
            c.get("want").is_some(),
            "{}: no want; run scripts/sprig-regen",
            c["id"]
        );
        let funcs = if c["funcs"] == "helm" { &helm } else { &sprig };
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&c, funcs)))
            .unwrap_or_else(|_| Outcome {
                output: String::new(),
                error: "canon panicked".into(),
                phase: "panic".into(),
            });
        let w = want(&c);
        n += 1;
        if !same(&got, &w) {
            bad.push(format!(
                "{}\n  template: {}\n  data: {}\n  want: {:?}\n  got:  {:?}",
                c["id"], c["template"], c["data"], w, got
            ));
        }
    }
    if verbose {
        for b in &bad {
            eprintln!("{b}");
        }
    }
    eprintln!("{file}: {} cases, {} mismatches", n, bad.len());
    assert!(
        bad.is_empty(),
        "{file}: {} of {n} cases differ from Go:\n{}",
        bad.len(),
        bad.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn sprig_test_rows() {
    replay("sprig-tests.jsonl");
}

#[test]
fn generated_families() {
    replay("generated.jsonl");
}

#[test]
fn helm_variant_rows() {
    replay("helm.jsonl");
}
