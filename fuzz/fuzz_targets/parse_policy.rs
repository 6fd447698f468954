//! Arbitrary bytes as a policy document: parse, validate as every kind, compile, find the
//! statements' positions. None may panic, and a document that parses has a position for each
//! of its statements.
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
    let spans = warden_policy::position::statement_spans(text);
    if let Ok(doc) = PolicyDocument::parse(text) {
        let _ = CompiledPolicy::compile(&doc);
        let spans = spans.unwrap_or_default();
        assert_eq!(spans.len(), doc.statements.len());
        for span in spans {
            let slice = &text[span.start.offset..span.end.offset];
            assert!(slice.starts_with('{') && slice.ends_with('}'));
        }
    }
});
