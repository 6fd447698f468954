//! AWS Signature Version 4 verification of incoming requests.
//!
//! Warden receives requests signed by the AWS CLI, the SDKs and hand-built presigned URLs, and
//! must decide whether each one was signed with the secret key of the access key it names. This
//! crate does the part of that decision that needs no storage:
//!
//! 1. [`parse_auth`] reads what the client claims — access key id, credential scope, signed
//!    headers, signature, timestamp, session token — from the `Authorization` header or from the
//!    `X-Amz-*` query parameters of a presigned URL.
//! 2. The caller looks up the secret access key for [`ParsedAuth::access_key_id`] (answering
//!    `InvalidClientTokenId` itself when there is none), checks the scope's region and service,
//!    and derives a [`SigningKey`] (which it may cache per key, day, region and service).
//! 3. [`verify`] checks the timestamp against the caller's clock and recomputes the signature.
//!
//! The crate does no I/O and never reads the clock (`now_unix` is a parameter). Every failure is
//! a [`SigV4Error`] whose [`code`](SigV4Error::code), [`status`](SigV4Error::status) and
//! `Display` text are the ones AWS answers with; nothing panics on any input.
//!
//! The canonical request follows the rules AWS applies to every service but S3 (IAM, STS and
//! Organizations are such services): the path is normalized and each segment URI-encoded
//! *again*, because SDKs sign the already-encoded path ("double encoding").

mod canonical;
mod error;
mod key;
mod parse;
mod time;
mod verify;

pub use canonical::{EMPTY_PAYLOAD_SHA256, canonical_request};
pub use error::SigV4Error;
pub use key::SigningKey;
pub use parse::{ParsedAuth, parse_auth};
pub use verify::{string_to_sign, verify, verify_service_request};

/// The only signing algorithm this crate verifies (SigV4 with HMAC-SHA256).
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a header-signed request's timestamp may be from the server's clock, either way.
///
/// AWS answers `Signature expired: … (… - 15 min.)` outside this window. Services other than
/// S3 apply the same window to presigned URLs (see [`verify`]).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// The longest `X-Amz-Expires` a presigned URL may carry: seven days, the lifetime of the
/// derived signing key.
pub const MAX_PRESIGNED_EXPIRES_SECONDS: i64 = 604_800;

/// The request as received on the wire.
///
/// `Debug` shows everything but session tokens (the `x-amz-security-token` header and the
/// `X-Amz-Security-Token` query parameter), which are bearer credentials, and the body, which is
/// shown by length.
#[derive(Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The HTTP method, e.g. `GET` or `POST` (upper case, as sent).
    pub method: &'a str,
    /// Path exactly as received (still percent-encoded), without the query string.
    pub path: &'a str,
    /// Raw query string without the leading '?'; "" when absent.
    pub query: &'a str,
    /// Header names in lowercase; values as received. A name may repeat. HTTP/2's `:authority`
    /// must be passed as `host`, which is how clients sign it.
    pub headers: &'a [(&'a str, &'a str)],
    /// The request body, complete (the payload hash covers all of it).
    pub body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// Every value of header `name` (lowercase), in the order received.
    fn header_values(&self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let headers = self.headers;
        headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The first value of header `name` (lowercase).
    fn header(&self, name: &'a str) -> Option<&'a str> {
        self.header_values(name).next()
    }
}

impl std::fmt::Debug for HttpRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const REDACTED: &str = "<redacted>";
        let query: Vec<&str> = self
            .query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("X-Amz-Security-Token") => REDACTED,
                _ => pair,
            })
            .collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|&(name, value)| {
                if name.eq_ignore_ascii_case("x-amz-security-token") {
                    (name, REDACTED)
                } else {
                    (name, value)
                }
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &query.join("&"))
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Where the request carries its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureLocation {
    /// `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    Header,
    /// A presigned URL: `X-Amz-Algorithm`, `X-Amz-Credential`, … in the query string.
    Query,
}
