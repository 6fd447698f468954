//! The canonical request: the exact bytes both sides hash.
//!
//! ```text
//! METHOD \n CANONICAL-URI \n CANONICAL-QUERY \n (name:value \n)* \n SIGNED-HEADERS \n PAYLOAD-HASH
//! ```
//!
//! Built the way AWS builds it for every service but S3:
//! - URI: dot segments and empty segments removed (RFC 3986 §5.2.4), each segment URI-encoded
//!   again, although it arrived encoded — SDKs sign the encoded path, so `%` becomes `%25`.
//! - Query: each name and value decoded as received (`+` is a space, as in HTML forms; invalid
//!   UTF-8 becomes U+FFFD), encoded with RFC 3986's unreserved set, then sorted by encoded name,
//!   then encoded value. A presigned URL's `X-Amz-Signature` is left out.
//! - Headers: the signed ones in the order `SignedHeaders` lists them, names lowercase, values
//!   trimmed of spaces with runs of spaces collapsed, repeated headers joined with `,`.
//! - Payload: the hex SHA-256 of the body (see [`crate::verify`] for `x-amz-content-sha256` and
//!   presigned URLs' `UNSIGNED-PAYLOAD`).

use std::borrow::Cow;

use percent_encoding::percent_decode;
use sha2::{Digest, Sha256};

use crate::{HttpRequest, ParsedAuth, SigV4Error, SignatureLocation};

/// The payload hash of a presigned URL whose body is not signed.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The canonical request the client should have signed, for explaining a
/// `SignatureDoesNotMatch` (AWS includes it in IAM's message; Warden leaves that choice to the
/// server, since a presigned URL's canonical query contains its session token).
///
/// Uses the body's hash as payload hash; a presigned URL with an empty body is also accepted
/// when signed with `UNSIGNED-PAYLOAD` (see [`crate::verify`]).
pub fn canonical_request(req: &HttpRequest, auth: &ParsedAuth) -> Result<String, SigV4Error> {
    let mut out = String::with_capacity(estimated_len(req));
    write_prefix(&mut out, req, auth)?;
    let payload = payload_hashes(req, auth)?;
    out.push_str(payload.first());
    Ok(out)
}

/// A size that usually holds the whole canonical request, so it is allocated once.
pub(crate) fn estimated_len(req: &HttpRequest) -> usize {
    256 + req.path.len() + req.query.len() * 2
}

/// Everything but the payload hash: method, URI, query, headers, signed-header list, each
/// followed by `\n`. Separate so a presigned URL's two possible payload hashes share it.
pub(crate) fn write_prefix(
    out: &mut String,
    req: &HttpRequest,
    auth: &ParsedAuth,
) -> Result<(), SigV4Error> {
    write_prefix_with(out, req, auth, UriRules::Normalized)
}

/// How the path becomes the canonical URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UriRules {
    /// Every service but S3: dot segments removed, each segment encoded again.
    Normalized,
    /// S3: the path exactly as sent (already encoded once by the client), `/` when empty.
    AsSent,
}

pub(crate) fn write_prefix_with(
    out: &mut String,
    req: &HttpRequest,
    auth: &ParsedAuth,
    uri: UriRules,
) -> Result<(), SigV4Error> {
    out.push_str(req.method);
    out.push('\n');
    match uri {
        UriRules::Normalized => write_uri(out, req.path),
        UriRules::AsSent if req.path.is_empty() => out.push('/'),
        UriRules::AsSent => out.push_str(req.path),
    }
    out.push('\n');
    write_query(out, req.query, auth.location() == SignatureLocation::Query);
    out.push('\n');
    for name in auth.signed_headers() {
        write_header(out, req, name)?;
    }
    out.push('\n');
    out.push_str(auth.signed_headers_list());
    out.push('\n');
    Ok(())
}

/// The payload hashes a signature may have used.
#[derive(Debug)]
pub(crate) struct PayloadHashes<'a> {
    first: Cow<'a, str>,
    /// `UNSIGNED-PAYLOAD` for a presigned URL without a body.
    second: Option<&'static str>,
}

impl PayloadHashes<'_> {
    pub(crate) fn first(&self) -> &str {
        &self.first
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.first()).chain(self.second)
    }
}

/// Which payload hashes to try.
///
/// `x-amz-content-sha256`, when sent, is what the client signed — but it is a claim about the
/// body, so it must be true: the body's hash, or `UNSIGNED-PAYLOAD` with no body. Honouring an
/// `UNSIGNED-PAYLOAD` claim on a request with a body would let anyone replaying a captured
/// request (or holding a presigned URL) swap in their own form parameters, which in the query
/// protocol include `Action`.
///
/// Without the header the body's hash is used. SDKs disagree on presigned URLs for services
/// other than S3 (botocore signs `UNSIGNED-PAYLOAD`, the Go SDK the empty body's hash, which is
/// also what STS itself computes — boto/boto3#756), so a presigned URL without a body may use
/// either.
pub(crate) fn payload_hashes<'a>(
    req: &HttpRequest<'a>,
    auth: &ParsedAuth,
) -> Result<PayloadHashes<'a>, SigV4Error> {
    let body_hash = hex_sha256(req.body);
    if let Some(claimed) = req.header("x-amz-content-sha256") {
        let claimed = claimed.trim_matches(' ');
        let true_claim = if claimed == UNSIGNED_PAYLOAD {
            req.body.is_empty()
        } else {
            claimed.eq_ignore_ascii_case(&body_hash)
        };
        if !true_claim {
            return Err(SigV4Error::ContentSha256Mismatch);
        }
        return Ok(PayloadHashes {
            first: Cow::Borrowed(claimed),
            second: None,
        });
    }
    let presigned_without_body = auth.location() == SignatureLocation::Query && req.body.is_empty();
    Ok(PayloadHashes {
        first: Cow::Owned(body_hash),
        second: presigned_without_body.then_some(UNSIGNED_PAYLOAD),
    })
}

