//! Checks against the live Go oracle (`#[ignore]`: run by scripts/test, which builds the oracle;
//! they fail, never skip, when it cannot be had): the committed wants are what Go says today,
//! and the bounded differential fuzzer finds no case where the engine and Go disagree.
//!
//! Fuzzer knobs: `CANON_FUZZ_CASES` (default 5000), `CANON_FUZZ_SEED` (default fixed, printed).
//! Mismatches are printed and written as ready-to-commit case lines (oracle wants) to
//! `$CARGO_TARGET_TMPDIR/gotmpl-fuzz-mismatches.jsonl`; real engine bugs go into
//! `tests/cases/fuzz-found.jsonl` so they stay fixed.

use std::time::Duration;

use crate::cases::{self, Case};
use crate::{fuzzgen, oracle};

const DEFAULT_SEED: u64 = 20_261_128;

#[test]
#[ignore = "needs the Go oracle (scripts/test builds it)"]
fn committed_wants_are_current() {
    let files = cases::load_all();
    let all: Vec<(String, Case)> = files
        .iter()
        .flat_map(|(f, cs)| cs.iter().map(move |c| (f.clone(), c.clone())))
        .collect();
    let only: Vec<Case> = all.iter().map(|(_, c)| c.clone()).collect();
    let outs = oracle::run_batch(&only);
    let mut stale = Vec::new();
    for ((file, c), o) in all.iter().zip(&outs) {
        if c.want.as_ref() != Some(o) {
            stale.push(format!(
                "STALE {} ({file}): committed {:?}, oracle {:?}",
                c.id, c.want, o
            ));
        }
    }
    for s in stale.iter().take(50) {
        println!("{s}");
    }
    println!(
        "oracle check: {} cases, {} stale wants",
        all.len(),
        stale.len()
    );
    assert!(
        stale.is_empty(),
        "{} committed wants differ from the oracle: run scripts/gotmpl-regen",
        stale.len()
    );
}

#[test]
#[ignore = "needs the Go oracle (scripts/test builds it)"]
fn differential_fuzz() {
    let seed: u64 = std::env::var("CANON_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let n: usize = std::env::var("CANON_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    println!(
        "differential fuzz: seed {seed}, {n} cases (CANON_FUZZ_SEED / CANON_FUZZ_CASES to change)"
    );
    let mut total = 0usize;
    let mut skipped = 0usize;
    let mut died = 0usize;
    let mut mismatches: Vec<String> = Vec::new();
    let mut found: Vec<String> = Vec::new();
    let mut phases = std::collections::BTreeMap::<String, usize>::new();
    let show: usize = std::env::var("CANON_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    // Batches bound memory on long runs and show progress.
    let batch = 2000;
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let generated: Vec<Case> = (start..end).map(|i| fuzzgen::case(seed, i)).collect();
        let wants = oracle::run_batch_tolerant(&generated);
        let mut kept = Vec::new();
        for (mut c, w) in generated.into_iter().zip(wants) {
            let Some(w) = w else {
                died += 1;
                continue;
            };
            if w.phase == "panic" || w.phase == "request" {
                skipped += 1;
                continue;
            }
            *phases
                .entry(if w.phase.is_empty() {
                    "ok".into()
                } else {
                    w.phase.clone()
                })
                .or_default() += 1;
            c.want = Some(w);
            kept.push(c);
        }
        let got = cases::run_all_guarded(&kept, Duration::from_secs(10));
        for (c, g) in kept.iter().zip(&got) {
            total += 1;
            let want = c.want.as_ref().expect("want set above");
            if want != g {
                let report = cases::describe("fuzz", c, want, g);
                if mismatches.len() < show {
                    println!("{report}");
                }
                mismatches.push(report);
                found.push(serde_json::to_string(c).expect("case serializes"));
            }
        }
        start = end;
    }
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gotmpl-fuzz-mismatches.jsonl");
    std::fs::write(
        &path,
        found.join("\n") + if found.is_empty() { "" } else { "\n" },
    )
    .expect("write mismatches");
    println!(
        "oracle outcomes: {phases:?}; skipped: {skipped} cases Go panics on, {died} cases the oracle died on"
    );
    println!(
        "differential fuzz: seed {seed}, {total} cases run, {} mismatches (as cases: {})",
        mismatches.len(),
        path.display()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {total} fuzz cases differ from Go (seed {seed})",
        mismatches.len()
    );
}

#[test]
fn fuzz_generator_is_deterministic_and_varied() {
    let a: Vec<String> = (0..200).map(|i| fuzzgen::case(7, i).template).collect();
    let b: Vec<String> = (0..200).map(|i| fuzzgen::case(7, i).template).collect();
    assert_eq!(a, b, "same seed must give the same cases");
    let distinct: std::collections::HashSet<&String> = a.iter().collect();
    assert!(
        distinct.len() > 150,
        "generator should vary: {} distinct of 200",
        distinct.len()
    );
    for needle in ["range", "define", "printf", "{{-", "|", "$v"] {
        assert!(
            a.iter().any(|t| t.contains(needle)),
            "no generated template contains {needle:?}"
        );
    }
}
