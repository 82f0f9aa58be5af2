//! The compatibility table of issue 5 as a test (scripts/compat is the same over the binary):
//! every chart of ../shared/corpus/charts with its default values and each `ci/*values.yaml`,
//! rendered by helm v4.2.4 and v3.21.4 and by canon in the matching mode with the same flags
//! (`--kube-version 1.33.0 -n default`), compared byte for byte (stdout and `Error:` text). helm
//! runs twice per case; lines that differ between its own runs (random secrets) are masked.
//! The known differences below are reported, and must still differ.

use helm::HelmVersion;

/// Cases known to differ, with the reason (COMPATIBILITY.md names them). They still run: the
/// test fails if one of them starts to match, so the list cannot go stale.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

use crate::support::{corpus_args, corpus_cases, helm_printed, parse_template_args, printed};

/// `None` when identical outside the masked lines, else the first difference.
fn compare(h1: &str, h2: &str, canon: &str) -> Option<String> {
    let (a, b, c): (Vec<&str>, Vec<&str>, Vec<&str>) = (
        h1.split('\n').collect(),
        h2.split('\n').collect(),
        canon.split('\n').collect(),
    );
    let masked = |i: usize| a.len() == b.len() && a.get(i) != b.get(i) && i < c.len();
    for i in 0..a.len().max(c.len()) {
        if masked(i) {
            continue;
        }
        if a.get(i) != c.get(i) {
            return Some(format!(
                "line {}: helm {:?} canon {:?}",
                i + 1,
                a.get(i).copied().unwrap_or("<end>"),
                c.get(i).copied().unwrap_or("<end>")
            ));
        }
    }
    None
}

#[test]
#[ignore = "runs helm v4 and v3 on the corpus charts (scripts/testenv)"]
fn corpus_charts_render_like_helm() {
    let corpus = testenv::corpus_dir().expect("the shared corpus");
    let mut rows = Vec::new();
    let mut failed = 0;
    for (chart, values) in corpus_cases(&corpus) {
        let chart = &chart;
        let args = corpus_args(values.as_deref());
        for v in [HelmVersion::V4, HelmVersion::V3] {
            let h1 = helm_printed(v, chart, &args);
            let h2 = helm_printed(v, chart, &args);
            let opts = parse_template_args(&args, chart, v);
            let got = printed(&opts);
            let name = chart.file_name().map(|n| n.to_string_lossy().into_owned());
            let known = KNOWN_DIFFERENCES.iter().find(|(c, vals, _)| {
                name.as_deref() == Some(*c) && values.as_deref() == Some(*vals)
            });
            let result = match (compare(&h1, &h2, &got), known) {
                (None, None) => "identical".to_string(),
                (Some(d), Some((_, _, why))) => format!("known difference ({why}): {d}"),
                (None, Some(_)) => {
                    failed += 1;
                    "identical, but listed as a known difference: remove it".to_string()
                }
                (Some(d), None) => {
                    failed += 1;
                    d
                }
            };
            rows.push(format!(
                "{:<24} {:<50} {:?} {result}",
                name.unwrap_or_default(),
                values.as_deref().unwrap_or("(default)"),
                v
            ));
        }
    }
    eprintln!("{}", rows.join("\n"));
    let identical = rows.iter().filter(|r| r.ends_with(" identical")).count();
    eprintln!("{identical} of {} identical", rows.len());
    assert_eq!(
        failed,
        0,
        "not every corpus case renders like helm:\n{}",
        rows.join("\n")
    );
}
