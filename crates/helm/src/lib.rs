//! Helm charts rendered natively: loading, dependencies, values, `.Files`, `.Capabilities`,
//! Helm's template functions and output assembly, byte-identical to `helm template`.
//!
//! The pipeline mirrors helm's `action.Install` in client-only mode, one module per stage:
//! [`loader`] reads a chart directory or archive into a [`chart::Chart`] tree; [`values`]
//! merges user values and coalesces them with chart defaults, [`dependencies`] drops disabled
//! subcharts and imports values, [`schema`] validates; [`engine`] executes every template with
//! [`capabilities`] and [`files`] exposed as Go objects; [`releaseutil`] sorts and splits the
//! result and [`action`] assembles what `helm template` prints. Where helm v3 and v4 differ,
//! [`HelmVersion`] picks the behaviour (v4 by default).

pub mod action;
pub mod capabilities;
pub mod chart;
pub mod dependencies;
pub mod engine;
pub mod files;
pub mod ignore;
pub mod loader;
pub mod releaseutil;
pub mod schema;
pub mod values;

pub use chart::Chart;
pub use goyaml::HelmVersion;

/// Any failure of the pipeline, carrying the message helm prints (after its `Error: ` prefix).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] loader::LoadError),
    #[error(transparent)]
    Values(#[from] values::ValuesError),
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    #[error(transparent)]
    Render(#[from] engine::RenderError),
    #[error(transparent)]
    Action(#[from] action::ActionError),
}

/// `std::thread::available_parallelism()`, asked once per process: on Linux every call reads
/// three cgroup files, and a helmfile render asks twice per release.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    if let Some(n) = CORES_OVERRIDE.get() {
        return n;
    }
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

thread_local! {
    static CORES_OVERRIDE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with [`cores`] answering `n` on this thread (where the decisions to use threads are
/// taken): tests check that the output does not depend on how many cores there are.
#[doc(hidden)]
pub fn with_cores<R>(n: usize, f: impl FnOnce() -> R) -> R {
    let before = CORES_OVERRIDE.replace(Some(n));
    let r = f();
    CORES_OVERRIDE.set(before);
    r
}

/// Marks the end of a phase of `helm template` (load, dependencies, parse, execution, sort…) as
/// a debug event with the milliseconds since the first mark: `RUST_LOG=helm::phase=debug` shows
/// where a render's wall time goes, threads included, with no profiler.
pub(crate) fn phase(what: &str) {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    if tracing::enabled!(target: "helm::phase", tracing::Level::DEBUG) {
        let ms = START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1000.0;
        tracing::debug!(target: "helm::phase", ms = format!("{ms:.2}"), "{what}");
    }
}
