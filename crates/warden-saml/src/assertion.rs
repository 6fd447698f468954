//! What a verified assertion says, and the `saml:` condition keys AWS derives from it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest as _, Sha1};
use time::OffsetDateTime;

use crate::error::SamlError;

/// The prefix of AWS's own SAML attribute names.
pub const AWS_ATTRIBUTE_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/";
const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
const TRANSITIVE_TAG_KEYS: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
const PRINCIPAL_TAG: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";

/// The prefix AWS removes from a `NameID` `Format` to make `SubjectType` and `saml:sub_type`.
const NAMEID_FORMAT_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
/// The `Format` a `NameID` without one has (SAML 2.0 Core §8.3.1).
const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// The assertion's `Subject/NameID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    /// The identifier itself (`saml:sub`, STS's `Subject`).
    pub value: String,
    /// The `Format` attribute, when present.
    pub format: Option<String>,
    /// The `NameQualifier` attribute, when present.
    pub name_qualifier: Option<String>,
    /// The `SPNameQualifier` attribute, when present.
    pub sp_name_qualifier: Option<String>,
}

impl NameId {
    /// STS's `SubjectType` and the `saml:sub_type` key: the `Format` without the
    /// `urn:oasis:names:tc:SAML:2.0:nameid-format:` prefix (`persistent`, `transient`), any
    /// other format unchanged.
    pub fn subject_type(&self) -> String {
        let format = self.format.as_deref().unwrap_or(NAMEID_UNSPECIFIED);
        format
            .strip_prefix(NAMEID_FORMAT_PREFIX)
            .unwrap_or(format)
            .to_owned()
    }
}

/// One `https://aws.amazon.com/SAML/Attributes/Role` value: a role the IdP lets the user assume,
/// with the SAML provider (in AWS, the two ARNs may come in either order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePair {
    /// `arn:aws:iam::ACCOUNT:role/NAME`.
    pub role_arn: String,
    /// `arn:aws:iam::ACCOUNT:saml-provider/NAME`.
    pub provider_arn: String,
}

/// A SAML attribute as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAttribute {
    /// `Name`.
    pub name: String,
    /// `NameFormat`, when present.
    pub name_format: Option<String>,
    /// `FriendlyName`, when present.
    pub friendly_name: Option<String>,
    /// The text of each `AttributeValue`, in order (values with `xsi:nil="true"` are left out).
    pub values: Vec<String>,
}

/// A SAML assertion whose signature, issuer, audience, recipient and times have been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The assertion's `Issuer` (STS's `Issuer`, `saml:iss`).
    pub issuer: String,
    /// The assertion's `ID`.
    pub assertion_id: String,
    /// The assertion's `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Subject/NameID`.
    pub name_id: NameId,
    /// Every `AudienceRestriction/Audience`.
    pub audiences: Vec<String>,
    /// The bearer `SubjectConfirmationData/@Recipient` (STS's `Audience`, `saml:aud`).
    pub recipient: String,
    /// The earliest of `Conditions/@NotOnOrAfter` and the bearer confirmation's
    /// `NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// `AuthnStatement/@SessionNotOnOrAfter`, the earliest when there are several.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// The `Role` attribute's pairs, in order. Values that are not a role ARN and a provider ARN
    /// separated by a comma are left out (they could never match a request).
    pub roles: Vec<RolePair>,
    /// `RoleSessionName` (required by AWS; checked against `[a-zA-Z_0-9+=,.@-]{2,64}`).
    pub session_name: String,
    /// `SessionDuration` in seconds (900 to 43200), when sent.
    pub session_duration: Option<u32>,
    /// `PrincipalTag:KEY` attributes as (key, value), in order.
    pub principal_tags: Vec<(String, String)>,
    /// `TransitiveTagKeys` values.
    pub transitive_tag_keys: Vec<String>,
    /// `SourceIdentity` (checked like a session name and not starting with `aws:`), when sent.
    pub source_identity: Option<String>,
    /// Every attribute of every `AttributeStatement`, AWS's included, in order.
    pub attributes: Vec<SamlAttribute>,
}

