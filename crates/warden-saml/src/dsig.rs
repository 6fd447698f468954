//! XML-DSig enveloped signatures, as SAML uses them (SAML 2.0 Core §5.4).
//!
//! A SAML signature is a `ds:Signature` child of the element it signs, with exactly one
//! `ds:Reference` whose `URI` is `#` + that element's `ID`, transforms `enveloped-signature`
//! then (optionally) a canonicalization, and an RSA signature over the canonical `SignedInfo`.
//! Anything else — other references, XPath or XSLT transforms, external URIs, HMAC, keys taken
//! from the message — is refused: the verifier accepts the narrow shape SAML profiles produce,
//! which is also the shape whose meaning is unambiguous.
//!
//! Keys come only from the provider's metadata ([`SigningCertificate`]); `ds:KeyInfo` in the
//! message is ignored, so a certificate an attacker puts there is never trusted.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::Node;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq as _;

use crate::c14n::{self, Method};
use crate::error::{SamlError, SignatureProblem};
use crate::metadata::SigningCertificate;
use crate::xml::{self, NS_DS};

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// The digests Warden accepts. AWS accepts SHA-1 as well as SHA-256 (AD FS and older IdPs still
/// sign with it), so SHA-1 is kept for compatibility; SHA-384 and SHA-512 cost nothing extra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_digest_uri(uri: &str) -> Option<Hash> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Hash::Sha1,
            "http://www.w3.org/2001/04/xmlenc#sha256" => Hash::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Hash::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => Hash::Sha512,
            _ => return None,
        })
    }

    fn from_signature_uri(uri: &str) -> Option<Hash> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => Hash::Sha1,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Hash::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => Hash::Sha384,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => Hash::Sha512,
            _ => return None,
        })
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            Hash::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
            Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }
}

fn malformed(what: &str) -> SamlError {
    SamlError::signature(SignatureProblem::Malformed(what.to_owned()))
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, SamlError> {
    node.attribute("Algorithm")
        .ok_or_else(|| malformed("an algorithm element has no Algorithm"))
}

/// The one `ds:` child `local` of `node`, as a signature problem when absent or repeated.
fn ds_child<'a, 'i>(node: Node<'a, 'i>, local: &'a str) -> Result<Node<'a, 'i>, SamlError> {
    let mut found = xml::children(node, NS_DS, local);
    match (found.next(), found.next()) {
        (Some(child), None) => Ok(child),
        (None, _) => Err(malformed(&format!(
            "{} has no {local}",
            node.tag_name().name()
        ))),
        (Some(_), Some(_)) => Err(malformed(&format!(
            "{} has more than one {local}",
            node.tag_name().name()
        ))),
    }
}

/// base64 as XML-DSig writes it: line breaks and other whitespace are allowed anywhere.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// Verifies the enveloped `signature`, which must sign `target` (its parent element, whose `ID`
/// the caller has checked to be unique in the document), with one of `certificates`.
pub(crate) fn verify(
    signature: Node<'_, '_>,
    target: Node<'_, '_>,
    certificates: &[SigningCertificate],
) -> Result<(), SamlError> {
    let signed_info = ds_child(signature, "SignedInfo")?;
    let signature_value = ds_child(signature, "SignatureValue")?;
    // SignedInfo's children, in the order the schema fixes.
    let mut parts = signed_info.children().filter(Node::is_element);
    let (Some(c14n_method), Some(signature_method), Some(reference), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference",
        ));
    };
    if !xml::is(c14n_method, NS_DS, "CanonicalizationMethod")
        || !xml::is(signature_method, NS_DS, "SignatureMethod")
        || !xml::is(reference, NS_DS, "Reference")
    {
        return Err(malformed(
            "SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference",
        ));
    }

    let uri = algorithm(c14n_method)?;
    let signed_info_c14n = Method::from_element(uri, c14n_method).ok_or_else(|| {
        SamlError::signature(SignatureProblem::UnsupportedAlgorithm(uri.to_owned()))
    })?;
    let uri = algorithm(signature_method)?;
    let signature_hash = Hash::from_signature_uri(uri).ok_or_else(|| {
        SamlError::signature(SignatureProblem::UnsupportedAlgorithm(uri.to_owned()))
    })?;

    check_reference(reference, target, signature)?;

    let value = decode_base64(&xml::text(signature_value)?)
        .ok_or_else(|| malformed("SignatureValue is not base64"))?;
    let canonical = c14n::canonicalize(signed_info, &signed_info_c14n, None)?;
    let hashed = signature_hash.digest(canonical.as_bytes());
    let keys: Vec<&RsaPublicKey> = certificates.iter().filter_map(|c| c.rsa_key()).collect();
    if keys.is_empty() {
        return Err(SamlError::signature(SignatureProblem::NoUsableKey));
    }
    if keys.iter().any(|key| {
        key.verify(signature_hash.pkcs1v15(), &hashed, &value)
            .is_ok()
    }) {
        Ok(())
    } else {
        Err(SamlError::signature(SignatureProblem::BadSignature))
    }
}

