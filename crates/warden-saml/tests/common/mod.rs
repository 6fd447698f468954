//! The fixtures (signed by scripts/saml-fixtures/make.py with signxml) and the expectations
//! they were made for.

#![allow(dead_code)]

use time::OffsetDateTime;
use time::macros::datetime;
use warden_saml::{IdpMetadata, SamlError, VerifiedAssertion, VerifyOptions, parse_metadata};

pub const ISSUER: &str = "https://idp.example.com/saml";
pub const PROVIDER_ARN: &str = "arn:aws:iam::111122223333:saml-provider/ExampleIdP";
pub const ASSERTION_ID: &str = "_assertion-7f3a";

/// One minute after the fixtures' `IssueInstant` (their conditions run 11:59:30 to 12:05:00).
pub const NOW: OffsetDateTime = datetime!(2024-05-01 12:01 UTC);

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn metadata() -> IdpMetadata {
    parse_metadata(&fixture("metadata.xml")).unwrap()
}

pub fn options() -> VerifyOptions {
    VerifyOptions::aws(NOW, Some(ISSUER.to_owned()))
}

pub fn check(response: &str) -> Result<VerifiedAssertion, SamlError> {
    warden_saml::verify(response, &metadata().signing_certificates, &options())
}

pub fn check_at(response: &str, options: &VerifyOptions) -> Result<VerifiedAssertion, SamlError> {
    warden_saml::verify(response, &metadata().signing_certificates, options)
}

/// `text` with the one occurrence of `from` replaced by `to` (fails the test if `from` is not
/// there exactly once, so a fixture change cannot turn a negative test into a vacuous one).
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// The `<saml:Assertion …>…</saml:Assertion>` element of a fixture, verbatim.
pub fn assertion_text(response: &str) -> &str {
    let start = response.find("<saml:Assertion").unwrap();
    let end = response.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    &response[start..end]
}
