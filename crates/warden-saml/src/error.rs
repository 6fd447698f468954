//! Why a SAML response or an IdP's metadata was refused, with the STS error AWS answers.
//!
//! Each [`SamlError`] has an AWS error code ([`SamlError::aws_code`]) and a message (`Display`).
//! Where AWS's wording is public (the IAM User Guide's "Troubleshoot SAML federation" page, and
//! STS answers quoted in public issues) the message is AWS's; the variant's doc says so. The
//! others are Warden's wording in AWS's style. Messages never quote the signature, keys or the
//! assertion itself.

/// The STS error code a [`SamlError`] is answered with. The strings are the codes of STS's
/// service model (`InvalidIdentityToken`, `ExpiredTokenException`, `IDPRejectedClaim`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorCode {
    /// HTTP 400: the response could not be validated (malformed, unsigned, wrongly signed, for
    /// someone else, from another issuer).
    InvalidIdentityToken,
    /// HTTP 400: the response is outside its time bounds.
    ExpiredToken,
    /// HTTP 403: the IdP itself reported that authentication failed.
    IdpRejectedClaim,
}

impl AwsErrorCode {
    /// The code as it appears in STS's `<Code>` element.
    pub fn as_str(self) -> &'static str {
        match self {
            AwsErrorCode::InvalidIdentityToken => "InvalidIdentityToken",
            AwsErrorCode::ExpiredToken => "ExpiredTokenException",
            AwsErrorCode::IdpRejectedClaim => "IDPRejectedClaim",
        }
    }
}

/// What exactly was wrong with a signature. Never shown to the caller (AWS answers every such
/// case with "Response signature invalid"); it is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureProblem {
    /// No `ds:Signature` on the response or on the assertion.
    Unsigned,
    /// The `ds:Signature` element is not shaped as XML-DSig requires (missing or repeated
    /// children, undecodable base64, more than one `Reference`).
    Malformed(String),
    /// An algorithm outside what Warden verifies (named by its URI).
    UnsupportedAlgorithm(String),
    /// The `Reference` does not point at the element that carries the signature.
    WrongReference(String),
    /// The digest of the referenced element differs from `DigestValue`: the signed content was
    /// changed.
    DigestMismatch,
    /// No signing certificate of the provider verifies `SignatureValue`.
    BadSignature,
    /// The provider's metadata has no certificate with an RSA key to verify with.
    NoUsableKey,
}

/// A refused SAML response or metadata document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SamlError {
    /// The `SAMLAssertion` is longer than AWS's 100,000 characters.
    #[error("SAMLAssertion is longer than 100000 characters")]
    TooLarge,

    /// The `SAMLAssertion` is not base64 (nor XML).
    #[error("Invalid SAML response: SAMLAssertion is not base64-encoded")]
    NotBase64,

    /// The document is not well-formed XML (or not UTF-8).
    #[error("Invalid SAML response: the document is not well-formed XML: {0}")]
    NotXml(String),

    /// The document has a document type declaration. SAML never needs one, and entity
    /// declarations are how XML bombs and external-entity reads are made.
    #[error("Invalid SAML response: document type declarations are not allowed")]
    Dtd,

    /// The document nests elements deeper than any SAML response does.
    #[error("Invalid SAML response: elements are nested too deeply")]
    TooDeep,

    /// The root element is not a SAML 2.0 protocol `Response`.
    #[error("Invalid SAML response: the root element is not a SAML 2.0 samlp:Response")]
    NotAResponse,

    /// The response has an `EncryptedAssertion`. Warden does not decrypt assertions (IAM SAML
    /// providers here have no private keys), so it refuses rather than ignore the assertion.
    #[error("Invalid SAML response: encrypted assertions (EncryptedAssertion) are not supported")]
    EncryptedAssertion,

    /// The document holds no assertion, or more than one anywhere (a signature-wrapping shape).
    #[error("Invalid SAML response: the response must contain exactly one assertion, found {0}")]
    AssertionCount(usize),

    /// Two elements share an `ID` (a signature-wrapping shape).
    #[error("Invalid SAML response: the ID `{0}` appears more than once")]
    DuplicateId(String),

    /// A required element or attribute is missing or malformed.
    #[error("Invalid SAML response: {0}")]
    Malformed(String),

    /// The signature is absent, malformed, or does not verify. AWS's message: "Response
    /// signature invalid" (IAM User Guide, "Troubleshoot SAML federation").
    #[error("Response signature invalid")]
    Signature(SignatureProblem),

    /// The response's `Status` is not `Success`: the IdP reported a failure.
    #[error("The identity provider reported that authentication failed (status `{0}`)")]
    Status(String),

    /// The `Issuer` is not the provider's entity id. AWS's message (IAM User Guide,
    /// "Troubleshoot SAML federation").
    #[error("Issuer not present in specified provider")]
    Issuer,

    /// No `AudienceRestriction` names AWS. AWS's message (IAM User Guide, "Troubleshoot SAML
    /// federation").
    #[error("Response does not contain the required audience.")]
    Audience,

    /// The bearer `SubjectConfirmationData`'s `Recipient` (or the response's `Destination`) is
    /// not AWS's sign-in endpoint.
    #[error(
        "Response does not contain the required recipient: `{0}` is not the AWS sign-in endpoint"
    )]
    Recipient(String),

    /// `Conditions/@NotOnOrAfter` or the bearer confirmation's `NotOnOrAfter` has passed.
    /// AWS's message, quoted in Versent/saml2aws#759.
    #[error("Response has expired")]
    Expired,

    /// The assertion was issued longer ago than AWS accepts. AWS's message, quoted in
    /// Nike-Inc/gimme-aws-creds#251.
    #[error("Token must be redeemed within 5 minutes of issuance")]
    TooOld,

    /// `Conditions/@NotBefore` (or `IssueInstant`) is in the future.
    #[error("Response is not yet valid")]
    NotYetValid,

    /// No `RoleSessionName` attribute. AWS's message (IAM User Guide).
    #[error("RoleSessionName is required in AuthnResponse")]
    MissingRoleSessionName,

    /// `RoleSessionName` has characters or a length AWS refuses. AWS's message (IAM User Guide).
    #[error("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{{2,64}}")]
    BadRoleSessionName,

    /// `SourceIdentity` has characters or a length AWS refuses, or starts with `aws:`. AWS's
    /// message (IAM User Guide).
    #[error("Source Identity must match [a-zA-Z_0-9+=,.@-]{{2,64}} and not begin with \"aws:\"")]
    BadSourceIdentity,

    /// `SessionDuration` is not a whole number of seconds between 900 and 43200.
    #[error("SessionDuration in AuthnResponse must be an integer between 900 and 43200, got `{0}`")]
    BadSessionDuration(String),

    /// The provider's metadata cannot be used. IAM's `CreateSAMLProvider` answers "Could not
    /// parse metadata" for such documents.
    #[error("Could not parse metadata: {0}")]
    Metadata(String),
}

impl SamlError {
    /// The STS error code to answer with.
    pub fn aws_code(&self) -> AwsErrorCode {
        match self {
            SamlError::Expired | SamlError::TooOld | SamlError::NotYetValid => {
                AwsErrorCode::ExpiredToken
            }
            SamlError::Status(_) => AwsErrorCode::IdpRejectedClaim,
            _ => AwsErrorCode::InvalidIdentityToken,
        }
    }

    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        SamlError::Malformed(what.into())
    }

    pub(crate) fn signature(problem: SignatureProblem) -> Self {
        SamlError::Signature(problem)
    }
}
