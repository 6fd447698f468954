//! Arbitrary bytes as a JSON 1.1 (Organizations) request body, decoded as the operation the first
//! byte picks, and every decoded request encoded back. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_protocol::organizations as org;

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let op = org::Operation::ALL[usize::from(first) % org::Operation::ALL.len()];
    let target = format!("{}.{}", org::TARGET_PREFIX, op.name());
    let _ = org::decode(Some(&target), body);
    let _ = org::decode(None, body);
});
