//! SAML 2.0 response verification for STS `AssumeRoleWithSAML`.
//!
//! An IdP vouches for a user by signing a `samlp:Response`; STS trades it for role credentials.
//! This crate decides whether such a response can be believed, and what it says:
//!
//! 1. [`parse_metadata`] reads an IAM SAML provider's metadata: the IdP's entity id and its
//!    signing certificates ([`SigningCertificate`]) — the only keys ever trusted.
//! 2. [`verify`] checks the response (the base64 `SAMLAssertion` or its XML) with those
//!    certificates and a [`VerifyOptions`] (the time, accepted audiences and recipients, the
//!    expected issuer), and returns a [`VerifiedAssertion`]: issuer, `NameID`, the `Role`
//!    pairs, session name, duration, tags, source identity and every attribute.
//! 3. [`VerifiedAssertion::condition_keys`] gives the `saml:` keys of the role's trust policy,
//!    [`VerifiedAssertion::session_condition_keys`] those of the session's later requests, and
//!    [`VerifiedAssertion::name_qualifier`] STS's `NameQualifier`.
//!
//! The XML signature is verified by this crate's own Exclusive XML Canonicalization (and
//! Canonical XML 1.0) over a `roxmltree` tree and RSA PKCS #1 v1.5 from RustCrypto: no C
//! library, no network, no clock (`now` is an option), no panics; every failure is a
//! [`SamlError`] that carries AWS's error code. An unsigned or wrongly signed response, or one
//! shaped for signature wrapping, is always refused.

mod assertion;
mod c14n;
mod dsig;
mod error;
mod metadata;
mod response;
mod time;
mod xml;

pub use assertion::{
    AWS_ATTRIBUTE_PREFIX, NameId, RolePair, SamlAttribute, VerifiedAssertion, split_provider_arn,
};
pub use error::{AwsErrorCode, SamlError, SignatureProblem};
pub use metadata::{IdpMetadata, SigningCertificate, parse_metadata};
pub use response::{VerifyOptions, verify};

/// AWS's SAML sign-in endpoint: the audience and recipient AWS expects.
pub const AWS_SIGNIN_URL: &str = "https://signin.aws.amazon.com/saml";

/// The other audience AWS accepts.
pub const AWS_AUDIENCE_URN: &str = "urn:amazon:webservices";

/// The longest `SAMLAssertion` AWS accepts, in characters (STS API reference).
pub const MAX_ASSERTION_CHARS: usize = 100_000;

#[cfg(test)]
mod c14n_tests;
