//! Requests signed by AWS's Rust signer (`aws-sigv4`) verify; the same requests with any one
//! byte changed do not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Signing, T0, Wire, encode};
use proptest::prelude::*;
use warden_sigv4::{SigV4Error, SignatureLocation, parse_auth};

#[test]
fn a_cli_style_iam_call_verifies() {
    let wire = Wire::iam_post("Action=ListUsers&Version=2010-05-08").signed(&Signing::default());
    assert_eq!(wire.verify_at(T0), Ok(()));
    assert_eq!(wire.verify_at(T0 + 900), Ok(()));
    assert_eq!(wire.verify_at(T0 - 900), Ok(()));
}

#[test]
fn temporary_credentials_verify_and_expose_their_token() {
    let how = Signing {
        token: Some("FwoGZXIvYXdzEJr//////////wEaDOdk+token/with=chars".to_owned()),
        service: "sts",
        ..Signing::default()
    };
    for presign_expires in [None, Some(60)] {
        let how = Signing {
            presign_expires,
            ..how.clone()
        };
        let wire = Wire::new(
            "GET",
            "/",
            "Action=GetCallerIdentity&Version=2011-06-15",
            &[],
            b"",
        )
        .signed(&how);
        assert_eq!(wire.verify_at(T0), Ok(()), "{presign_expires:?}");
        wire.with(|req| {
            let auth = parse_auth(req).unwrap().unwrap();
            assert_eq!(auth.security_token(), how.token.as_deref());
            assert_eq!(auth.service(), "sts");
            let location = if presign_expires.is_some() {
                SignatureLocation::Query
            } else {
                SignatureLocation::Header
            };
            assert_eq!(auth.location(), location);
            assert_eq!(auth.expires(), presign_expires.map(|e| e as i64));
        });
    }
}

#[test]
fn presigned_urls_verify_with_either_payload_convention() {
    for unsigned_payload in [false, true] {
        let how = Signing {
            presign_expires: Some(900),
            unsigned_payload,
            service: "sts",
            ..Signing::default()
        };
        let wire = Wire::new(
            "GET",
            "/",
            "Action=GetCallerIdentity&Version=2011-06-15",
            &[],
            b"",
        )
        .signed(&how);
        assert_eq!(
            wire.verify_at(T0 + 60),
            Ok(()),
            "unsigned payload: {unsigned_payload}"
        );
    }
}

/// `UNSIGNED-PAYLOAD` covers no body, so a presigned URL signed that way cannot carry one: the
/// form parameters of a query-protocol call (including `Action`) would be anyone's to choose.
#[test]
fn an_unsigned_payload_never_covers_a_body() {
    let how = Signing {
        presign_expires: Some(900),
        unsigned_payload: true,
        ..Signing::default()
    };
    let mut wire = Wire::new("POST", "/", "", &[], b"").signed(&how);
    assert_eq!(wire.verify_at(T0), Ok(()));
    wire.body = b"Action=CreateAccessKey&Version=2010-05-08".to_vec();
    assert_eq!(wire.verify_at(T0), Err(SigV4Error::SignatureDoesNotMatch));
}

#[test]
fn a_signed_content_sha256_header_verifies_and_must_be_true() {
    let how = Signing {
        content_sha256_header: true,
        ..Signing::default()
    };
    let mut wire = Wire::iam_post("Action=ListUsers&Version=2010-05-08").signed(&how);
    assert_eq!(wire.verify_at(T0), Ok(()));
    wire.body = b"Action=DeleteUser&UserName=bob&Version=2010-05-08".to_vec();
    assert_eq!(wire.verify_at(T0), Err(SigV4Error::ContentSha256Mismatch));
}

fn segment() -> impl Strategy<Value = String> {
    // Unreserved characters, percent-encoded bytes, and no "." or ".." segments, so that any
    // change to the path changes the normalized path.
    proptest::collection::vec(
        prop_oneof![
            "[A-Za-z0-9_~-]{1,4}",
            any::<u8>().prop_map(|b| format!("%{b:02X}")),
        ],
        1..4,
    )
    .prop_map(|parts| parts.concat())
}

