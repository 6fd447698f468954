//! The derived signing key and the one MAC SigV4 uses.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The key that signs requests for one access key on one day, in one region, for one service:
/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
///
/// Deriving it costs four HMACs, so a server may cache it per (access key, date, region,
/// service). It is as good as the secret for that scope: `Debug` never shows it.
#[derive(Clone)]
pub struct SigningKey(pub(crate) [u8; 32]);

impl SigningKey {
    /// Derives the signing key for `date` (`YYYYMMDD`), `region` and `service` from a secret
    /// access key.
    pub fn derive(secret_access_key: &str, date: &str, region: &str, service: &str) -> SigningKey {
        let mut secret = Vec::with_capacity(4 + secret_access_key.len());
        secret.extend_from_slice(b"AWS4");
        secret.extend_from_slice(secret_access_key.as_bytes());
        let k_date = hmac_sha256(&secret, date.as_bytes());
        secret.fill(0);
        let k_region = hmac_sha256(&k_date, region.as_bytes());
        let k_service = hmac_sha256(&k_region, service.as_bytes());
        SigningKey(hmac_sha256(&k_service, b"aws4_request"))
    }

    /// The signature of `string_to_sign`.
    pub(crate) fn sign(&self, string_to_sign: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, string_to_sign)
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// HMAC-SHA256 without a fallible constructor.
///
/// `Hmac::new_from_slice` returns a `Result` although HMAC accepts keys of any length; rather
/// than unwrap it, apply RFC 2104's key rule here: a key longer than the 64-byte block is
/// replaced by its SHA-256, and a shorter one is zero-padded, which is what `Hmac::new` does
/// with a full block.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The derived key in the IAM User Guide's example ("Examples of how to derive a signing key
    /// for Signature Version 4").
    #[test]
    fn derives_the_documented_example_key() {
        let key = SigningKey::derive(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(&key.0),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    /// RFC 4231 test cases 1 and 6: a short key and a key longer than the block.
    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn debug_is_redacted() {
        let key = SigningKey::derive("secret", "20150830", "us-east-1", "iam");
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
