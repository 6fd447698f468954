//! Arbitrary bytes as a signed request: parse its SigV4 claim, then verify it, build its
//! canonical request and string to sign. None may panic.
//!
//! Input: lines `authorization`, `query`, `path`, `x-amz-date`, then the body (the rest). An
//! empty first line means no `Authorization` header, so presigned URLs in the query are reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_sigv4::{
    HttpRequest, SigningKey, canonical_request, parse_auth, string_to_sign, verify,
};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(5, |b| *b == b'\n');
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (authorization, query, path, date) = (next(), next(), next(), next());
    let body = data
        .splitn(5, |b| *b == b'\n')
        .nth(4)
        .unwrap_or_default();

    let mut headers = vec![
        ("host", "iam.amazonaws.com"),
        ("x-amz-date", date.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    if !authorization.is_empty() {
        headers.push(("authorization", authorization.as_str()));
    }
    let req = HttpRequest {
        method: "POST",
        path: &path,
        query: &query,
        headers: &headers,
        body,
    };
    let Ok(Some(auth)) = parse_auth(&req) else {
        return;
    };
    let _ = format!("{auth:?}");
    let key = SigningKey::derive("secret", auth.date(), auth.region(), auth.service());
    for now in [auth.request_time(), 0, i64::MIN, i64::MAX] {
        if let Err(error) = verify(&req, &auth, &key, now) {
            let _ = (error.code(), error.status(), error.to_string());
        }
    }
    let _ = canonical_request(&req, &auth);
    let _ = string_to_sign(&req, &auth);
});
