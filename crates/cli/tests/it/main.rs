//! canon-cli's integration tests: the built `canon` binary as a user runs it.
mod render;
mod status;
mod template;
