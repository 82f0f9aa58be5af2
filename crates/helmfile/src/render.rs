//! `helmfile template` for resolved releases: runs the native Helm engine per release (in
//! parallel, output deterministic) with the flags helmfile passes to `helm template`, and writes
//! what helmfile writes: `--output-dir` with `--output-dir-template`, or one stream to stdout.
//!
//! Contract (owner: the `hf-render` helper).

/// A release that fails to render (a chart or template error, as helm reports it).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Message(String),
}

impl RenderError {
    /// 1 for chart and template failures (helm's own errors), 2 for bad usage.
    pub fn exit_code(&self) -> i32 {
        1
    }
}
