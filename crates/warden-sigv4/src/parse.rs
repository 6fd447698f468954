//! Reading what a request claims about its signature.

use crate::canonical::form_decode;
use crate::time::{format_iso_basic, parse_http_date, parse_iso_basic};
use crate::{ALGORITHM, HttpRequest, MAX_PRESIGNED_EXPIRES_SECONDS, SigV4Error, SignatureLocation};

/// What the client claims: parsed from the `Authorization` header or the `X-Amz-*` query
/// parameters of a presigned URL. Owns its strings, so it outlives the request buffers.
///
/// Parsing checks form only (parameters present, credential shaped
/// `AKID/YYYYMMDD/region/service/aws4_request`, timestamp valid and on the scope's date); whether
/// the claim is true is [`verify`](crate::verify)'s question.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    location: SignatureLocation,
    /// `AKID/YYYYMMDD/region/service/aws4_request`, with the ends of the first four elements.
    credential: String,
    akid_end: usize,
    date_end: usize,
    region_end: usize,
    service_end: usize,
    signed_headers: String,
    signature: String,
    /// The request time in ISO 8601 basic format: what the string to sign contains, even when
    /// the client sent an HTTP `Date` header.
    timestamp: String,
    request_time: i64,
    security_token: Option<String>,
    expires: Option<i64>,
}

impl ParsedAuth {
    /// The access key id that signed the request.
    pub fn access_key_id(&self) -> &str {
        self.credential.get(..self.akid_end).unwrap_or_default()
    }

    /// The credential scope's date, `YYYYMMDD`. Equal to the date of
    /// [`request_time`](Self::request_time) (parsing checks it).
    pub fn date(&self) -> &str {
        self.credential
            .get(self.akid_end + 1..self.date_end)
            .unwrap_or_default()
    }

    /// The credential scope's region. Never empty; whether this endpoint serves it is the
    /// server's question (answer [`SigV4Error::InvalidRegion`]).
    pub fn region(&self) -> &str {
        self.credential
            .get(self.date_end + 1..self.region_end)
            .unwrap_or_default()
    }

    /// The credential scope's service, e.g. `iam` or `sts`; the server checks it (answer
    /// [`SigV4Error::WrongService`]).
    pub fn service(&self) -> &str {
        self.credential
            .get(self.region_end + 1..self.service_end)
            .unwrap_or_default()
    }

    /// The credential scope as the string to sign contains it:
    /// `YYYYMMDD/region/service/aws4_request`.
    pub fn credential_scope(&self) -> &str {
        self.credential.get(self.akid_end + 1..).unwrap_or_default()
    }

    /// The session token of temporary credentials: the `X-Amz-Security-Token` header, or the
    /// query parameter of that name (decoded). The signature covers it either way.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// Whether the signature came in the `Authorization` header or in the query string.
    pub fn location(&self) -> SignatureLocation {
        self.location
    }

    /// The request time claimed by the client, in seconds since the Unix epoch: `X-Amz-Date`,
    /// or for header signatures without it, the `Date` header.
    pub fn request_time(&self) -> i64 {
        self.request_time
    }

    /// The request time as signed: ISO 8601 basic format, `YYYYMMDDTHHMMSSZ`.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// A presigned URL's `X-Amz-Expires`, in seconds (1 to 604800), when given.
    ///
    /// [`verify`](crate::verify) does not shorten the validity window to it, as AWS's services
    /// other than S3 do not; a caller that wants stricter URLs can compare it itself.
    pub fn expires(&self) -> Option<i64> {
        self.expires
    }

    /// The names in `SignedHeaders`, in the order given.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.signed_headers.split(';')
    }

    /// `SignedHeaders` as received (`host;x-amz-date`).
    pub fn signed_headers_list(&self) -> &str {
        &self.signed_headers
    }

    /// The signature as received (lowercase hex when well formed).
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

/// Shows everything but the session token, which is a bearer credential.
impl std::fmt::Debug for ParsedAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAuth")
            .field("location", &self.location)
            .field("access_key_id", &self.access_key_id())
            .field("credential_scope", &self.credential_scope())
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("timestamp", &self.timestamp)
            .field("expires", &self.expires)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Reads the signature a request claims to carry.
///
/// `Ok(None)`: the request carries no SigV4 at all — no `Authorization` header and none of
/// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Signature` in the query — and the caller
/// answers `MissingAuthenticationToken` (or treats the request as anonymous where that is
/// allowed). When both are present the `Authorization` header is the one read.
///
/// Errors are malformed claims, with AWS's codes and messages: missing parameters, an
/// unsupported algorithm, a malformed credential or timestamp, a scope date other than the
/// timestamp's.
pub fn parse_auth(req: &HttpRequest) -> Result<Option<ParsedAuth>, SigV4Error> {
    if let Some(authorization) = req.header("authorization") {
        return parse_header(req, authorization).map(Some);
    }
    parse_query(req)
}

