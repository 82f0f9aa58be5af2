//! `canon template` as a process: exit codes (0, 1 with `Error: ...` as helm prints it, 2 for
//! usage), helm's no-argument golden, and early failures compared with real helm.

use std::process::{Command, Output};

fn canon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canon"))
        .arg("template")
        .args(args)
        .output()
        .expect("run canon")
}

/// helm's golden for `helm template` without arguments (the binary's name reads `canon`).
#[test]
fn no_arguments_is_a_usage_error_worded_as_helms() {
    let corpus = testenv::corpus_dir().expect("the shared corpus");
    for v in ["v4", "v3"] {
        let golden = std::fs::read_to_string(corpus.join(format!(
            "helm-golden/{v}/testdata/output/template-no-args.txt"
        )))
        .expect("golden")
        .replace("\r\n", "\n")
        .replace("helm template", "canon template");
        let out = canon(&["--helm-compat", v]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&out.stderr), golden);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = canon(&["--no-such-flag", "chart"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_failure_exits_1_with_helms_error_line() {
    let out = canon(&["./no/such/chart"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.ends_with('\n'), "{err}");
}

/// Failures before any chart is read: canon's stderr and exit code equal helm's.
#[test]
#[ignore = "runs helm v4 and v3 (scripts/testenv)"]
fn early_failures_print_what_helm_prints() {
    let cases: &[&[&str]] = &[
        &["./does-not-exist"],
        &["/does/not/exist"],
        &["not-a-repo-ref"],
        &["a", "b", "c"],
        &["a", "b", "--name-template", "x"],
        &["--kube-version", "foo", "x"],
        &["--kube-version", "1", "x"],
        &["--kube-version", "01.2", "x"],
        &["--name-template", "{{ .Bad", "x"],
    ];
    for (v, tv) in [
        ("v4", testenv::HelmVersion::V4),
        ("v3", testenv::HelmVersion::V3),
    ] {
        let helm = testenv::helm(tv).expect("helm (scripts/testenv builds it)");
        for args in cases {
            let want = Command::new(&helm)
                .arg("template")
                .args(*args)
                .output()
                .expect("run helm");
            let mut cargs = vec!["--helm-compat", v];
            cargs.extend_from_slice(args);
            let got = canon(&cargs);
            let want_err: String = String::from_utf8_lossy(&want.stderr)
                .lines()
                .filter(|l| !l.starts_with("level="))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(
                String::from_utf8_lossy(&got.stderr),
                want_err,
                "{v} {args:?}"
            );
            assert_eq!(got.status.code(), want.status.code(), "{v} {args:?}");
            assert_eq!(got.stdout, want.stdout, "{v} {args:?}");
        }
    }
}
