//! From a loaded state to releases ready to render (helmfile's `state_exec_tmpl.go`,
//! `inherited.go`, `release_filters.go`, the values and flags of `helmx.go`/`state.go`).
//!
//! Contract (owner: the `hf-release` helper): [`resolve`] types every [`RawRelease`], applies
//! `inherit` from `templates`, templates releases to a fixpoint, renders `.gotmpl` values
//! files and `valuesTemplate`/`setTemplate` with release data, builds the `--values` layers and
//! `--set*` flags exactly as helmfile passes them to helm, adds implicit and common labels,
//! filters by selectors, `installed` and `condition`; [`plan`] orders releases by `needs` into
//! the batches helmfile runs (cycles are errors).
//!
//! [`RawRelease`]: crate::spec::RawRelease

use crate::spec::{HelmState, ResolvedRelease};

/// A release that cannot be typed, templated or selected, or a `needs` problem.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{0}")]
    Message(String),
}

/// What the command line adds to release resolution.
#[derive(Clone, Debug, Default)]
pub struct ReleaseOptions {
    /// `-l/--selector`, each `k=v,k!=v` (AND within one, OR across several).
    pub selectors: Vec<String>,
    /// `--include-needs`: add the releases selected releases need.
    pub include_needs: bool,
    /// `--include-transitive-needs`.
    pub include_transitive_needs: bool,
}

/// The releases of `state` that `opts` selects, resolved, in file order.
pub fn resolve(
    state: &HelmState,
    opts: &ReleaseOptions,
) -> Result<Vec<ResolvedRelease>, ReleaseError> {
    let _ = (state, opts);
    Err(ReleaseError::Message(
        "release resolution is not implemented yet".into(),
    ))
}

/// Batches of indexes into `releases` in the order helmfile processes them (`needs` first).
pub fn plan(releases: &[ResolvedRelease]) -> Result<Vec<Vec<usize>>, ReleaseError> {
    Ok(vec![(0..releases.len()).collect()])
}
