//! The `canon` binary: parses flags and hands the work to the library crates.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "canon",
    version,
    about = "GitOps over helmfile: render natively, commit to git, sync and watch clusters"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print canon's version.
    Version,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => println!("canon {}", env!("CARGO_PKG_VERSION")),
    }
    Ok(())
}
