//! `warden policy …`: offline policy tools.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

mod simulate;
mod validate;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check policy documents against the rules AWS applies to their kind.
    ///
    /// Prints each problem with its JSON location and AWS's error message. Exit status: 1 if
    /// any file is invalid, 0 otherwise.
    Validate {
        /// What the documents are.
        #[arg(long, value_enum, default_value_t = Kind::Identity)]
        kind: Kind,
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

/// The kinds of policy document, as `--kind` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// An inline identity policy (user, group or role).
    Identity,
    /// A customer managed policy, as CreatePolicy accepts it.
    Managed,
    /// A resource-based policy (bucket, queue, key policy…).
    Resource,
    /// A role trust policy.
    Trust,
    /// A permissions boundary.
    Boundary,
    /// A session policy passed to AssumeRole or GetFederationToken.
    Session,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
}

impl From<Kind> for warden_policy::validate::PolicyKind {
    fn from(kind: Kind) -> Self {
        use warden_policy::validate::PolicyKind as K;
        match kind {
            Kind::Identity => K::Identity,
            Kind::Managed => K::Managed,
            Kind::Resource => K::Resource,
            Kind::Trust => K::Trust,
            Kind::Boundary => K::Boundary,
            Kind::Session => K::Session,
            Kind::Scp => K::Scp,
            Kind::Rcp => K::Rcp,
        }
    }
}

pub fn run(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Validate { kind, files } => validate::run(kind.into(), &files),
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
