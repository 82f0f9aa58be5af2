//! `canon diff`: the rendered-manifest diff of one environment between two source revisions,
//! as `git diff` prints it or as a size-limited pull-request comment (secrets always masked).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use helm::HelmVersion;
use helmfile::diff::{DiffOptions, GITHUB_COMMENT_LIMIT};
use helmfile::load::LoadOptions;
use helmfile::release::ReleaseOptions;
use helmfile::render::RenderOptions;

use crate::template::Compat;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// `git diff`'s format: `--- a/<release>/<path>` / `+++ b/<release>/<path>` and hunks.
    Unified,
    /// A pull-request comment: summary table and one collapsible section per release,
    /// within GitHub's 65,536-character limit.
    Markdown,
}

#[derive(Args, Debug)]
#[command(
    about = "Diff the rendered manifests of one environment between two source revisions",
    long_about = None
)]
pub struct DiffArgs {
    /// The helmfile (a file or a helmfile.d directory) in the work tree; default:
    /// helmfile.yaml, helmfile.yaml.gotmpl or helmfile.d/ in the current directory.
    #[arg(short = 'f', long = "file")]
    file: Option<PathBuf>,
    /// The environment.
    #[arg(short = 'e', long = "environment")]
    environment: String,
    /// The old revision (any git revision of the repository holding the helmfile).
    #[arg(long = "base")]
    base: String,
    /// The new revision (default: HEAD; the work tree's uncommitted changes are never used).
    #[arg(long = "head")]
    head: Option<String>,
    /// Output format.
    #[arg(long = "format", value_enum, default_value = "unified")]
    format: Format,
    /// Exit with 1 when there are changes (as `git diff --exit-code`).
    #[arg(long = "exit-code")]
    exit_code: bool,
    /// Release selectors (`key=value,key!=value`; AND within one, OR across several).
    #[arg(short = 'l', long = "selector")]
    selector: Vec<String>,
    /// Reproduce helm v4 (default) or helm v3 output.
    #[arg(long = "helm-compat", value_enum, default_value = "v4")]
    helm_compat: Compat,
}

pub fn run(a: DiffArgs) -> ExitCode {
    let opts = DiffOptions {
        file: a.file,
        load: LoadOptions {
            environment: a.environment,
            ..LoadOptions::default()
        },
        release: ReleaseOptions {
            selectors: a.selector,
            ..ReleaseOptions::default()
        },
        render: RenderOptions {
            compat: match a.helm_compat {
                Compat::V3 => HelmVersion::V3,
                Compat::V4 => HelmVersion::V4,
            },
            sprig: sprig::Options {
                helm: true,
                ..sprig::Options::default()
            },
            ..RenderOptions::default()
        },
        cache_dir: None,
    };
    let diffs = match helmfile::diff::diff_revisions(&a.base, a.head.as_deref(), &opts) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1));
        }
    };
    let text = match a.format {
        Format::Unified => helmfile::diff::unified(&diffs),
        Format::Markdown => helmfile::diff::markdown(&diffs, GITHUB_COMMENT_LIMIT),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        eprintln!("Error: writing the output: {e}");
        return ExitCode::FAILURE;
    }
    if a.exit_code && !diffs.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
