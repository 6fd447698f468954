//! Arbitrary bytes as a policy document: parse, validate as every kind, compile. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_policy::validate::{PolicyKind, validate_text};
use warden_policy::{CompiledPolicy, PolicyDocument};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in PolicyKind::ALL {
        let _ = validate_text(text, kind);
    }
    if let Ok(doc) = PolicyDocument::parse(text) {
        let _ = CompiledPolicy::compile(&doc);
    }
});
