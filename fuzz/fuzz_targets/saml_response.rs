//! Arbitrary bytes as a SAML response (untrusted: `SAMLAssertion` of AssumeRoleWithSAML, sent
//! without any signature on the request): verifying must fail cleanly or succeed, never panic.
//! The key and clock are the fixtures', so mutations of the seeds (signed fixtures) get past
//! parsing into canonicalization and signature checking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::macros::datetime;
use warden_saml::{SigningCertificate, VerifyOptions, parse_metadata, verify};

const CERT: &str = include_str!("../../crates/warden-saml/tests/fixtures/idp-cert.pem");

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(certificate) = SigningCertificate::from_base64(CERT) else {
        return;
    };
    let options = VerifyOptions::aws(
        datetime!(2024-05-01 12:01 UTC),
        Some("https://idp.example.com/saml".to_owned()),
    );
    if let Ok(verified) = verify(&text, &[certificate], &options) {
        let _ = verified.condition_keys("arn:aws:iam::111122223333:saml-provider/ExampleIdP");
    }
    // The same bytes as provider metadata (IAM's CreateSAMLProvider input).
    let _ = parse_metadata(&text);
});