/// The AWS context key (after `saml:`) a SAML attribute maps to, and whether the key holds a
/// list. From the IAM User Guide, "Mapping SAML attributes to AWS trust policy context keys".
/// Two X.500 OIDs are misprinted there (`2.4.5.42`, `0.9.2342.19200300.100.1.45`); both the
/// printed and the correct OIDs are mapped. The AD `primarygroupsid` claim maps to
/// `primaryGroupSID`, the key STS's service authorization reference lists (the guide's table
/// says `uid`, which is X.500's `userid`).
const ATTRIBUTE_KEYS: &[(&str, &str, bool)] = &[
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
        "edupersonaffiliation",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.2",
        "edupersonnickname",
        true,
    ),
    ("urn:oid:1.3.6.1.4.1.5923.1.1.1.3", "edupersonorgdn", false),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.4",
        "edupersonorgunitdn",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.5",
        "edupersonprimaryaffiliation",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
        "edupersonprincipalname",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.7",
        "edupersonentitlement",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.8",
        "edupersonprimaryorgunitdn",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.9",
        "edupersonscopedaffiliation",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
        "edupersontargetedid",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.11",
        "edupersonassurance",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.2",
        "eduorghomepageuri",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.3",
        "eduorgidentityauthnpolicyuri",
        true,
    ),
    ("urn:oid:1.3.6.1.4.1.5923.1.2.1.4", "eduorglegalname", true),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.5",
        "eduorgsuperioruri",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.6",
        "eduorgwhitepagesuri",
        true,
    ),
    ("urn:oid:2.5.4.3", "cn", true),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "name",
        false,
    ),
    (
        "http://schemas.xmlsoap.org/claims/CommonName",
        "commonName",
        false,
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "givenName",
        false,
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "surname",
        false,
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "mail",
        false,
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid",
        "primaryGroupSID",
        false,
    ),
    ("2.5.4.3", "commonName", false),
    ("2.5.4.4", "surname", false),
    ("2.4.5.42", "givenName", false),
    ("2.5.4.42", "givenName", false),
    ("2.5.4.45", "x500UniqueIdentifier", false),
    ("0.9.2342.19200300100.1.1", "uid", false),
    ("0.9.2342.19200300100.1.3", "mail", false),
    ("0.9.2342.19200300.100.1.45", "organizationStatus", false),
    ("0.9.2342.19200300100.1.45", "organizationStatus", false),
];

impl VerifiedAssertion {
    /// Whether the `Role` attribute pairs `role_arn` with `provider_arn` (AssumeRoleWithSAML's
    /// `RoleArn` and `PrincipalArn`).
    pub fn has_role_pair(&self, role_arn: &str, provider_arn: &str) -> bool {
        self.roles
            .iter()
            .any(|pair| pair.role_arn == role_arn && pair.provider_arn == provider_arn)
    }

    /// STS's `NameQualifier` and the `saml:namequalifier` key:
    /// `BASE64(SHA1(issuer + account_id + "/" + provider_name))` (AssumeRoleWithSAML API
    /// reference: `BASE64 ( SHA1 ( "https://example.com/saml" + "123456789012" + "/MySAMLIdP" ) )`).
    pub fn name_qualifier(&self, account_id: &str, provider_name: &str) -> String {
        let mut hash = Sha1::new();
        hash.update(self.issuer.as_bytes());
        hash.update(account_id.as_bytes());
        hash.update(b"/");
        hash.update(provider_name.as_bytes());
        STANDARD.encode(hash.finalize())
    }

    /// The trust-policy condition keys of an AssumeRoleWithSAML call through `provider_arn`
    /// (IAM User Guide, "Available keys for SAML-based federation"): `saml:aud` (the
    /// *recipient*, not the audience), `saml:iss`, `saml:sub`, `saml:sub_type`,
    /// `saml:namequalifier`, `saml:doc` (`ACCOUNT/PROVIDER-NAME`), and the keys of the
    /// eduPerson, eduOrg, Active Directory and X.500 attributes the assertion carries. When two
    /// attributes map to one key, the first wins ("only one claim will be mapped"); a
    /// single-valued key keeps the attribute's first value.
    pub fn condition_keys(
        &self,
        provider_arn: &str,
    ) -> Result<Vec<(String, Vec<String>)>, SamlError> {
        let (account_id, provider_name) = split_provider_arn(provider_arn)?;
        let mut keys = vec![
            ("saml:aud".to_owned(), vec![self.recipient.clone()]),
            ("saml:iss".to_owned(), vec![self.issuer.clone()]),
            (
                "saml:doc".to_owned(),
                vec![format!("{account_id}/{provider_name}")],
            ),
        ];
        keys.extend(self.session_condition_keys_for(account_id, provider_name));
        for attribute in &self.attributes {
            let Some((_, key, list)) = ATTRIBUTE_KEYS
                .iter()
                .find(|(name, _, _)| *name == attribute.name)
            else {
                continue;
            };
            let key = format!("saml:{key}");
            if attribute.values.is_empty() || keys.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let values = if *list {
                attribute.values.clone()
            } else {
                attribute.values[..1].to_vec()
            };
            keys.push((key, values));
        }
        Ok(keys)
    }

