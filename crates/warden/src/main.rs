//! The `warden` command line. Thin: every decision is made by the library crates.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod account;
mod audit;
mod backup;
mod policy;
mod serve;

/// Warden: AWS-compatible IAM and STS you run yourself, and offline policy tools.
#[derive(Debug, Parser)]
#[command(name = "warden", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Accounts of your organization on a running server (Organizations API shortcuts).
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// The audit trail: query events, verify the hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Copy the embedded database to a file, consistently, while the server runs.
    Backup(backup::BackupArgs),
    /// Offline policy tools: validate documents, simulate requests.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Put a `warden backup` file back as the embedded database (the server stopped).
    Restore(backup::RestoreArgs),
    /// Run the IAM/STS service: the AWS Query API on one HTTP endpoint.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Account(command) => account::run(command),
        Command::Audit(command) => audit::run(command),
        Command::Backup(args) => backup::backup(args),
        Command::Policy(command) => policy::run(command),
        Command::Restore(args) => backup::restore(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("warden: {error:#}");
            ExitCode::from(2)
        }
    }
}
