//! `warden policy lint`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};
use warden_advisor::{FindingType, lint};
use warden_policy::validate::PolicyKind;

use super::Format;

pub fn run(kind: PolicyKind, format: Format, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    // Every file is read before anything is printed, so an unreadable file (exit 2) never
    // leaves half a JSON array behind.
    let mut results = Vec::with_capacity(files.len());
    for path in files {
        let text = super::read_input(path)?;
        results.push((path.display().to_string(), lint(&text, kind)?));
    }
    let failing = results
        .iter()
        .flat_map(|(_, findings)| findings)
        .any(|f| matches!(f.kind, FindingType::Error | FindingType::SecurityWarning));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Text => {
            for (name, findings) in &results {
                for f in findings {
                    writeln!(
                        out,
                        "{name}: {} {} {}: {} (fix: {})",
                        f.kind, f.code, f.path, f.message, f.fix
                    )?;
                }
            }
        }
        Format::Json => {
            let all: Vec<Value> = results
                .iter()
                .flat_map(|(name, findings)| {
                    findings.iter().map(move |f| {
                        json!({
                            "file": name,
                            "type": f.kind.name(),
                            "code": f.code,
                            "path": f.path,
                            "message": f.message,
                            "fix": f.fix,
                        })
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &all)?;
            writeln!(out)?;
        }
    }
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
