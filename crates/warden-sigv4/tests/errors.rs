//! Every way a signature is refused, with AWS's code, status and message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ACCESS_KEY, HOST, Signing, T0, Wire};
use warden_sigv4::{HttpRequest, ParsedAuth, SigV4Error, parse_auth};

const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

fn parse_with(headers: &[(&str, &str)], query: &str) -> Result<Option<ParsedAuth>, SigV4Error> {
    let req = HttpRequest {
        method: "POST",
        path: "/",
        query,
        headers,
        body: b"",
    };
    parse_auth(&req)
}

fn parse_header(authorization: &str, date: Option<&str>) -> Result<ParsedAuth, SigV4Error> {
    let mut headers = vec![("host", HOST), ("authorization", authorization)];
    if let Some(date) = date {
        headers.push(("x-amz-date", date));
    }
    parse_with(&headers, "").map(|auth| auth.unwrap())
}

fn authorization(credential: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-date, Signature={SIG}"
    )
}

/// The error, its code, status and message.
fn refusal(error: SigV4Error) -> (&'static str, u16, String) {
    (error.code(), error.status(), error.to_string())
}

#[test]
fn no_signature_is_not_an_error_but_none() {
    assert_eq!(parse_with(&[("host", HOST)], "Action=ListUsers"), Ok(None));
    assert_eq!(
        refusal(SigV4Error::MissingAuthenticationToken),
        (
            "MissingAuthenticationToken",
            403,
            "Request is missing Authentication Token".to_owned()
        )
    );
}

#[test]
fn authorization_header_without_parameters() {
    let error = parse_header("AWS4-HMAC-SHA256", None).unwrap_err();
    assert_eq!(
        refusal(error),
        (
            "IncompleteSignature",
            400,
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256".to_owned()
        )
    );
}

/// What AWS answers a Basic or bearer `Authorization` header: the base64 padding makes a
/// `key=value` pair, so only the parameters are missing.
#[test]
fn non_sigv4_authorization_headers() {
    let error = parse_header("Basic ZWxhc3RpYzpwYXNzd29yZA==", Some("20240101T000000Z"));
    assert_eq!(
        error.unwrap_err().to_string(),
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Basic ZWxhc3RpYzpwYXNzd29yZA=="
    );
    let error = parse_header("Bearer SomeKey", None).unwrap_err();
    assert_eq!(
        refusal(error),
        (
            "IncompleteSignature",
            400,
            "'SomeKey' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer SomeKey'.".to_owned()
        )
    );
}

#[test]
fn a_stray_space_in_the_credential() {
    let header = format!(
        "AWS4-HMAC-SHA256 Credential= {ACCESS_KEY}/20240101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"
    );
    let error = parse_header(&header, Some("20240101T000000Z")).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "'{ACCESS_KEY}/20240101/us-east-1/iam/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
        )
    );
}

#[test]
fn missing_date_only() {
    let header = authorization("AKID/20240101/us-east-1/iam/aws4_request");
    let error = parse_header(&header, None).unwrap_err();
    assert_eq!(
        error,
        SigV4Error::AuthorizationMissingParameters {
            credential: false,
            signature: false,
            signed_headers: false,
            date: true,
            authorization: header.clone(),
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={header}"
        )
    );
}

#[test]
fn unsupported_algorithms() {
    let header = authorization("AKID/20240101/us-east-1/iam/aws4_request")
        .replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256");
    assert_eq!(
        refusal(parse_header(&header, Some("20240101T000000Z")).unwrap_err()),
        (
            "IncompleteSignature",
            400,
            "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.".to_owned()
        )
    );
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature={SIG}"
    );
    assert_eq!(
        parse_with(&[("host", HOST)], &query).unwrap_err(),
        SigV4Error::UnsupportedAlgorithm {
            algorithm: "AWS4-HMAC-SHA1".to_owned()
        }
    );
}

