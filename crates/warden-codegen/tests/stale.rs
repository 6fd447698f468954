//! The committed generated code is what the generator produces now (DESIGN.md invariant 7).

#[test]
fn generated_code_is_current() -> anyhow::Result<()> {
    let root = warden_codegen::workspace_root();
    for (path, code) in warden_codegen::generate_all(&root)? {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == code,
            "generated code is stale: run `cargo run -p warden-codegen` ({} differs)",
            path.display()
        );
    }
    Ok(())
}
