//! `manifest::parse_files` over real rendered charts: every file `helm template --output-dir`
//! writes for a few corpus charts (rendered with the canon-helm library), plus the helpers other
//! modules use to render charts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cluster::manifest::parse_files;

/// A corpus chart's directory.
pub fn chart_dir(name: &str) -> PathBuf {
    testenv::corpus_dir()
        .expect("the shared corpus (CANON_CORPUS or ../shared/corpus)")
        .join("charts")
        .join(name)
}

/// Renders a corpus chart like `helm template RELEASE CHART -n NS --kube-version V --include-crds
/// --output-dir DIR` with default values and returns the written files (path under DIR → bytes).
pub fn render_chart(
    chart: &str,
    release: &str,
    namespace: &str,
    kube_version: Option<&str>,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let out = tempfile::tempdir().expect("temp dir");
    let opts = helm::action::TemplateOptions {
        namespace: namespace.to_string(),
        kube_version: kube_version.map(str::to_string),
        include_crds: true,
        output_dir: Some(out.path().to_path_buf()),
        sprig: sprig::Options {
            helm: true,
            seed: Some(1),
            ..sprig::Options::default()
        },
        ..helm::action::TemplateOptions::new(vec![
            release.to_string(),
            chart_dir(chart).display().to_string(),
        ])
    };
    helm::action::template(&opts).map_err(|e| format!("rendering {chart}: {e}"))?;
    let mut files = BTreeMap::new();
    read_tree(out.path(), out.path(), &mut files);
    Ok(files)
}

fn read_tree(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read rendered dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, files);
        } else {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(&path).expect("read rendered file"));
        }
    }
}

/// What helm wrote, counted independently of the parser: one `# Source:` line per document,
/// less the documents holding nothing but comments (a template that rendered only its comments).
fn source_headers(files: &BTreeMap<String, Vec<u8>>) -> usize {
    files
        .values()
        .map(|b| {
            let text = String::from_utf8_lossy(b);
            text.split("# Source: ")
                .skip(1)
                .filter(|doc| {
                    doc.lines().skip(1).any(|l| {
                        let l = l.trim();
                        !l.is_empty() && !l.starts_with('#') && l != "---"
                    })
                })
                .count()
        })
        .sum()
}

#[test]
fn every_rendered_file_of_corpus_charts_parses() {
    for chart in [
        "podinfo",
        "nginx",
        "ingress-nginx",
        "metrics-server",
        "kube-prometheus-stack",
    ] {
        let files = render_chart(chart, "rel", "apps", Some("1.33.0")).expect("renders");
        assert!(!files.is_empty(), "{chart}: no files");
        let manifests = parse_files("apps/rel", &files).unwrap_or_else(|e| panic!("{chart}: {e}"));
        assert_eq!(
            manifests.len(),
            source_headers(&files),
            "{chart}: one object per rendered document"
        );
        for m in &manifests {
            assert!(m.source.starts_with("apps/rel/"), "{}", m.source);
            assert!(
                files.contains_key(&m.source["apps/rel/".len()..]),
                "{}",
                m.source
            );
            assert_eq!(m.object["kind"].as_str(), Some(m.id.kind.as_str()));
            assert_eq!(
                m.object["metadata"]["name"].as_str(),
                Some(m.id.name.as_str())
            );
        }
        eprintln!(
            "{chart}: {} objects in {} files",
            manifests.len(),
            files.len()
        );
        if chart == "kube-prometheus-stack" {
            let crds = manifests
                .iter()
                .filter(|m| m.id.kind == "CustomResourceDefinition")
                .count();
            assert!(crds >= 10, "the prometheus-operator CRDs are there: {crds}");
        }
    }
}