fn query() -> impl Strategy<Value = String> {
    let text = "[ -~]{0,8}|[\\u{80}-\\u{10FFFF}]{0,3}";
    proptest::collection::vec((text, text, any::<bool>()), 0..5).prop_map(|params| {
        params
            .iter()
            .map(|(name, value, plus)| {
                let value = if *plus {
                    value.split(' ').map(encode).collect::<Vec<_>>().join("+")
                } else {
                    encode(value)
                };
                format!("{}={value}", encode(name))
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop_oneof![
        Just("content-type"),
        Just("x-amz-target"),
        Just("x-amz-meta-note"),
        Just("my-header"),
    ];
    proptest::collection::vec((names, "[ -~]{0,12}"), 0..4).prop_map(|headers| {
        headers
            .into_iter()
            // Surrounding whitespace would be stripped by any HTTP server before us.
            .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
            .collect()
    })
}

fn request() -> impl Strategy<Value = (Wire, Signing)> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT")],
        proptest::collection::vec(segment(), 0..4),
        any::<bool>(),
        query(),
        headers(),
        proptest::collection::vec(any::<u8>(), 0..64),
        (
            1_000_000_000i64..4_000_000_000,
            proptest::option::of("[A-Za-z0-9+/=]{1,40}"),
            proptest::option::of(1u64..=604_800),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(method, segments, trailing_slash, query, headers, body, signing)| {
                let (time, token, presign_expires, unsigned_payload, content_sha256_header) =
                    signing;
                let mut path = format!("/{}", segments.join("/"));
                if trailing_slash && !segments.is_empty() {
                    path.push('/');
                }
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let presigned = presign_expires.is_some();
                let body = if presigned && unsigned_payload {
                    vec![]
                } else {
                    body
                };
                let wire = Wire::new(method, &path, &query, &headers, &body);
                let how = Signing {
                    time,
                    token,
                    presign_expires,
                    unsigned_payload: presigned && unsigned_payload,
                    content_sha256_header: !presigned && content_sha256_header,
                    ..Signing::default()
                };
                (wire, how)
            },
        )
}

/// Replaces the character at `index` (modulo the length) with a different letter or digit,
/// never its other case (hex digits and header names compare case-insensitively).
fn change_char(s: &str, index: usize, pick: u8) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let at = index % chars.len();
    let pool: Vec<char> = ('0'..='9').chain('a'..='z').collect();
    let original = chars[at].to_ascii_lowercase();
    let replacement = pool
        .iter()
        .cycle()
        .skip(usize::from(pick) % pool.len())
        .find(|c| **c != original)
        .copied()?;
    let mut changed = chars;
    changed[at] = replacement;
    Some(changed.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn what_aws_signs_verifies((wire, how) in request(), skew in -900i64..=900) {
        let signed = wire.signed(&how);
        prop_assert_eq!(signed.verify_at(how.time + skew), Ok(()), "{:#?}", signed);
    }

    #[test]
    fn any_single_change_is_refused(
        (wire, how) in request(),
        part in 0usize..6,
        index in any::<usize>(),
        pick in any::<u8>(),
    ) {
        let signed = wire.signed(&how);
        let mut tampered = signed.clone();
        match part {
            0 => tampered.method = change_char(&signed.method, index, pick).unwrap(),
            1 => tampered.path = change_char(&signed.path, index, pick).unwrap(),
            2 => match change_char(&signed.query, index, pick) {
                Some(query) => tampered.query = query,
                None => tampered.query = "a=b".to_owned(),
            },
            3 => {
                let (name, value) = &signed.headers[index % signed.headers.len()];
                let (name, value) = (name.clone(), value.clone());
                let i = index % signed.headers.len();
                match change_char(&value, index / 7, pick) {
                    Some(value) => tampered.headers[i].1 = value,
                    None => tampered.headers[i].1 = format!("{name}!"),
                }
            }
            4 => {
                let i = index % signed.headers.len();
                tampered.headers[i].0 =
                    change_char(&signed.headers[i].0, index / 7, pick).unwrap();
            }
            _ => {
                if tampered.body.is_empty() {
                    tampered.body.push(pick);
                } else {
                    let i = index % tampered.body.len();
                    tampered.body[i] ^= pick.max(1);
                }
            }
        }
        prop_assume!(tampered != signed);
        prop_assert!(
            tampered.verify_at(how.time).is_err(),
            "accepted after changing part {}: {:#?}",
            part,
            tampered
        );
    }
}
