//! `canon serve`: a webhook receiver that turns verified pushes into hydrations.
//!
//! Deliveries from GitHub (`X-Hub-Signature-256`), GitLab (`X-Gitlab-Token`), Gitea
//! (`X-Gitea-Signature`) and a generic sender (`X-Canon-Signature`) are authenticated over the
//! raw body, in constant time, before any parsing; bodies are bounded. A push's ref maps to
//! environments by `canon.yaml`'s rules ([`rules`]), and each environment's hydration goes
//! through a [`queue::Queue`] that coalesces per environment (newest commit wins, memory bounded
//! by the number of environments). How a hydration runs is the [`Hydrator`] trait's business:
//! the binary's in-process hydrator (render and commit, `hydrator: inProcess`, the default) or
//! [`CommandHydrator`] (`hydrateCommand`).
//!
//! Crates used rather than hand-written: `hmac`/`sha2` (with `verify_slice`'s constant-time
//! compare), `subtle` for token compare, `axum` for HTTP, `prometheus-client` for `/metrics`.

pub mod command;
pub mod config;
pub mod event;
pub mod metrics;
pub mod queue;
pub mod rules;
pub mod server;
pub mod signature;

pub use command::CommandHydrator;
pub use config::{ConfigError, HydratorKind, Settings};
pub use queue::{HydrateError, HydrationRequest, Hydrator, Queue, QueueStats};
pub use server::{App, serve};
