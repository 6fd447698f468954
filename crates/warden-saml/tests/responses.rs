//! Responses signed by an independent signer (signxml/libxml2) verify, and every way of forging,
//! wrapping, tampering with or misdirecting one is refused with AWS's error code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use time::Duration;
use time::macros::datetime;
use warden_saml::{
    AwsErrorCode, RolePair, SamlError, SignatureProblem, SigningCertificate, parse_metadata,
};

const POSITIVE: &[&str] = &[
    "assertion-signed.xml",
    "assertion-signed-sha1.xml",
    "assertion-signed-sha512.xml",
    "assertion-signed-prefixlist.xml",
    "assertion-signed-with-comments.xml",
    "response-signed.xml",
    "response-signed-inclusive-c14n.xml",
    "both-signed.xml",
];

fn refused(response: &str) -> SamlError {
    check(response).expect_err("the response must be refused")
}

fn signature_problem(response: &str) -> SignatureProblem {
    match refused(response) {
        SamlError::Signature(problem) => problem,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

// ---- what verifies ----------------------------------------------------------------------------

#[test]
fn every_signing_shape_verifies() {
    for name in POSITIVE {
        let verified = check(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(verified.name_id.value, "alice@example.com", "{name}");
        assert_eq!(verified.assertion_id, ASSERTION_ID, "{name}");
    }
}

#[test]
fn base64_input_is_decoded() {
    let xml = fixture("assertion-signed.xml");
    let encoded = STANDARD.encode(&xml);
    assert_eq!(check(&encoded).unwrap(), check(&xml).unwrap());
    // Line-wrapped base64, as some clients send it.
    let wrapped: String = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(check(&wrapped).unwrap(), check(&xml).unwrap());
}

#[test]
fn the_assertion_is_read_completely() {
    let verified = check(&fixture("assertion-signed.xml")).unwrap();
    assert_eq!(verified.issuer, ISSUER);
    assert_eq!(verified.issue_instant, datetime!(2024-05-01 12:00 UTC));
    assert_eq!(
        verified.name_id.format.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    );
    assert_eq!(verified.name_id.subject_type(), "persistent");
    assert_eq!(verified.name_id.name_qualifier.as_deref(), Some(ISSUER));
    assert_eq!(
        verified.name_id.sp_name_qualifier.as_deref(),
        Some("urn:amazon:webservices")
    );
    assert_eq!(verified.audiences, ["https://signin.aws.amazon.com/saml"]);
    assert_eq!(verified.recipient, "https://signin.aws.amazon.com/saml");
    assert_eq!(verified.not_on_or_after, datetime!(2024-05-01 12:05 UTC));
    assert_eq!(verified.session_not_on_or_after, None);
    assert_eq!(
        verified.roles,
        [
            RolePair {
                role_arn: "arn:aws:iam::111122223333:role/Admin".into(),
                provider_arn: PROVIDER_ARN.into(),
            },
            RolePair {
                role_arn: "arn:aws:iam::111122223333:role/ReadOnly".into(),
                provider_arn: PROVIDER_ARN.into(),
            },
        ]
    );
    assert!(verified.has_role_pair("arn:aws:iam::111122223333:role/ReadOnly", PROVIDER_ARN));
    assert!(!verified.has_role_pair("arn:aws:iam::111122223333:role/Other", PROVIDER_ARN));
    assert!(!verified.has_role_pair(
        "arn:aws:iam::111122223333:role/Admin",
        "arn:aws:iam::111122223333:saml-provider/Other"
    ));
    assert_eq!(verified.session_name, "alice@example.com");
    assert_eq!(verified.session_duration, Some(1800));
    assert_eq!(
        verified.principal_tags,
        [
            ("Project".to_owned(), "Marketing".to_owned()),
            ("CostCenter".to_owned(), "12345".to_owned())
        ]
    );
    assert_eq!(verified.transitive_tag_keys, ["Project"]);
    assert_eq!(verified.source_identity.as_deref(), Some("alice"));
    assert_eq!(verified.attributes.len(), 9);
    let affiliation = verified
        .attributes
        .iter()
        .find(|a| a.name == "urn:oid:1.3.6.1.4.1.5923.1.1.1.1")
        .unwrap();
    assert_eq!(
        affiliation.friendly_name.as_deref(),
        Some("eduPersonAffiliation")
    );
    assert_eq!(affiliation.values, ["staff", "member"]);
}

#[test]
fn condition_keys_are_the_ones_aws_documents() {
    let verified = check(&fixture("assertion-signed.xml")).unwrap();
    let keys = verified.condition_keys(PROVIDER_ARN).unwrap();
    let get = |key: &str| -> Vec<&str> {
        keys.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.iter().map(String::as_str).collect())
            .unwrap_or_else(|| panic!("no {key}"))
    };
    // saml:aud is the recipient, not the audience.
    assert_eq!(get("saml:aud"), ["https://signin.aws.amazon.com/saml"]);
    assert_eq!(get("saml:iss"), [ISSUER]);
    assert_eq!(get("saml:sub"), ["alice@example.com"]);
    assert_eq!(get("saml:sub_type"), ["persistent"]);
    assert_eq!(get("saml:doc"), ["111122223333/ExampleIdP"]);
    // BASE64(SHA1("https://idp.example.com/saml" + "111122223333" + "/ExampleIdP")), computed
    // with Python's hashlib.
    assert_eq!(get("saml:namequalifier"), ["r/aMZtFcsrrS73/lwr9nuW/cS68="]);
    assert_eq!(get("saml:edupersonaffiliation"), ["staff", "member"]);
    assert_eq!(get("saml:mail"), ["alice&co@example.com"]);
    assert_eq!(keys.len(), 8, "{keys:?}");

    let session = verified.session_condition_keys(PROVIDER_ARN).unwrap();
    let names: Vec<_> = session.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["saml:namequalifier", "saml:sub", "saml:sub_type"]);
    assert!(verified.condition_keys("arn:aws:iam::1:role/x").is_err());
}

/// The worked example of STS's API reference for `NameQualifier`.
#[test]
fn name_qualifier_matches_the_api_reference_example() {
    let mut verified = check(&fixture("assertion-signed.xml")).unwrap();
    verified.issuer = "https://example.com/saml".into();
    assert_eq!(
        verified.name_qualifier("123456789012", "MySAMLIdP"),
        "1uAJanUnBc2XeUkHURMht+xam2c="
    );
}

// ---- comments cannot change meaning --------------------------------------------------------

/// The NameID `alice@example.com<!-- a comment -->.evil.example` was signed (canonical form
/// without comments: `alice@example.com.evil.example`); the verifier returns what was signed,
/// not the text before the comment.
#[test]
fn a_signed_comment_in_the_name_id_does_not_truncate_it() {
    let verified = check(&fixture("assertion-signed-comment-in-nameid.xml")).unwrap();
    assert_eq!(verified.name_id.value, "alice@example.com.evil.example");
    assert_eq!(verified.session_name, "alice@example.com");
}

/// A comment inserted after signing still verifies (comments are not signed) and changes
/// nothing: the value read is the whole text.
#[test]
fn a_comment_inserted_after_signing_changes_nothing() {
    let response = replace_once(
        &fixture("assertion-signed.xml"),
        "alice@example.com</saml:NameID>",
        "alice@example<!-- injected -->.com</saml:NameID>",
    );
    assert_eq!(check(&response).unwrap().name_id.value, "alice@example.com");
}

// ---- signatures -----------------------------------------------------------------------------

#[test]
fn an_unsigned_response_is_refused() {
    let error = refused(&fixture("unsigned.xml"));
    assert_eq!(error, SamlError::Signature(SignatureProblem::Unsigned));
    assert_eq!(error.aws_code(), AwsErrorCode::InvalidIdentityToken);
    assert_eq!(error.aws_code().as_str(), "InvalidIdentityToken");
    assert_eq!(error.to_string(), "Response signature invalid");
}

#[test]
fn removing_the_signature_makes_it_unsigned() {
    let signed = fixture("assertion-signed.xml");
    let start = signed.find("<ds:Signature>").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let stripped = format!("{}{}", &signed[..start], &signed[end..]);
    assert_eq!(signature_problem(&stripped), SignatureProblem::Unsigned);
}

#[test]
fn tampering_with_signed_content_is_detected() {
    let assertion_signed = fixture("assertion-signed.xml");
    for (from, to) in [
        (
            "alice@example.com</saml:NameID>",
            "bob@example.com</saml:NameID>",
        ),
        ("role/Admin,", "role/Owner,"),
        (
            "<saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience>",
            "<saml:Audience>urn:amazon:webservices</saml:Audience>",
        ),
        ("<saml:AttributeValue>1800<", "<saml:AttributeValue>43200<"),
        (
            "Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\"",
            "Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:transient\"",
        ),
    ] {
        let tampered = replace_once(&assertion_signed, from, to);
        assert_eq!(
            signature_problem(&tampered),
            SignatureProblem::DigestMismatch,
            "{from} -> {to}"
        );
    }
    // An added attribute is signed content too.
    let tampered = replace_once(
        &assertion_signed,
        "</saml:AttributeStatement>",
        "<saml:Attribute Name=\"https://aws.amazon.com/SAML/Attributes/PrincipalTag:Admin\"><saml:AttributeValue>yes</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>",
    );
    assert_eq!(
        signature_problem(&tampered),
        SignatureProblem::DigestMismatch
    );

    // The response signature covers the assertion inside it.
    let tampered = replace_once(
        &fixture("response-signed.xml"),
        "alice@example.com</saml:NameID>",
        "bob@example.com</saml:NameID>",
    );
    assert_eq!(
        signature_problem(&tampered),
        SignatureProblem::DigestMismatch
    );
}

#[test]
fn tampering_with_signed_info_or_the_value_is_detected() {
    let signed = fixture("assertion-signed.xml");
    let digest_start = signed.find("<ds:DigestValue>").unwrap() + "<ds:DigestValue>".len();
    let mut bytes = signed.clone().into_bytes();
    bytes[digest_start] = if bytes[digest_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = String::from_utf8(bytes).unwrap();
    assert!(matches!(
        signature_problem(&tampered),
        SignatureProblem::DigestMismatch | SignatureProblem::BadSignature
    ));

    let value_start = signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut bytes = signed.into_bytes();
    bytes[value_start + 10] = if bytes[value_start + 10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = String::from_utf8(bytes).unwrap();
    assert_eq!(signature_problem(&tampered), SignatureProblem::BadSignature);
}

/// A valid signature made with another key, with that key's certificate in `KeyInfo`: the
/// certificate in the message is never trusted.
#[test]
fn a_signature_by_another_key_is_refused_whatever_key_info_says() {
    assert_eq!(
        signature_problem(&fixture("signed-by-attacker.xml")),
        SignatureProblem::BadSignature
    );
}

/// `KeyInfo` plays no part: replacing the IdP's certificate there with the attacker's leaves a
/// genuine signature valid (and the attacker's certificate is still not trusted).
#[test]
fn key_info_is_ignored() {
    let signed = fixture("assertion-signed.xml");
    let idp = cert_body(&fixture("idp-cert.pem"));
    let attacker = cert_body(&fixture("attacker-cert.pem"));
    let start = signed.find("<ds:X509Certificate>").unwrap() + "<ds:X509Certificate>".len();
    let end = signed.find("</ds:X509Certificate>").unwrap();
    let in_message: String = signed[start..end].split_whitespace().collect();
    assert_eq!(in_message, idp);
    let swapped = format!("{}{attacker}{}", &signed[..start], &signed[end..]);
    assert!(check(&swapped).is_ok());
}

fn cert_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// The metadata's `use="encryption"` certificate (the attacker's) is not a signing key.
#[test]
fn only_signing_certificates_are_trusted() {
    let metadata = metadata();
    assert_eq!(metadata.entity_id, ISSUER);
    assert_eq!(metadata.valid_until, Some(datetime!(2034-01-01 0:00 UTC)));
    assert_eq!(
        metadata.signing_certificates,
        [SigningCertificate::from_base64(&fixture("idp-cert.pem")).unwrap()]
    );
    let attacker = [SigningCertificate::from_base64(&fixture("attacker-cert.pem")).unwrap()];
    let genuine = fixture("assertion-signed.xml");
    assert_eq!(
        warden_saml::verify(&genuine, &attacker, &options()).unwrap_err(),
        SamlError::Signature(SignatureProblem::BadSignature)
    );
    assert_eq!(
        warden_saml::verify(&genuine, &[], &options()).unwrap_err(),
        SamlError::Signature(SignatureProblem::NoUsableKey)
    );
}

/// When both are signed, both must verify: a genuine response signature does not excuse an
/// assertion signed with another key.
#[test]
fn every_present_signature_must_verify() {
    assert_eq!(
        signature_problem(&fixture("response-signed-assertion-signed-by-attacker.xml")),
        SignatureProblem::BadSignature
    );
}

#[test]
fn unsupported_algorithms_are_refused() {
    let signed = fixture("assertion-signed.xml");
    let hmac = replace_once(
        &signed,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    );
    assert_eq!(
        signature_problem(&hmac),
        SignatureProblem::UnsupportedAlgorithm(
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1".into()
        )
    );
    let xpath = replace_once(
        &signed,
        "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
        "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"/>",
    );
    assert!(matches!(
        signature_problem(&xpath),
        SignatureProblem::UnsupportedAlgorithm(_)
    ));
    let md5 = replace_once(
        &signed,
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#md5",
    );
    assert!(matches!(
        signature_problem(&md5),
        SignatureProblem::UnsupportedAlgorithm(_)
    ));
}

// ---- signature wrapping ---------------------------------------------------------------------

/// An unsigned assertion with the attacker's NameID and roles, for wrapping attacks.
fn evil_assertion(genuine: &str, id: &str) -> String {
    let assertion = assertion_text(genuine);
    let unsigned = match assertion.find("<ds:Signature>") {
        Some(start) => {
            let end = assertion.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
            format!("{}{}", &assertion[..start], &assertion[end..])
        }
        None => assertion.to_owned(),
    };
    replace_once(
        &unsigned,
        "alice@example.com</saml:NameID>",
        "root@example.com</saml:NameID>",
    )
    .replace("_assertion-7f3a", id)
}

/// The signed assertion moved into `samlp:Extensions`, an evil unsigned one where the verifier
/// reads: two assertions in the document.
#[test]
fn wrapping_the_signed_assertion_in_extensions_is_refused() {
    let genuine = fixture("assertion-signed.xml");
    let signed_assertion = assertion_text(&genuine);
    let wrapped = genuine.replace(
        signed_assertion,
        &format!(
            "<samlp:Extensions>{signed_assertion}</samlp:Extensions>{}",
            evil_assertion(&genuine, "_evil")
        ),
    );
    assert_eq!(refused(&wrapped), SamlError::AssertionCount(2));
}

/// The same with the evil assertion reusing the signed one's ID, so that a verifier resolving
/// `#_assertion-7f3a` might find either.
#[test]
fn wrapping_with_a_duplicate_id_is_refused() {
    let genuine = fixture("assertion-signed.xml");
    let signed_assertion = assertion_text(&genuine);
    let wrapped = genuine.replace(
        signed_assertion,
        &format!(
            "{}<samlp:Extensions>{signed_assertion}</samlp:Extensions>",
            evil_assertion(&genuine, ASSERTION_ID)
        ),
    );
    assert_eq!(
        refused(&wrapped),
        SamlError::DuplicateId(ASSERTION_ID.into())
    );
}

/// The signed assertion hidden in the evil assertion's own `ds:Signature/ds:Object`.
#[test]
fn wrapping_in_a_signature_object_is_refused() {
    let genuine = fixture("assertion-signed.xml");
    let signed_assertion = assertion_text(&genuine);
    let evil = replace_once(
        &evil_assertion(&genuine, "_evil"),
        "<saml:Subject>",
        &format!(
            "<ds:Signature><ds:Object>{signed_assertion}</ds:Object></ds:Signature><saml:Subject>"
        ),
    );
    let wrapped = genuine.replace(signed_assertion, &evil);
    assert_eq!(refused(&wrapped), SamlError::AssertionCount(2));
}

/// The signed response wrapped in a new, unsigned response carrying an evil assertion.
#[test]
fn wrapping_a_signed_response_is_refused() {
    let genuine = fixture("response-signed.xml");
    let body = genuine.trim_start_matches(|c| c != '<');
    let wrapped = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_outer" Version="2.0" IssueInstant="2024-05-01T12:00:00Z"><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Extensions>{body}</samlp:Extensions><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{}</samlp:Response>"#,
        evil_assertion(&genuine, "_evil")
    );
    assert_eq!(refused(&wrapped), SamlError::AssertionCount(2));
}

/// A lone signed assertion moved out of place is not read either.
#[test]
fn an_assertion_that_is_not_a_child_of_the_response_is_refused() {
    let genuine = fixture("assertion-signed.xml");
    let signed_assertion = assertion_text(&genuine);
    let moved = genuine.replace(
        signed_assertion,
        &format!("<samlp:Extensions>{signed_assertion}</samlp:Extensions>"),
    );
    assert!(matches!(refused(&moved), SamlError::Malformed(_)));
}

/// The response's signature moved into the assertion: it now references an element other than
/// its parent.
#[test]
fn a_signature_must_reference_its_own_parent() {
    let genuine = fixture("response-signed.xml");
    let start = genuine.find("<ds:Signature>").unwrap();
    let end = genuine.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &genuine[start..end];
    let without = format!("{}{}", &genuine[..start], &genuine[end..]);
    let moved = replace_once(
        &without,
        "<saml:Subject>",
        &format!("{signature}<saml:Subject>"),
    );
    assert_eq!(
        signature_problem(&moved),
        SignatureProblem::WrongReference("#_response-91c2".into())
    );
}

#[test]
fn duplicate_ids_anywhere_are_refused() {
    let response = replace_once(
        &fixture("assertion-signed.xml"),
        "<samlp:Status>",
        "<samlp:Extensions><x ID=\"_assertion-7f3a\"/></samlp:Extensions><samlp:Status>",
    );
    assert_eq!(
        refused(&response),
        SamlError::DuplicateId(ASSERTION_ID.into())
    );
}

// ---- conditions -----------------------------------------------------------------------------

#[test]
fn time_bounds_are_enforced_with_skew() {
    let response = fixture("assertion-signed.xml");
    let mut options = options();
    options.max_age = None;

    options.now = datetime!(2024-05-01 12:10 UTC);
    let expired = check_at(&response, &options).unwrap_err();
    assert_eq!(expired, SamlError::Expired);
    assert_eq!(expired.aws_code(), AwsErrorCode::ExpiredToken);
    assert_eq!(expired.aws_code().as_str(), "ExpiredTokenException");
    assert_eq!(expired.to_string(), "Response has expired");

    options.now = datetime!(2024-05-01 11:50 UTC);
    let early = check_at(&response, &options).unwrap_err();
    assert_eq!(early, SamlError::NotYetValid);
    assert_eq!(early.aws_code(), AwsErrorCode::ExpiredToken);

    // Thirty seconds past NotOnOrAfter: within a minute of skew, outside none.
    options.now = datetime!(2024-05-01 12:05:30 UTC);
    assert!(check_at(&response, &options).is_ok());
    options.clock_skew = Duration::ZERO;
    assert_eq!(
        check_at(&response, &options).unwrap_err(),
        SamlError::Expired
    );
    options.now = datetime!(2024-05-01 12:05 UTC);
    assert_eq!(
        check_at(&response, &options).unwrap_err(),
        SamlError::Expired
    );
    options.now = datetime!(2024-05-01 12:04:59 UTC);
    assert!(check_at(&response, &options).is_ok());
    // NotBefore is 11:59:30.
    options.now = datetime!(2024-05-01 11:59:29 UTC);
    assert_eq!(
        check_at(&response, &options).unwrap_err(),
        SamlError::NotYetValid
    );
}

#[test]
fn an_assertion_must_be_redeemed_soon_after_issuance() {
    let response = fixture("assertion-signed.xml");
    let mut options = options();
    options.max_age = Some(Duration::minutes(2));
    options.now = datetime!(2024-05-01 12:04 UTC);
    let error = check_at(&response, &options).unwrap_err();
    assert_eq!(error, SamlError::TooOld);
    assert_eq!(
        error.to_string(),
        "Token must be redeemed within 5 minutes of issuance"
    );
    options.now = datetime!(2024-05-01 12:02:30 UTC);
    assert!(check_at(&response, &options).is_ok());
}

#[test]
fn the_audience_must_be_aws() {
    let error = refused(&fixture("wrong-audience.xml"));
    assert_eq!(error, SamlError::Audience);
    assert_eq!(
        error.to_string(),
        "Response does not contain the required audience."
    );
    let mut options = options();
    options.audiences.push("https://evil.example/saml".into());
    assert!(check_at(&fixture("wrong-audience.xml"), &options).is_ok());
}

#[test]
fn the_recipient_must_be_aws() {
    assert_eq!(
        refused(&fixture("wrong-recipient.xml")),
        SamlError::Recipient("https://evil.example/acs".into())
    );
    let mut options = options();
    options.recipients = vec!["https://evil.example/acs".into()];
    // The response's Destination is still AWS's endpoint, which these options do not accept.
    assert_eq!(
        check_at(&fixture("wrong-recipient.xml"), &options).unwrap_err(),
        SamlError::Recipient("https://signin.aws.amazon.com/saml".into())
    );
}

#[test]
fn the_issuer_must_be_the_providers() {
    let mut options = options();
    options.issuer = Some("https://other-idp.example.com".into());
    let error = check_at(&fixture("assertion-signed.xml"), &options).unwrap_err();
    assert_eq!(error, SamlError::Issuer);
    assert_eq!(
        error.to_string(),
        "Issuer not present in specified provider"
    );
    options.issuer = None;
    assert!(check_at(&fixture("assertion-signed.xml"), &options).is_ok());
    // The (unsigned) response Issuer must agree with the assertion's.
    let response = replace_once(
        &fixture("assertion-signed.xml"),
        "<saml:Issuer>https://idp.example.com/saml</saml:Issuer>\n  <samlp:Status>",
        "<saml:Issuer>https://other-idp.example.com</saml:Issuer>\n  <samlp:Status>",
    );
    assert_eq!(refused(&response), SamlError::Issuer);
}

#[test]
fn a_failure_status_is_the_idps_rejection() {
    let error = refused(&fixture("status-requester.xml"));
    assert_eq!(
        error,
        SamlError::Status("urn:oasis:names:tc:SAML:2.0:status:Requester".into())
    );
    assert_eq!(error.aws_code(), AwsErrorCode::IdpRejectedClaim);
    assert_eq!(error.aws_code().as_str(), "IDPRejectedClaim");
}

#[test]
fn encrypted_assertions_are_not_supported() {
    let error = refused(&fixture("encrypted-assertion.xml"));
    assert_eq!(error, SamlError::EncryptedAssertion);
    assert!(error.to_string().contains("EncryptedAssertion"));
}

// ---- malformed input ------------------------------------------------------------------------

#[test]
fn dtds_and_entities_are_refused() {
    let signed = fixture("assertion-signed.xml");
    let with_entity = format!(
        "<!DOCTYPE samlp:Response [<!ENTITY user \"root@example.com\">]>{}",
        replace_once(
            &signed,
            "alice@example.com</saml:NameID>",
            "&user;</saml:NameID>"
        )
    );
    assert_eq!(refused(&with_entity), SamlError::Dtd);
    assert_eq!(refused(&format!("<!DOCTYPE x>{signed}")), SamlError::Dtd);
}

#[test]
fn oversized_input_is_refused() {
    let big = "A".repeat(100_001);
    assert_eq!(refused(&big), SamlError::TooLarge);
    assert_eq!(
        refused(&format!("<a>{}</a>", "x".repeat(100_000))),
        SamlError::TooLarge
    );
}

#[test]
fn garbage_is_refused_clearly() {
    assert_eq!(refused("not base64 at all!"), SamlError::NotBase64);
    assert!(matches!(
        refused(&STANDARD.encode("<unclosed>")),
        SamlError::NotXml(_)
    ));
    assert!(matches!(
        refused(&STANDARD.encode([0xff, 0xfe, 0x00])),
        SamlError::NotXml(_)
    ));
    assert_eq!(refused("<a/>"), SamlError::NotAResponse);
    let genuine = fixture("assertion-signed.xml");
    assert_eq!(refused(assertion_text(&genuine)), SamlError::NotAResponse);
    for error in [refused("not base64 at all!"), refused("<a/>")] {
        assert_eq!(error.aws_code(), AwsErrorCode::InvalidIdentityToken);
    }
}

#[test]
fn metadata_is_checked() {
    assert!(matches!(parse_metadata("<x"), Err(SamlError::Metadata(_))));
    assert!(matches!(
        parse_metadata(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>"#
        ),
        Err(SamlError::Metadata(_))
    ));
    let no_certificate = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor/></md:EntityDescriptor>"#;
    assert_eq!(
        parse_metadata(no_certificate).unwrap_err().to_string(),
        "Could not parse metadata: the IDPSSODescriptor has no signing certificate"
    );
    let bad_certificate = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="x"><md:IDPSSODescriptor><md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>MIICAAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"#;
    assert!(matches!(
        parse_metadata(bad_certificate),
        Err(SamlError::Metadata(_))
    ));
    // A KeyDescriptor without `use` serves signing too.
    let pem = fixture("idp-cert.pem");
    let unlabeled = bad_certificate.replace("MIICAAAA", &cert_body(&pem));
    assert_eq!(
        parse_metadata(&unlabeled)
            .unwrap()
            .signing_certificates
            .len(),
        1
    );
}
