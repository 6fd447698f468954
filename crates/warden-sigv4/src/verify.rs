//! Deciding whether a request's signature is true.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::canonical::{
    PayloadHashes, UriRules, canonical_request, estimated_len, payload_hashes, push_hex,
    service_payload_hashes, write_prefix_with,
};
use crate::time::format_iso_basic;
use crate::{ALGORITHM, HttpRequest, MAX_CLOCK_SKEW_SECONDS, ParsedAuth, SigV4Error, SigningKey};

/// Verifies a request's signature against the key derived from the secret of
/// [`ParsedAuth::access_key_id`], at `now_unix` (seconds since the Unix epoch).
///
/// In order, refusing with the first failure:
/// 1. Time: the signed timestamp must be within 15 minutes of `now_unix`, either way
///    (`SignatureDoesNotMatch`, "Signature expired: …" / "Signature not yet current: …").
///    Presigned URLs get the same window around `X-Amz-Date`, whatever their `X-Amz-Expires`:
///    that is what AWS's services other than S3 do (aws/aws-sdk-go#2167, whose fix #2224 states
///    "All other AWS services will use a fixed request signature expiration of about 15
///    minutes"), and clients rely on it — EKS tokens carry `X-Amz-Expires=60` and are used for
///    up to 15 minutes. [`ParsedAuth::expires`] is there for a caller that wants less.
/// 2. Signed headers: `host` must be signed (else a signature could be replayed against another
///    endpoint), and so must every `x-amz-*` header present (else anyone could add one).
/// 3. Payload: an `x-amz-content-sha256` header must describe the body received.
/// 4. Signature: recomputed and compared in constant time.
pub fn verify(
    req: &HttpRequest,
    auth: &ParsedAuth,
    key: &SigningKey,
    now_unix: i64,
) -> Result<(), SigV4Error> {
    check_time(auth, now_unix)?;
    check_signed_headers(req, auth)?;
    let payloads = payload_hashes(req, auth)?;
    check_signature(req, auth, key, &payloads, UriRules::Normalized)
}

/// Verifies a request that another service received and hands to Warden (the authorization
/// API): the body stays with the service, which passes its hex SHA-256 as `payload_hash`
/// (`None` for no body; `req.body` is not read).
///
/// The rules are the service's own, by the credential scope's service. For `s3`, S3's: the
/// canonical URI is the path as sent (no normalization, no second encoding), an
/// `x-amz-content-sha256` of `UNSIGNED-PAYLOAD` or `STREAMING-…` is accepted (S3 checks streamed
/// chunks itself), and a presigned URL is valid from 15 minutes before `X-Amz-Date` until
/// `X-Amz-Expires` seconds after it. For every other service, [`verify`]'s rules.
pub fn verify_service_request(
    req: &HttpRequest,
    auth: &ParsedAuth,
    key: &SigningKey,
    now_unix: i64,
    payload_hash: Option<&str>,
) -> Result<(), SigV4Error> {
    let s3 = auth.service() == "s3";
    match (s3, auth.location(), auth.expires()) {
        (true, crate::SignatureLocation::Query, Some(expires)) => {
            check_presigned_s3(auth, now_unix, expires)?
        }
        _ => check_time(auth, now_unix)?,
    }
    check_signed_headers(req, auth)?;
    let payloads = service_payload_hashes(req, auth, payload_hash, s3)?;
    let uri = if s3 {
        UriRules::AsSent
    } else {
        UriRules::Normalized
    };
    check_signature(req, auth, key, &payloads, uri)
}

/// S3's presigned URLs last `X-Amz-Expires` seconds from `X-Amz-Date`.
fn check_presigned_s3(auth: &ParsedAuth, now_unix: i64, expires: i64) -> Result<(), SigV4Error> {
    let time = auth.request_time();
    let latest = now_unix.saturating_add(MAX_CLOCK_SKEW_SECONDS);
    if time > latest {
        return Err(SigV4Error::SignatureNotYetCurrent {
            timestamp: auth.timestamp().to_owned(),
            latest: format_iso_basic(latest),
            now: format_iso_basic(now_unix),
        });
    }
    let end = time.saturating_add(expires);
    if now_unix > end {
        return Err(SigV4Error::PresignedUrlExpired {
            expired_at: format_iso_basic(end),
        });
    }
    Ok(())
}

