//! `warden policy …`: offline policy tools.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use clap::builder::TypedValueParser as _;
use warden_policy::validate::PolicyKind;

mod simulate;
mod validate;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check policy documents against the rules AWS applies to their kind.
    ///
    /// Prints each problem with its JSON location and AWS's error message. Exit status: 1 if
    /// any file is invalid, 0 otherwise.
    Validate {
        /// What the documents are: an inline identity policy, a customer managed policy (as
        /// CreatePolicy accepts it), a resource-based policy, a role trust policy, a permissions
        /// boundary, a session policy, a service control policy or a resource control policy.
        #[arg(long, default_value = "identity", value_parser = kind_parser())]
        kind: PolicyKind,
        /// Policy files (`-` reads standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Decide requests against policies, as AWS would.
    ///
    /// Reads JSON Lines (one case per line) and writes one JSON line per case, in input order.
    Simulate {
        /// The cases file (`-` reads standard input).
        #[arg(long)]
        batch: PathBuf,
    },
}

/// `--kind`: the names `PolicyKind` reads, listed in `--help`.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = PolicyKind> {
    clap::builder::PossibleValuesParser::new(PolicyKind::ALL.map(PolicyKind::name))
        .try_map(|name| name.parse::<PolicyKind>())
}

pub fn run(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Validate { kind, files } => validate::run(kind, &files),
        PolicyCommand::Simulate { batch } => simulate::run(&batch),
    }
}

/// Opens a file, or standard input for `-`.
fn open_input(path: &std::path::Path) -> anyhow::Result<Box<dyn std::io::BufRead>> {
    use anyhow::Context as _;
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    Ok(Box::new(std::io::BufReader::new(file)))
}
