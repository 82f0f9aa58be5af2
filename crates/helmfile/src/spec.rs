//! The data passed between the helmfile stages: what [`crate::load`] produces for one
//! environment, and the resolved releases [`crate::release`] hands to [`crate::render`].
//!
//! Release specs stay generic YAML values ([`gotmpl::Value`] maps) until [`crate::release`]
//! types them: helmfile templates a release by marshalling it to YAML, rendering that text and
//! reading it back, so the stages in between must not lose what the user wrote.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gotmpl::Value;

/// A place in a source file, 1-based, for errors that name `file:line:col`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// `.Environment` in helmfile's templates (helmfile's `environment.Environment`).
#[derive(Clone, Debug)]
pub struct Environment {
    /// `-e` (helmfile's default environment is `default`).
    pub name: String,
    /// `environments.NAME.kubeContext`.
    pub kube_context: String,
    /// The merged environment values (`.Values` / `.StateValues` / `.Environment.Values`):
    /// environment values files and inline maps, then top-level `values`, then the CLI's
    /// `--state-values-set`/`--state-values-file`; maps merge, lists replace.
    pub values: Value,
    /// `.Environment.Values`: the environment's own values (its values files and inline maps,
    /// then the CLI's `--state-values-set`), without the top-level `values`; `Value::Nil` when
    /// the same as `values`.
    pub env_values: Value,
    /// `.Environment.Defaults`: the top-level `values` (helmfile's `Environment.Defaults`);
    /// `Value::Nil` for none.
    pub defaults: Value,
}

impl Default for Environment {
    /// helmfile's `default` environment with no values.
    fn default() -> Environment {
        Environment {
            name: "default".into(),
            kube_context: String::new(),
            values: Value::map([]),
            env_values: Value::Nil,
            defaults: Value::Nil,
        }
    }
}

/// `missingFileHandler`: what to do when a values file does not exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingFileHandler {
    #[default]
    Error,
    Warn,
    Info,
    Debug,
}

/// `repositories[]` (helmfile's `RepositorySpec`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    pub url: String,
    pub oci: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_file: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub skip_tls_verify: bool,
    pub plain_http: bool,
    pub pass_credentials: bool,
}

/// One release as written in the helmfile after its part was rendered: the YAML map of
/// `releases[i]` (typed and templated later by [`crate::release`]), and where it came from.
#[derive(Clone, Debug)]
pub struct RawRelease {
    pub value: Value,
    pub pos: Pos,
    /// Where each entry of the release's own `values:` list is written (`None` where unknown,
    /// e.g. through a YAML merge key), for errors about a values file.
    pub values_pos: Vec<Option<Pos>>,
}

/// A helmfile loaded for one environment (helmfile's `HelmState` after `LoadFile`): all parts
/// rendered and merged, `bases` applied, strict keys checked.
#[derive(Clone, Debug)]
pub struct HelmState {
    /// The helmfile (or the `helmfile.d/` file) this state came from.
    pub file: PathBuf,
    /// How helmfile names this state in front of its errors: `in ./helmfile.yaml`, or for a
    /// sub-helmfile `in ./helmfile.yaml: in .helmfiles[0]: in sub/helmfile.yaml`.
    pub context: String,
    /// Relative chart and values paths resolve against this directory.
    pub base_dir: PathBuf,
    pub env: Environment,
    pub repositories: Vec<Repository>,
    /// `helmDefaults` as written (typed where a stage needs a field).
    pub helm_defaults: Value,
    /// `releases`, in file order.
    pub releases: Vec<RawRelease>,
    /// `templates` (for `inherit` and YAML-anchor style reuse), by name.
    pub templates: BTreeMap<String, Value>,
    pub common_labels: BTreeMap<String, String>,
    /// Top-level `kubeVersion` and `apiVersions` (a release's own win).
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    /// Top-level `namespace`, `kubeContext`, `chart` overrides, if any.
    pub namespace: Option<String>,
    pub kube_context: Option<String>,
    /// The chart every release renders instead of its own (helmfile applies it when it
    /// prepares charts: labels, selectors and `.Release.Chart` still see the release's own).
    pub chart: Option<String>,
    /// `defaultInherit`: templates every release inherits before its own `inherit` list.
    pub default_inherit: Vec<String>,
    pub missing_file_handler: MissingFileHandler,
    /// `lockFilePath` (default `helmfile.lock` beside the helmfile).
    pub lock_file: Option<PathBuf>,
    /// `helmfiles:` entries, each loaded for the same environment (with the entry's values
    /// merged in), in order.
    pub sub_states: Vec<SubState>,
    /// What helmfile logs while loading this state (skipped missing environment values
    /// files), in order, without line ends.
    pub warnings: Vec<String>,
}

