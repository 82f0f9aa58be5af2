//! `canon render`: what `helmfile -e ENV template` does, on the native renderer (flags as
//! helmfile's where they overlap; without `--output-dir`, the stream goes to stdout).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use helm::HelmVersion;
use helmfile::load::LoadOptions;
use helmfile::release::ReleaseOptions;
use helmfile::render::{RenderOptions, Sink};

use crate::template::Compat;

/// Flags of `helmfile template` (and helmfile's global flags that matter to it).
#[derive(Args, Debug)]
#[command(
    about = "Render a helmfile's releases for one environment, byte for byte what `helmfile template` prints",
    long_about = None
)]
pub struct RenderArgs {
    /// The helmfile (a file or a helmfile.d directory); default: helmfile.yaml,
    /// helmfile.yaml.gotmpl or helmfile.d/ in the current directory.
    #[arg(short = 'f', long = "file")]
    file: Option<PathBuf>,
    /// The environment.
    #[arg(short = 'e', long = "environment", default_value = "default")]
    environment: String,
    /// Release selectors (`key=value,key!=value`; AND within one, OR across several).
    #[arg(short = 'l', long = "selector")]
    selector: Vec<String>,
    /// Environment values on the command line (key=val, merged over the environment's).
    #[arg(long = "state-values-set")]
    state_values_set: Vec<String>,
    /// Environment values on the command line, always strings (key=val).
    #[arg(long = "state-values-set-string")]
    state_values_set_string: Vec<String>,
    /// Environment values files, merged over the environment's.
    #[arg(long = "state-values-file")]
    state_values_file: Vec<PathBuf>,
    /// The namespace of every release.
    #[arg(short = 'n', long = "namespace")]
    namespace: Option<String>,
    /// The kube context of every release.
    #[arg(long = "kube-context")]
    kube_context: Option<String>,
    /// Write the manifests under this directory instead of stdout.
    #[arg(long = "output-dir")]
    output_dir: Option<PathBuf>,
    /// Where each release's files go under --output-dir (a Go template; helmfile's default
    /// `{{ .OutputDir }}/{{ .State.BaseName }}-{{ .State.AbsPathSHA1 }}-{{ .Release.Name}}`).
    #[arg(long = "output-dir-template")]
    output_dir_template: Option<String>,
    /// Leave test hooks out of the output.
    #[arg(long = "skip-tests")]
    skip_tests: bool,
    /// Include the charts' CRDs in the output.
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// Leave all hooks out of the output.
    #[arg(long = "no-hooks")]
    no_hooks: bool,
    /// Accepted for helmfile compatibility: canon reads charts' vendored dependencies and never
    /// runs `helm dependency build`.
    #[arg(long = "skip-deps")]
    skip_deps: bool,
    /// Accepted for helmfile compatibility: canon fetches no repository indexes it does not need.
    #[arg(long = "skip-refresh")]
    skip_refresh: bool,
    /// Kubernetes version for .Capabilities.KubeVersion (wins over the helmfile's).
    #[arg(long = "kube-version")]
    kube_version: Option<String>,
    /// Also render the releases the selected ones need.
    #[arg(long = "include-needs")]
    include_needs: bool,
    /// Also render what those need, transitively.
    #[arg(long = "include-transitive-needs")]
    include_transitive_needs: bool,
    /// Extra values files for every release.
    #[arg(long = "values")]
    values: Vec<PathBuf>,
    /// Extra values for every release (key=val).
    #[arg(long = "set")]
    set: Vec<String>,
    /// Extra `helm template` flags (as helmfile's --args).
    #[arg(long = "args")]
    args: Option<String>,
    /// Do not validate values against the charts' values.schema.json.
    #[arg(long = "skip-schema-validation")]
    skip_schema_validation: bool,
    /// Worker threads (0: one per core).
    #[arg(long = "concurrency", default_value_t = 0)]
    concurrency: usize,
    /// Reproduce helm v4 (default) or helm v3 output.
    #[arg(long = "helm-compat", value_enum, default_value = "v4")]
    helm_compat: Compat,
    /// Seed for Sprig's random functions in charts.
    #[arg(long = "seed")]
    seed: Option<u64>,
}

/// Writes stdout as it comes; stderr logs too.
struct StdSink {
    failed: Option<std::io::Error>,
}

impl Sink for StdSink {
    fn stdout(&mut self, bytes: &[u8]) {
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
            self.failed.get_or_insert(e);
        }
    }
    fn stderr(&mut self, text: &str) {
        eprint!("{text}");
    }
}

pub fn run(a: RenderArgs) -> ExitCode {
    let _ = (a.skip_deps, a.skip_refresh);
    let load_opts = LoadOptions {
        environment: a.environment,
        state_values_set: a.state_values_set,
        state_values_set_string: a.state_values_set_string,
        state_values_files: a.state_values_file,
        kube_context: a.kube_context,
        namespace: a.namespace,
    };
    let release_opts = ReleaseOptions {
        selectors: a.selector,
        include_needs: a.include_needs,
        include_transitive_needs: a.include_transitive_needs,
    };
    let opts = RenderOptions {
        output_dir: a.output_dir,
        output_dir_template: a.output_dir_template,
        skip_tests: a.skip_tests,
        include_crds: a.include_crds,
        no_hooks: a.no_hooks,
        skip_schema_validation: a.skip_schema_validation,
        kube_version: a.kube_version,
        values: a.values,
        set: a.set,
        args: a.args.into_iter().collect(),
        compat: match a.helm_compat {
            Compat::V3 => HelmVersion::V3,
            Compat::V4 => HelmVersion::V4,
        },
        jobs: a.concurrency,
        sprig: sprig::Options {
            helm: true,
            seed: a.seed,
            ..sprig::Options::default()
        },
    };
    let mut sink = StdSink { failed: None };
    let result = helmfile::render::template(
        a.file.as_deref(),
        &load_opts,
        &release_opts,
        &opts,
        None,
        &mut sink,
    );
    if let Some(e) = sink.failed {
        eprintln!("Error: writing the output: {e}");
        return ExitCode::FAILURE;
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
