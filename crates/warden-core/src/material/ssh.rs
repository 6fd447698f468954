//! SSH public keys for `UploadSSHPublicKey` and `GetSSHPublicKey`.
//!
//! AWS's rules (API reference, `UploadSSHPublicKey`, `SSHPublicKeyBody`): "The public key must be
//! encoded in ssh-rsa format or PEM format. The minimum bit-length of the public key is 2048
//! bits." Accepted here:
//! - the OpenSSH one-line form `ssh-rsa <base64 blob> [comment]`;
//! - PEM `-----BEGIN PUBLIC KEY-----` (X.509 SubjectPublicKeyInfo, what `GetSSHPublicKey` with
//!   `Encoding=PEM` returns) and `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
//!
//! Any other key type (`ssh-ed25519`, `ecdsa-sha2-*`, `ssh-dss`, an EC or Ed25519 PEM key), RFC
//! 4716 `---- BEGIN SSH2 PUBLIC KEY ----` text, a private key, or text that is none of these is
//! `UnrecognizedPublicKeyEncoding`; a recognised encoding whose content is broken, or an RSA key
//! shorter than 2048 bits, is `InvalidPublicKey`.
//!
//! The stored body is the canonical OpenSSH form `ssh-rsa <base64>` without the comment: the
//! Terraform AWS provider strips comments before comparing what it sent with what
//! `GetSSHPublicKey` returns (`cleanSSHKey` in `internal/service/iam/user_ssh_key.go`), because
//! AWS does not return them.

use base64::Engine as _;
use der::{Decode as _, Encode as _};
use md5::Digest as _;

use super::{MaterialError, codes, limits};

/// "Invalid public key uploaded." is the message quoted with `UnrecognizedPublicKeyEncoding`
/// from `aws iam upload-ssh-public-key` in a CodeCommit write-up.
pub const UNRECOGNIZED_ENCODING_MESSAGE: &str = "Invalid public key uploaded.";
/// Not observed from AWS; the service model's description of `InvalidPublicKeyException`.
pub const INVALID_KEY_MESSAGE: &str = "The public key is malformed or otherwise invalid.";
/// Not observed from AWS; the API reference's own sentence for the rule.
pub const TOO_SHORT_MESSAGE: &str = "The minimum bit-length of the public key is 2048 bits.";

const SSH_RSA: &str = "ssh-rsa";
/// `rsaEncryption`, RFC 8017 appendix C.
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The `Encoding` parameter of `GetSSHPublicKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `SSH`: `ssh-rsa <base64>`.
    Ssh,
    /// `PEM`: `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo), 64-character lines.
    Pem,
}

/// An accepted SSH public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKey {
    /// MD5 of the OpenSSH key blob as lower-case hex pairs joined by `:`, as
    /// `ssh-keygen -l -E md5` prints it (47 characters).
    pub fingerprint: String,
    /// The body to store and return: `ssh-rsa <base64>`, comment dropped.
    pub body: String,
    /// The modulus size in bits.
    pub bits: u32,
}

/// Validates an `SSHPublicKeyBody` as `UploadSSHPublicKey` does.
pub fn parse_public_key(body: &str) -> Result<SshPublicKey, MaterialError> {
    let key = RsaKey::parse(body)?;
    let bits = super::bit_length(&key.modulus);
    if bits < limits::SSH_RSA_MIN_BITS {
        return Err(MaterialError::new(
            codes::INVALID_PUBLIC_KEY,
            TOO_SHORT_MESSAGE,
        ));
    }
    let blob = key.ssh_blob();
    Ok(SshPublicKey {
        fingerprint: super::colon_hex(&md5::Md5::digest(&blob)),
        body: ssh_line(&blob),
        bits,
    })
}

/// Renders a stored key body (either accepted form) in the encoding `GetSSHPublicKey` asks for.
pub fn encode(key_body: &str, encoding: Encoding) -> Result<String, MaterialError> {
    let key = RsaKey::parse(key_body)?;
    match encoding {
        Encoding::Ssh => Ok(ssh_line(&key.ssh_blob())),
        Encoding::Pem => Ok(super::pem_encode("PUBLIC KEY", &key.spki_der()?)),
    }
}

/// An RSA public key as unsigned big-endian magnitudes without leading zeros.
struct RsaKey {
    exponent: Vec<u8>,
    modulus: Vec<u8>,
}

fn unrecognized() -> MaterialError {
    MaterialError::new(
        codes::UNRECOGNIZED_PUBLIC_KEY_ENCODING,
        UNRECOGNIZED_ENCODING_MESSAGE,
    )
}

fn invalid() -> MaterialError {
    MaterialError::new(codes::INVALID_PUBLIC_KEY, INVALID_KEY_MESSAGE)
}

impl RsaKey {
    fn parse(body: &str) -> Result<Self, MaterialError> {
        let text = body.trim();
        if text.starts_with("-----BEGIN ") {
            Self::from_pem(text)
        } else {
            Self::from_openssh(text)
        }
    }

