//! Generates `warden-protocol`'s service modules from AWS's botocore models.
//!
//! `cargo run -p warden-codegen` rewrites `crates/warden-protocol/src/generated/{iam,sts,organizations}.rs`;
//! the test in `tests/stale.rs` fails when the committed files differ from what this produces.

mod generate;
mod model;
mod names;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The services: module name and model file (under `crates/warden-protocol/models`).
pub const SERVICES: &[(&str, &str)] = &[
    ("iam", "iam-2010-05-08.json"),
    ("sts", "sts-2011-06-15.json"),
    ("organizations", "organizations-2016-11-28.json"),
];

/// The workspace root, from this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Every generated file: its path and its (rustfmt-formatted) contents.
pub fn generate_all(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let protocol = root.join("crates/warden-protocol");
    let mut files = Vec::new();
    for (module, file) in SERVICES {
        let path = protocol.join("models").join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let model = model::Model::parse(&text).with_context(|| format!("parsing {file}"))?;
        let code = generate::Generator::new(&model, module, file).generate()?;
        let code = rustfmt(&code, root).with_context(|| format!("formatting {module}.rs"))?;
        files.push((
            protocol.join("src/generated").join(format!("{module}.rs")),
            code,
        ));
    }
    Ok(files)
}

/// Formats code with the toolchain's rustfmt, as `cargo fmt` would.
fn rustfmt(code: &str, root: &Path) -> Result<String> {
    let mut child = Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt")?;
    let mut stdin = child.stdin.take().context("rustfmt stdin")?;
    let input = code.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().context("waiting for rustfmt")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("rustfmt writer thread failed"))?
        .context("writing to rustfmt")?;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("rustfmt output is not UTF-8")
}
