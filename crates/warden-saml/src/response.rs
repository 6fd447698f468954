//! Verifying a `samlp:Response` for AssumeRoleWithSAML.
//!
//! The order of the checks is the security argument:
//!
//! 1. Bound the input (AWS's 100,000 characters), decode, parse without DTDs.
//! 2. Refuse every shape signature-wrapping attacks need: a root that is not a `Response`, two
//!    elements with one `ID`, an `EncryptedAssertion`, and anything but exactly one
//!    `saml:Assertion` in the *whole* document, sitting directly under the `Response`. After
//!    this there is one candidate assertion and no way to make the verifier look at another.
//! 3. Verify every signature that is present on the `Response` or on that assertion; each must
//!    reference its own parent by `ID` and verify with a certificate from the provider's
//!    metadata. At least one must exist; both cover the assertion (the response's covers its
//!    whole tree). A present signature that fails is never outvoted by one that verifies.
//! 4. Only then read the assertion — the same tree nodes whose bytes were verified — and check
//!    issuer, times, audience and recipient.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node};
use time::{Duration, OffsetDateTime};

use crate::assertion::{NameId, SamlAttribute, VerifiedAssertion, aws_attributes};
use crate::error::{SamlError, SignatureProblem};
use crate::metadata::SigningCertificate;
use crate::time::parse_instant;
use crate::xml::{self, NS_DS, NS_SAML, NS_SAMLP};
use crate::{AWS_AUDIENCE_URN, AWS_SIGNIN_URL, MAX_ASSERTION_CHARS, dsig};

const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What a response must be for; `now` is passed in (the crate never reads the clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The time to check the response's bounds against.
    pub now: OffsetDateTime,
    /// Accepted `AudienceRestriction/Audience` values: every `AudienceRestriction` must name
    /// one of them.
    pub audiences: Vec<String>,
    /// Accepted bearer `Recipient` (and `Response/@Destination`) values. When it holds AWS's
    /// global sign-in endpoint, the regional ones (`https://REGION.signin.aws.amazon.com/saml`,
    /// with or without `/acs/ID`) are accepted too, as AWS does.
    pub recipients: Vec<String>,
    /// The provider's entity id; when set, the `Issuer` must be it.
    pub issuer: Option<String>,
    /// Allowed clock difference with the IdP, either way.
    pub clock_skew: Duration,
    /// How long after its `IssueInstant` an assertion may be redeemed (AWS: 5 minutes); `None`
    /// for no limit.
    pub max_age: Option<Duration>,
}

impl VerifyOptions {
    /// AWS's expectations: audience `https://signin.aws.amazon.com/saml` or
    /// `urn:amazon:webservices`, recipient the AWS sign-in endpoint, issuer `issuer`, redeemed
    /// within 5 minutes of issuance, with a minute of clock skew.
    pub fn aws(now: OffsetDateTime, issuer: Option<String>) -> Self {
        VerifyOptions {
            now,
            audiences: vec![AWS_SIGNIN_URL.to_owned(), AWS_AUDIENCE_URN.to_owned()],
            recipients: vec![AWS_SIGNIN_URL.to_owned()],
            issuer,
            clock_skew: Duration::minutes(1),
            max_age: Some(Duration::minutes(5)),
        }
    }

    fn accepts_recipient(&self, url: &str) -> bool {
        self.recipients.iter().any(|r| r == url)
            || (self.recipients.iter().any(|r| r == AWS_SIGNIN_URL) && is_regional_signin(url))
    }
}

