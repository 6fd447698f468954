//! Arbitrary bytes as an authorization API body, single and batch: a request or a
//! `ValidationException`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_core::authorization_api::{parse_batch, parse_request};

fuzz_target!(|data: &[u8]| {
    if let Err(e) = parse_request(data) {
        assert_eq!(e.status, 400);
    }
    if let Ok(items) = parse_batch(data) {
        assert!(!items.is_empty());
    }
});