/// The SHA-256 of nothing: the payload hash of a request without a body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Which payload hashes to try for a request another service received, whose body Warden does
/// not see: `given` is the service's hex SHA-256 of the body it received (`None`: no body).
///
/// An `x-amz-content-sha256` header is what the client signed. A hash there must agree with
/// `given` when the service gave one (when it did not, the service has taken on checking the
/// body against the header, as S3 does). `UNSIGNED-PAYLOAD` and the `STREAMING-*` conventions
/// are S3's: elsewhere `UNSIGNED-PAYLOAD` is honoured only without a body, as in
/// [`payload_hashes`], and streaming never.
pub(crate) fn service_payload_hashes<'a>(
    req: &HttpRequest<'a>,
    auth: &ParsedAuth,
    given: Option<&'a str>,
    s3: bool,
) -> Result<PayloadHashes<'a>, SigV4Error> {
    let bodyless = given.is_none_or(|g| g.eq_ignore_ascii_case(EMPTY_PAYLOAD_SHA256));
    if let Some(claimed) = req.header("x-amz-content-sha256") {
        let claimed = claimed.trim_matches(' ');
        let is_hash = claimed.len() == 64 && claimed.bytes().all(|b| b.is_ascii_hexdigit());
        let acceptable = if is_hash {
            given.is_none_or(|g| g.eq_ignore_ascii_case(claimed))
        } else if claimed == UNSIGNED_PAYLOAD {
            s3 || bodyless
        } else {
            s3 && claimed.starts_with("STREAMING-")
        };
        if !acceptable {
            return Err(SigV4Error::ContentSha256Mismatch);
        }
        return Ok(PayloadHashes {
            first: Cow::Borrowed(claimed),
            second: None,
        });
    }
    let presigned = auth.location() == SignatureLocation::Query;
    Ok(PayloadHashes {
        first: Cow::Borrowed(given.unwrap_or(EMPTY_PAYLOAD_SHA256)),
        // S3's presigned URLs never sign the body.
        second: (presigned && (bodyless || s3)).then_some(UNSIGNED_PAYLOAD),
    })
}

/// Lowercase hex of the SHA-256 of `data`.
pub(crate) fn hex_sha256(data: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &Sha256::digest(data));
    out
}

pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

/// The canonical URI: segments normalized, then each encoded again.
fn write_uri(out: &mut String, path: &str) {
    let after_root = || path.split('/').skip(usize::from(path.starts_with('/')));
    if !after_root().any(|s| matches!(s, "" | "." | "..")) {
        // Nothing to remove ("/a/b"): encode as is, without allocating.
        for segment in after_root() {
            out.push('/');
            push_encoded(out, segment.as_bytes());
        }
        return;
    }
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            segment => kept.push(segment),
        }
    }
    for segment in &kept {
        out.push('/');
        push_encoded(out, segment.as_bytes());
    }
    // "/a/b/", "/a/b/." and "/a/b/c/.." all name a directory: keep its trailing slash.
    let directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if kept.is_empty() || directory {
        out.push('/');
    }
}

/// The canonical query string.
fn write_query(out: &mut String, query: &str, presigned: bool) {
    if query.is_empty() {
        return;
    }
    // All pairs encoded into one buffer as "name=value"; each remembered by its range and the
    // end of its name, so that sorting by (name, value) moves only the ranges.
    let mut encoded = String::with_capacity(query.len() * 2);
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decode(name);
        if presigned && *name == *b"X-Amz-Signature" {
            continue;
        }
        let value = form_decode(value);
        // Invalid UTF-8 becomes U+FFFD before encoding, as in AWS's SDKs and Java services.
        let start = encoded.len();
        push_encoded(&mut encoded, String::from_utf8_lossy(&name).as_bytes());
        let name_end = encoded.len();
        encoded.push('=');
        push_encoded(&mut encoded, String::from_utf8_lossy(&value).as_bytes());
        pairs.push((start, name_end, encoded.len()));
    }
    let part = |from: usize, to: usize| encoded.get(from..to).unwrap_or_default();
    pairs.sort_unstable_by(|&(a, a_name, a_end), &(b, b_name, b_end)| {
        (part(a, a_name), part(a_name + 1, a_end)).cmp(&(part(b, b_name), part(b_name + 1, b_end)))
    });
    for (i, &(start, _, end)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(part(start, end));
    }
}

