//! Arbitrary bytes as a session token (untrusted: it arrives in `X-Amz-Security-Token`): opening
//! one must fail cleanly, never panic, and never accept a token the key did not seal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_core::{MasterKey, SessionClaims};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(key) = MasterKey::from_bytes(&[3u8; 32]) else {
        return;
    };
    assert!(SessionClaims::open(token, "ASIAFUZZFUZZFUZZFUZZ", &key).is_none());
});
