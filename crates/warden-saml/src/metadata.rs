//! The IdP's SAML metadata: its entity id and the certificates it signs with.
//!
//! Only keys from the metadata are trusted to verify responses. They are the certificates of
//! the `IDPSSODescriptor`'s `KeyDescriptor`s whose `use` is `signing` or absent (SAML 2.0
//! Metadata §2.4.1.1: no `use` means the key serves both purposes); `use="encryption"` keys are
//! not signing keys and are left out.

use der::Decode as _;
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::dsig::decode_base64;
use crate::error::SamlError;
use crate::time::parse_instant;
use crate::xml::{self, NS_DS, NS_MD};

/// rsaEncryption (PKCS #1), the only key type Warden verifies signatures with.
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// An X.509 certificate from the metadata, and its RSA public key when it has one.
#[derive(Clone)]
pub struct SigningCertificate {
    der: Vec<u8>,
    key: Option<RsaPublicKey>,
}

impl std::fmt::Debug for SigningCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCertificate")
            .field("der_len", &self.der.len())
            .field("rsa", &self.key.is_some())
            .finish()
    }
}

impl PartialEq for SigningCertificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for SigningCertificate {}

impl SigningCertificate {
    /// Reads a DER certificate. A certificate whose key is not RSA (ECDSA, say) is kept but
    /// verifies nothing: Warden verifies RSA signatures only.
    pub fn from_der(der: &[u8]) -> Result<Self, SamlError> {
        let certificate = Certificate::from_der(der)
            .map_err(|e| SamlError::Metadata(format!("a certificate is not X.509 DER: {e}")))?;
        let spki = &certificate.tbs_certificate.subject_public_key_info;
        let key = if spki.algorithm.oid == RSA_ENCRYPTION {
            let bits = spki.subject_public_key.as_bytes().ok_or_else(|| {
                SamlError::Metadata("a certificate's RSA key is not whole bytes".into())
            })?;
            Some(RsaPublicKey::from_pkcs1_der(bits).map_err(|e| {
                SamlError::Metadata(format!("a certificate's RSA key is unusable: {e}"))
            })?)
        } else {
            None
        };
        Ok(SigningCertificate {
            der: der.to_vec(),
            key,
        })
    }

    /// Reads the base64 text of an `X509Certificate` element (whitespace allowed) or the body
    /// of a PEM file (with or without its `-----BEGIN/END CERTIFICATE-----` lines).
    pub fn from_base64(text: &str) -> Result<Self, SamlError> {
        let body: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("-----"))
            .collect();
        let der = decode_base64(&body)
            .ok_or_else(|| SamlError::Metadata("a certificate is not base64".into()))?;
        Self::from_der(&der)
    }

    /// The certificate's DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub(crate) fn rsa_key(&self) -> Option<&RsaPublicKey> {
        self.key.as_ref()
    }
}

/// What Warden takes from an IdP's metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `EntityDescriptor/@entityID`: the `Issuer` of the IdP's responses.
    pub entity_id: String,
    /// `EntityDescriptor/@validUntil`, when present.
    pub valid_until: Option<OffsetDateTime>,
    /// The signing certificates of every `IDPSSODescriptor`, in document order.
    pub signing_certificates: Vec<SigningCertificate>,
}

/// Reads an IdP's SAML 2.0 metadata: an `md:EntityDescriptor` with at least one
/// `md:IDPSSODescriptor` and at least one signing certificate.
pub fn parse_metadata(document: &str) -> Result<IdpMetadata, SamlError> {
    let doc = xml::parse(document).map_err(|e| match e {
        SamlError::Dtd => SamlError::Metadata("document type declarations are not allowed".into()),
        SamlError::NotXml(why) => SamlError::Metadata(format!("not well-formed XML: {why}")),
        other => SamlError::Metadata(other.to_string()),
    })?;
    let root = doc.root_element();
    if !xml::is(root, NS_MD, "EntityDescriptor") {
        return Err(SamlError::Metadata(
            "the root element is not md:EntityDescriptor".into(),
        ));
    }
    let entity_id = root
        .attribute("entityID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| SamlError::Metadata("the EntityDescriptor has no entityID".into()))?
        .to_owned();
    let valid_until = root
        .attribute("validUntil")
        .map(|v| {
            parse_instant(v)
                .ok_or_else(|| SamlError::Metadata("validUntil is not an xs:dateTime".into()))
        })
        .transpose()?;
    let descriptors: Vec<_> = xml::children(root, NS_MD, "IDPSSODescriptor").collect();
    if descriptors.is_empty() {
        return Err(SamlError::Metadata(
            "the EntityDescriptor has no IDPSSODescriptor".into(),
        ));
    }
    let mut signing_certificates = Vec::new();
    for descriptor in descriptors {
        for key in xml::children(descriptor, NS_MD, "KeyDescriptor") {
            if !matches!(key.attribute("use"), None | Some("signing")) {
                continue;
            }
            for info in xml::children(key, NS_DS, "KeyInfo") {
                for data in xml::children(info, NS_DS, "X509Data") {
                    for cert in xml::children(data, NS_DS, "X509Certificate") {
                        let text = xml::text(cert).map_err(|_| {
                            SamlError::Metadata("X509Certificate must hold text".into())
                        })?;
                        signing_certificates.push(SigningCertificate::from_base64(&text)?);
                    }
                }
            }
        }
    }
    if signing_certificates.is_empty() {
        return Err(SamlError::Metadata(
            "the IDPSSODescriptor has no signing certificate".into(),
        ));
    }
    Ok(IdpMetadata {
        entity_id,
        valid_until,
        signing_certificates,
    })
}
