//! canon-goyaml's integration tests: committed oracle cases (plain `cargo test`) and, `#[ignore]`d,
//! live comparisons and a differential fuzzer against the Go oracle in tools/yaml-oracle.
mod cases;
mod fuzz;
mod oracle;
