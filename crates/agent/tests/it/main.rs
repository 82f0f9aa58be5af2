//! The agent crate's integration tests, one module per crate module; end-to-end tests run the agent
//! against the real control plane and real git repositories (`#[ignore]`, run by `scripts/test`).

mod alerting;
mod alerts;
mod api;
mod config;
mod deploy;
mod e2e;
mod events;
mod leader;
mod metrics;
mod source;
mod ui;
mod webdriver;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use state::{EnvironmentRender, HydrateOptions, Outcome, Provenance, RenderedRelease, Target};

/// A new, empty bare repository (the state remote), made by libgit2 like the state crate's own.
pub fn bare(dir: &Path) -> PathBuf {
    let p = dir.join("state.git");
    git2::Repository::init_bare(&p).expect("init a bare repository");
    p
}

fn provenance(n: u32) -> Provenance {
    Provenance {
        source_repo: "https://example.com/org/app.git".into(),
        source_commit: format!("{n:040x}"),
        source_subject: format!("change {n}"),
        source_commit_time: 1_700_000_000 + i64::from(n),
        source_ref: "refs/heads/master".into(),
        canon_version: state::CANON_VERSION.into(),
    }
}

/// Hydrates `releases` as environment `env` into `remote` (the real hydrate pipeline, default
/// path template); `n` orders successive hydrations. Returns the new head.
pub fn hydrate(remote: &Path, env: &str, releases: Vec<RenderedRelease>, n: u32) -> String {
    let url = remote.to_str().expect("utf-8 path");
    let mut r = state::git::open(url, &remote.join("unused-cache")).expect("open the remote");
    let target = Target {
        branch: "main".into(),
        path_template: state::index::DEFAULT_PATH_TEMPLATE.into(),
    };
    let render = EnvironmentRender {
        environment: env.into(),
        releases,
    };
    match state::hydrate(
        r.as_mut(),
        &target,
        &render,
        &provenance(n),
        &HydrateOptions::default(),
    )
    .expect("hydrate")
    {
        Outcome::Committed { commit, .. } => commit.to_string(),
        Outcome::Unchanged { head, .. } => head.to_string(),
        Outcome::Stale { current_source, .. } => panic!("hydration {n} is stale: {current_source}"),
    }
}

/// A release from hand-written manifest files (path relative to the release dir → YAML).
pub fn release(name: &str, namespace: &str, files: &[(&str, String)]) -> RenderedRelease {
    RenderedRelease {
        name: name.into(),
        namespace: namespace.into(),
        chart_name: "hand".into(),
        chart_version: "0.0.1".into(),
        kube_context: None,
        files: files
            .iter()
            .map(|(p, c)| (p.to_string(), c.clone().into_bytes()))
            .collect(),
    }
}

/// A ConfigMap manifest as helm renders one.
pub fn configmap(name: &str, data: &str) -> String {
    format!(
        "---\n# Source: hand/templates/{name}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {data:?}\n"
    )
}

/// A small Deployment manifest.
pub fn deployment(name: &str, replicas: u32) -> String {
    format!(
        "---\n# Source: hand/templates/{name}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: app\n        image: registry.example/app:1.0\n        ports:\n        - containerPort: 8080\n"
    )
}

/// Renders examples/demo for `env` with canon's own helmfile engine (what `canon render` does,
/// byte-identical to `helmfile template`), one [`RenderedRelease`] per release directory.
pub fn render_demo(env: &str, out: &Path) -> Vec<RenderedRelease> {
    use helmfile::load::LoadOptions;
    use helmfile::release::ReleaseOptions;
    use helmfile::render::{RenderOptions, Sink};
    struct Quiet;
    impl Sink for Quiet {
        fn stdout(&mut self, _: &[u8]) {}
        fn stderr(&mut self, _: &str) {}
    }
    let root = testenv::repo_root();
    let file = root.join("examples/demo/helmfile.yaml.gotmpl");
    let load = LoadOptions {
        environment: env.into(),
        ..LoadOptions::default()
    };
    let opts = RenderOptions {
        output_dir: Some(out.to_path_buf()),
        output_dir_template: Some("{{ .OutputDir }}/{{ .Release.Name }}".into()),
        sprig: sprig::Options {
            helm: true,
            ..sprig::Options::default()
        },
        ..RenderOptions::default()
    };
    helmfile::render::template(
        Some(&file),
        &load,
        &ReleaseOptions::default(),
        &opts,
        None,
        &mut Quiet,
    )
    .expect("render examples/demo");
    let mut releases = Vec::new();
    for entry in std::fs::read_dir(out).expect("the output dir") {
        let entry = entry.expect("a dir entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let files = state::source::read_release_dir(&entry.path()).expect("read the release");
        releases.push(RenderedRelease {
            name,
            namespace: "demo".into(),
            chart_name: "monochart".into(),
            chart_version: "0.0.0".into(),
            kube_context: None,
            files,
        });
    }
    releases.sort_by(|a, b| a.name.cmp(&b.name));
    releases
}

/// Commits a change to `remote`'s main branch by hand (the index untouched): `upsert` files,
/// `remove` paths. What a broken or malicious writer would do.
pub fn tamper(remote: &Path, upsert: &[(&str, &str)], remove: &[&str]) -> String {
    let repo = git2::Repository::open_bare(remote).expect("open");
    let head = repo
        .find_reference("refs/heads/main")
        .and_then(|r| r.peel_to_commit())
        .expect("main exists");
    let mut blobs = BTreeMap::new();
    for (p, c) in upsert {
        blobs.insert(p.to_string(), repo.blob(c.as_bytes()).expect("blob"));
    }
    let base = head.tree().expect("tree");
    let remove: Vec<String> = remove.iter().map(|s| s.to_string()).collect();
    let tree = state::git::update_tree(&repo, Some(&base), &remove, &blobs).expect("tree");
    let tree = repo.find_tree(tree).expect("tree");
    let sig = git2::Signature::now("t", "t@t").expect("sig");
    repo.commit(
        Some("refs/heads/main"),
        &sig,
        &sig,
        "tamper",
        &tree,
        &[&head],
    )
    .expect("commit")
    .to_string()
}