/// One canonical header line: `name:value,value\n`.
fn write_header(out: &mut String, req: &HttpRequest, name: &str) -> Result<(), SigV4Error> {
    let mut values = req
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
        .peekable();
    if values.peek().is_none() {
        return Err(SigV4Error::SignedHeaderMissing {
            header: name.to_owned(),
        });
    }
    for c in name.chars() {
        out.push(c.to_ascii_lowercase());
    }
    out.push(':');
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_trimmed(out, value);
    }
    out.push('\n');
    Ok(())
}

/// A header value without leading or trailing spaces and with runs of spaces collapsed to one.
///
/// Only spaces, as the SigV4 specification says and AWS's Rust SDK does (botocore would also
/// fold tabs; HTTP servers already strip surrounding tabs, and no SDK sends inner ones).
fn push_trimmed(out: &mut String, value: &str) {
    let mut previous_space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' {
            if !previous_space {
                out.push(' ');
            }
            previous_space = true;
        } else {
            out.push(c);
            previous_space = false;
        }
    }
}

/// Percent-decodes a query component received on the wire, `+` meaning space.
pub(crate) fn form_decode(component: &str) -> Cow<'_, [u8]> {
    if component.contains('+') {
        let spaced = component.replace('+', " ");
        Cow::Owned(percent_decode(spaced.as_bytes()).collect())
    } else {
        percent_decode(component.as_bytes()).into()
    }
}

/// Appends `bytes` URI-encoded: everything but RFC 3986's unreserved characters becomes `%XX`
/// with upper-case hex.
fn push_encoded(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> String {
        let mut out = String::new();
        write_uri(&mut out, path);
        out
    }

    fn query(q: &str, presigned: bool) -> String {
        let mut out = String::new();
        write_query(&mut out, q, presigned);
        out
    }

    #[test]
    fn uri_is_normalized_then_encoded_again() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("/a/b", "/a/b"),
            ("/a/b/", "/a/b/"),
            ("//", "/"),
            ("//example//", "/example/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/../a", "/a"),
            ("a/b", "/a/b"),
            ("/example space/", "/example%20space/"),
            ("/%E1%88%B4", "/%25E1%2588%25B4"),
            ("/-._~0123456789AZaz", "/-._~0123456789AZaz"),
            ("/a%2Fb", "/a%252Fb"),
            ("/ሴ", "/%E1%88%B4"),
        ];
        for (path, expected) in cases {
            assert_eq!(uri(path), expected, "path {path:?}");
        }
    }

    #[test]
    fn query_is_decoded_encoded_and_sorted() {
        assert_eq!(query("", false), "");
        assert_eq!(
            query("Param2=value2&Param1=value1", false),
            "Param1=value1&Param2=value2"
        );
        // Sorted by name, then value; upper case sorts before lower case.
        assert_eq!(
            query("Param1=value2&Param1=Value1", false),
            "Param1=Value1&Param1=value2"
        );
        // Name first: "a" < "a-b" although "a=" > "a-".
        assert_eq!(query("a-b=1&a=2", false), "a=2&a-b=1");
        assert_eq!(query("flag&x=", false), "flag=&x=");
        assert_eq!(query("a=1&&b=2&", false), "a=1&b=2");
        assert_eq!(query("k=a+b%20c", false), "k=a%20b%20c");
        assert_eq!(query("k=%2b%2F%7e", false), "k=%2B%2F~");
        assert_eq!(query("k=%zz%", false), "k=%25zz%25");
        assert_eq!(query("k=%FF", false), "k=%EF%BF%BD");
        assert_eq!(query("ሴ=bar", false), "%E1%88%B4=bar");
        assert_eq!(query("a=1=2", false), "a=1%3D2");
    }

    #[test]
    fn presigned_query_leaves_out_the_signature_only() {
        assert_eq!(
            query(
                "X-Amz-Signature=abc&Action=GetCallerIdentity&X-Amz-Date=1",
                true
            ),
            "Action=GetCallerIdentity&X-Amz-Date=1"
        );
        assert_eq!(
            query("X-Amz-Signature=abc&Action=GetCallerIdentity", false),
            "Action=GetCallerIdentity&X-Amz-Signature=abc"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let headers = [
            ("my-header1", "  value1  "),
            ("My-Header2", "\"a   b   c\""),
            ("my-header1", "value2"),
            ("tabs", "a\t\tb"),
        ];
        let req = HttpRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        let mut out = String::new();
        for name in ["my-header1", "my-header2", "tabs"] {
            write_header(&mut out, &req, name).unwrap();
        }
        assert_eq!(
            out,
            "my-header1:value1,value2\nmy-header2:\"a b c\"\ntabs:a\t\tb\n"
        );
        assert_eq!(
            write_header(&mut out, &req, "absent"),
            Err(SigV4Error::SignedHeaderMissing {
                header: "absent".to_owned()
            })
        );
    }

    #[test]
    fn hex_sha256_of_nothing() {
        assert_eq!(
            hex_sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
