//! Cluster operations for the agent: everything canon does to a Kubernetes API server, and the pure
//! rules it judges live objects by.
//!
//! The crate is named `cluster` (DESIGN.md calls it `crates/kube`) so it does not shadow kube-rs.
//! Pure modules ([`manifest`], [`diff`], [`health`], the planning half of [`inventory`]) take and
//! return `serde_json::Value` objects and never touch the network, so they are unit-tested without a
//! cluster; [`discovery`], [`apply`] and the I/O half of [`inventory`] talk to the API server through
//! one [`Cluster`] handle and are tested against the real control plane (`#[ignore]`, run by
//! `scripts/test`).
//!
//! Identity of an object across the crate is an [`ObjectRef`] (group, kind, namespace, name; the
//! version is carried but not part of equality, as an object keeps its identity across API versions).

pub mod apply;
pub mod diff;
pub mod discovery;
mod error;
pub mod health;
pub mod inventory;
pub mod manifest;

pub use apply::{ApplyAction, ApplyOptions, ApplyReport, ObjectResult};
pub use diff::FieldDiff;
pub use discovery::Cluster;
pub use error::Error;
pub use health::{Health, HealthStatus};
pub use inventory::Inventory;
pub use manifest::{Manifest, ObjectRef};

/// The field manager canon applies with (server-side apply).
pub const FIELD_MANAGER: &str = "canon";

/// Label canon adds to every object it applies: the environment it belongs to.
pub const LABEL_ENVIRONMENT: &str = "canon.dev/environment";
/// Label canon adds to every object it applies: the app (release) it belongs to.
pub const LABEL_APP: &str = "canon.dev/app";
/// Annotation ordering objects within one phase of a sync (an integer, default 0, lower first),
/// like Argo CD's `argocd.argoproj.io/sync-wave`.
pub const ANNOTATION_SYNC_WAVE: &str = "canon.dev/sync-wave";

pub type Result<T, E = Error> = std::result::Result<T, E>;
