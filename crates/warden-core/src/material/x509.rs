//! X.509 certificates, their private keys and chains for `UploadSigningCertificate` and
//! `UploadServerCertificate`.
//!
//! AWS's rules (IAM User Guide, "Managing server certificates in IAM", upload section):
//! - "The certificate must be valid at the time of upload. You cannot upload a certificate
//!   before its validity period begins (the certificate's `NotBefore` date) or after it expires
//!   (the certificate's `NotAfter` date)." — [`check_validity`];
//! - "The private key must be unencrypted." — [`check_private_key`];
//! - "The certificate, private key, and certificate chain must all be PEM-encoded."
//! - In a chain "each certificate must certify the preceding certificate" — [`check_chain_order`].
//!
//! [`validate_server_certificate`] applies all of them in one call.

use der::{Decode as _, Encode as _};
use sha2::Digest as _;
use time::OffsetDateTime;

use super::{MaterialError, PemBlock, codes, limits};

/// AWS's message for a certificate body it cannot read, quoted from real responses
/// (openshift/openshift-ansible#11214 shows the raw XML; vmware-archive/terraforming-aws#46).
pub const UNPARSEABLE_CERTIFICATE_MESSAGE: &str =
    "Unable to parse certificate. Please ensure the certificate is in PEM format.";
/// AWS's message for an expired server certificate, quoted from a Terraform run in the
/// MatthiasScholz/cos examples README.
pub const EXPIRED_MESSAGE: &str = "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed.";
/// Not observed verbatim: AWS answers `MalformedCertificate` for a certificate whose validity
/// begins in the future (AWS service team in aws/aws-sdk-go#2586); the wording mirrors
/// [`EXPIRED_MESSAGE`].
pub const NOT_YET_VALID_MESSAGE: &str = "Certificate is not yet valid. The 'Not Before' date restriction on the certificate has not passed.";
/// Not observed from AWS: a private key that cannot be read (or is encrypted).
pub const UNPARSEABLE_PRIVATE_KEY_MESSAGE: &str =
    "Unable to parse private key. Please ensure the private key is in PEM format and unencrypted.";
/// Not observed from AWS; the service model's description of `KeyPairMismatchException`.
pub const KEY_PAIR_MISMATCH_MESSAGE: &str =
    "The public key certificate and the private key do not match.";
/// Not observed from AWS: an RSA server key outside the sizes AWS documents.
pub const UNSUPPORTED_KEY_SIZE_MESSAGE: &str =
    "Unsupported key size. RSA keys must be between 1024 and 4096 bits.";

/// The start of AWS's message for a chain that does not link up; AWS ends it with
/// ` The index within the chain of the invalid certificate is: N` (index `-1` in
/// mprahl/ansible-role-lets-encrypt-route-53#52 and go-acme/lego#304; the sentence without an
/// index in aws/aws-cli#715).
pub const INVALID_CHAIN_MESSAGE: &str = "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order.";

const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The public key a certificate binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA: unsigned big-endian magnitudes without leading zeros.
    Rsa {
        /// `n`.
        modulus: Vec<u8>,
        /// `e`.
        exponent: Vec<u8>,
    },
    /// Elliptic curve: the named curve and the SEC1 point as the certificate encodes it.
    Ec {
        /// Dotted OID of the named curve (`1.2.840.10045.3.1.7` is P-256), if named.
        curve: Option<String>,
        /// The SEC1 encoded point (`04 || x || y`, or compressed).
        point: Vec<u8>,
    },
    /// Any other algorithm (Ed25519, DSA, …), by dotted OID.
    Other {
        /// The algorithm's dotted OID.
        algorithm: String,
    },
}

impl PublicKey {
    /// The RSA modulus size in bits; `None` for other key types.
    pub fn rsa_bits(&self) -> Option<u32> {
        match self {
            Self::Rsa { modulus, .. } => Some(super::bit_length(modulus)),
            Self::Ec { .. } | Self::Other { .. } => None,
        }
    }
}

