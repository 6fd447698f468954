//! `warden policy summarize`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::Format;

pub fn run(format: Format, file: &Path) -> anyhow::Result<ExitCode> {
    let text = super::read_input(file)?;
    let summary =
        warden_advisor::summarize(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Text => out.write_all(summary.to_text().as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &summary)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
