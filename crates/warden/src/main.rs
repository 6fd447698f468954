//! The `warden` command line. Thin: every decision is made by the library crates.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod policy;

/// Warden: AWS-compatible IAM and STS you run yourself, and offline policy tools.
#[derive(Debug, Parser)]
#[command(name = "warden", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Offline policy tools: validate documents, simulate requests.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(command) => policy::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("warden: {error:#}");
            ExitCode::from(2)
        }
    }
}