/// Checks that `reference` points at `target` through the SAML transforms, and that the digest
/// of `target` (without `signature`) is the one signed.
fn check_reference(
    reference: Node<'_, '_>,
    target: Node<'_, '_>,
    signature: Node<'_, '_>,
) -> Result<(), SamlError> {
    let id = target
        .attribute("ID")
        .ok_or_else(|| malformed("the signed element has no ID"))?;
    let uri = reference.attribute("URI").unwrap_or_default();
    if uri.strip_prefix('#') != Some(id) {
        return Err(SamlError::signature(SignatureProblem::WrongReference(
            uri.to_owned(),
        )));
    }

    let mut parts = reference.children().filter(Node::is_element);
    let mut next = parts.next();
    let mut transforms = Vec::new();
    if let Some(node) = next.filter(|n| xml::is(*n, NS_DS, "Transforms")) {
        for transform in node.children().filter(Node::is_element) {
            if !xml::is(transform, NS_DS, "Transform") {
                return Err(malformed("Transforms holds something other than Transform"));
            }
            transforms.push(transform);
        }
        next = parts.next();
    }
    let digest_method = next
        .filter(|n| xml::is(*n, NS_DS, "DigestMethod"))
        .ok_or_else(|| malformed("Reference has no DigestMethod"))?;
    let digest_value = parts
        .next()
        .filter(|n| xml::is(*n, NS_DS, "DigestValue"))
        .ok_or_else(|| malformed("Reference has no DigestValue"))?;
    if parts.next().is_some() {
        return Err(malformed("Reference has unexpected children"));
    }

    // SAML's transforms: enveloped-signature, then at most one canonicalization. Without a
    // canonicalization transform, a node-set is serialized with Canonical XML 1.0 (XML-DSig
    // §4.4.3.2).
    let (first, rest) = transforms
        .split_first()
        .ok_or_else(|| malformed("Reference has no enveloped-signature transform"))?;
    if algorithm(*first)? != ENVELOPED {
        return Err(SamlError::signature(
            SignatureProblem::UnsupportedAlgorithm(algorithm(*first)?.to_owned()),
        ));
    }
    let method = match rest {
        [] => Method::Inclusive { comments: false },
        [c14n] => {
            let uri = algorithm(*c14n)?;
            Method::from_element(uri, *c14n).ok_or_else(|| {
                SamlError::signature(SignatureProblem::UnsupportedAlgorithm(uri.to_owned()))
            })?
        }
        _ => return Err(malformed("Reference has more than two transforms")),
    };

    let uri = algorithm(digest_method)?;
    let hash = Hash::from_digest_uri(uri).ok_or_else(|| {
        SamlError::signature(SignatureProblem::UnsupportedAlgorithm(uri.to_owned()))
    })?;
    let expected = decode_base64(&xml::text(digest_value)?)
        .ok_or_else(|| malformed("DigestValue is not base64"))?;
    // A `#id` reference selects the element without comments, whatever the algorithm
    // (XML-DSig §4.4.3.3).
    let canonical = c14n::canonicalize(target, &method.without_comments(), Some(signature.id()))?;
    let actual = hash.digest(canonical.as_bytes());
    if bool::from(actual.ct_eq(&expected)) {
        Ok(())
    } else {
        Err(SamlError::signature(SignatureProblem::DigestMismatch))
    }
}
