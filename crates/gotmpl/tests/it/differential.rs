//! The main proof: every committed case (template + typed data → Go's output or error, recorded
//! from the oracle) run through the engine, byte for byte, error text included.
//!
//! `CANON_CASES=substr` limits the run to case ids or file names containing `substr`;
//! `CANON_SHOW=N` prints the first N mismatches in full (default 200; all are written to the report file).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::cases::{self, Case, Outcome};

/// Compares outcomes for every case in `files`, returning (total, mismatch reports, per-file counts).
pub fn compare(
    files: &[(String, Vec<Case>)],
) -> (usize, Vec<String>, BTreeMap<String, (usize, usize)>) {
    let filter = std::env::var("CANON_CASES").unwrap_or_default();
    let mut selected: Vec<(String, Case)> = Vec::new();
    for (file, cs) in files {
        for c in cs {
            if filter.is_empty() || c.id.contains(&filter) || file.contains(&filter) {
                selected.push((file.clone(), c.clone()));
            }
        }
    }
    let only: Vec<Case> = selected.iter().map(|(_, c)| c.clone()).collect();
    let got = cases::run_all_guarded(&only, Duration::from_secs(10));
    let mut reports = Vec::new();
    let mut per_file: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for ((file, case), got) in selected.iter().zip(&got) {
        let entry = per_file.entry(file.clone()).or_default();
        entry.0 += 1;
        let want = case.want.clone().unwrap_or_else(|| Outcome {
            error: "case has no want: run scripts/gotmpl-regen".into(),
            phase: "missing".into(),
            ..Default::default()
        });
        if &want != got {
            entry.1 += 1;
            reports.push(cases::describe(file, case, &want, got));
        }
    }
    (selected.len(), reports, per_file)
}

#[test]
fn corpus_matches_go() {
    let files = cases::load_all();
    let (total, reports, per_file) = compare(&files);
    assert!(
        total > 0,
        "no cases selected (CANON_CASES filter or empty tests/cases)"
    );
    let mut summary = String::new();
    for (file, (n, bad)) in &per_file {
        let _ = writeln!(summary, "  {file:<32} {n:>6} cases {bad:>6} mismatches");
    }
    let report_path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gotmpl-differential-report.txt");
    let full = format!("{}\n{summary}", reports.join("\n"));
    std::fs::write(&report_path, &full).expect("write report");
    let show: usize = std::env::var("CANON_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    for r in reports.iter().take(show) {
        println!("{r}");
    }
    if reports.len() > show {
        println!(
            "... {} more mismatches in {}",
            reports.len() - show,
            report_path.display()
        );
    }
    println!("differential corpus by file:\n{summary}");
    println!(
        "differential: {total} cases, {} passed, {} mismatches (report: {})",
        total - reports.len(),
        reports.len(),
        report_path.display()
    );
    assert!(
        reports.is_empty(),
        "{} of {total} cases differ from Go",
        reports.len()
    );
}

#[test]
fn corpus_is_big_and_complete() {
    let files = cases::load_all();
    let total: usize = files.iter().map(|(_, c)| c.len()).sum();
    assert!(
        total >= 2000,
        "the differential corpus must hold at least 2,000 cases, has {total}"
    );
    let mut ids = std::collections::HashSet::new();
    for (file, cs) in &files {
        for c in cs {
            assert!(
                ids.insert(c.id.clone()),
                "duplicate case id {} in {file}",
                c.id
            );
            assert!(
                c.want.is_some(),
                "case {} in {file} has no want: run scripts/gotmpl-regen",
                c.id
            );
        }
    }
}

#[test]
fn converter_mirrors_oracle_types() {
    use gotmpl::{ElemType, FloatKind, IntKind, UintKind, Value};
    let v = cases::to_value(&serde_json::json!({
        "i": 1, "f": 1.0, "e": 1e3, "u8": {"$type": "uint8", "value": 200},
        "f32": {"$type": "float32", "value": 0.1}, "b": {"$type": "[]byte", "value": "hi"},
        "sl": {"$type": "[]map[string]int", "value": [{"a": 1}]}, "hex": {"$type": "int64", "value": "0x1f"}
    }))
    .expect("valid typed JSON");
    let Value::Map(m) = v else {
        panic!("object must become a map")
    };
    let e = m.entries.read().expect("lock");
    assert!(matches!(e["i"], Value::Int(1, IntKind::Int)));
    assert!(matches!(e["f"], Value::Float(x, FloatKind::F64) if x == 1.0));
    assert!(matches!(e["e"], Value::Float(x, FloatKind::F64) if x == 1000.0));
    assert!(matches!(e["u8"], Value::Uint(200, UintKind::Uint8)));
    assert!(matches!(e["f32"], Value::Float(x, FloatKind::F32) if x == f64::from(0.1f32)));
    assert!(matches!(&e["b"], Value::Bytes(b) if &b[..] == b"hi"));
    assert!(
        matches!(&e["sl"], Value::List(l) if l.elem == ElemType::Map(Box::new(ElemType::Int(IntKind::Int))))
    );
    assert!(matches!(e["hex"], Value::Int(31, IntKind::Int64)));
    assert!(cases::to_value(&serde_json::json!({"$type": "int8", "value": 300})).is_err());
}