/// A parsed certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The PEM text to store and return: the input without surrounding whitespace and without
    /// carriage returns (the Terraform AWS provider compares what `GetServerCertificate` returns
    /// with its input after exactly that normalisation, `normalizeCert` in
    /// `internal/service/iam/server_certificate.go`).
    pub body: String,
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// SHA-256 of the DER, lower-case hex: a stable identity for duplicate detection.
    pub sha256_hex: String,
    /// The serial number, lower-case hex as encoded.
    pub serial_hex: String,
    /// The subject Name, DER.
    pub subject_der: Vec<u8>,
    /// The issuer Name, DER.
    pub issuer_der: Vec<u8>,
    /// `notBefore`.
    pub not_before: OffsetDateTime,
    /// `notAfter`: `ServerCertificateMetadata.Expiration`.
    pub not_after: OffsetDateTime,
    /// The subject public key.
    pub public_key: PublicKey,
}

/// Everything `UploadServerCertificate` stores once its material is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCertificateMaterial {
    /// The certificate body.
    pub certificate: CertificateInfo,
    /// The chain text to store and return (normalised like [`CertificateInfo::body`]), if given.
    pub chain_body: Option<String>,
    /// The chain's certificates, in the given order.
    pub chain: Vec<CertificateInfo>,
}

fn malformed(message: &str) -> MaterialError {
    MaterialError::new(codes::MALFORMED_CERTIFICATE, message)
}

/// Trims surrounding whitespace and removes carriage returns.
pub fn normalize_body(text: &str) -> String {
    text.trim().replace('\r', "")
}

/// Parses one PEM certificate (`CertificateBody` of `UploadSigningCertificate` and
/// `UploadServerCertificate`). Anything else — no block, two blocks, another label, text
/// around the block, bad base64 or DER, a truncated block — is `MalformedCertificate`.
pub fn parse_certificate(pem: &str) -> Result<CertificateInfo, MaterialError> {
    let fail = || malformed(UNPARSEABLE_CERTIFICATE_MESSAGE);
    let blocks = super::pem_blocks(pem).map_err(|_| fail())?;
    let [block] = blocks.as_slice() else {
        return Err(fail());
    };
    let mut info = certificate_from_block(block).ok_or_else(fail)?;
    info.body = normalize_body(pem);
    Ok(info)
}

/// Parses a `CertificateChain`: one or more concatenated PEM certificates. A fault is reported
/// with AWS's chain message and the 0-based index of the block that could not be read (`-1`
/// when no block was found at all).
pub fn parse_chain(pem: &str) -> Result<Vec<CertificateInfo>, MaterialError> {
    let blocks = super::pem_blocks(pem).map_err(|fault| chain_error(index_of(fault.block)))?;
    if blocks.is_empty() {
        return Err(chain_error(-1));
    }
    blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let mut info = certificate_from_block(block).ok_or_else(|| chain_error(index_of(i)))?;
            info.body = super::pem_encode("CERTIFICATE", &info.der)
                .trim_end()
                .to_owned();
            Ok(info)
        })
        .collect()
}

fn index_of(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

fn chain_error(index: i64) -> MaterialError {
    malformed(&format!(
        "{INVALID_CHAIN_MESSAGE} The index within the chain of the invalid certificate is: {index}"
    ))
}

fn certificate_from_block(block: &PemBlock) -> Option<CertificateInfo> {
    if block.label != "CERTIFICATE" || !block.headers.is_empty() {
        return None;
    }
    let cert = x509_cert::Certificate::from_der(&block.der).ok()?;
    let tbs = &cert.tbs_certificate;
    let not_before = to_datetime(tbs.validity.not_before)?;
    let not_after = to_datetime(tbs.validity.not_after)?;
    Some(CertificateInfo {
        body: String::new(),
        sha256_hex: super::plain_hex(&sha2::Sha256::digest(&block.der)),
        der: block.der.clone(),
        serial_hex: super::plain_hex(tbs.serial_number.as_bytes()),
        subject_der: tbs.subject.to_der().ok()?,
        issuer_der: tbs.issuer.to_der().ok()?,
        not_before,
        not_after,
        public_key: public_key_of(&tbs.subject_public_key_info)?,
    })
}

fn to_datetime(t: x509_cert::time::Time) -> Option<OffsetDateTime> {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).ok()?;
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

fn public_key_of(spki: &spki::SubjectPublicKeyInfoOwned) -> Option<PublicKey> {
    let oid = spki.algorithm.oid;
    let bits = spki.subject_public_key.as_bytes()?;
    if oid == RSA_ENCRYPTION {
        let key = pkcs1::RsaPublicKey::from_der(bits).ok()?;
        Some(PublicKey::Rsa {
            modulus: key.modulus.as_bytes().to_vec(),
            exponent: key.public_exponent.as_bytes().to_vec(),
        })
    } else if oid == EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
            .map(|c| c.to_string());
        Some(PublicKey::Ec {
            curve,
            point: bits.to_vec(),
        })
    } else {
        Some(PublicKey::Other {
            algorithm: oid.to_string(),
        })
    }
}

