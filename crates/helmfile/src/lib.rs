//! helmfile-compatible state: reads the `helmfile.yaml` users already write (helmfile v1
//! semantics) and turns one environment of it into releases that the native Helm engine renders.
//!
//! The pipeline mirrors helmfile's own, one module per stage:
//! - [`load`]: a helmfile file (or `helmfile.d/`) → [`spec::HelmState`] for one environment:
//!   parts split on `---` and rendered in order (`.gotmpl`), each with the environment built from
//!   the parts before; environments and their values; `bases`; `helmfiles`; strict keys.
//! - [`funcs`]: helmfile's template functions (readFile, exec, get, toYaml, include…) on Sprig.
//! - [`release`]: [`spec::HelmState`] → [`spec::ResolvedRelease`]s: `templates`/`inherit`,
//!   release templating to a fixpoint, values files (`.gotmpl`), `set*`, labels and selectors,
//!   `needs`, `installed`/`condition`, `commonLabels`.
//! - [`repo`]: charts named `repo/chart` (HTTP helm repositories, OCI registries), with a lock
//!   file and a local cache.
//! - [`render`]: releases → what `helmfile template` writes (an output dir or a stream), in
//!   parallel and deterministically, through `helm::action`.
//!
//! Written by hand rather than wrapping helmfile: canon renders in-process, and the values helmfile
//! hands to helm must be reproduced byte for byte (they go through yaml.v3 and back).

pub mod diff;
pub mod funcs;
pub mod load;
pub mod release;
pub mod render;
pub mod repo;
pub mod spec;

/// Any failure of the helmfile pipeline, with the message canon prints after `Error: `.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error(transparent)]
    Release(#[from] release::ReleaseError),
    #[error(transparent)]
    Repo(#[from] repo::RepoError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
}

impl Error {
    /// The process exit code of ../shared/DESIGN.md: 2 for invalid configuration (unknown key,
    /// unknown environment, malformed file, template error in the helmfile), 1 for a failed
    /// operation (a chart or chart-template error, an unreachable repository).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Load(_) | Error::Release(_) => 2,
            Error::Repo(_) => 1,
            Error::Render(e) => e.exit_code(),
        }
    }
}
