//! Arbitrary bytes as a policy for the advisor: lint as every kind, summarize. The linter answers
//! `POST /v1/policy/lint`, so whatever a client sends must never panic it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_policy::validate::PolicyKind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in PolicyKind::ALL {
        let _ = warden_advisor::lint(text, kind);
    }
    let _ = warden_advisor::summarize(text);
});
