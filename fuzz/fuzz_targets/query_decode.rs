//! Arbitrary bytes as a Query request: split into a query string and a form body, parse, and
//! decode as IAM and as STS (by the request's own Action, and as every operation). None may
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_protocol::{Params, iam, sts};

fuzz_target!(|data: &[u8]| {
    // the first byte picks where the query string ends and the body begins
    let (split, rest) = match data.split_first() {
        Some((&b, rest)) => (usize::from(b).min(rest.len()), rest),
        None => (0, data),
    };
    let (query, body) = rest.split_at(split);
    let query = String::from_utf8_lossy(query);
    let params = Params::parse(&query, body);
    let _ = iam::decode_request(&params);
    let _ = sts::decode_request(&params);
    let action = params.action().unwrap_or_default();
    let _ = iam::decode(action, &params);
    let _ = sts::decode(action, &params);
    // decode the same parameters as each operation, so any shape's decoder can be reached
    if let Some(&first) = body.first() {
        let op = iam::Operation::ALL[usize::from(first) % iam::Operation::ALL.len()];
        let _ = iam::decode(op.name(), &params);
        let op = sts::Operation::ALL[usize::from(first) % sts::Operation::ALL.len()];
        let _ = sts::decode(op.name(), &params);
    }
});
