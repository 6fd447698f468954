//! `cargo run -p warden-codegen`: regenerates warden-protocol's service modules.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let root = warden_codegen::workspace_root();
    for (path, code) in warden_codegen::generate_all(&root)? {
        let unchanged = std::fs::read_to_string(&path).is_ok_and(|old| old == code);
        if !unchanged {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &code).with_context(|| format!("writing {}", path.display()))?;
        }
        let state = if unchanged { "unchanged" } else { "written" };
        println!(
            "{} ({} lines, {state})",
            path.display(),
            code.lines().count()
        );
    }
    Ok(())
}