/// A server certificate must be valid at upload: `not_before <= now <= not_after`.
pub fn check_validity(cert: &CertificateInfo, now: OffsetDateTime) -> Result<(), MaterialError> {
    if now < cert.not_before {
        return Err(malformed(NOT_YET_VALID_MESSAGE));
    }
    if now > cert.not_after {
        return Err(malformed(EXPIRED_MESSAGE));
    }
    Ok(())
}

/// Server certificate keys: RSA between 1024 and 4096 bits (the sizes the IAM User Guide lists);
/// elliptic-curve and other keys are left to the services that use the certificate.
pub fn check_server_key_size(cert: &CertificateInfo) -> Result<(), MaterialError> {
    match cert.public_key.rsa_bits() {
        Some(bits)
            if !(limits::SERVER_RSA_MIN_BITS..=limits::SERVER_RSA_MAX_BITS).contains(&bits) =>
        {
            Err(malformed(UNSUPPORTED_KEY_SIZE_MESSAGE))
        }
        _ => Ok(()),
    }
}

/// The public half of a private key, as far as it can be read without arithmetic.
enum KeyPublicPart {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    Ec {
        curve: Option<String>,
        /// `None` when the key does not embed its public point (e.g. `openssl ec -no_public`).
        point: Option<Vec<u8>>,
    },
}

/// Checks `PrivateKey` of `UploadServerCertificate`: one unencrypted PEM private key — PKCS#1
/// `RSA PRIVATE KEY`, PKCS#8 `PRIVATE KEY` (RSA or EC) or SEC1 `EC PRIVATE KEY` (an
/// `EC PARAMETERS` block before it is allowed, as `openssl ecparam -genkey` writes it) — whose
/// public half is the certificate's key.
///
/// RSA keys match on modulus and exponent. EC keys match on curve and on the public point the
/// key embeds (SEC1 `publicKey`, or the PKCS#8 v2 `publicKey`); a key without its public point
/// cannot be checked without curve arithmetic and is reported as `KeyPairMismatch`.
pub fn check_private_key(
    private_key_pem: &str,
    cert: &CertificateInfo,
) -> Result<(), MaterialError> {
    let key = read_private_key(private_key_pem)
        .ok_or_else(|| malformed(UNPARSEABLE_PRIVATE_KEY_MESSAGE))?;
    let matches = match (&key, &cert.public_key) {
        (
            KeyPublicPart::Rsa { modulus, exponent },
            PublicKey::Rsa {
                modulus: cert_modulus,
                exponent: cert_exponent,
            },
        ) => {
            super::strip_leading_zeros(modulus) == super::strip_leading_zeros(cert_modulus)
                && super::strip_leading_zeros(exponent) == super::strip_leading_zeros(cert_exponent)
        }
        (
            KeyPublicPart::Ec { curve, point },
            PublicKey::Ec {
                curve: cert_curve,
                point: cert_point,
            },
        ) => {
            let same_curve = match (curve, cert_curve) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            same_curve
                && point
                    .as_deref()
                    .is_some_and(|p| same_ec_point(p, cert_point))
        }
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(MaterialError::new(
            codes::KEY_PAIR_MISMATCH,
            KEY_PAIR_MISMATCH_MESSAGE,
        ))
    }
}

fn read_private_key(pem: &str) -> Option<KeyPublicPart> {
    let blocks = super::pem_blocks(pem).ok()?;
    let blocks: Vec<&PemBlock> = match blocks.as_slice() {
        [params, rest @ ..] if params.label == "EC PARAMETERS" => rest.iter().collect(),
        all => all.iter().collect(),
    };
    let [block] = blocks.as_slice() else {
        return None;
    };
    // RFC 1421 headers on a key mean `Proc-Type: 4,ENCRYPTED`: AWS takes unencrypted keys only.
    if !block.headers.is_empty() {
        return None;
    }
    match block.label.as_str() {
        "RSA PRIVATE KEY" => rsa_private(&block.der),
        "EC PRIVATE KEY" => ec_private(&block.der, None),
        "PRIVATE KEY" => {
            let info = pkcs8::PrivateKeyInfo::from_der(&block.der).ok()?;
            if info.algorithm.oid == RSA_ENCRYPTION {
                rsa_private(info.private_key)
            } else if info.algorithm.oid == EC_PUBLIC_KEY {
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
                    .map(|c| c.to_string());
                let mut part = ec_private(info.private_key, curve)?;
                if let (KeyPublicPart::Ec { point, .. }, Some(outer)) = (&mut part, info.public_key)
                    && point.is_none()
                {
                    *point = Some(outer.to_vec());
                }
                Some(part)
            } else {
                None
            }
        }
        // Includes "ENCRYPTED PRIVATE KEY".
        _ => None,
    }
}