/// `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
///
/// Split the way AWS splits it (its error messages show how): the algorithm up to the first
/// whitespace, then components separated by commas and whitespace, each `name=value`.
fn parse_header(req: &HttpRequest, authorization: &str) -> Result<ParsedAuth, SigV4Error> {
    let trimmed = authorization.trim();
    let (algorithm, rest) = trimmed
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((trimmed, ""));
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for component in rest
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|c| !c.is_empty())
    {
        let Some((name, value)) = component.split_once('=') else {
            return Err(SigV4Error::AuthorizationComponentWithoutEquals {
                component: component.to_owned(),
                authorization: authorization.to_owned(),
            });
        };
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
    let amz_date = req.header("x-amz-date");
    let date = amz_date.or_else(|| req.header("date"));
    let (Some(credential), Some(signed_headers), Some(signature), Some(date)) =
        (credential, signed_headers, signature, date)
    else {
        return Err(SigV4Error::AuthorizationMissingParameters {
            credential: credential.is_none(),
            signature: signature.is_none(),
            signed_headers: signed_headers.is_none(),
            date: date.is_none(),
            authorization: authorization.to_owned(),
        });
    };
    check_algorithm(algorithm)?;
    let date = date.trim();
    let request_time = match amz_date {
        Some(_) => parse_iso_basic(date),
        // AWS accepts the Date header in either format.
        None => parse_iso_basic(date).or_else(|| parse_http_date(date)),
    }
    .ok_or_else(|| SigV4Error::InvalidDate {
        value: date.to_owned(),
    })?;
    let security_token = match req.header("x-amz-security-token") {
        Some(token) => Some(token.to_owned()),
        None => query_param(req.query, "X-Amz-Security-Token"),
    };
    build(
        SignatureLocation::Header,
        credential.to_owned(),
        signed_headers.to_owned(),
        signature.to_owned(),
        request_time,
        security_token,
        None,
    )
}

/// A presigned URL: `?X-Amz-Algorithm=…&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=…&
/// X-Amz-SignedHeaders=…&X-Amz-Signature=…[&X-Amz-Security-Token=…]`.
fn parse_query(req: &HttpRequest) -> Result<Option<ParsedAuth>, SigV4Error> {
    #[derive(Default)]
    struct Params {
        algorithm: Option<String>,
        credential: Option<String>,
        date: Option<String>,
        expires: Option<String>,
        signed_headers: Option<String>,
        signature: Option<String>,
        security_token: Option<String>,
    }
    let mut p = Params::default();
    for pair in req.query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !name.contains("Amz") && !name.contains('%') {
            continue; // Not ours; saves decoding the operation's parameters.
        }
        let slot = match &*form_decode(name) {
            b"X-Amz-Algorithm" => &mut p.algorithm,
            b"X-Amz-Credential" => &mut p.credential,
            b"X-Amz-Date" => &mut p.date,
            b"X-Amz-Expires" => &mut p.expires,
            b"X-Amz-SignedHeaders" => &mut p.signed_headers,
            b"X-Amz-Signature" => &mut p.signature,
            b"X-Amz-Security-Token" => &mut p.security_token,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(String::from_utf8_lossy(&form_decode(value)).into_owned());
        }
    }
    if p.algorithm.is_none() && p.credential.is_none() && p.signature.is_none() {
        return Ok(None);
    }
    let missing = SigV4Error::QueryMissingParameters {
        algorithm: p.algorithm.is_none(),
        credential: p.credential.is_none(),
        signature: p.signature.is_none(),
        signed_headers: p.signed_headers.is_none(),
        date: p.date.is_none(),
    };
    let (Some(algorithm), Some(credential), Some(signature), Some(signed_headers), Some(date)) = (
        p.algorithm,
        p.credential,
        p.signature,
        p.signed_headers,
        p.date,
    ) else {
        return Err(missing);
    };
    check_algorithm(&algorithm)?;
    let request_time = parse_iso_basic(&date).ok_or(SigV4Error::InvalidDate { value: date })?;
    let expires = match p.expires {
        None => None,
        Some(value) => Some(parse_expires(&value).ok_or(SigV4Error::InvalidExpires { value })?),
    };
    build(
        SignatureLocation::Query,
        credential,
        signed_headers,
        signature,
        request_time,
        p.security_token,
        expires,
    )
    .map(Some)
}

fn check_algorithm(algorithm: &str) -> Result<(), SigV4Error> {
    if algorithm == ALGORITHM {
        Ok(())
    } else {
        Err(SigV4Error::UnsupportedAlgorithm {
            algorithm: algorithm.to_owned(),
        })
    }
}

/// `X-Amz-Expires`: decimal digits only, 1 to 604800.
fn parse_expires(value: &str) -> Option<i64> {
    if value.is_empty() || value.len() > 7 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=MAX_PRESIGNED_EXPIRES_SECONDS).contains(n))
}