#[test]
fn malformed_credentials() {
    for credential in [
        "AKID/20240101/us-east-1/iam",
        "AKID",
        "",
        "A/KID/20240101/us-east-1/iam/aws4_request",
    ] {
        let error = parse_header(&authorization(credential), Some("20240101T000000Z")).unwrap_err();
        assert_eq!(
            refusal(error),
            (
                "IncompleteSignature",
                400,
                format!(
                    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
                )
            ),
            "{credential}"
        );
    }
}

#[test]
fn credential_scope_errors() {
    let date = Some("20240101T000000Z");
    let error = parse_header(
        &authorization("AKID/20240101/us-east-1/iam/aws4_requestx"),
        date,
    );
    assert_eq!(
        refusal(error.unwrap_err()),
        (
            "SignatureDoesNotMatch",
            403,
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestx'.".to_owned()
        )
    );
    let error = parse_header(&authorization("AKID/20240101//iam/aws4_request"), date);
    assert_eq!(
        refusal(error.unwrap_err()),
        (
            "SignatureDoesNotMatch",
            403,
            "Credential should be scoped to a valid region, not ''.".to_owned()
        )
    );
    let error = parse_header(
        &authorization("AKID/20231231/us-east-1/iam/aws4_request"),
        date,
    );
    assert_eq!(
        refusal(error.unwrap_err()),
        (
            "SignatureDoesNotMatch",
            403,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20231231' != '20240101', from '20240101T000000Z'.".to_owned()
        )
    );
}

/// Region and service are the server's to check; the variants carry AWS's messages.
#[test]
fn server_side_scope_messages() {
    assert_eq!(
        refusal(SigV4Error::InvalidRegion {
            region: "us-west-2".to_owned()
        }),
        (
            "SignatureDoesNotMatch",
            403,
            "Credential should be scoped to a valid region, not 'us-west-2'.".to_owned()
        )
    );
    assert_eq!(
        refusal(SigV4Error::WrongService {
            expected: "iam".to_owned()
        }),
        (
            "SignatureDoesNotMatch",
            403,
            "Credential should be scoped to correct service: 'iam'.".to_owned()
        )
    );
    assert_eq!(
        refusal(SigV4Error::InvalidClientTokenId),
        (
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.".to_owned()
        )
    );
}

#[test]
fn invalid_timestamps() {
    let header = authorization("AKID/20240101/us-east-1/iam/aws4_request");
    for date in [
        "2024-01-01T00:00:00Z",
        "20240101T000000",
        "20241301T000000Z",
        "",
    ] {
        assert_eq!(
            refusal(parse_header(&header, Some(date)).unwrap_err()),
            (
                "IncompleteSignature",
                400,
                format!(
                    "Date must be in ISO-8601 'basic format'. Got '{date}'. See http://en.wikipedia.org/wiki/ISO_8601"
                )
            ),
            "{date}"
        );
    }
}

#[test]
fn presigned_url_missing_parameters() {
    let error = parse_with(&[("host", HOST)], &format!("X-Amz-Signature={SIG}")).unwrap_err();
    assert_eq!(
        refusal(error),
        (
            "IncompleteSignature",
            400,
            "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.".to_owned()
        )
    );
    let error = parse_with(
        &[("host", HOST)],
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z",
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
    );
}

#[test]
fn presigned_url_expires_must_be_one_second_to_a_week() {
    let base = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature={SIG}"
    );
    let cases = [
        ("abc", "X-Amz-Expires should be a number"),
        ("0", "X-Amz-Expires must be non-negative"),
        ("-5", "X-Amz-Expires must be non-negative"),
        (
            "604801",
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ),
    ];
    for (expires, message) in cases {
        let error = parse_with(
            &[("host", HOST)],
            &format!("{base}&X-Amz-Expires={expires}"),
        )
        .unwrap_err();
        assert_eq!(
            refusal(error),
            ("IncompleteSignature", 400, message.to_owned()),
            "{expires}"
        );
    }
    let auth = parse_with(&[("host", HOST)], &format!("{base}&X-Amz-Expires=604800"));
    assert_eq!(auth.unwrap().unwrap().expires(), Some(604_800));
}