    /// The keys that stay in the context of every request the session makes (IAM User Guide,
    /// "Permission (access) policies"): `saml:namequalifier`, `saml:sub`, `saml:sub_type`.
    pub fn session_condition_keys(
        &self,
        provider_arn: &str,
    ) -> Result<Vec<(String, Vec<String>)>, SamlError> {
        let (account_id, provider_name) = split_provider_arn(provider_arn)?;
        Ok(self.session_condition_keys_for(account_id, provider_name))
    }

    fn session_condition_keys_for(
        &self,
        account_id: &str,
        provider_name: &str,
    ) -> Vec<(String, Vec<String>)> {
        vec![
            (
                "saml:namequalifier".to_owned(),
                vec![self.name_qualifier(account_id, provider_name)],
            ),
            ("saml:sub".to_owned(), vec![self.name_id.value.clone()]),
            (
                "saml:sub_type".to_owned(),
                vec![self.name_id.subject_type()],
            ),
        ]
    }
}

/// The account id and friendly name of `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`.
pub fn split_provider_arn(arn: &str) -> Result<(&str, &str), SamlError> {
    let bad = || SamlError::malformed(format!("`{arn}` is not a SAML provider ARN"));
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad());
    };
    let name = resource
        .strip_prefix("saml-provider/")
        .filter(|n| !n.is_empty())
        .ok_or_else(bad)?;
    Ok((account, name))
}

/// The special AWS attributes, read out of `attributes`.
pub(crate) struct AwsAttributes {
    pub(crate) roles: Vec<RolePair>,
    pub(crate) session_name: String,
    pub(crate) session_duration: Option<u32>,
    pub(crate) principal_tags: Vec<(String, String)>,
    pub(crate) transitive_tag_keys: Vec<String>,
    pub(crate) source_identity: Option<String>,
}

pub(crate) fn aws_attributes(attributes: &[SamlAttribute]) -> Result<AwsAttributes, SamlError> {
    let first = |name: &str| {
        attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.values.first())
    };
    let session_name = first(ROLE_SESSION_NAME)
        .ok_or(SamlError::MissingRoleSessionName)?
        .clone();
    if !is_session_name(&session_name) {
        return Err(SamlError::BadRoleSessionName);
    }
    let source_identity = first(SOURCE_IDENTITY).cloned();
    if let Some(source) = &source_identity
        && (!is_session_name(source) || source.to_ascii_lowercase().starts_with("aws:"))
    {
        return Err(SamlError::BadSourceIdentity);
    }
    let session_duration = first(SESSION_DURATION)
        .map(|text| {
            text.trim()
                .parse::<u32>()
                .ok()
                .filter(|s| (900..=43_200).contains(s))
                .ok_or_else(|| SamlError::BadSessionDuration(text.clone()))
        })
        .transpose()?;
    let roles = attributes
        .iter()
        .filter(|a| a.name == ROLE)
        .flat_map(|a| a.values.iter())
        .filter_map(|value| role_pair(value))
        .collect();
    let principal_tags = attributes
        .iter()
        .filter_map(|a| {
            let key = a.name.strip_prefix(PRINCIPAL_TAG)?;
            Some((key.to_owned(), a.values.first()?.clone()))
        })
        .collect();
    let transitive_tag_keys = attributes
        .iter()
        .filter(|a| a.name == TRANSITIVE_TAG_KEYS)
        .flat_map(|a| a.values.iter().cloned())
        .collect();
    Ok(AwsAttributes {
        roles,
        session_name,
        session_duration,
        principal_tags,
        transitive_tag_keys,
        source_identity,
    })
}

