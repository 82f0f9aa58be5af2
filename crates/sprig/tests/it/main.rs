//! Sprig integration tests: the oracle-filled case files (`tests/cases/*.jsonl`: Sprig's own test
//! templates and generated families), properties of the non-deterministic functions, and the
//! `#[ignore]` live differential run against the Go oracle.

mod bytes;
mod cases;
mod data;
mod live;
mod props;
