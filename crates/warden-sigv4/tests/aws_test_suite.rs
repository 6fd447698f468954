//! AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, © Amazon.com, Inc.,
//! Apache-2.0): signed requests (`.sreq`) with, where the suite gives them, the canonical request
//! (`.creq`) and string to sign (`.sts`). Every case is signed with the example credentials
//! `AKIDEXAMPLE` / `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY` at 20150830T123600Z in us-east-1
//! for service `service`.
//!
//! The suite's paths are written decoded (`/example space/`); passing them to the verifier as
//! the received path gives the suite's single encoding, because the verifier encodes what it
//! receives once more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use warden_sigv4::{
    HttpRequest, SigV4Error, SigningKey, canonical_request, parse_auth, string_to_sign, verify,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 20150830T123600Z.
const NOW: i64 = 1_440_938_160;

const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

fn auth_line(signed_headers: &str, signature: &str) -> String {
    format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// (name, signed request) for every case the verifier must accept.
fn accepted_cases() -> Vec<(&'static str, String)> {
    let plain = |request_line: &str, signature: &str| {
        format!(
            "{request_line} HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n{}",
            auth_line("host;x-amz-date", signature)
        )
    };
    let my_headers = |method: &str, headers: &str, signed: &str, signature: &str| {
        format!(
            "{method} / HTTP/1.1\nHost:example.amazonaws.com\n{headers}\nX-Amz-Date:20150830T123600Z\n{}",
            auth_line(signed, signature)
        )
    };
    vec![
        (
            "get-vanilla",
            plain(
                "GET /",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ),
        (
            "get-vanilla-empty-query-key",
            plain(
                "GET /?Param1=value1",
                "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
            ),
        ),
        (
            "get-vanilla-query-order-key",
            plain(
                "GET /?Param1=value2&Param1=Value1",
                "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
            ),
        ),
        (
            "get-vanilla-query-order-key-case",
            plain(
                "GET /?Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        ),
        (
            "get-vanilla-query-order-value",
            plain(
                "GET /?Param1=value2&Param1=value1",
                "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
            ),
        ),
        (
            "get-vanilla-query-unreserved",
            plain(
                "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
            ),
        ),
        (
            "get-vanilla-utf8-query",
            plain(
                "GET /?ሴ=bar",
                "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
            ),
        ),
        (
            "get-unreserved",
            plain(
                "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            ),
        ),
        (
            "get-utf8",
            plain(
                "GET /ሴ",
                "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
            ),
        ),
        (
            "get-relative",
            plain(
                "GET /example/..",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ),
        (
            "get-relative-relative",
            plain(
                "GET /example1/example2/../..",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ),
        (
            "get-slash",
            plain(
                "GET //",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ),
        (
            "get-slash-dot-slash",
            plain(
                "GET /./",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ),
        (
            "get-slash-pointless-dot",
            plain(
                "GET /./example",
                "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
            ),
        ),
        (
            "get-slashes",
            plain(
                "GET //example//",
                "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
            ),
        ),
        (
            "get-space",
            plain(
                "GET /example space/",
                "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
            ),
        ),
        (
            "post-vanilla",
            plain(
                "POST /",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ),
        (
            "post-vanilla-empty-query-value",
            plain(
                "POST /?Param1=value1",
                "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
            ),
        ),
        (
            "get-header-key-duplicate",
            my_headers(
                "GET",
                "My-Header1:value2\nMy-Header1:value2\nMy-Header1:value1",
                "host;my-header1;x-amz-date",
                "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
            ),
        ),
        (
            "get-header-value-order",
            my_headers(
                "GET",
                "My-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2",
                "host;my-header1;x-amz-date",
                "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
            ),
        ),
        (
            "get-header-value-trim",
            my_headers(
                "GET",
                "My-Header1: value1\nMy-Header2: \"a   b   c\"",
                "host;my-header1;my-header2;x-amz-date",
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            ),
        ),
        (
            "post-header-key-sort",
            my_headers(
                "POST",
                "My-Header1:value1",
                "host;my-header1;x-amz-date",
                "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            ),
        ),
        (
            "post-header-value-case",
            my_headers(
                "POST",
                "My-Header1:VALUE1",
                "host;my-header1;x-amz-date",
                "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
            ),
        ),
        (
            "post-x-www-form-urlencoded",
            format!(
                "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n{}\n\nParam1=value1",
                auth_line(
                    "content-type;host;x-amz-date",
                    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
                )
            ),
        ),
        (
            "post-x-www-form-urlencoded-parameters",
            format!(
                "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf8\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n{}\n\nParam1=value1",
                auth_line(
                    "content-type;host;x-amz-date",
                    "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"
                )
            ),
        ),
        (
            "post-sts-header-before",
            format!(
                "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:{TOKEN}\n{}",
                auth_line(
                    "host;x-amz-date;x-amz-security-token",
                    "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"
                )
            ),
        ),
    ]
}

/// A request in the suite's `.sreq` form, owning its parts.
struct Raw {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn parse(text: &str) -> Raw {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap();
        let (method, rest) = request_line.split_once(' ').unwrap();
        let target = rest.strip_suffix(" HTTP/1.1").unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.to_owned())
            })
            .collect();
        Raw {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&HttpRequest) -> R) -> R {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        };
        f(&req)
    }

    fn verify(&self) -> Result<(), SigV4Error> {
        self.with(|req| {
            let auth = parse_auth(req)?.expect("signed");
            let key = SigningKey::derive(SECRET, auth.date(), auth.region(), auth.service());
            verify(req, &auth, &key, NOW)
        })
    }
}

#[test]
fn every_suite_request_verifies() {
    for (name, sreq) in accepted_cases() {
        assert_eq!(Raw::parse(&sreq).verify(), Ok(()), "{name}");
    }
}

/// The suite's canonical requests and strings to sign, byte for byte.
#[test]
fn canonical_requests_and_strings_to_sign_match_the_suite() {
    let cases = [
        (
            "get-vanilla-query-order-key",
            "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            Some(
                "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
            ),
        ),
        (
            "get-vanilla-query-order-value",
            "GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            None,
        ),
        (
            "post-x-www-form-urlencoded",
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            Some(
                "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            ),
        ),
        (
            "post-x-www-form-urlencoded-parameters",
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            None,
        ),
    ];
    let all = accepted_cases();
    for (name, creq, sts) in cases {
        let (_, sreq) = all.iter().find(|(n, _)| *n == name).unwrap();
        Raw::parse(sreq).with(|req| {
            let auth = parse_auth(req).unwrap().unwrap();
            assert_eq!(canonical_request(req, &auth).unwrap(), creq, "{name}");
            if let Some(sts) = sts {
                assert_eq!(string_to_sign(req, &auth).unwrap(), sts, "{name}");
            }
        });
    }
}

/// `post-sts-header-after` adds the session token after signing, which some AWS services allow.
/// Warden requires every `x-amz-*` header to be signed (an unsigned token could be swapped), so
/// it refuses this request — the one deliberate departure from the suite.
#[test]
fn a_session_token_added_after_signing_is_refused() {
    let sreq = format!(
        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:{TOKEN}\n{}",
        auth_line(
            "host;x-amz-date",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        )
    );
    assert_eq!(
        Raw::parse(&sreq).verify(),
        Err(SigV4Error::HeadersNotSigned {
            headers: vec!["x-amz-security-token".to_owned()]
        })
    );
}

/// Each suite request refuses when any one part of it changes.
#[test]
fn changing_any_part_of_a_suite_request_breaks_its_signature() {
    for (name, sreq) in accepted_cases() {
        let original = Raw::parse(&sreq);
        let mut variants: Vec<(&str, Raw)> = Vec::new();

        let mut r = Raw::parse(&sreq);
        r.method = if r.method == "GET" { "POST" } else { "GET" }.to_owned();
        variants.push(("method", r));

        let mut r = Raw::parse(&sreq);
        r.path.push('x');
        variants.push(("path", r));

        let mut r = Raw::parse(&sreq);
        r.query
            .push_str(if r.query.is_empty() { "a=b" } else { "&a=b" });
        variants.push(("query", r));

        let mut r = Raw::parse(&sreq);
        r.body.push(b'x');
        variants.push(("body", r));

        for (i, (header, _)) in original.headers.iter().enumerate() {
            if header == "authorization" || header == "x-amz-date" {
                continue;
            }
            let mut r = Raw::parse(&sreq);
            r.headers[i].1.push('x');
            variants.push(("header value", r));
        }

        let mut r = Raw::parse(&sreq);
        let i = r
            .headers
            .iter()
            .position(|(n, _)| n == "authorization")
            .unwrap();
        let last = r.headers[i].1.pop().unwrap();
        r.headers[i].1.push(if last == '0' { '1' } else { '0' });
        variants.push(("signature", r));

        for (part, variant) in variants {
            assert_eq!(
                variant.verify(),
                Err(SigV4Error::SignatureDoesNotMatch),
                "{name}: changed {part}"
            );
        }
    }
}

#[test]
fn the_wrong_secret_does_not_verify() {
    let (_, sreq) = &accepted_cases()[0];
    Raw::parse(sreq).with(|req| {
        let auth = parse_auth(req).unwrap().unwrap();
        let key = SigningKey::derive("another secret", "20150830", "us-east-1", "service");
        assert_eq!(
            verify(req, &auth, &key, NOW),
            Err(SigV4Error::SignatureDoesNotMatch)
        );
        let key = SigningKey::derive(SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(
            verify(req, &auth, &key, NOW),
            Err(SigV4Error::SignatureDoesNotMatch)
        );
    });
}