/// Recomputes the signature over each acceptable payload hash; constant-time comparison.
fn check_signature(
    req: &HttpRequest,
    auth: &ParsedAuth,
    key: &SigningKey,
    payloads: &PayloadHashes<'_>,
    uri: UriRules,
) -> Result<(), SigV4Error> {
    let mut buffer = String::with_capacity(estimated_len(req));
    write_prefix_with(&mut buffer, req, auth, uri)?;
    let prefix = Sha256::new_with_prefix(buffer.as_bytes());
    // A malformed signature can match nothing; that it is malformed is no secret.
    let Some(provided) = decode_hex_signature(auth.signature()) else {
        return Err(SigV4Error::SignatureDoesNotMatch);
    };
    for payload in payloads.iter() {
        let canonical_hash = prefix.clone().chain_update(payload.as_bytes()).finalize();
        buffer.clear();
        write_string_to_sign(&mut buffer, auth, &canonical_hash);
        let computed = key.sign(buffer.as_bytes());
        // Constant time: how much of a guessed signature is right must not show in timing.
        // (Which payload convention matched may: both are public.)
        if bool::from(computed.ct_eq(&provided)) {
            return Ok(());
        }
    }
    Err(SigV4Error::SignatureDoesNotMatch)
}

/// The string the client should have signed, for explaining a `SignatureDoesNotMatch`:
///
/// ```text
/// AWS4-HMAC-SHA256
/// 20150830T123600Z
/// 20150830/us-east-1/iam/aws4_request
/// <hex SHA-256 of the canonical request>
/// ```
pub fn string_to_sign(req: &HttpRequest, auth: &ParsedAuth) -> Result<String, SigV4Error> {
    let canonical = canonical_request(req, auth)?;
    let mut out = String::with_capacity(128);
    write_string_to_sign(&mut out, auth, &Sha256::digest(canonical.as_bytes()));
    Ok(out)
}

fn write_string_to_sign(out: &mut String, auth: &ParsedAuth, canonical_hash: &[u8]) {
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(auth.timestamp());
    out.push('\n');
    out.push_str(auth.credential_scope());
    out.push('\n');
    push_hex(out, canonical_hash);
}

fn check_time(auth: &ParsedAuth, now_unix: i64) -> Result<(), SigV4Error> {
    let time = auth.request_time();
    let earliest = now_unix.saturating_sub(MAX_CLOCK_SKEW_SECONDS);
    let latest = now_unix.saturating_add(MAX_CLOCK_SKEW_SECONDS);
    if time < earliest {
        return Err(SigV4Error::SignatureExpired {
            timestamp: auth.timestamp().to_owned(),
            earliest: format_iso_basic(earliest),
            now: format_iso_basic(now_unix),
        });
    }
    if time > latest {
        return Err(SigV4Error::SignatureNotYetCurrent {
            timestamp: auth.timestamp().to_owned(),
            latest: format_iso_basic(latest),
            now: format_iso_basic(now_unix),
        });
    }
    Ok(())
}

fn check_signed_headers(req: &HttpRequest, auth: &ParsedAuth) -> Result<(), SigV4Error> {
    let signed = |name: &str| auth.signed_headers().any(|s| s.eq_ignore_ascii_case(name));
    if !signed("host") {
        return Err(SigV4Error::HostNotSigned);
    }
    let mut unsigned: Vec<String> = Vec::new();
    for (name, _) in req.headers {
        let is_amz = name
            .get(..6)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("x-amz-"));
        if is_amz && !signed(name) && !unsigned.iter().any(|u| u.eq_ignore_ascii_case(name)) {
            unsigned.push(name.to_ascii_lowercase());
        }
    }
    if unsigned.is_empty() {
        Ok(())
    } else {
        Err(SigV4Error::HeadersNotSigned { headers: unsigned })
    }
}

/// The 32 bytes of a 64-digit hex signature (either case); `None` for anything else, which can
/// match nothing.
fn decode_hex_signature(signature: &str) -> Option<[u8; 32]> {
    let digits = signature.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let high = hex_value(*pair.first()?)?;
        let low = hex_value(*pair.get(1)?)?;
        *byte = high << 4 | low;
    }
    Some(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_decode_from_hex_only() {
        let lower = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let decoded = decode_hex_signature(lower).unwrap();
        assert_eq!(decoded[0], 0x5f);
        assert_eq!(decoded[31], 0x31);
        assert_eq!(
            decode_hex_signature(&lower.to_ascii_uppercase()),
            Some(decoded)
        );
        assert_eq!(decode_hex_signature(&lower[1..]), None);
        assert_eq!(decode_hex_signature(&format!("{lower}0")), None);
        assert_eq!(decode_hex_signature(&lower.replacen('5', "g", 1)), None);
        assert_eq!(decode_hex_signature(""), None);
    }
}