fn rsa_private(der: &[u8]) -> Option<KeyPublicPart> {
    let key = pkcs1::RsaPrivateKey::from_der(der).ok()?;
    Some(KeyPublicPart::Rsa {
        modulus: key.modulus.as_bytes().to_vec(),
        exponent: key.public_exponent.as_bytes().to_vec(),
    })
}

fn ec_private(der: &[u8], outer_curve: Option<String>) -> Option<KeyPublicPart> {
    let key = sec1::EcPrivateKey::from_der(der).ok()?;
    let inner_curve = key
        .parameters
        .and_then(|p| p.named_curve())
        .map(|c| c.to_string());
    let curve = match (outer_curve, inner_curve) {
        (Some(a), Some(b)) if a != b => return None,
        (a, b) => a.or(b),
    };
    Some(KeyPublicPart::Ec {
        curve,
        point: key.public_key.map(<[u8]>::to_vec),
    })
}

/// SEC1 points are equal when their bytes are, or when one is the compressed form of the other
/// (same x, and the compressed prefix's parity matches y).
fn same_ec_point(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (uncompressed, compressed) = match (a.first(), b.first()) {
        (Some(0x04), Some(0x02 | 0x03)) => (a, b),
        (Some(0x02 | 0x03), Some(0x04)) => (b, a),
        _ => return false,
    };
    let (Some(xy), Some(x)) = (uncompressed.get(1..), compressed.get(1..)) else {
        return false;
    };
    if xy.len() != 2 * x.len() || x.is_empty() {
        return false;
    }
    let (ux, uy) = xy.split_at(x.len());
    let odd = uy.last().is_some_and(|b| b & 1 == 1);
    let prefix_odd = compressed.first() == Some(&0x03);
    ux == x && odd == prefix_odd
}

/// Each certificate must be issued by the one after it: the body by `chain[0]`, `chain[0]` by
/// `chain[1]`, and so on (Names compared as DER; signatures are not verified). The index AWS
/// reports is taken to be that of the certificate whose issuer does not follow it, with the body
/// at `-1` — which fits Let's Encrypt users whose stale intermediate file drew index `-1`.
pub fn check_chain_order(
    cert: &CertificateInfo,
    chain: &[CertificateInfo],
) -> Result<(), MaterialError> {
    let mut previous = cert;
    let mut index: i64 = -1;
    for next in chain {
        if previous.issuer_der != next.subject_der {
            return Err(chain_error(index));
        }
        previous = next;
        index = index.saturating_add(1);
    }
    Ok(())
}

