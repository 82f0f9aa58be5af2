//! Every case of helm's own `helm template` goldens (../shared/corpus/helm-golden/cases.tsv)
//! replayed in-process through `action::run` and compared byte for byte with its golden file
//! (stdout and `Error: ...` combined, CRLF normalised), as CORPUS.md describes: run from
//! `helm-golden/<cwd>`, and `--kube-version 1.20.0` (helm's test-build capabilities) unless the
//! case names one. The no-argument case is a usage error of the binary, checked by canon-cli's
//! tests; it is listed here as such, not skipped silently.

use helm::HelmVersion;

use crate::support::{first_difference, parse_template_args, printed, shell_words};

struct Case {
    golden: String,
    args: Vec<String>,
    repeat: usize,
    cwd: String,
    name: String,
}

fn cases(corpus: &std::path::Path) -> Vec<Case> {
    let tsv = std::fs::read_to_string(corpus.join("helm-golden/cases.tsv"))
        .expect("cases.tsv in the corpus");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 8, "malformed cases.tsv line: {l}");
            Case {
                golden: c[0].to_string(),
                args: shell_words(c[1]),
                repeat: c[4].parse().expect("repeat is a number"),
                cwd: c[5].to_string(),
                name: c[7].to_string(),
            }
        })
        .collect()
}

#[test]
fn helm_golden_cases() {
    let corpus = testenv::corpus_dir().expect("the shared corpus");
    let all = cases(&corpus);
    assert!(all.len() >= 31, "cases.tsv has {} cases", all.len());
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &all {
        let compat = if case.cwd == "v3" {
            HelmVersion::V3
        } else {
            HelmVersion::V4
        };
        let label = format!("{} [{}] ({})", case.golden, case.cwd, case.name);
        assert_eq!(
            case.args.first().map(String::as_str),
            Some("template"),
            "{label}"
        );
        let args = &case.args[1..];
        if args.is_empty() {
            eprintln!("{label}: usage error of the binary, checked in crates/cli/tests");
            continue;
        }
        let cwd = corpus.join("helm-golden").join(&case.cwd);
        let mut opts = parse_template_args(args, &cwd, compat);
        if opts.kube_version.is_none() {
            opts.kube_version = Some("1.20.0".into());
        }
        let want = std::fs::read_to_string(corpus.join("helm-golden").join(&case.golden))
            .expect("golden file")
            .replace("\r\n", "\n");
        let mut ok = true;
        for _ in 0..=case.repeat {
            let got = printed(&opts);
            if let Some(d) = first_difference(&want, &got) {
                failures.push(format!("{label}: {d}"));
                ok = false;
                break;
            }
        }
        if ok {
            passed += 1;
        }
    }
    eprintln!(
        "helm golden cases: {passed} passed, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "failing golden cases:\n{}",
        failures.join("\n")
    );
}
