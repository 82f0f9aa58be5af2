//! `helm template` end to end: load, check dependencies, merge and coalesce values, validate,
//! render, sort and assemble the output exactly as helm v4 (default) or v3 prints it.
//! (Skeleton: owned by the output work; signatures are the contract.)

/// A failure of the template action outside the stages' own errors, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{0}")]
    Message(String),
}