#[test]
fn clock_skew_both_ways() {
    let wire = Wire::iam_post("Action=ListUsers&Version=2010-05-08").signed(&Signing::default());
    assert_eq!(
        refusal(wire.verify_at(T0 + 901).unwrap_err()),
        (
            "SignatureDoesNotMatch",
            403,
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z (20240101T001501Z - 15 min.)".to_owned()
        )
    );
    assert_eq!(
        refusal(wire.verify_at(T0 - 901).unwrap_err()),
        (
            "SignatureDoesNotMatch",
            403,
            "Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z (20231231T234459Z + 15 min.)".to_owned()
        )
    );
    assert_eq!(wire.verify_at(T0 + 900), Ok(()));
    assert_eq!(wire.verify_at(T0 - 900), Ok(()));
}

/// Presigned URLs get the same fixed window around `X-Amz-Date`, whatever `X-Amz-Expires`
/// says, as AWS's services other than S3 do.
#[test]
fn presigned_urls_expire_fifteen_minutes_after_their_date() {
    for expires in [60, 900, 604_800] {
        let how = Signing {
            presign_expires: Some(expires),
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
        assert_eq!(wire.verify_at(T0 + 600), Ok(()), "{expires}");
        assert!(
            matches!(
                wire.verify_at(T0 + 901),
                Err(SigV4Error::SignatureExpired { .. })
            ),
            "{expires}"
        );
        assert!(
            matches!(
                wire.verify_at(T0 - 901),
                Err(SigV4Error::SignatureNotYetCurrent { .. })
            ),
            "{expires}"
        );
    }
}

#[test]
fn host_must_be_signed() {
    let header = format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20240101/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature={SIG}"
    );
    let wire = Wire::new(
        "POST",
        "/",
        "",
        &[
            ("x-amz-date", "20240101T000000Z"),
            ("authorization", &header),
        ],
        b"",
    );
    assert_eq!(
        refusal(wire.verify_at(T0).unwrap_err()),
        (
            "IncompleteSignature",
            400,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
        )
    );
}

#[test]
fn every_x_amz_header_must_be_signed() {
    let mut wire =
        Wire::iam_post("Action=ListUsers&Version=2010-05-08").signed(&Signing::default());
    wire.headers
        .push(("X-Amz-Meta-Added".to_owned(), "by someone".to_owned()));
    wire.headers
        .push(("x-amz-meta-added".to_owned(), "twice".to_owned()));
    wire.headers
        .push(("x-amzn-trace-id".to_owned(), "Root=1-abc".to_owned()));
    let error = wire.verify_at(T0).unwrap_err();
    assert_eq!(
        error,
        SigV4Error::HeadersNotSigned {
            headers: vec!["x-amz-meta-added".to_owned()]
        }
    );
    assert_eq!(
        refusal(error),
        (
            "AccessDenied",
            403,
            "There were headers present in the request which were not signed".to_owned()
        )
    );
    // Headers outside x-amz-* may travel unsigned (proxies add them).
    wire.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("x-amz-meta-added"));
    wire.headers
        .push(("via".to_owned(), "1.1 proxy".to_owned()));
    assert_eq!(wire.verify_at(T0), Ok(()));
}

#[test]
fn a_signed_header_that_is_not_there() {
    let mut wire =
        Wire::new("POST", "/", "", &[("my-header", "v")], b"").signed(&Signing::default());
    wire.remove_header("my-header");
    assert_eq!(
        refusal(wire.verify_at(T0).unwrap_err()),
        (
            "IncompleteSignature",
            400,
            "'my-header' is named as a SignedHeader, but it does not exist in the HTTP request."
                .to_owned()
        )
    );
}

