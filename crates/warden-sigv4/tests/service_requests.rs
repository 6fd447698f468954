//! `verify_service_request`: requests another service received, verified from their headers
//! and the service's payload hash (the body stays with the service), by that service's rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{SECRET, Signing, T0, Wire};
use sha2::{Digest, Sha256};
use warden_sigv4::{
    EMPTY_PAYLOAD_SHA256, SigV4Error, SigningKey, parse_auth, verify_service_request,
};

fn hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Verifies `wire` as a service hands it over: without its body, with `payload_hash`.
fn verify(wire: &Wire, now: i64, payload_hash: Option<&str>) -> Result<(), SigV4Error> {
    let mut bodyless = wire.clone();
    bodyless.body.clear();
    bodyless.with(|req| {
        let auth = parse_auth(req)?.ok_or(SigV4Error::MissingAuthenticationToken)?;
        let key = SigningKey::derive(SECRET, auth.date(), auth.region(), auth.service());
        verify_service_request(req, &auth, &key, now, payload_hash)
    })
}

fn s3() -> Signing {
    Signing {
        service: "s3",
        s3_uri: true,
        content_sha256_header: true,
        ..Signing::default()
    }
}

#[test]
fn an_s3_put_verifies_with_the_body_hash_and_not_with_another() {
    let body = b"hello, object";
    let wire = Wire::new("PUT", "/bucket/a%20key/x.txt", "", &[], body).signed(&s3());
    let hash = hex(body);
    assert_eq!(verify(&wire, T0, Some(&hash)), Ok(()));
    // The service did not hash the body itself: the signed header's claim stands.
    assert_eq!(verify(&wire, T0, None), Ok(()));
    assert_eq!(
        verify(&wire, T0, Some(&hex(b"another body"))),
        Err(SigV4Error::ContentSha256Mismatch)
    );
}

#[test]
fn s3_paths_are_not_normalized_or_encoded_twice() {
    // Under IAM's rules `%20` is signed as `%2520` and `//` collapses; S3 signs the path as sent.
    let wire = Wire::new("GET", "/bucket//dir/../a%20b", "", &[], b"").signed(&s3());
    assert_eq!(verify(&wire, T0, None), Ok(()));
    let iam_rules = Wire::new("GET", "/bucket/a%20b", "", &[], b"").signed(&Signing {
        service: "sqs",
        ..Signing::default()
    });
    assert_eq!(verify(&iam_rules, T0, None), Ok(()));
    // The same S3-signed request claimed for another service is refused.
    let mut moved = wire.clone();
    let auth = moved.header_mut("authorization");
    *auth = auth.replace("/s3/", "/sqs/");
    assert_eq!(
        verify(&moved, T0, None),
        Err(SigV4Error::SignatureDoesNotMatch)
    );
}

#[test]
fn other_services_sign_the_payload_hash_the_service_gives() {
    let body = b"Action=SendMessage&MessageBody=hi";
    let wire = Wire::new("POST", "/123456789012/queue", "", &[], body).signed(&Signing {
        service: "sqs",
        ..Signing::default()
    });
    assert_eq!(verify(&wire, T0, Some(&hex(body))), Ok(()));
    assert_eq!(
        verify(&wire, T0, None),
        Err(SigV4Error::SignatureDoesNotMatch)
    );
    let empty = Wire::new("GET", "/", "Action=ListQueues", &[], b"").signed(&Signing {
        service: "sqs",
        ..Signing::default()
    });
    assert_eq!(verify(&empty, T0, None), Ok(()));
    assert_eq!(verify(&empty, T0, Some(EMPTY_PAYLOAD_SHA256)), Ok(()));
}

#[test]
fn unsigned_payload_is_s3s_alone_when_there_is_a_body() {
    let mut wire = Wire::new("PUT", "/bucket/key", "", &[], b"data").signed(&Signing {
        unsigned_payload: true,
        ..s3()
    });
    assert_eq!(verify(&wire, T0, Some(&hex(b"data"))), Ok(()));
    // The same claim scoped to another service, with a body: refused before the signature.
    let auth = wire.header_mut("authorization");
    *auth = auth.replace("/s3/", "/sqs/");
    assert_eq!(
        verify(&wire, T0, Some(&hex(b"data"))),
        Err(SigV4Error::ContentSha256Mismatch)
    );
}

#[test]
fn s3_presigned_urls_last_their_expiry_and_others_fifteen_minutes() {
    let how = Signing {
        presign_expires: Some(3600),
        unsigned_payload: true,
        content_sha256_header: false,
        ..s3()
    };
    let wire = Wire::new("GET", "/bucket/key", "", &[], b"").signed(&how);
    assert_eq!(verify(&wire, T0 + 3000, None), Ok(()));
    assert_eq!(
        verify(&wire, T0 + 3601, None),
        Err(SigV4Error::PresignedUrlExpired {
            expired_at: "20240101T010000Z".to_owned()
        })
    );
    let sqs = Wire::new("GET", "/", "Action=ListQueues", &[], b"").signed(&Signing {
        service: "sqs",
        presign_expires: Some(3600),
        ..Signing::default()
    });
    assert_eq!(verify(&sqs, T0 + 600, None), Ok(()));
    assert!(matches!(
        verify(&sqs, T0 + 3000, None),
        Err(SigV4Error::SignatureExpired { .. })
    ));
}

#[test]
fn header_signatures_keep_the_fifteen_minute_window() {
    let wire = Wire::new("GET", "/bucket/key", "", &[], b"").signed(&s3());
    assert_eq!(verify(&wire, T0 + 899, None), Ok(()));
    assert!(matches!(
        verify(&wire, T0 + 901, None),
        Err(SigV4Error::SignatureExpired { .. })
    ));
    assert!(matches!(
        verify(&wire, T0 - 901, None),
        Err(SigV4Error::SignatureNotYetCurrent { .. })
    ));
}