/// `https://REGION.signin.aws.amazon.com/saml`, optionally followed by `/acs/ID`.
fn is_regional_signin(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let Some((region, path)) = rest.split_once(".signin.aws.amazon.com/saml") else {
        return false;
    };
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let path_ok = path.is_empty()
        || path.strip_prefix("/acs/").is_some_and(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    region_ok && path_ok
}

/// Verifies AssumeRoleWithSAML's `SAMLAssertion` — the base64 of the IdP's `samlp:Response`,
/// or the XML itself — against the provider's `certificates`, and returns what the assertion
/// says. Every failure is a [`SamlError`] with AWS's code.
pub fn verify(
    saml_assertion: &str,
    certificates: &[SigningCertificate],
    options: &VerifyOptions,
) -> Result<VerifiedAssertion, SamlError> {
    if saml_assertion.len() > 4 * MAX_ASSERTION_CHARS
        || saml_assertion.chars().count() > MAX_ASSERTION_CHARS
    {
        return Err(SamlError::TooLarge);
    }
    let text = decode(saml_assertion)?;
    let document = xml::parse(&text)?;
    let root = document.root_element();
    if !xml::is(root, NS_SAMLP, "Response") {
        return Err(SamlError::NotAResponse);
    }
    check_status(root)?;
    check_unique_ids(&document)?;
    let assertion = the_assertion(&document, root)?;
    check_signatures(root, assertion, certificates)?;
    read_assertion(root, assertion, options)
}

fn decode(saml_assertion: &str) -> Result<String, SamlError> {
    let trimmed = saml_assertion.trim_start();
    if trimmed.starts_with('<') {
        return Ok(trimmed.to_owned());
    }
    let compact: String = saml_assertion
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = STANDARD.decode(compact).map_err(|_| SamlError::NotBase64)?;
    String::from_utf8(bytes).map_err(|_| SamlError::NotXml("the document is not UTF-8".into()))
}

fn check_status(root: Node<'_, '_>) -> Result<(), SamlError> {
    let status = xml::required_child(root, NS_SAMLP, "Status")?;
    let code = xml::required_child(status, NS_SAMLP, "StatusCode")?;
    let value = code
        .attribute("Value")
        .ok_or_else(|| SamlError::malformed("StatusCode has no Value"))?;
    if value == STATUS_SUCCESS {
        Ok(())
    } else {
        Err(SamlError::Status(value.to_owned()))
    }
}

/// SAML's identifiers are `ID` attributes; two equal ones would let a reference resolve to
/// either element.
fn check_unique_ids(document: &Document<'_>) -> Result<(), SamlError> {
    let mut seen = std::collections::HashSet::new();
    for node in document.descendants().filter(Node::is_element) {
        if let Some(id) = node.attribute("ID")
            && !seen.insert(id)
        {
            return Err(SamlError::DuplicateId(id.to_owned()));
        }
    }
    Ok(())
}

/// The one assertion: exactly one `saml:Assertion` anywhere in the document (so none hidden in
/// `Extensions`, `ds:Object` or `Advice`), and it is a child of the response.
fn the_assertion<'a, 'i>(
    document: &'a Document<'i>,
    root: Node<'a, 'i>,
) -> Result<Node<'a, 'i>, SamlError> {
    if document
        .descendants()
        .any(|n| xml::is(n, NS_SAML, "EncryptedAssertion"))
    {
        return Err(SamlError::EncryptedAssertion);
    }
    let assertions: Vec<_> = document
        .descendants()
        .filter(|n| xml::is(*n, NS_SAML, "Assertion"))
        .collect();
    let [assertion] = assertions[..] else {
        return Err(SamlError::AssertionCount(assertions.len()));
    };
    if assertion.parent().map(|p| p.id()) != Some(root.id()) {
        return Err(SamlError::malformed(
            "the assertion is not a child of the Response",
        ));
    }
    Ok(assertion)
}

fn check_signatures(
    root: Node<'_, '_>,
    assertion: Node<'_, '_>,
    certificates: &[SigningCertificate],
) -> Result<(), SamlError> {
    let on_response = signature_of(root)?;
    let on_assertion = signature_of(assertion)?;
    if on_response.is_none() && on_assertion.is_none() {
        return Err(SamlError::signature(SignatureProblem::Unsigned));
    }
    if let Some(signature) = on_response {
        dsig::verify(signature, root, certificates)?;
    }
    if let Some(signature) = on_assertion {
        dsig::verify(signature, assertion, certificates)?;
    }
    Ok(())
}

fn signature_of<'a, 'i>(element: Node<'a, 'i>) -> Result<Option<Node<'a, 'i>>, SamlError> {
    let mut found = xml::children(element, NS_DS, "Signature");
    let first = found.next();
    if found.next().is_some() {
        return Err(SamlError::signature(SignatureProblem::Malformed(format!(
            "{} has more than one Signature",
            element.tag_name().name()
        ))));
    }
    Ok(first)
}

fn instant(node: Node<'_, '_>, attribute: &str) -> Result<Option<OffsetDateTime>, SamlError> {
    node.attribute(attribute)
        .map(|text| {
            parse_instant(text).ok_or_else(|| {
                SamlError::malformed(format!(
                    "{}/@{attribute} is not an xs:dateTime",
                    node.tag_name().name()
                ))
            })
        })
        .transpose()
}

fn required_instant(node: Node<'_, '_>, attribute: &str) -> Result<OffsetDateTime, SamlError> {
    instant(node, attribute)?.ok_or_else(|| {
        SamlError::malformed(format!("{} has no {attribute}", node.tag_name().name()))
    })
}

fn read_assertion(
    root: Node<'_, '_>,
    assertion: Node<'_, '_>,
    options: &VerifyOptions,
) -> Result<VerifiedAssertion, SamlError> {
    let now = options.now;
    let skew = options.clock_skew;

    if assertion.attribute("Version") != Some("2.0") {
        return Err(SamlError::malformed("the assertion's Version is not 2.0"));
    }
    let assertion_id = assertion
        .attribute("ID")
        .ok_or_else(|| SamlError::malformed("the assertion has no ID"))?
        .to_owned();

    // Issuer: the assertion's is required; the response's, when present, must agree.
    let issuer = xml::trimmed_text(xml::required_child(assertion, NS_SAML, "Issuer")?)?;
    if let Some(outer) = xml::optional_child(root, NS_SAML, "Issuer")?
        && xml::trimmed_text(outer)? != issuer
    {
        return Err(SamlError::Issuer);
    }
    if options
        .issuer
        .as_deref()
        .is_some_and(|expected| expected != issuer)
    {
        return Err(SamlError::Issuer);
    }

    if let Some(destination) = root.attribute("Destination")
        && !options.accepts_recipient(destination)
    {
        return Err(SamlError::Recipient(destination.to_owned()));
    }

    // Times. Conditions first: an expired response is "expired" whatever else it says.
    let issue_instant = required_instant(assertion, "IssueInstant")?;
    // No Conditions means no AudienceRestriction, which AWS requires.
    let conditions =
        xml::optional_child(assertion, NS_SAML, "Conditions")?.ok_or(SamlError::Audience)?;
    if let Some(not_before) = instant(conditions, "NotBefore")?
        && now + skew < not_before
    {
        return Err(SamlError::NotYetValid);
    }
    let conditions_end = instant(conditions, "NotOnOrAfter")?;
    if let Some(end) = conditions_end
        && now - skew >= end
    {
        return Err(SamlError::Expired);
    }
    if now + skew < issue_instant {
        return Err(SamlError::NotYetValid);
    }
    // `checked_add`: an IssueInstant near the end of time must not overflow (it is far in the
    // future, so refused above unless `now` is too).
    if let Some(max_age) = options.max_age
        && issue_instant
            .checked_add(max_age)
            .is_some_and(|deadline| now - skew >= deadline)
    {
        return Err(SamlError::TooOld);
    }

    let audiences = check_conditions(conditions, options)?;
    let (name_id, recipient, confirmation_end) = read_subject(assertion, options)?;
    let not_on_or_after = match conditions_end {
        Some(end) if end < confirmation_end => end,
        _ => confirmation_end,
    };

    let mut session_not_on_or_after: Option<OffsetDateTime> = None;
    for statement in xml::children(assertion, NS_SAML, "AuthnStatement") {
        if let Some(end) = instant(statement, "SessionNotOnOrAfter")? {
            session_not_on_or_after = Some(session_not_on_or_after.map_or(end, |s| s.min(end)));
        }
    }

    let attributes = read_attributes(assertion)?;
    let aws = aws_attributes(&attributes)?;
    Ok(VerifiedAssertion {
        issuer,
        assertion_id,
        issue_instant,
        name_id,
        audiences,
        recipient,
        not_on_or_after,
        session_not_on_or_after,
        roles: aws.roles,
        session_name: aws.session_name,
        session_duration: aws.session_duration,
        principal_tags: aws.principal_tags,
        transitive_tag_keys: aws.transitive_tag_keys,
        source_identity: aws.source_identity,
        attributes,
    })
}

/// The audience restrictions (each must name an accepted audience; at least one must exist)
/// and the other conditions SAML defines. An unknown condition makes the assertion invalid
/// (SAML 2.0 Core §2.5.1.5: its validity cannot be determined).
fn check_conditions(
    conditions: Node<'_, '_>,
    options: &VerifyOptions,
) -> Result<Vec<String>, SamlError> {
    let mut audiences = Vec::new();
    let mut restrictions = 0;
    for condition in conditions.children().filter(Node::is_element) {
        if xml::is(condition, NS_SAML, "AudienceRestriction") {
            restrictions += 1;
            let mut accepted = false;
            for audience in xml::children(condition, NS_SAML, "Audience") {
                let audience = xml::trimmed_text(audience)?;
                accepted |= options.audiences.contains(&audience);
                audiences.push(audience);
            }
            if !accepted {
                return Err(SamlError::Audience);
            }
        } else if !(xml::is(condition, NS_SAML, "OneTimeUse")
            || xml::is(condition, NS_SAML, "ProxyRestriction"))
        {
            return Err(SamlError::malformed(format!(
                "unsupported condition {}",
                condition.tag_name().name()
            )));
        }
    }
    if restrictions == 0 {
        return Err(SamlError::Audience);
    }
    Ok(audiences)
}

/// The `NameID` and the one bearer confirmation (AWS: "exactly one `SubjectConfirmation`
/// element with a `SubjectConfirmationData` element that includes both the `NotOnOrAfter`
/// attribute and a `Recipient` attribute").
fn read_subject(
    assertion: Node<'_, '_>,
    options: &VerifyOptions,
) -> Result<(NameId, String, OffsetDateTime), SamlError> {
    let subject = xml::required_child(assertion, NS_SAML, "Subject")?;
    if xml::optional_child(subject, NS_SAML, "EncryptedID")?.is_some() {
        return Err(SamlError::malformed(
            "encrypted NameIDs (EncryptedID) are not supported",
        ));
    }
    let name_id = xml::required_child(subject, NS_SAML, "NameID")?;
    let name_id = NameId {
        value: xml::text(name_id)?,
        format: name_id.attribute("Format").map(str::to_owned),
        name_qualifier: name_id.attribute("NameQualifier").map(str::to_owned),
        sp_name_qualifier: name_id.attribute("SPNameQualifier").map(str::to_owned),
    };
    if name_id.value.trim().is_empty() {
        return Err(SamlError::malformed("the NameID is empty"));
    }
    let confirmation = xml::required_child(subject, NS_SAML, "SubjectConfirmation")?;
    if confirmation.attribute("Method") != Some(BEARER) {
        return Err(SamlError::malformed(
            "the SubjectConfirmation's Method is not bearer",
        ));
    }
    let data = xml::required_child(confirmation, NS_SAML, "SubjectConfirmationData")?;
    let recipient = data
        .attribute("Recipient")
        .ok_or_else(|| SamlError::malformed("SubjectConfirmationData has no Recipient"))?;
    if !options.accepts_recipient(recipient) {
        return Err(SamlError::Recipient(recipient.to_owned()));
    }
    let end = required_instant(data, "NotOnOrAfter")?;
    if options.now - options.clock_skew >= end {
        return Err(SamlError::Expired);
    }
    if let Some(start) = instant(data, "NotBefore")?
        && options.now + options.clock_skew < start
    {
        return Err(SamlError::NotYetValid);
    }
    Ok((name_id, recipient.to_owned(), end))
}

fn read_attributes(assertion: Node<'_, '_>) -> Result<Vec<SamlAttribute>, SamlError> {
    let mut attributes = Vec::new();
    for statement in xml::children(assertion, NS_SAML, "AttributeStatement") {
        if xml::children(statement, NS_SAML, "EncryptedAttribute")
            .next()
            .is_some()
        {
            return Err(SamlError::malformed(
                "encrypted attributes (EncryptedAttribute) are not supported",
            ));
        }
        for attribute in xml::children(statement, NS_SAML, "Attribute") {
            let name = attribute
                .attribute("Name")
                .ok_or_else(|| SamlError::malformed("an Attribute has no Name"))?;
            let mut values = Vec::new();
            for value in xml::children(attribute, NS_SAML, "AttributeValue") {
                if value.attribute((NS_XSI, "nil")) == Some("true") {
                    continue;
                }
                values.push(xml::text(value)?);
            }
            attributes.push(SamlAttribute {
                name: name.to_owned(),
                name_format: attribute.attribute("NameFormat").map(str::to_owned),
                friendly_name: attribute.attribute("FriendlyName").map(str::to_owned),
                values,
            });
        }
    }
    Ok(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_signin_endpoints() {
        assert!(is_regional_signin(
            "https://us-east-1.signin.aws.amazon.com/saml"
        ));
        assert!(is_regional_signin(
            "https://eu-west-3.signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46"
        ));
        assert!(!is_regional_signin(
            "https://evil.example/.signin.aws.amazon.com/saml"
        ));
        assert!(!is_regional_signin(
            "https://us-east-1.signin.aws.amazon.com/samlx"
        ));
        assert!(!is_regional_signin(
            "http://us-east-1.signin.aws.amazon.com/saml"
        ));
        let options = VerifyOptions::aws(OffsetDateTime::UNIX_EPOCH, None);
        assert!(options.accepts_recipient(AWS_SIGNIN_URL));
        assert!(options.accepts_recipient("https://us-east-1.signin.aws.amazon.com/saml"));
        assert!(!options.accepts_recipient("https://evil.example/saml"));
    }
}
