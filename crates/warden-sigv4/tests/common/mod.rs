//! Requests signed by AWS's own Rust signer (`aws-sigv4`), the oracle the verifier is held to.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation as SdkLocation, SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use warden_sigv4::{HttpRequest, SigV4Error, SigningKey, parse_auth, verify};

pub const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub const HOST: &str = "iam.amazonaws.com";
/// 2024-01-01T00:00:00Z.
pub const T0: i64 = 1_704_067_200;

/// Everything but RFC 3986's unreserved characters.
pub const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, STRICT).to_string()
}

/// How to sign.
#[derive(Debug, Clone)]
pub struct Signing {
    pub time: i64,
    pub service: &'static str,
    pub region: &'static str,
    pub token: Option<String>,
    /// Presign (query parameters) with this `X-Amz-Expires`, instead of an `Authorization`
    /// header.
    pub presign_expires: Option<u64>,
    /// Sign `UNSIGNED-PAYLOAD` (botocore's choice for presigned URLs).
    pub unsigned_payload: bool,
    /// Send and sign `x-amz-content-sha256`.
    pub content_sha256_header: bool,
    /// S3's canonical URI: the path as sent, encoded once, not normalized.
    pub s3_uri: bool,
}

impl Default for Signing {
    fn default() -> Self {
        Signing {
            time: T0,
            service: "iam",
            region: "us-east-1",
            token: None,
            presign_expires: None,
            unsigned_payload: false,
            content_sha256_header: false,
            s3_uri: false,
        }
    }
}

/// A request on the wire, owning its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Wire {
    pub fn new(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Wire {
        let mut all = vec![("host".to_owned(), HOST.to_owned())];
        all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        Wire {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: all,
            body: body.to_vec(),
        }
    }

    /// A form-encoded IAM call, the way the CLI sends it.
    pub fn iam_post(body: &str) -> Wire {
        Wire::new(
            "POST",
            "/",
            "",
            &[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            body.as_bytes(),
        )
    }

    /// This request signed by AWS's signer.
    pub fn signed(&self, how: &Signing) -> Wire {
        let creds = Credentials::new(ACCESS_KEY, SECRET, how.token.clone(), None, "test");
        let identity = creds.into();
        let mut settings = SigningSettings::default();
        if let Some(expires) = how.presign_expires {
            settings.signature_location = SdkLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(expires));
        }
        if how.s3_uri {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }
        if how.content_sha256_header {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(how.region)
            .name(how.service)
            .time(UNIX_EPOCH + Duration::from_secs(how.time as u64))
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let uri = if self.query.is_empty() {
            format!("https://{HOST}{}", self.path)
        } else {
            format!("https://{HOST}{}?{}", self.path, self.query)
        };
        let body = if how.unsigned_payload {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(&self.body)
        };
        let signable = SignableRequest::new(
            &self.method,
            uri,
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            body,
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let (headers, params) = instructions.into_parts();
        let mut out = self.clone();
        for header in headers {
            out.headers
                .push((header.name().to_owned(), header.value().to_owned()));
        }
        for (name, value) in params {
            if !out.query.is_empty() {
                out.query.push('&');
            }
            out.query.push_str(&format!("{name}={}", encode(&value)));
        }
        out
    }

    pub fn with<R>(&self, f: impl FnOnce(&HttpRequest) -> R) -> R {
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

    /// Parses and verifies with `SECRET` at `now`.
    pub fn verify_at(&self, now: i64) -> Result<(), SigV4Error> {
        self.verify_with_secret(SECRET, now)
    }

    /// Parses and verifies as the server will: the access key id must be one it knows (the
    /// id is not signed — it selects the secret), and `secret` is that key's secret.
    pub fn verify_with_secret(&self, secret: &str, now: i64) -> Result<(), SigV4Error> {
        self.with(|req| {
            let auth = parse_auth(req)?.ok_or(SigV4Error::MissingAuthenticationToken)?;
            if auth.access_key_id() != ACCESS_KEY {
                return Err(SigV4Error::InvalidClientTokenId);
            }
            let key = SigningKey::derive(secret, auth.date(), auth.region(), auth.service());
            verify(req, &auth, &key, now)
        })
    }

    pub fn header_mut(&mut self, name: &str) -> &mut String {
        &mut self
            .headers
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no header {name}"))
            .1
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| n != name);
    }
}