/// `UploadServerCertificate`'s material checks in one call: the body parses, its RSA key size is
/// supported, the private key parses and matches, the certificate is valid at `now`, and the
/// chain (if given and not blank) parses and links up.
pub fn validate_server_certificate(
    certificate_body: &str,
    private_key: &str,
    certificate_chain: Option<&str>,
    now: OffsetDateTime,
) -> Result<ServerCertificateMaterial, MaterialError> {
    let certificate = parse_certificate(certificate_body)?;
    check_server_key_size(&certificate)?;
    check_private_key(private_key, &certificate)?;
    check_validity(&certificate, now)?;
    let (chain_body, chain) = match certificate_chain {
        Some(text) => {
            let chain = parse_chain(text)?;
            check_chain_order(&certificate, &chain)?;
            (Some(normalize_body(text)), chain)
        }
        None => (None, Vec::new()),
    };
    Ok(ServerCertificateMaterial {
        certificate,
        chain_body,
        chain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const RSA_CERT: &str = include_str!("testdata/rsa2048.crt");
    const RSA_PKCS1: &str = include_str!("testdata/rsa2048.pkcs1.key");
    const RSA_PKCS8: &str = include_str!("testdata/rsa2048.pkcs8.key");
    const RSA_ENCRYPTED_PKCS8: &str = include_str!("testdata/rsa2048.encrypted_pkcs8.key");
    const RSA_ENCRYPTED_PKCS1: &str = include_str!("testdata/rsa2048.encrypted_pkcs1.key");
    const OTHER_RSA: &str = include_str!("testdata/other_rsa2048.pkcs8.key");
    const EC_CERT: &str = include_str!("testdata/ec256.crt");
    const EC_SEC1: &str = include_str!("testdata/ec256.sec1.key");
    const EC_PKCS8: &str = include_str!("testdata/ec256.pkcs8.key");
    const EC_NO_PUBLIC: &str = include_str!("testdata/ec256.nopub.sec1.key");
    const EC384_CERT: &str = include_str!("testdata/ec384.crt");
    const EC384_WITH_PARAMS: &str = include_str!("testdata/ec384_with_params.key");
    const LEAF_CERT: &str = include_str!("testdata/leaf.crt");
    const LEAF_KEY: &str = include_str!("testdata/leaf.key");
    const INTER_CERT: &str = include_str!("testdata/inter.crt");
    const ROOT_CERT: &str = include_str!("testdata/root.crt");
    const CHAIN: &str = include_str!("testdata/chain.pem");
    const EXPIRED_CERT: &str = include_str!("testdata/expired.crt");
    const EXPIRED_KEY: &str = include_str!("testdata/expired.pkcs8.key");
    const WEAK_CERT: &str = include_str!("testdata/rsa512.crt");
    const WEAK_KEY: &str = include_str!("testdata/rsa512.key");

    // Inside every fixture's validity (they run from November 2026 for 100 years) except
    // `expired.crt` (2020-01-01 to 2021-01-01).
    const NOW: OffsetDateTime = datetime!(2030-06-01 12:00 UTC);

    fn malformed_cert(err: &MaterialError) -> bool {
        err.code == codes::MALFORMED_CERTIFICATE && err.message == UNPARSEABLE_CERTIFICATE_MESSAGE
    }

    #[test]
    fn parses_a_valid_rsa_certificate() {
        let cert = parse_certificate(RSA_CERT).unwrap();
        // `openssl x509 -noout -startdate -enddate -serial` and `openssl x509 -outform DER |
        // sha256sum`, recorded when the fixture was made.
        assert_eq!(cert.not_before, datetime!(2026-11-22 21:53:03 UTC));
        assert_eq!(cert.not_after, datetime!(2126-10-29 21:53:03 UTC));
        assert_eq!(cert.serial_hex, "5c40bd0f838dab3c52986274241818e6e149ab6e");
        assert_eq!(
            cert.sha256_hex,
            "5728a4daf4ce21c84c012e89fab1a84004e2125bb06e59205c24285f68f62c3d"
        );
        assert_eq!(cert.public_key.rsa_bits(), Some(2048));
        assert_eq!(cert.body, RSA_CERT.trim());
        assert_eq!(cert.subject_der, cert.issuer_der, "self-signed");
        check_validity(&cert, NOW).unwrap();
    }

    #[test]
    fn body_is_trimmed_and_loses_carriage_returns() {
        let crlf = format!("\r\n  {}\r\n\r\n", RSA_CERT.replace('\n', "\r\n"));
        let cert = parse_certificate(&crlf).unwrap();
        assert_eq!(cert.body, RSA_CERT.trim());
        assert_eq!(cert, parse_certificate(RSA_CERT).unwrap());
    }

    #[test]
    fn parses_an_ec_certificate() {
        let cert = parse_certificate(EC_CERT).unwrap();
        match &cert.public_key {
            PublicKey::Ec { curve, point } => {
                assert_eq!(curve.as_deref(), Some("1.2.840.10045.3.1.7"));
                assert_eq!(point.len(), 65);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(cert.public_key.rsa_bits(), None);
    }

    #[test]
    fn refuses_garbage_truncation_and_extra_blocks() {
        let truncated = &RSA_CERT[..RSA_CERT.len() / 2];
        let two = format!("{RSA_CERT}{EC_CERT}");
        let labelled_key = RSA_PKCS8;
        let flipped = RSA_CERT.replacen("MII", "MIJ", 1);
        let prefixed = format!("subject=CN = www.example.com\n{RSA_CERT}");
        for body in [
            "",
            "garbage",
            truncated,
            two.as_str(),
            labelled_key,
            flipped.as_str(),
            prefixed.as_str(),
        ] {
            let err = parse_certificate(body).unwrap_err();
            assert!(malformed_cert(&err), "{body}: {err}");
        }
    }

    #[test]
    fn refuses_a_body_cut_inside_the_der() {
        // Well-formed PEM around DER that stops short.
        let der = &parse_certificate(RSA_CERT).unwrap().der;
        let short = super::super::pem_encode("CERTIFICATE", &der[..der.len() - 10]);
        assert!(malformed_cert(&parse_certificate(&short).unwrap_err()));
    }

    #[test]
    fn expired_and_not_yet_valid_certificates_are_refused_for_upload() {
        let expired = parse_certificate(EXPIRED_CERT).unwrap();
        assert_eq!(expired.not_after, datetime!(2021-01-01 00:00 UTC));
        let err = check_validity(&expired, NOW).unwrap_err();
        assert_eq!(err.code, codes::MALFORMED_CERTIFICATE);
        assert_eq!(err.message, EXPIRED_MESSAGE);
        check_validity(&expired, datetime!(2020-06-01 00:00 UTC)).unwrap();

        let fresh = parse_certificate(RSA_CERT).unwrap();
        let err = check_validity(&fresh, datetime!(2026-11-22 21:53:02 UTC)).unwrap_err();
        assert_eq!(err.message, NOT_YET_VALID_MESSAGE);
        // Both ends of the period are inside it.
        check_validity(&fresh, fresh.not_before).unwrap();
        check_validity(&fresh, fresh.not_after).unwrap();

        let err = validate_server_certificate(EXPIRED_CERT, EXPIRED_KEY, None, NOW).unwrap_err();
        assert_eq!(err.message, EXPIRED_MESSAGE);
    }

    #[test]
    fn rsa_keys_in_pkcs1_and_pkcs8_match() {
        let cert = parse_certificate(RSA_CERT).unwrap();
        check_private_key(RSA_PKCS1, &cert).unwrap();
        check_private_key(RSA_PKCS8, &cert).unwrap();
        check_private_key(&RSA_PKCS8.replace('\n', "\r\n"), &cert).unwrap();
    }

    #[test]
    fn ec_keys_in_sec1_and_pkcs8_match() {
        let cert = parse_certificate(EC_CERT).unwrap();
        check_private_key(EC_SEC1, &cert).unwrap();
        check_private_key(EC_PKCS8, &cert).unwrap();
        let cert384 = parse_certificate(EC384_CERT).unwrap();
        check_private_key(EC384_WITH_PARAMS, &cert384).unwrap();
    }

    #[test]
    fn mismatched_keys_are_key_pair_mismatch() {
        let rsa = parse_certificate(RSA_CERT).unwrap();
        let ec = parse_certificate(EC_CERT).unwrap();
        let ec384 = parse_certificate(EC384_CERT).unwrap();
        for (key, cert) in [
            (OTHER_RSA, &rsa),
            (LEAF_KEY, &rsa),
            (EC_SEC1, &rsa),
            (RSA_PKCS1, &ec),
            (EC384_WITH_PARAMS, &ec),
            (EC_PKCS8, &ec384),
            // No public point embedded: nothing to compare without curve arithmetic.
            (EC_NO_PUBLIC, &ec),
        ] {
            let err = check_private_key(key, cert).unwrap_err();
            assert_eq!(err.code, codes::KEY_PAIR_MISMATCH);
            assert_eq!(err.message, KEY_PAIR_MISMATCH_MESSAGE);
        }
    }

    #[test]
    fn unreadable_or_encrypted_keys_are_malformed() {
        let cert = parse_certificate(RSA_CERT).unwrap();
        let truncated = &RSA_PKCS1[..RSA_PKCS1.len() / 2];
        let two = format!("{RSA_PKCS1}{RSA_PKCS8}");
        for key in [
            "",
            "garbage",
            truncated,
            two.as_str(),
            RSA_ENCRYPTED_PKCS8,
            RSA_ENCRYPTED_PKCS1,
            RSA_CERT,
        ] {
            let err = check_private_key(key, &cert).unwrap_err();
            assert_eq!(err.code, codes::MALFORMED_CERTIFICATE);
            assert_eq!(err.message, UNPARSEABLE_PRIVATE_KEY_MESSAGE);
            // The key never appears in the error.
            assert!(!err.to_string().contains("MII"));
        }
    }

    #[test]
    fn compressed_and_uncompressed_points_compare_equal() {
        let mut uncompressed = vec![0x04];
        uncompressed.extend_from_slice(&[1, 2, 3]);
        uncompressed.extend_from_slice(&[4, 5, 7]);
        assert!(same_ec_point(&uncompressed, &[0x03, 1, 2, 3]));
        assert!(same_ec_point(&[0x03, 1, 2, 3], &uncompressed));
        assert!(!same_ec_point(&uncompressed, &[0x02, 1, 2, 3]));
        assert!(!same_ec_point(&uncompressed, &[0x03, 1, 2, 4]));
        assert!(!same_ec_point(&[0x04], &[0x02]));
        assert!(!same_ec_point(&[], &[0x02, 1]));
    }

    #[test]
    fn parses_a_chain_of_two() {
        let chain = parse_chain(CHAIN).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0], parse_certificate(INTER_CERT).unwrap());
        assert_eq!(chain[1], parse_certificate(ROOT_CERT).unwrap());
        let leaf = parse_certificate(LEAF_CERT).unwrap();
        check_chain_order(&leaf, &chain).unwrap();
        check_chain_order(&leaf, &chain[..1]).unwrap();
    }

    #[test]
    fn chain_faults_carry_the_index() {
        let leaf = parse_certificate(LEAF_CERT).unwrap();
        let chain = parse_chain(CHAIN).unwrap();
        let message = |i: i64| {
            format!(
                "{INVALID_CHAIN_MESSAGE} The index within the chain of the invalid certificate is: {i}"
            )
        };
        // Root first: the body is not issued by chain[0].
        let reversed = vec![chain[1].clone(), chain[0].clone()];
        assert_eq!(
            check_chain_order(&leaf, &reversed).unwrap_err().message,
            message(-1)
        );
        // A stray certificate after the intermediate.
        let stray = vec![chain[0].clone(), parse_certificate(RSA_CERT).unwrap()];
        assert_eq!(
            check_chain_order(&leaf, &stray).unwrap_err().message,
            message(0)
        );
        // Unparseable second block, text before the first, nothing at all.
        let bad_second = format!("{INTER_CERT}{}", &ROOT_CERT[..ROOT_CERT.len() - 40]);
        assert_eq!(parse_chain(&bad_second).unwrap_err().message, message(1));
        let prefixed = format!("Certificate:\n    Data:\n{CHAIN}");
        assert_eq!(parse_chain(&prefixed).unwrap_err().message, message(0));
        assert_eq!(parse_chain("  \n").unwrap_err().message, message(-1));
        let err = parse_chain(RSA_PKCS1).unwrap_err();
        assert_eq!(err.code, codes::MALFORMED_CERTIFICATE);
    }

    #[test]
    fn validates_a_server_certificate_with_its_chain() {
        let material = validate_server_certificate(LEAF_CERT, LEAF_KEY, Some(CHAIN), NOW).unwrap();
        assert_eq!(material.chain.len(), 2);
        assert_eq!(material.chain_body.as_deref(), Some(CHAIN.trim()));
        assert_eq!(material.certificate.body, LEAF_CERT.trim());

        let without = validate_server_certificate(RSA_CERT, RSA_PKCS8, None, NOW).unwrap();
        assert!(without.chain.is_empty() && without.chain_body.is_none());

        let err = validate_server_certificate(LEAF_CERT, RSA_PKCS1, Some(CHAIN), NOW).unwrap_err();
        assert_eq!(err.code, codes::KEY_PAIR_MISMATCH);
        let err =
            validate_server_certificate(LEAF_CERT, LEAF_KEY, Some(ROOT_CERT), NOW).unwrap_err();
        assert!(err.message.ends_with("is: -1"), "{}", err.message);
    }

    #[test]
    fn rsa_server_keys_outside_1024_to_4096_bits_are_refused() {
        let weak = parse_certificate(WEAK_CERT).unwrap();
        assert_eq!(weak.public_key.rsa_bits(), Some(512));
        check_private_key(WEAK_KEY, &weak).unwrap();
        let err = validate_server_certificate(WEAK_CERT, WEAK_KEY, None, NOW).unwrap_err();
        assert_eq!(err.message, UNSUPPORTED_KEY_SIZE_MESSAGE);
        check_server_key_size(&parse_certificate(RSA_CERT).unwrap()).unwrap();
        check_server_key_size(&parse_certificate(EC_CERT).unwrap()).unwrap();
    }
}
