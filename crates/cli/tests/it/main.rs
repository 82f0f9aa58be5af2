//! canon-cli's integration tests: the built `canon` binary as a user runs it.
mod agent;
mod hydrate;
mod render;
mod serve;
mod status;
mod template;
