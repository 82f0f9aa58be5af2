//! The canon state repo: the git layer, the layout and environment index, and the hydrate core
//! that commits an environment's rendered releases atomically with provenance.
//!
//! - [`git`]: a small [`git::Remote`] trait over git2 (vendored libgit2): fetch a branch head,
//!   build trees and commits in the object database (no work tree), push with compare-and-swap.
//!   Local paths and `file://` write straight into the remote's object database and move the
//!   ref with libgit2's locked compare-and-swap (libgit2's own local push transport force-updates
//!   refs, which would lose commits under concurrency); https and ssh go through a cache repo
//!   and git2's push, checking in push negotiation that the remote ref is still the expected one.
//! - [`index`]: the environment index `.canon/environments/<env>.yaml`, release digests, path
//!   templates, and validation of an index against a tree (what the agent trusts).
//! - [`config`]: `canon.yaml` and the rules mapping a git ref to environments.
//! - [`source`]: provenance of a source commit, the dirty-tree check, reading rendered release dirs.
//! - [`hydrate`]: one atomic commit per environment render, retried on non-fast-forward.
//!
//! Ordering: an older source commit never overwrites a newer one. With the source repository at
//! hand the index's source commit and the new one are compared by ancestry; unrelated commits,
//! or no source repository, fall back to the source commit's committer time, recorded in the
//! index (`source.commitTime`) as the monotonic field.
pub mod config;
mod error;
pub mod git;
pub mod hydrate;
pub mod index;
pub mod source;

pub use error::Error;
/// The git2 this crate is built on, for callers that pass repositories in.
pub use git2;
pub use hydrate::{
    EnvironmentRender, HydrateOptions, Outcome, Provenance, RenderedRelease, SourceOrder, Target,
    hydrate,
};
pub use index::Index;

/// The version recorded in indexes and trailers by default.
pub const CANON_VERSION: &str = env!("CARGO_PKG_VERSION");
