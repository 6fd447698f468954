//! Why a request's signature was refused, in AWS's words.
//!
//! Each variant's `Display` text is the message AWS's query-protocol services (IAM, STS) answer
//! with, so the server can put it in the `<Message>` element unchanged. Where AWS's exact text
//! could not be confirmed from a public source, the variant's doc says so.
//!
//! Messages never contain secrets: the signature, the credential and the `Authorization` header
//! are not secret (AWS echoes them), and the session token and signing key never appear.

/// A SigV4 failure, with AWS's error code ([`code`](Self::code)), HTTP status
/// ([`status`](Self::status)) and message (`Display`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// The request carries no SigV4 at all. [`parse_auth`](crate::parse_auth) reports this as
    /// `Ok(None)`; the variant exists so the server can answer with the same type.
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,

    /// The `Authorization` header lacks parameters, or the request has no date. One sentence per
    /// missing item, in AWS's order, then the header as received. Source: the message AWS
    /// services return for a non-SigV4 `Authorization` header (e.g. aws/chalice#828).
    #[error("{}", missing_authorization_parameters(*.credential, *.signature, *.signed_headers, *.date, .authorization))]
    AuthorizationMissingParameters {
        /// No `Credential=` parameter.
        credential: bool,
        /// No `Signature=` parameter.
        signature: bool,
        /// No `SignedHeaders=` parameter.
        signed_headers: bool,
        /// Neither an `X-Amz-Date` nor a `Date` header.
        date: bool,
        /// The `Authorization` header as received.
        authorization: String,
    },

    /// A component of the `Authorization` header without `=`. Components are separated by
    /// commas and whitespace, so a stray space inside `Credential=` lands here. Source: IAM and
    /// STS answers quoted in aws/aws-cli#4385 and boto/boto3#2280.
    #[error(
        "'{component}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'."
    )]
    AuthorizationComponentWithoutEquals {
        /// The offending component.
        component: String,
        /// The `Authorization` header as received.
        authorization: String,
    },

    /// A presigned URL lacks required `X-Amz-*` parameters. AWS's wording as returned by its
    /// non-S3 services (recalled; no public source confirmed it verbatim).
    #[error("{}", missing_query_parameters(*.algorithm, *.credential, *.signature, *.signed_headers, *.date))]
    QueryMissingParameters {
        /// No `X-Amz-Algorithm`.
        algorithm: bool,
        /// No `X-Amz-Credential`.
        credential: bool,
        /// No `X-Amz-Signature`.
        signature: bool,
        /// No `X-Amz-SignedHeaders`.
        signed_headers: bool,
        /// No `X-Amz-Date`.
        date: bool,
    },

    /// The algorithm is not `AWS4-HMAC-SHA256` (SigV2, SigV4a, or not AWS at all). AWS's exact
    /// text for query-protocol services is not published; this is Warden's wording in AWS's
    /// style.
    #[error("Unsupported AWS 'algorithm': '{algorithm}'.")]
    UnsupportedAlgorithm {
        /// The algorithm the request named.
        algorithm: String,
    },

    /// The credential is not `AKID/YYYYMMDD/region/service/aws4_request`. Source: IAM's answer
    /// quoted in aws/aws-sdk-go#1042.
    #[error(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
    )]
    MalformedCredential {
        /// The credential as received.
        credential: String,
    },

    /// The credential scope does not end in `aws4_request`.
    #[error(
        "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
    )]
    InvalidTerminator {
        /// The scope's last element as received.
        terminator: String,
    },

    /// The credential scope names a region this endpoint does not serve. Produced here only for
    /// an empty region; the server produces it for regions it does not accept. Source: IAM User
    /// Guide, "Troubleshoot signed requests for AWS APIs", and aws/aws-sdk-go#156.
    #[error("Credential should be scoped to a valid region, not '{region}'.")]
    InvalidRegion {
        /// The region the credential scope names.
        region: String,
    },

    /// The credential scope names another service. Not produced here (the server knows which
    /// service it is); source: the same troubleshooting page.
    #[error("Credential should be scoped to correct service: '{expected}'.")]
    WrongService {
        /// The service the endpoint expected.
        expected: String,
    },

    /// The scope's date is not the date of the request's timestamp. Source: the IAM User Guide
    /// troubleshooting page (the `'…' != '…', from '…'` detail is AWS's answer as observed).
    #[error(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{request_date}', from '{timestamp}'."
    )]
    ScopeDateMismatch {
        /// The date in the credential scope.
        scope_date: String,
        /// The `YYYYMMDD` part of the request's timestamp.
        request_date: String,
        /// The request's timestamp in ISO 8601 basic format.
        timestamp: String,
    },

    /// `X-Amz-Date` (or the `Date` header) is not a valid timestamp. AWS's wording as recalled
    /// from its services' answers; not confirmed from a public source.
    #[error(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )]
    InvalidDate {
        /// The value as received.
        value: String,
    },

    /// `X-Amz-Expires` is not a whole number of seconds from 1 to 604800. S3's messages
    /// (AWS's other services do not publish theirs).
    #[error("{}", invalid_expires(.value))]
    InvalidExpires {
        /// The value as received.
        value: String,
    },

    /// The request's timestamp is more than 15 minutes before the server's clock. Source: the
    /// IAM User Guide troubleshooting page; the full form is STS's and IAM's answer as quoted in
    /// aws/aws-cli#6676 and devsecops/bootcamp#101.
    #[error("Signature expired: {timestamp} is now earlier than {earliest} ({now} - 15 min.)")]
    SignatureExpired {
        /// The request's timestamp.
        timestamp: String,
        /// The earliest timestamp accepted now.
        earliest: String,
        /// The server's clock.
        now: String,
    },

    /// The request's timestamp is more than 15 minutes after the server's clock. Same sources.
    #[error(
        "Signature not yet current: {timestamp} is still later than {latest} ({now} + 15 min.)"
    )]
    SignatureNotYetCurrent {
        /// The request's timestamp.
        timestamp: String,
        /// The latest timestamp accepted now.
        latest: String,
        /// The server's clock.
        now: String,
    },

    /// `host` is not among the signed headers: without it a signature could be replayed against
    /// another endpoint. Source: the answer quoted in aws/aws-sdk-php#2469.
    #[error("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")]
    HostNotSigned,

    /// A header named in `SignedHeaders` is not in the request. Source: the answer quoted in
    /// awslabs/aws-mobile-appsync-sdk-js#702.
    #[error("'{header}' is named as a SignedHeader, but it does not exist in the HTTP request.")]
    SignedHeaderMissing {
        /// The header name as listed.
        header: String,
    },

    /// `x-amz-*` headers are present but not signed, so they could have been added by anyone.
    /// S3's error (AWS documents no other service's); the list is for an error detail such as
    /// S3's `<HeadersNotSigned>`.
    #[error("There were headers present in the request which were not signed")]
    HeadersNotSigned {
        /// The unsigned `x-amz-*` header names.
        headers: Vec<String>,
    },

    /// `x-amz-content-sha256` does not describe the body received. S3's error.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    ContentSha256Mismatch,

    /// The recomputed signature differs from the one sent: wrong secret key, or the request was
    /// signed differently or changed on the way. IAM's and STS's message.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    SignatureDoesNotMatch,

    /// An S3 presigned URL used after `X-Amz-Date` + `X-Amz-Expires`. S3's error and message.
    #[error("Request has expired")]
    PresignedUrlExpired {
        /// When the URL stopped being valid (ISO 8601 basic format).
        expired_at: String,
    },

    /// The access key id is unknown. Not produced here (the server owns the key store); present
    /// so the server can answer with the same type.
    #[error("The security token included in the request is invalid.")]
    InvalidClientTokenId,
}