    fn from_openssh(line: &str) -> Result<Self, MaterialError> {
        // One key on one line: an authorized_keys file with several keys is not one key.
        if line.contains(['\n', '\r']) {
            return Err(unrecognized());
        }
        let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
        let (Some(kind), Some(b64)) = (fields.next(), fields.next()) else {
            return Err(unrecognized());
        };
        if kind != SSH_RSA {
            return Err(unrecognized());
        }
        let blob = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| invalid())?;
        let mut reader = SshReader(&blob);
        if reader.string()? != SSH_RSA.as_bytes() {
            return Err(invalid());
        }
        let exponent = reader.mpint()?;
        let modulus = reader.mpint()?;
        if !reader.0.is_empty() {
            return Err(invalid());
        }
        Self::checked(exponent, modulus)
    }

    fn from_pem(text: &str) -> Result<Self, MaterialError> {
        let blocks = super::pem_blocks(text).map_err(|_| unrecognized())?;
        let [block] = blocks.as_slice() else {
            return Err(unrecognized());
        };
        if !block.headers.is_empty() {
            return Err(unrecognized());
        }
        match block.label.as_str() {
            "PUBLIC KEY" => {
                let spki =
                    spki::SubjectPublicKeyInfoRef::from_der(&block.der).map_err(|_| invalid())?;
                if spki.algorithm.oid != RSA_ENCRYPTION {
                    return Err(unrecognized());
                }
                let bits = spki.subject_public_key.as_bytes().ok_or_else(invalid)?;
                Self::from_pkcs1(bits)
            }
            "RSA PUBLIC KEY" => Self::from_pkcs1(&block.der),
            _ => Err(unrecognized()),
        }
    }

    fn from_pkcs1(der: &[u8]) -> Result<Self, MaterialError> {
        let key = pkcs1::RsaPublicKey::from_der(der).map_err(|_| invalid())?;
        Self::checked(
            key.public_exponent.as_bytes().to_vec(),
            key.modulus.as_bytes().to_vec(),
        )
    }

    fn checked(exponent: Vec<u8>, modulus: Vec<u8>) -> Result<Self, MaterialError> {
        let exponent = super::strip_leading_zeros(&exponent).to_vec();
        let modulus = super::strip_leading_zeros(&modulus).to_vec();
        // A zero exponent or modulus is no key at all.
        if exponent.is_empty() || modulus.is_empty() {
            return Err(invalid());
        }
        Ok(Self { exponent, modulus })
    }

    /// The RFC 4253 §6.6 blob: string "ssh-rsa", mpint e, mpint n.
    fn ssh_blob(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(self.modulus.len() + self.exponent.len() + 24);
        put_string(&mut blob, SSH_RSA.as_bytes());
        put_mpint(&mut blob, &self.exponent);
        put_mpint(&mut blob, &self.modulus);
        blob
    }

    /// DER SubjectPublicKeyInfo with `rsaEncryption` and NULL parameters.
    fn spki_der(&self) -> Result<Vec<u8>, MaterialError> {
        let pkcs1_der = pkcs1::RsaPublicKey {
            modulus: der::asn1::UintRef::new(&self.modulus).map_err(|_| invalid())?,
            public_exponent: der::asn1::UintRef::new(&self.exponent).map_err(|_| invalid())?,
        }
        .to_der()
        .map_err(|_| invalid())?;
        spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            subject_public_key: der::asn1::BitStringRef::from_bytes(&pkcs1_der)
                .map_err(|_| invalid())?,
        }
        .to_der()
        .map_err(|_| invalid())
    }
}

fn ssh_line(blob: &[u8]) -> String {
    format!(
        "{SSH_RSA} {}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    // Key material here is at most a few kilobytes; the length always fits in u32.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    if magnitude.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = Vec::with_capacity(magnitude.len() + 1);
        padded.push(0);
        padded.extend_from_slice(magnitude);
        put_string(out, &padded);
    } else {
        put_string(out, magnitude);
    }
}

/// Reads RFC 4251 §5 `string` and `mpint` values.
struct SshReader<'a>(&'a [u8]);

