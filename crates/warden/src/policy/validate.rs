//! `warden policy validate`.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use warden_policy::validate::{PolicyKind, validate_text};

pub fn run(kind: PolicyKind, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut any_invalid = false;
    for path in files {
        let name = path.display();
        let mut text = String::new();
        let read = super::open_input(path).and_then(|mut r| Ok(r.read_to_string(&mut text)?));
        if let Err(error) = read {
            any_invalid = true;
            writeln!(out, "{name}: error: {error:#}")?;
            continue;
        }
        let findings = validate_text(&text, kind);
        if findings.is_empty() {
            writeln!(out, "{name}: valid {} policy", kind.name())?;
            continue;
        }
        any_invalid = true;
        for f in findings {
            writeln!(
                out,
                "{name}: {}: {} [AWS: {}]",
                f.location, f.message, f.aws_message
            )?;
        }
    }
    Ok(if any_invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
