//! `canon template [NAME] CHART`: helm's `template` command, flag for flag, on the native renderer.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use helm::HelmVersion;
use helm::action::{self, TemplateOptions};
use helm::values::ValueOptions;

/// Which helm's output to reproduce.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Compat {
    V3,
    V4,
}

/// Flags of `helm template` (names, short forms and list semantics as helm's).
#[derive(Args, Debug)]
#[command(
    about = "Render a chart locally, byte for byte what `helm template` prints",
    long_about = None
)]
pub struct TemplateArgs {
    /// [NAME] CHART: the release name (default `release-name`) and a chart directory or archive.
    #[arg(value_name = "NAME] [CHART")]
    args: Vec<String>,
    /// Values files, in order (repeatable, or comma-separated).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<String>,
    /// Values on the command line (key1=val1,key2=val2).
    #[arg(long = "set", value_name = "KEY=VAL")]
    set: Vec<String>,
    /// String values on the command line.
    #[arg(long = "set-string", value_name = "KEY=VAL")]
    set_string: Vec<String>,
    /// Values read from files (key=path).
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    set_file: Vec<String>,
    /// JSON values on the command line.
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    set_json: Vec<String>,
    /// A literal string value on the command line.
    #[arg(long = "set-literal", value_name = "KEY=VAL")]
    set_literal: Vec<String>,
    /// The release namespace.
    #[arg(short = 'n', long = "namespace", default_value = "default")]
    namespace: String,
    /// Kubernetes version for .Capabilities.KubeVersion.
    #[arg(long = "kube-version")]
    kube_version: Option<String>,
    /// Extra API versions for .Capabilities.APIVersions (repeatable, or comma-separated).
    #[arg(short = 'a', long = "api-versions")]
    api_versions: Vec<String>,
    /// Include the charts' crds/ files in the output.
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// Leave test hooks out of the output.
    #[arg(long = "skip-tests")]
    skip_tests: bool,
    /// Leave all hooks out of the output.
    #[arg(long = "no-hooks")]
    no_hooks: bool,
    /// Only show manifests rendered from these templates (globs, repeatable).
    #[arg(short = 's', long = "show-only", value_name = "TEMPLATE")]
    show_only: Vec<String>,
    /// Write the manifests to files under this directory instead of stdout.
    #[arg(long = "output-dir")]
    output_dir: Option<PathBuf>,
    /// Use the release name in the --output-dir path.
    #[arg(long = "release-name")]
    release_name: bool,
    /// Set .Release.IsUpgrade instead of .Release.IsInstall.
    #[arg(long = "is-upgrade")]
    is_upgrade: bool,
    /// A template for the release name.
    #[arg(long = "name-template")]
    name_template: Option<String>,
    /// Generate the release name (helm template keeps `release-name`).
    #[arg(short = 'g', long = "generate-name")]
    generate_name: bool,
    /// Do not validate values against values.schema.json.
    #[arg(long = "skip-schema-validation")]
    skip_schema_validation: bool,
    /// Accepted for helm compatibility; CRDs are never installed by a template run.
    #[arg(long = "skip-crds")]
    skip_crds: bool,
    /// Accepted for helm compatibility; a template run does no OpenAPI validation.
    #[arg(long = "disable-openapi-validation")]
    disable_openapi_validation: bool,
    /// Print the rendered output even when it is not valid YAML.
    #[arg(long = "debug")]
    debug: bool,
    /// Reproduce helm v4 (default) or helm v3 output.
    #[arg(long = "helm-compat", value_enum, default_value = "v4")]
    helm_compat: Compat,
    /// Seed for Sprig's random functions (randAlphaNum, uuidv4, genPrivateKey...): the same seed
    /// renders the same bytes. Without it they draw from the OS, as helm does.
    #[arg(long = "seed")]
    seed: Option<u64>,
}

/// pflag's `StringSlice`: each occurrence is a CSV record (commas split, double quotes group).
fn split_csv(items: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = item.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        out.push(field);
    }
    out
}

pub fn run(a: TemplateArgs) -> ExitCode {
    if a.args.is_empty() {
        eprintln!(
            "Error: \"canon template\" requires at least 1 argument\n\nUsage:  canon template [NAME] [CHART] [flags]"
        );
        return ExitCode::from(2);
    }
    let _ = (a.skip_crds, a.disable_openapi_validation);
    let compat = match a.helm_compat {
        Compat::V3 => HelmVersion::V3,
        Compat::V4 => HelmVersion::V4,
    };
    let opts = TemplateOptions {
        args: a.args,
        name_template: a.name_template,
        generate_name: a.generate_name,
        namespace: a.namespace,
        values: ValueOptions {
            values_data: Vec::new(),
            values_files: split_csv(&a.values)
                .into_iter()
                .map(PathBuf::from)
                .collect(),
            set: a.set,
            set_string: a.set_string,
            set_file: a.set_file,
            set_json: a.set_json,
            set_literal: a.set_literal,
        },
        kube_version: a.kube_version,
        api_versions: split_csv(&a.api_versions),
        include_crds: a.include_crds,
        skip_tests: a.skip_tests,
        no_hooks: a.no_hooks,
        show_only: a.show_only,
        output_dir: a.output_dir,
        use_release_name: a.release_name,
        is_upgrade: a.is_upgrade,
        skip_schema_validation: a.skip_schema_validation,
        debug: a.debug,
        compat,
        sprig: sprig::Options {
            helm: true,
            seed: a.seed,
            ..sprig::Options::default()
        },
    };
    let outcome = action::run(&opts);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(&gotmpl::gostr::to_go_bytes(&outcome.stdout))
        .and_then(|()| stdout.flush())
    {
        eprintln!("Error: writing the output: {e}");
        return ExitCode::FAILURE;
    }
    match outcome.result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_csv;

    #[test]
    fn string_slice_splits_like_pflag() {
        assert_eq!(
            split_csv(&["a.yaml,b.yaml".into(), "c.yaml".into()]),
            ["a.yaml", "b.yaml", "c.yaml"]
        );
        assert_eq!(split_csv(&["\"x,y\",z".into()]), ["x,y", "z"]);
    }
}
