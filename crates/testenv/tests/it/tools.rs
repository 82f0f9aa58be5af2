//! helm v4 and v3, helmfile and the Go template oracle are the real, pinned binaries.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use testenv::HelmVersion;

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// helm with its state dirs in a scratch dir, so tests never read or write the user's config.
fn helm_cmd(helm: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(helm);
    cmd.env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("KUBECONFIG");
    cmd
}

fn renders_podinfo(version: HelmVersion) {
    let helm = testenv::helm(version).expect("helm");
    let home = tempfile::tempdir().expect("tempdir");
    let out = run(helm_cmd(&helm, home.path()).args(["version", "--template", "{{ .Version }}"]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        version.pinned()
    );

    let chart = testenv::corpus_dir()
        .expect("corpus")
        .join("charts/podinfo");
    let out = run(helm_cmd(&helm, home.path())
        .args(["template", "smoke"])
        .arg(&chart)
        .args(["--namespace", "demo"]));
    let manifest = String::from_utf8(out.stdout).expect("utf-8 output");
    assert!(
        manifest.contains("# Source: podinfo/templates/deployment.yaml"),
        "{manifest}"
    );
    assert!(manifest.contains("kind: Deployment"));
    assert!(manifest.contains("name: smoke-podinfo"), "{manifest}");
    assert!(manifest.contains("namespace: demo"), "{manifest}");
}

#[test]
#[ignore = "needs helm v4 built by scripts/testenv"]
fn helm_v4_renders_podinfo() {
    renders_podinfo(HelmVersion::V4);
}

#[test]
#[ignore = "needs helm v3 built by scripts/testenv"]
fn helm_v3_renders_podinfo() {
    renders_podinfo(HelmVersion::V3);
}

#[test]
#[ignore = "needs helmfile and helm built by scripts/testenv"]
fn helmfile_renders_a_one_release_helmfile() {
    let helmfile = testenv::helmfile().expect("helmfile");
    let helm = testenv::helm(HelmVersion::V4).expect("helm v4");
    let chart = testenv::corpus_dir()
        .expect("corpus")
        .join("charts/podinfo");
    let work = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        work.path().join("helmfile.yaml"),
        format!(
            "releases:\n- name: web\n  namespace: apps\n  chart: {}\n  values:\n  - replicaCount: 3\n",
            chart.display()
        ),
    )
    .expect("write helmfile.yaml");
    let out = run(helm_cmd(&helmfile, work.path())
        .current_dir(work.path())
        .args(["--helm-binary"])
        .arg(&helm)
        .args(["template", "--skip-deps"]));
    let manifest = String::from_utf8(out.stdout).expect("utf-8 output");
    assert!(manifest.contains("name: web-podinfo"), "{manifest}");
    assert!(manifest.contains("namespace: apps"), "{manifest}");
    assert!(manifest.contains("replicas: 3"), "{manifest}");
}

#[test]
#[ignore = "needs the Go oracle built by scripts/testenv"]
fn oracle_runs_a_template_with_sprig() {
    let oracle = testenv::oracle().expect("oracle");
    let mut child = Command::new(&oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    let requests = [
        serde_json::json!({"id": "sprig", "template": "{{ .name | upper | repeat 2 }}-{{ add 1 .n }}",
            "data": {"name": "ab", "n": 41}, "funcs": "sprig"}),
        // Without Sprig, `upper` does not exist: Go reports it at parse time.
        serde_json::json!({"id": "plain", "template": "{{ upper .name }}",
            "data": {"name": "ab"}, "funcs": "go"}),
    ];
    {
        let mut stdin = child.stdin.take().expect("piped stdin");
        for r in &requests {
            writeln!(stdin, "{r}").expect("write request");
        }
    }
    let out = child.wait_with_output().expect("oracle output");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["id"], "sprig");
    assert_eq!(lines[0]["output"], "ABAB-42", "{:?}", lines[0]);
    assert_eq!(lines[0]["error"], "");
    assert_eq!(lines[1]["id"], "plain");
    assert_eq!(lines[1]["phase"], "parse", "{:?}", lines[1]);
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("\"upper\" not defined"),
        "{:?}",
        lines[1]
    );
}
