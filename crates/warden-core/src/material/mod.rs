//! Credential material that the IAM API accepts: SSH public keys (`UploadSSHPublicKey`,
//! `GetSSHPublicKey`) and X.509 certificates with their private keys and chains
//! (`UploadSigningCertificate`, `UploadServerCertificate`).
//!
//! Everything here is a pure function over its arguments: no I/O, and the clock is a parameter
//! (`now`) wherever validity in time matters. Errors carry the AWS error code and AWS's message,
//! so the operation layer can return them as they are. Messages never quote the material: a
//! private key must not reach a log or an error, and a certificate is too long to be useful there.
//!
//! Length limits (`CertificateBody`/`PrivateKey`/`SSHPublicKeyBody` ≤ 16384 characters,
//! `CertificateChain` ≤ 2097152, the `[\u0009\u000A\u000D\u0020-\u00FF]+` pattern) are
//! enforced by the protocol layer from the service model before an operation runs; the
//! constants in [`limits`] restate them for callers that build input some other way.

pub mod ssh;
pub mod x509;

use base64::Engine as _;

/// An IAM error for rejected material: the AWS error code and AWS's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct MaterialError {
    /// The AWS error code, one of [`codes`].
    pub code: &'static str,
    /// The message AWS sends with it.
    pub message: String,
}

impl MaterialError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The error codes of the IAM service model that material can produce.
pub mod codes {
    /// `MalformedCertificateException`: "the certificate was malformed or expired".
    pub const MALFORMED_CERTIFICATE: &str = "MalformedCertificate";
    /// `KeyPairMismatchException`: "the public key certificate and the private key do not match".
    pub const KEY_PAIR_MISMATCH: &str = "KeyPairMismatch";
    /// `InvalidPublicKeyException`: "the public key is malformed or otherwise invalid".
    pub const INVALID_PUBLIC_KEY: &str = "InvalidPublicKey";
    /// `UnrecognizedPublicKeyEncodingException`: "the public key encoding format is
    /// unsupported or unrecognized".
    pub const UNRECOGNIZED_PUBLIC_KEY_ENCODING: &str = "UnrecognizedPublicKeyEncoding";
}

/// Key-size limits AWS documents (input lengths are the protocol layer's, from the model).
pub mod limits {
    /// "The minimum bit-length of the public key is 2048 bits" (`UploadSSHPublicKey`).
    pub const SSH_RSA_MIN_BITS: u32 = 2048;
    /// RSA key sizes for server certificates: "2048 … AWS also supports 1024-bit and 4096-bit
    /// encryption" (IAM User Guide, "Creating, Uploading, and Deleting Server Certificates").
    pub const SERVER_RSA_MIN_BITS: u32 = 1024;
    /// See [`SERVER_RSA_MIN_BITS`].
    pub const SERVER_RSA_MAX_BITS: u32 = 4096;
}

/// One `-----BEGIN <label>-----` … `-----END <label>-----` block. It may hold a private key,
/// so `Debug` shows the label and the size only.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    /// RFC 1421 header lines (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) before the body.
    pub(crate) headers: Vec<String>,
    pub(crate) der: Vec<u8>,
}

impl std::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemBlock")
            .field("label", &self.label)
            .field("headers", &self.headers.len())
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// Why a text is not a sequence of PEM blocks; `block` counts the blocks read before the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PemFault {
    pub(crate) block: usize,
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Reads a text made only of PEM blocks, with blank lines (and surrounding whitespace) allowed
/// between them. Any other text outside a block is a fault: AWS refused a chain that carried
/// `openssl x509 -text` output before its PEM blocks (aws/aws-cli#715).
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, PemFault> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let fault = PemFault {
            block: blocks.len(),
        };
        let label = line
            .strip_prefix(BEGIN)
            .and_then(|rest| rest.strip_suffix(DASHES))
            .filter(|label| valid_label(label))
            .ok_or(fault)?;
        let mut headers = Vec::new();
        let mut body = String::new();
        let mut in_headers = true;
        let mut closed = false;
        for line in lines.by_ref() {
            if let Some(end) = line.strip_prefix(END) {
                if end.strip_suffix(DASHES) != Some(label) {
                    return Err(fault);
                }
                closed = true;
                break;
            }
            if in_headers {
                if line.contains(':') {
                    headers.push(line.to_owned());
                    continue;
                }
                in_headers = false;
                if line.is_empty() && !headers.is_empty() {
                    // The blank line that ends the RFC 1421 headers.
                    continue;
                }
            }
            if line.is_empty()
                || !line
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
            {
                return Err(fault);
            }
            body.push_str(line);
        }
        if !closed || body.is_empty() {
            return Err(fault);
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| fault)?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            headers,
            der,
        });
    }
    Ok(blocks)
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-')
}

/// Wraps DER in a PEM block with 64-character lines and a final newline.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(END);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

/// Lower-case hex pairs joined by `:` (`c4:48:dd:…`), the form of IAM's SSH fingerprints.
pub(crate) fn colon_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        push_hex(&mut out, *b);
    }
    out
}

/// Lower-case hex without separators.
pub(crate) fn plain_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        push_hex(&mut out, *b);
    }
    out
}

fn push_hex(out: &mut String, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(DIGITS[usize::from(b >> 4)]));
    out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
}