impl<'a> SshReader<'a> {
    fn string(&mut self) -> Result<&'a [u8], MaterialError> {
        let (len, rest) = self.0.split_first_chunk::<4>().ok_or_else(invalid)?;
        let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| invalid())?;
        if rest.len() < len {
            return Err(invalid());
        }
        let (value, rest) = rest.split_at(len);
        self.0 = rest;
        Ok(value)
    }

    /// A non-negative mpint's magnitude. Negative values are not RSA parameters.
    fn mpint(&mut self) -> Result<Vec<u8>, MaterialError> {
        let value = self.string()?;
        if value.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(invalid());
        }
        Ok(value.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_2048: &str = include_str!("testdata/ssh_rsa_2048.pub");
    const RSA_2048_MD5: &str = include_str!("testdata/ssh_rsa_2048.md5");
    const RSA_2048_SPKI: &str = include_str!("testdata/ssh_rsa_2048.spki.pem");
    const RSA_2048_PKCS1: &str = include_str!("testdata/ssh_rsa_2048.pkcs1pub.pem");
    const RSA_1024: &str = include_str!("testdata/ssh_rsa_1024.pub");
    const RSA_4096: &str = include_str!("testdata/ssh_rsa_4096.pub");
    const ED25519: &str = include_str!("testdata/ssh_ed25519.pub");
    const RSA_PRIVATE: &str = include_str!("testdata/rsa2048.pkcs1.key");
    const EC_CERT_KEY: &str = include_str!("testdata/ec256.pkcs8.key");

    fn without_comment(line: &str) -> String {
        line.split(' ').take(2).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn accepts_openssh_rsa_2048_with_ssh_keygen_fingerprint() {
        let key = parse_public_key(RSA_2048).unwrap();
        // `ssh-keygen -l -E md5 -f ssh_rsa_2048.pub`, recorded when the fixture was made.
        assert_eq!(key.fingerprint, RSA_2048_MD5.trim());
        assert_eq!(key.fingerprint.len(), 47);
        assert_eq!(key.bits, 2048);
        assert_eq!(key.body, without_comment(RSA_2048.trim()));
        assert!(!key.body.contains("alice@example.com"));
    }

    #[test]
    fn accepts_pem_forms_of_the_same_key_with_the_same_fingerprint() {
        let ssh = parse_public_key(RSA_2048).unwrap();
        for pem in [RSA_2048_SPKI, RSA_2048_PKCS1] {
            let key = parse_public_key(pem).unwrap();
            assert_eq!(key, ssh);
        }
    }

    #[test]
    fn accepts_4096_and_surrounding_whitespace_and_no_comment() {
        assert_eq!(parse_public_key(RSA_4096).unwrap().bits, 4096);
        let bare = without_comment(RSA_2048.trim());
        let padded = format!("\n\t {bare}\t\n");
        assert_eq!(parse_public_key(&padded).unwrap().body, bare);
    }

    #[test]
    fn refuses_rsa_1024() {
        let err = parse_public_key(RSA_1024).unwrap_err();
        assert_eq!(err.code, codes::INVALID_PUBLIC_KEY);
        assert_eq!(err.message, TOO_SHORT_MESSAGE);
    }

    #[test]
    fn refuses_other_key_types_and_garbage_as_unrecognized() {
        for body in [
            ED25519,
            "garbage",
            "",
            "ssh-rsa",
            "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----",
            RSA_PRIVATE,
            EC_CERT_KEY,
        ] {
            let err = parse_public_key(body).unwrap_err();
            assert_eq!(err.code, codes::UNRECOGNIZED_PUBLIC_KEY_ENCODING, "{body}");
            assert_eq!(err.message, UNRECOGNIZED_ENCODING_MESSAGE);
        }
        let two_keys = format!("{RSA_2048}{RSA_4096}");
        assert_eq!(
            parse_public_key(&two_keys).unwrap_err().code,
            codes::UNRECOGNIZED_PUBLIC_KEY_ENCODING
        );
    }

    #[test]
    fn refuses_broken_content_as_invalid() {
        let b64 = RSA_2048.split(' ').nth(1).unwrap();
        let truncated = format!("ssh-rsa {}", &b64[..b64.len() - 40]);
        let not_base64 = "ssh-rsa AAAA!!!!";
        // The blob claims to be ssh-ed25519 although the line says ssh-rsa.
        let ed_blob = ED25519.split(' ').nth(1).unwrap();
        let mislabelled = format!("ssh-rsa {ed_blob}");
        let mut blob = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        blob.push(0);
        let trailing = format!(
            "ssh-rsa {}",
            base64::engine::general_purpose::STANDARD.encode(&blob)
        );
        let bad_pem = RSA_2048_SPKI.replacen("MIIBIjAN", "MIIBIjAA", 1);
        for body in [
            truncated.as_str(),
            not_base64,
            mislabelled.as_str(),
            trailing.as_str(),
            bad_pem.as_str(),
        ] {
            let err = parse_public_key(body).unwrap_err();
            assert_eq!(err.code, codes::INVALID_PUBLIC_KEY, "{body}");
        }
    }

    #[test]
    fn refuses_truncated_pem() {
        let cut = &RSA_2048_SPKI[..RSA_2048_SPKI.len() - 30];
        assert!(parse_public_key(cut).is_err());
    }

    #[test]
    fn encodes_between_ssh_and_pem() {
        let key = parse_public_key(RSA_2048).unwrap();
        // `ssh-keygen -e -m PKCS8` output is the SubjectPublicKeyInfo AWS returns for PEM.
        assert_eq!(encode(&key.body, Encoding::Pem).unwrap(), RSA_2048_SPKI);
        assert_eq!(encode(&key.body, Encoding::Ssh).unwrap(), key.body);
        assert_eq!(encode(RSA_2048_SPKI, Encoding::Ssh).unwrap(), key.body);
        assert_eq!(
            encode(RSA_2048_PKCS1, Encoding::Pem).unwrap(),
            RSA_2048_SPKI
        );
    }

    #[test]
    fn encode_refuses_what_parse_refuses() {
        assert_eq!(
            encode("nonsense", Encoding::Pem).unwrap_err().code,
            codes::UNRECOGNIZED_PUBLIC_KEY_ENCODING
        );
    }
}