/// A sub-helmfile of `helmfiles:` and how it is to be processed.
#[derive(Clone, Debug)]
pub struct SubState {
    pub state: HelmState,
    /// The entry's `selectors` (they replace the CLI's `-l` for this sub-helmfile), or `None`
    /// to inherit the CLI's (also when `selectorsInherited: true`).
    pub selectors: Option<Vec<String>>,
}

/// A `--set`-style flag helmfile passes to `helm template` for `set`/`setString`/`setTemplate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetFlag {
    /// `--set name=value` (already escaped as helmfile escapes it).
    Set(String),
    /// `--set-string name=value`.
    SetString(String),
    /// `--set-file name=path`.
    SetFile(String),
}

/// One `--values` file helmfile writes for a release: its bytes exactly as helmfile writes them
/// (a values file rendered if `.gotmpl`; inline maps marshalled with yaml.v3), in flag order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesLayer {
    /// Where it came from, for errors: a file path, or `releases[2].values[1]` for inline maps.
    pub source: String,
    pub data: Vec<u8>,
}

/// A release ready to render: everything templated and resolved (helmfile's `ReleaseSpec`
/// after `ExecuteTemplates`, plus the flags it passes to `helm template`).
#[derive(Clone, Debug, Default)]
pub struct ResolvedRelease {
    pub name: String,
    /// Empty when neither the release nor the state sets one (helm then uses `default`).
    pub namespace: String,
    /// As written after templating: a local path (relative to `base_dir`), `repo/chart`, or
    /// `oci://…`; the state's top-level `chart` when it has one.
    pub chart: String,
    /// The release's own `chart` when the state's top-level `chart` replaced it (what the
    /// output-dir template's `.Release.Chart` shows), else empty.
    pub own_chart: String,
    pub version: Option<String>,
    /// The directory relative paths resolve against (the helmfile's directory).
    pub base_dir: PathBuf,
    /// Labels with the implicit `name`, `namespace` and `chart`, and `commonLabels`.
    pub labels: BTreeMap<String, String>,
    /// `needs`, as helmfile normalizes them (`[kubecontext/][namespace/]name`).
    pub needs: Vec<String>,
    pub values: Vec<ValuesLayer>,
    pub set: Vec<SetFlag>,
    pub kube_context: String,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    pub skip_schema_validation: bool,
    /// `enableDNS` (else `helmDefaults.enableDNS`): helmfile passes `--enable-dns` to helm.
    pub enable_dns: bool,
    /// helmfile's release ID (`[kubecontext/][namespace/]name`, `kubecontext//name` without a
    /// namespace): what `needs` entries name.
    pub id: String,
    /// `devel` (else `helmDefaults.devel`): helmfile passes `--devel` to helm.
    pub devel: bool,
    /// `plainHttp` (or `helmDefaults.plainHttp`): fetch the chart over plain HTTP (OCI).
    /// A repository entry's own `plainHttp` applies in any case.
    pub plain_http: bool,
    /// `insecureSkipTLSVerify` (or `helmDefaults`'), unless `plain_http` (helmfile passes only
    /// `--plain-http` then). A repository entry's `skipTLSVerify` applies in any case.
    pub insecure_skip_tls_verify: bool,
    /// Where the release was declared.
    pub pos: Pos,
}
