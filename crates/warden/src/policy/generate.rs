//! `warden policy generate`: prints only the policy, so the output can be piped or saved as is.

use std::io::Write;
use std::process::ExitCode;

use warden_advisor::{AccessLevel, generate};

pub fn run(
    service: &str,
    levels: &[AccessLevel],
    resources: &[String],
) -> anyhow::Result<ExitCode> {
    let policy = generate(service, levels, resources)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{policy}")?;
    Ok(ExitCode::SUCCESS)
}
