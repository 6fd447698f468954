//! `warden policy expand`.

use std::io::Write;
use std::process::ExitCode;

use warden_advisor::{ExpandedAction, expand};

use super::Format;

pub fn run(format: Format, patterns: &[String]) -> anyhow::Result<ExitCode> {
    let mut actions: Vec<ExpandedAction> = Vec::new();
    let mut unmatched = false;
    for pattern in patterns {
        let found = expand(pattern)?;
        if found.is_empty() {
            eprintln!("warden: `{pattern}` matches no action");
            unmatched = true;
        }
        actions.extend(found);
    }
    // Several patterns may match the same action: list it once, in name order.
    actions.sort_by(|a, b| a.action.cmp(&b.action));
    actions.dedup_by(|a, b| a.action == b.action);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Text => {
            for a in &actions {
                writeln!(out, "{}\t{}", a.action, a.access_level)?;
            }
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &actions)?;
            writeln!(out)?;
        }
    }
    Ok(if unmatched {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
