//! `helm::capabilities` against the real helm binaries: a template printing `.Capabilities`
//! every way charts use it, rendered by helm (no flags, `--kube-version`, `--api-versions`) and
//! by gotmpl + Sprig over canon's object; `--kube-version` errors as helm prints them.

use gotmpl::{Template, Value};
use helm::capabilities::{Capabilities, default_api_versions};

use super::loader::{BOTH, chart_dir, compat, run_helm};

const PROBE: &str = r#"# JSON {{ .Capabilities | toJson }}
# CAPS {{ .Capabilities }}
# KV {{ .Capabilities.KubeVersion }}
# KVF {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.KubeVersion.GitVersion }} {{ .Capabilities.KubeVersion.String }}
# KVJSON {{ .Capabilities.KubeVersion | toJson }}
# HAS {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" }} {{ .Capabilities.APIVersions.Has "foo.example/v1" }} {{ .Capabilities.APIVersions.Has "nope/v1" }}
# AV {{ .Capabilities.APIVersions }}
# AVJSON {{ .Capabilities.APIVersions | toJson }}
# HV {{ .Capabilities.HelmVersion }}
# HVF {{ .Capabilities.HelmVersion.Version }}|{{ .Capabilities.HelmVersion.GitCommit }}|{{ .Capabilities.HelmVersion.GitTreeState }}|{{ .Capabilities.HelmVersion.GoVersion }}
# HVJSON {{ .Capabilities.HelmVersion | toJson }}
# SEMVER {{ semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version }} {{ semverCompare "<1.34" .Capabilities.KubeVersion.GitVersion }}
# TYPES {{ printf "%T %T %T %T" .Capabilities .Capabilities.KubeVersion .Capabilities.APIVersions .Capabilities.HelmVersion }}
"#;

const PROBE_V4: &str = "# HVK {{ .Capabilities.HelmVersion.KubeClientVersion }}\n";

fn lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("# ") && !l.starts_with("# Source:"))
        .map(String::from)
        .collect()
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn capabilities_like_helm() {
    let flag_sets: &[&[&str]] = &[
        &[],
        &["--kube-version", "1.33.0"],
        &["--kube-version", "v1.30"],
        &["--kube-version", "1.29.3-gke.100"],
        &["--kube-version", "v1.31.2+k3s1"],
        &[
            "--api-versions",
            "foo.example/v1",
            "--api-versions",
            "apps/v1/Deployment",
        ],
        &["--api-versions", "apps/v1", "--kube-version", "1.20.0"],
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for v in BOTH {
        let text = match v {
            testenv::HelmVersion::V4 => format!("{PROBE}{PROBE_V4}"),
            testenv::HelmVersion::V3 => PROBE.to_string(),
        };
        let dir = chart_dir(
            tmp.path(),
            &format!("caps-{v:?}"),
            &[
                (
                    "Chart.yaml",
                    b"apiVersion: v2\nname: caps\nversion: 0.1.0\n",
                ),
                ("templates/c.yaml", text.as_bytes()),
            ],
        );
        for flags in flag_sets {
            let mut args = vec!["template", "x", dir.to_str().expect("utf-8")];
            args.extend_from_slice(flags);
            let run = run_helm(v, &args);
            assert!(run.ok, "helm {v:?} {flags:?}: {}", run.stderr);

            let kube = flags
                .iter()
                .position(|f| *f == "--kube-version")
                .map(|i| flags[i + 1]);
            let apis: Vec<String> = flags
                .windows(2)
                .filter(|w| w[0] == "--api-versions")
                .map(|w| w[1].to_string())
                .collect();
            let caps = Capabilities::with_flags(compat(v), kube, &apis).expect("valid flags");
            let mut t = Template::new("c.yaml");
            t.funcs(sprig::funcs(&sprig::Options {
                helm: true,
                ..Default::default()
            }));
            // toJson of a host object goes through its marshal_json (json.Marshal of helm's
            // structs); the JSON encoder's own hook lands with the gotmpl/goyaml work.
            t.func(
                "objectJson",
                gotmpl::Func::fn1(|v: Value| match &v {
                    Value::Object(o) => o.marshal_json().unwrap_or_default(),
                    other => goyaml::to_json(other).unwrap_or_default(),
                }),
            );
            t.parse(&text.replace("| toJson", "| objectJson"))
                .expect("parses");
            let data = Value::map([("Capabilities".to_string(), caps.to_value())]);
            let mut out = String::new();
            t.execute(&mut out, &data).expect("executes");
            let ours = lines(&out);
            let theirs = lines(&run.stdout);
            assert_eq!(ours.len(), theirs.len(), "helm {v:?} {flags:?}");
            for (o, t) in ours.iter().zip(&theirs) {
                assert_eq!(o, t, "helm {v:?} {flags:?}");
            }
        }
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn kube_version_errors_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = chart_dir(
        tmp.path(),
        "kv",
        &[
            ("Chart.yaml", b"apiVersion: v2\nname: kv\nversion: 0.1.0\n"),
            ("templates/c.yaml", b"c: 1\n"),
        ],
    );
    let bad = [
        "abc",
        "1",
        "v",
        "01.2",
        "1.02",
        "1.x",
        "99999999999999999999.1",
        "1.2.3.4",
        "-1.2",
    ];
    for v in BOTH {
        for kube in bad {
            let run = run_helm(
                v,
                &[
                    "template",
                    "x",
                    dir.to_str().expect("utf-8"),
                    "--kube-version",
                    kube,
                ],
            );
            let ours = Capabilities::with_flags(compat(v), Some(kube), &[]);
            match ours {
                Ok(c) => assert!(
                    run.ok,
                    "helm {v:?} refuses --kube-version {kube}, canon accepts it as {:?}: {}",
                    c.kube_version, run.stderr
                ),
                Err(e) => assert_eq!(e.to_string(), run.error(), "helm {v:?} {kube}"),
            }
        }
    }
}

/// `data/api-versions.txt` is what both release binaries report.
#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn default_api_versions_match_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = chart_dir(
        tmp.path(),
        "av",
        &[
            ("Chart.yaml", b"apiVersion: v2\nname: av\nversion: 0.1.0\n"),
            (
                "templates/a.yaml",
                b"# {{ .Capabilities.APIVersions | toJson }}\n",
            ),
        ],
    );
    let want = goyaml::to_json(&Value::list(
        default_api_versions().iter().map(Value::string).collect(),
    ))
    .expect("marshals");
    for v in BOTH {
        let run = run_helm(v, &["template", "x", dir.to_str().expect("utf-8")]);
        assert!(run.ok, "{}", run.stderr);
        let theirs = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("# ").filter(|l| l.starts_with('[')))
            .expect("printed");
        assert_eq!(want, theirs, "helm {v:?}");
    }
}
