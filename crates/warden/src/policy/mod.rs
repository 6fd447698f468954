//! `warden policy …`: offline policy tools.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use clap::builder::TypedValueParser as _;
use warden_advisor::AccessLevel;
use warden_policy::validate::PolicyKind;

mod expand;
mod generate;
mod lint;
mod simulate;
mod summarize;
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
    /// Find problems and risks in policies, like IAM Access Analyzer's policy validation.
    ///
    /// Text: one line per finding, `FILE: TYPE CODE PATH: message (fix: hint)`. JSON: one array
    /// of findings. Exit status: 1 if any ERROR or SECURITY_WARNING, 0 otherwise, 2 if a file
    /// cannot be read.
    Lint {
        /// What the documents are (see `validate`).
        #[arg(long, default_value = "identity", value_parser = kind_parser())]
        kind: PolicyKind,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Policy files (`-` reads standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show what a policy grants, per service and access level (full, limited or none).
    Summarize {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The policy file (`-` reads standard input).
        file: PathBuf,
    },
    /// List the actions action patterns match (`s3:Get*`), with their access levels.
    ///
    /// Exit status: 1 if a pattern matches no action.
    Expand {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(required = true)]
        patterns: Vec<String>,
    },
    /// Write a least-privilege identity policy for one service and some access levels.
    ///
    /// Prints only the policy JSON.
    Generate {
        /// The service prefix (`s3`, `iam`, …).
        #[arg(long)]
        service: String,
        /// Access levels, comma-separated: list, read, write, permissions, tagging.
        #[arg(long, required = true, value_delimiter = ',', value_parser = level_parser)]
        access: Vec<AccessLevel>,
        /// The ARN of a resource to grant on (repeatable). Without any, actions get their
        /// resource types' ARN patterns.
        #[arg(long = "resource")]
        resources: Vec<String>,
    },
}

/// How a command writes its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn level_parser(word: &str) -> Result<AccessLevel, String> {
    AccessLevel::from_word(word).ok_or_else(|| {
        format!("unknown access level `{word}`: use list, read, write, permissions or tagging")
    })
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
        PolicyCommand::Lint {
            kind,
            format,
            files,
        } => lint::run(kind, format, &files),
        PolicyCommand::Summarize { format, file } => summarize::run(format, &file),
        PolicyCommand::Expand { format, patterns } => expand::run(format, &patterns),
        PolicyCommand::Generate {
            service,
            access,
            resources,
        } => generate::run(&service, &access, &resources),
    }
}

/// Reads a whole file, or standard input for `-`.
fn read_input(path: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    use std::io::Read as _;
    let mut text = String::new();
    open_input(path)?
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(text)
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