impl SigV4Error {
    /// The AWS error code (`<Code>` in a query-protocol error response).
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::AuthorizationMissingParameters { .. }
            | Self::AuthorizationComponentWithoutEquals { .. }
            | Self::QueryMissingParameters { .. }
            | Self::UnsupportedAlgorithm { .. }
            | Self::MalformedCredential { .. }
            | Self::InvalidDate { .. }
            | Self::InvalidExpires { .. }
            | Self::HostNotSigned
            | Self::SignedHeaderMissing { .. } => "IncompleteSignature",
            Self::InvalidTerminator { .. }
            | Self::InvalidRegion { .. }
            | Self::WrongService { .. }
            | Self::ScopeDateMismatch { .. }
            | Self::SignatureExpired { .. }
            | Self::SignatureNotYetCurrent { .. }
            | Self::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Self::HeadersNotSigned { .. } | Self::PresignedUrlExpired { .. } => "AccessDenied",
            Self::ContentSha256Mismatch => "XAmzContentSHA256Mismatch",
            Self::InvalidClientTokenId => "InvalidClientTokenId",
        }
    }

    /// The HTTP status AWS answers with: 400 for malformed signatures (`IncompleteSignature`,
    /// per the IAM API Reference's common errors), 403 for refused ones.
    pub fn status(&self) -> u16 {
        match self.code() {
            "IncompleteSignature" | "XAmzContentSHA256Mismatch" => 400,
            _ => 403,
        }
    }
}

fn missing_authorization_parameters(
    credential: bool,
    signature: bool,
    signed_headers: bool,
    date: bool,
    authorization: &str,
) -> String {
    let mut message = String::new();
    if credential {
        message.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if signature {
        message.push_str("Authorization header requires 'Signature' parameter. ");
    }
    if signed_headers {
        message.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if date {
        message.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    message.push_str("Authorization=");
    message.push_str(authorization);
    message
}

fn missing_query_parameters(
    algorithm: bool,
    credential: bool,
    signature: bool,
    signed_headers: bool,
    date: bool,
) -> String {
    let mut message = String::new();
    for (missing, name) in [
        (algorithm, "X-Amz-Algorithm"),
        (credential, "X-Amz-Credential"),
        (signature, "X-Amz-Signature"),
        (signed_headers, "X-Amz-SignedHeaders"),
        (date, "X-Amz-Date"),
    ] {
        if missing {
            message.push_str("AWS query-string parameters must include '");
            message.push_str(name);
            message.push_str("'. ");
        }
    }
    message.push_str("Re-examine the query-string parameters.");
    message
}

fn invalid_expires(value: &str) -> &'static str {
    match value.parse::<i64>() {
        Err(_) => "X-Amz-Expires should be a number",
        Ok(n) if n < 1 => "X-Amz-Expires must be non-negative",
        Ok(_) => "X-Amz-Expires must be less than a week (in seconds) that is 604800",
    }
}