/// `[a-zA-Z_0-9+=,.@-]{2,64}`, AWS's rule for session names and source identities.
fn is_session_name(value: &str) -> bool {
    (2..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// A `Role` value: a role ARN and a SAML provider ARN, comma-separated, in either order.
fn role_pair(value: &str) -> Option<RolePair> {
    let (a, b) = value.split_once(',')?;
    let (a, b) = (a.trim(), b.trim());
    let is_role = |arn: &str| arn.starts_with("arn:") && arn.contains(":role/");
    let is_provider = |arn: &str| arn.starts_with("arn:") && arn.contains(":saml-provider/");
    let (role, provider) = if is_role(a) && is_provider(b) {
        (a, b)
    } else if is_provider(a) && is_role(b) {
        (b, a)
    } else {
        return None;
    };
    Some(RolePair {
        role_arn: role.to_owned(),
        provider_arn: provider.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_pairs_come_in_either_order() {
        let role = "arn:aws:iam::111122223333:role/Admin";
        let provider = "arn:aws:iam::111122223333:saml-provider/Okta";
        let expected = Some(RolePair {
            role_arn: role.into(),
            provider_arn: provider.into(),
        });
        assert_eq!(role_pair(&format!("{role},{provider}")), expected);
        assert_eq!(role_pair(&format!("{provider}, {role}")), expected);
        assert_eq!(role_pair(role), None);
        assert_eq!(role_pair(&format!("{role},{role}")), None);
        assert_eq!(role_pair("a,b"), None);
    }

    fn attribute(name: &str, values: &[&str]) -> SamlAttribute {
        SamlAttribute {
            name: name.into(),
            name_format: None,
            friendly_name: None,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn aws_attributes_are_checked() {
        let session = attribute(ROLE_SESSION_NAME, &["alice"]);
        let read = |extra: &[SamlAttribute]| {
            let mut all = vec![session.clone()];
            all.extend_from_slice(extra);
            aws_attributes(&all)
        };
        assert!(read(&[]).is_ok());
        assert_eq!(
            aws_attributes(&[]).err(),
            Some(SamlError::MissingRoleSessionName)
        );
        assert_eq!(
            aws_attributes(&[attribute(ROLE_SESSION_NAME, &["John Doe"])]).err(),
            Some(SamlError::BadRoleSessionName)
        );
        assert_eq!(
            read(&[attribute(SOURCE_IDENTITY, &["x"])]).err(),
            Some(SamlError::BadSourceIdentity)
        );
        assert_eq!(
            read(&[attribute(SESSION_DURATION, &["899"])]).err(),
            Some(SamlError::BadSessionDuration("899".into()))
        );
        assert_eq!(
            read(&[attribute(SESSION_DURATION, &["43201"])]).err(),
            Some(SamlError::BadSessionDuration("43201".into()))
        );
        assert_eq!(
            read(&[attribute(SESSION_DURATION, &["one hour"])]).err(),
            Some(SamlError::BadSessionDuration("one hour".into()))
        );
        let ok = read(&[
            attribute(SESSION_DURATION, &["900"]),
            attribute(SOURCE_IDENTITY, &["alice.smith"]),
            attribute(&format!("{PRINCIPAL_TAG}team"), &["blue", "ignored"]),
            attribute(TRANSITIVE_TAG_KEYS, &["team", "cost"]),
        ])
        .unwrap();
        assert_eq!(ok.session_duration, Some(900));
        assert_eq!(ok.source_identity.as_deref(), Some("alice.smith"));
        assert_eq!(ok.principal_tags, [("team".to_owned(), "blue".to_owned())]);
        assert_eq!(ok.transitive_tag_keys, ["team", "cost"]);
    }

    #[test]
    fn session_names_follow_aws_rule() {
        assert!(is_session_name("alice@example.com"));
        assert!(is_session_name("a-b_c+d=e,f.g"));
        assert!(!is_session_name("a"));
        assert!(!is_session_name("John Doe"));
        assert!(!is_session_name(&"a".repeat(65)));
        assert!(!is_session_name("ünïcode"));
    }

    #[test]
    fn provider_arns_split() {
        assert_eq!(
            split_provider_arn("arn:aws:iam::123456789012:saml-provider/MySAMLIdP").unwrap(),
            ("123456789012", "MySAMLIdP")
        );
        assert!(split_provider_arn("arn:aws:iam::123456789012:role/x").is_err());
        assert!(split_provider_arn("arn:aws:iam::123456789012:saml-provider/").is_err());
        assert!(split_provider_arn("nonsense").is_err());
    }

    #[test]
    fn subject_types() {
        let mut id = NameId {
            value: "x".into(),
            format: Some("urn:oasis:names:tc:SAML:2.0:nameid-format:transient".into()),
            name_qualifier: None,
            sp_name_qualifier: None,
        };
        assert_eq!(id.subject_type(), "transient");
        id.format = Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into());
        assert_eq!(
            id.subject_type(),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        );
        id.format = None;
        assert_eq!(
            id.subject_type(),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
        );
    }
}