/// The bit length of an unsigned big-endian integer (leading zero bytes ignored).
pub(crate) fn bit_length(magnitude: &[u8]) -> u32 {
    let Some(first) = magnitude.iter().position(|b| *b != 0) else {
        return 0;
    };
    let rest = magnitude.get(first..).unwrap_or_default();
    let whole = u32::try_from(rest.len().saturating_sub(1))
        .unwrap_or(u32::MAX / 8)
        .saturating_mul(8);
    let top = rest.first().copied().unwrap_or(0);
    whole.saturating_add(8 - top.leading_zeros())
}

/// The magnitude without leading zero bytes.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = include_str!("testdata/rsa2048.crt");

    #[test]
    fn reads_a_block_and_round_trips_it() {
        let blocks = pem_blocks(CERT).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert!(blocks[0].headers.is_empty());
        assert_eq!(pem_encode("CERTIFICATE", &blocks[0].der), CERT);
    }

    #[test]
    fn tolerates_crlf_and_blank_lines_between_blocks() {
        let text = format!("\r\n\r\n{}\r\n\r\n{}", CERT.replace('\n', "\r\n"), CERT);
        assert_eq!(pem_blocks(&text).unwrap().len(), 2);
    }

    #[test]
    fn refuses_text_outside_blocks() {
        let text = format!("subject=CN = www.example.com\n{CERT}");
        assert_eq!(pem_blocks(&text).unwrap_err(), PemFault { block: 0 });
        let text = format!("{CERT}trailing words\n");
        assert_eq!(pem_blocks(&text).unwrap_err(), PemFault { block: 1 });
    }

    #[test]
    fn refuses_truncated_and_mislabelled_blocks() {
        let cut = &CERT[..CERT.len() / 2];
        assert!(pem_blocks(cut).is_err());
        let wrong_end = CERT.replace("END CERTIFICATE", "END PRIVATE KEY");
        assert!(pem_blocks(&wrong_end).is_err());
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").is_err());
        assert!(
            pem_blocks("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----").is_err()
        );
    }

    #[test]
    fn debug_output_leaves_the_key_out() {
        let key = include_str!("testdata/rsa2048.pkcs1.key");
        let blocks = pem_blocks(key).unwrap();
        let shown = format!("{blocks:?}");
        assert!(shown.contains("RSA PRIVATE KEY"));
        assert!(!shown.contains("48,"), "{shown}");
    }

    #[test]
    fn empty_text_has_no_blocks() {
        assert!(pem_blocks("").unwrap().is_empty());
        assert!(pem_blocks(" \n\t\n").unwrap().is_empty());
    }

    #[test]
    fn hex_and_bit_helpers() {
        assert_eq!(colon_hex(&[0xc4, 0x48, 0x0d]), "c4:48:0d");
        assert_eq!(plain_hex(&[0x00, 0xff]), "00ff");
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[0x00, 0x00]), 0);
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(strip_leading_zeros(&[0, 0, 5, 0]), &[5, 0]);
    }

    mod never_panics {
        use super::super::{ssh, x509};
        use proptest::prelude::*;
        use time::macros::datetime;

        const CERT: &str = include_str!("testdata/leaf.crt");
        const KEY: &str = include_str!("testdata/leaf.key");
        const CHAIN: &str = include_str!("testdata/chain.pem");
        const SSH: &str = include_str!("testdata/ssh_rsa_2048.pub");
        const SPKI: &str = include_str!("testdata/ssh_rsa_2048.spki.pem");

        fn exercise(text: &str) {
            let now = datetime!(2030-01-01 00:00 UTC);
            let _ = ssh::parse_public_key(text);
            let _ = ssh::encode(text, ssh::Encoding::Pem);
            let _ = ssh::encode(text, ssh::Encoding::Ssh);
            let _ = x509::parse_chain(text);
            let _ = x509::validate_server_certificate(text, KEY, Some(text), now);
            let _ = x509::validate_server_certificate(CERT, text, Some(CHAIN), now);
            if let Ok(cert) = x509::parse_certificate(text) {
                let _ = x509::check_private_key(text, &cert);
                let _ = x509::check_validity(&cert, now);
            }
        }

        /// A fixture with one byte range replaced: mostly well-formed, broken somewhere.
        fn mutated() -> impl Strategy<Value = String> {
            (
                prop::sample::select(vec![CERT, KEY, CHAIN, SSH, SPKI]),
                any::<prop::sample::Index>(),
                0usize..40,
                "[ -~\\n]{0,8}",
            )
                .prop_map(|(base, at, len, insert)| {
                    let start = at.index(base.len());
                    let end = (start + len).min(base.len());
                    let mut s = String::with_capacity(base.len() + insert.len());
                    s.push_str(&base[..start]);
                    s.push_str(&insert);
                    s.push_str(&base[end..]);
                    s
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn arbitrary_strings(text in any::<String>()) {
                exercise(&text);
            }

            #[test]
            fn pem_like_strings(text in "(-----(BEGIN|END) (CERTIFICATE|PUBLIC KEY|RSA PRIVATE KEY)-----\\n|[A-Za-z0-9+/=]{0,70}\\n|ssh-rsa |[ -~]{0,10}){0,12}") {
                exercise(&text);
            }

            #[test]
            fn mutated_fixtures(text in mutated()) {
                exercise(&text);
            }
        }
    }
}