#[test]
fn tampering_is_signature_does_not_match() {
    let signed = Wire::new(
        "POST",
        "/",
        "Version=2010-05-08",
        &[("content-type", "application/x-www-form-urlencoded")],
        b"Action=ListUsers",
    )
    .signed(&Signing::default());
    let mut changes: Vec<(&str, Wire)> = Vec::new();
    let mut w = signed.clone();
    w.body = b"Action=ListRoles".to_vec();
    changes.push(("body", w));
    let mut w = signed.clone();
    w.query = "Version=2010-05-09".to_owned();
    changes.push(("query", w));
    let mut w = signed.clone();
    w.query.push_str("&MaxItems=1");
    changes.push(("added parameter", w));
    let mut w = signed.clone();
    *w.header_mut("content-type") = "text/plain".to_owned();
    changes.push(("header", w));
    let mut w = signed.clone();
    *w.header_mut("host") = "evil.example.com".to_owned();
    changes.push(("host", w));
    let mut w = signed.clone();
    w.path = "/other".to_owned();
    changes.push(("path", w));
    let mut w = signed.clone();
    w.method = "PUT".to_owned();
    changes.push(("method", w));
    for (what, wire) in changes {
        assert_eq!(
            refusal(wire.verify_at(T0).unwrap_err()),
            (
                "SignatureDoesNotMatch",
                403,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".to_owned()
            ),
            "{what}"
        );
    }
    assert_eq!(
        signed.verify_with_secret("not the secret", T0),
        Err(SigV4Error::SignatureDoesNotMatch)
    );
}

#[test]
fn a_false_content_sha256_claim() {
    // Signed, but false: a body cannot be unsigned.
    let wire = Wire::new(
        "POST",
        "/",
        "",
        &[("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
        b"Action=CreateUser&UserName=mallory",
    )
    .signed(&Signing::default());
    assert_eq!(
        refusal(wire.verify_at(T0).unwrap_err()),
        (
            "XAmzContentSHA256Mismatch",
            400,
            "The provided 'x-amz-content-sha256' header does not match what was computed."
                .to_owned()
        )
    );
}

/// With both, the `Authorization` header is the signature read.
#[test]
fn the_authorization_header_wins_over_query_parameters() {
    let presigned = Wire::new("GET", "/", "Action=GetCallerIdentity", &[], b"").signed(&Signing {
        presign_expires: Some(900),
        ..Signing::default()
    });
    let mut both = presigned.clone();
    both.headers
        .push(("authorization".to_owned(), "Bearer x".to_owned()));
    assert!(matches!(
        both.verify_at(T0),
        Err(SigV4Error::AuthorizationComponentWithoutEquals { .. })
    ));
    assert_eq!(presigned.verify_at(T0), Ok(()));
}

#[test]
fn signature_location_and_malformed_signatures() {
    let mut wire = Wire::iam_post("Action=ListUsers").signed(&Signing::default());
    let auth = wire.header_mut("authorization");
    let (head, _) = auth.rsplit_once("Signature=").unwrap();
    *auth = format!("{head}Signature=not-hex");
    assert_eq!(wire.verify_at(T0), Err(SigV4Error::SignatureDoesNotMatch));
}

/// Session tokens are bearer credentials: no `Debug` output shows them.
#[test]
fn debug_output_never_shows_a_session_token() {
    let token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
    for presign_expires in [None, Some(900)] {
        let wire = Wire::new("GET", "/", "Action=GetCallerIdentity", &[], b"").signed(&Signing {
            token: Some(token.to_owned()),
            presign_expires,
            ..Signing::default()
        });
        wire.with(|req| {
            let auth = parse_auth(req).unwrap().unwrap();
            assert_eq!(auth.security_token(), Some(token));
            for debug in [format!("{req:?}"), format!("{auth:?}")] {
                assert!(!debug.contains("SESSIONTOKEN"), "{debug}");
                assert!(debug.contains("<redacted>"), "{debug}");
            }
            let key = warden_sigv4::SigningKey::derive("s", "20240101", "us-east-1", "iam");
            assert!(!format!("{key:?}").contains('['));
        });
    }
}