/// Checks the credential's shape and the scope date, and assembles the claim.
fn build(
    location: SignatureLocation,
    credential: String,
    signed_headers: String,
    signature: String,
    request_time: i64,
    security_token: Option<String>,
    expires: Option<i64>,
) -> Result<ParsedAuth, SigV4Error> {
    let mut ends = [0usize; 4];
    let mut elements = 0;
    for (i, b) in credential.bytes().enumerate() {
        if b == b'/' {
            if let Some(end) = ends.get_mut(elements) {
                *end = i;
            }
            elements += 1;
        }
    }
    if elements != 4 {
        return Err(SigV4Error::MalformedCredential { credential });
    }
    let [akid_end, date_end, region_end, service_end] = ends;
    let terminator = credential.get(service_end + 1..).unwrap_or_default();
    if terminator != "aws4_request" {
        return Err(SigV4Error::InvalidTerminator {
            terminator: terminator.to_owned(),
        });
    }
    if region_end == date_end + 1 {
        return Err(SigV4Error::InvalidRegion {
            region: String::new(),
        });
    }
    let timestamp = format_iso_basic(request_time);
    let scope_date = credential.get(akid_end + 1..date_end).unwrap_or_default();
    let request_date = timestamp.get(..8).unwrap_or_default();
    if scope_date != request_date {
        return Err(SigV4Error::ScopeDateMismatch {
            scope_date: scope_date.to_owned(),
            request_date: request_date.to_owned(),
            timestamp,
        });
    }
    Ok(ParsedAuth {
        location,
        credential,
        akid_end,
        date_end,
        region_end,
        service_end,
        signed_headers,
        signature,
        timestamp,
        request_time,
        security_token,
        expires,
    })
}

/// The first value of query parameter `name`, decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (n, value) = pair.split_once('=').unwrap_or((pair, ""));
        (*form_decode(n) == *name.as_bytes())
            .then(|| String::from_utf8_lossy(&form_decode(value)).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(headers: &'a [(&'a str, &'a str)], query: &'a str) -> HttpRequest<'a> {
        HttpRequest {
            method: "GET",
            path: "/",
            query,
            headers,
            body: b"",
        }
    }

    const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    #[test]
    fn reads_the_authorization_header() {
        let headers = [
            ("host", "iam.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            ("authorization", AUTH),
            ("x-amz-security-token", "token"),
        ];
        let auth = parse_auth(&req(&headers, "")).unwrap().unwrap();
        assert_eq!(auth.location(), SignatureLocation::Header);
        assert_eq!(auth.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(auth.date(), "20150830");
        assert_eq!(auth.region(), "us-east-1");
        assert_eq!(auth.service(), "iam");
        assert_eq!(
            auth.credential_scope(),
            "20150830/us-east-1/iam/aws4_request"
        );
        assert_eq!(
            auth.signed_headers().collect::<Vec<_>>(),
            ["host", "x-amz-date"]
        );
        assert_eq!(auth.signature().len(), 64);
        assert_eq!(auth.timestamp(), "20150830T123600Z");
        assert_eq!(auth.request_time(), 1_440_938_160);
        assert_eq!(auth.security_token(), Some("token"));
        assert_eq!(auth.expires(), None);
        let debug = format!("{auth:?}");
        assert!(!debug.contains("token\""), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }

    #[test]
    fn accepts_the_date_header_in_either_format() {
        for date in ["Sun, 30 Aug 2015 12:36:00 GMT", "20150830T123600Z"] {
            let headers = [("date", date), ("authorization", AUTH)];
            let auth = parse_auth(&req(&headers, "")).unwrap().unwrap();
            assert_eq!(auth.request_time(), 1_440_938_160);
            assert_eq!(auth.timestamp(), "20150830T123600Z");
        }
    }

    #[test]
    fn x_amz_date_wins_over_date_and_must_be_iso() {
        let headers = [
            ("date", "20150830T123600Z"),
            ("x-amz-date", "Sun, 30 Aug 2015 12:36:00 GMT"),
            ("authorization", AUTH),
        ];
        assert_eq!(
            parse_auth(&req(&headers, "")).unwrap_err(),
            SigV4Error::InvalidDate {
                value: "Sun, 30 Aug 2015 12:36:00 GMT".to_owned()
            }
        );
    }

    #[test]
    fn no_signature_at_all_is_none() {
        let headers = [("host", "iam.amazonaws.com")];
        assert_eq!(parse_auth(&req(&headers, "")), Ok(None));
        assert_eq!(
            parse_auth(&req(&headers, "Action=ListUsers&Version=2010-05-08")),
            Ok(None)
        );
    }

    #[test]
    fn expires_must_be_one_second_to_a_week() {
        assert_eq!(parse_expires("1"), Some(1));
        assert_eq!(parse_expires("604800"), Some(604_800));
        for bad in [
            "",
            "0",
            "604801",
            "-1",
            "+60",
            "60s",
            "99999999999999999999",
        ] {
            assert_eq!(parse_expires(bad), None, "{bad}");
        }
    }
}
