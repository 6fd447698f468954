//! Arbitrary bytes as a web identity token (untrusted: anyone may call AssumeRoleWithWebIdentity,
//! and the token is read before any signature is checked): reading it must fail cleanly, never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = warden_core::web_token::fuzz_read_token(token);
});
