//! The agent crate's integration tests, one module per crate module; end-to-end tests run the agent
//! against the real control plane and real git repositories (`#[ignore]`, run by `scripts/test`).

mod alerts;
