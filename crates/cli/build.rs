//! Links the canon binary as a position-dependent executable on Linux: start-up cost, not
//! codegen, is what this changes.
//!
//! A position-independent executable carries one relative relocation per pointer in its
//! read-only data (vtables, string tables, clap's and the template engine's static tables:
//! ~56,000 in canon). The dynamic loader applies them at every start, which writes to, and so
//! copies, every page of `.data.rel.ro`: ~170 page faults and ~2 ms of CPU before `main`, on
//! each `canon template` of a 40 ms render. Linked at a fixed address, those pointers are final in
//! the file. The crates' code stays position-independent; only the final link changes, as Go
//! links helm, kubectl and Argo CD by default. The price is no address randomisation of the
//! binary's own image (libraries, heap and stacks are still randomised).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
