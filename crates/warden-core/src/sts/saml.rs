//! `AssumeRoleWithSAML`: an identity provider's signed SAML 2.0 response in, a role session out.
//!
//! The call is unsigned (the response is the credential). `PrincipalArn` must be a SAML provider
//! of the role's account; the response must verify against that provider's metadata
//! certificates (`warden-saml`: the XML signature, the audience and recipient AWS expects, the
//! time bounds, the issuer) and its `Role` attribute must pair `RoleArn` with `PrincipalArn`;
//! then the role's trust policy decides, with the assertion's `saml:` keys.

use warden_protocol::ServiceError;
use warden_protocol::sts::{self, errors};
use warden_saml::{AwsErrorCode, SamlError, VerifyOptions, parse_metadata, split_provider_arn};
use warden_store::Tag;

use super::federated::{FederatedAssume, not_authorized};
use super::{find_role, policy_arn_list};
use crate::iam::find_saml_provider;
use crate::{Core, RequestInfo};

const ACTION: &str = "sts:AssumeRoleWithSAML";

/// A response `warden-saml` refused, as AWS answers it.
fn saml_error(error: &SamlError) -> ServiceError {
    let shape = match error.aws_code() {
        AwsErrorCode::InvalidIdentityToken => errors::INVALID_IDENTITY_TOKEN,
        AwsErrorCode::ExpiredToken => errors::EXPIRED_TOKEN_EXCEPTION,
        AwsErrorCode::IdpRejectedClaim => errors::IDP_REJECTED_CLAIM,
    };
    ServiceError::new(shape, error.to_string())
}

impl Core {
    pub(crate) async fn assume_role_with_saml_op(
        &self,
        info: &RequestInfo,
        i: sts::AssumeRoleWithSAMLRequest,
    ) -> Result<sts::AssumeRoleWithSAMLResponse, ServiceError> {
        let (account_id, provider_name) =
            split_provider_arn(&i.principal_arn).map_err(|e| saml_error(&e))?;
        let metadata = {
            let dir = self.read();
            let Some(role) = find_role(&dir, &i.role_arn) else {
                return Err(not_authorized(ACTION));
            };
            // The provider must be the role's account's own.
            let provider = dir
                .account(&role.record.account_id)
                .filter(|a| a.id() == account_id)
                .and_then(|a| find_saml_provider(a, &i.principal_arn).ok())
                .ok_or_else(|| {
                    ServiceError::new(
                        errors::INVALID_IDENTITY_TOKEN,
                        format!(
                            "SAML provider {} does not exist in the role's account.",
                            i.principal_arn
                        ),
                    )
                })?;
            provider.metadata.clone()
        };
        let metadata = parse_metadata(&metadata).map_err(|e| {
            ServiceError::new(
                errors::INVALID_IDENTITY_TOKEN,
                format!("The SAML provider's metadata cannot be used: {e}"),
            )
        })?;
        let options = VerifyOptions::aws(info.now, Some(metadata.entity_id.clone()));
        let assertion =
            warden_saml::verify(&i.saml_assertion, &metadata.signing_certificates, &options)
                .map_err(|e| saml_error(&e))?;
        if !assertion.has_role_pair(&i.role_arn, &i.principal_arn) {
            return Err(not_authorized(ACTION));
        }
        let keys = assertion
            .condition_keys(&i.principal_arn)
            .map_err(|e| saml_error(&e))?;
        // The session lasts DurationSeconds, or until the response's SessionNotOnOrAfter if
        // that comes first (the STS API reference).
        let mut duration = i.duration_seconds;
        if let Some(end) = assertion.session_not_on_or_after {
            let left = (end - info.now).whole_seconds();
            let asked = i64::from(duration.unwrap_or(3600));
            if left < asked {
                duration = Some(i32::try_from(left.max(0)).unwrap_or(0));
            }
        }
        let session = self
            .assume_federated(
                info,
                FederatedAssume {
                    role_arn: i.role_arn,
                    provider_arn: i.principal_arn.clone(),
                    action: ACTION,
                    keys,
                    session_name: assertion.session_name.clone(),
                    duration_seconds: duration,
                    policy: i.policy,
                    policy_arns: policy_arn_list(i.policy_arns),
                    tags: assertion
                        .principal_tags
                        .iter()
                        .map(|(key, value)| Tag {
                            key: key.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                    transitive_tag_keys: assertion.transitive_tag_keys.clone(),
                    source_identity: assertion.source_identity.clone(),
                },
            )
            .await?;
        Ok(sts::AssumeRoleWithSAMLResponse {
            credentials: Some(session.credentials),
            assumed_role_user: Some(session.assumed_role_user),
            packed_policy_size: Some(session.packed_policy_size),
            subject: Some(assertion.name_id.value.clone()),
            subject_type: Some(assertion.name_id.subject_type()),
            issuer: Some(assertion.issuer.clone()),
            audience: Some(assertion.recipient.clone()),
            name_qualifier: Some(assertion.name_qualifier(account_id, provider_name)),
            source_identity: session.source_identity,
            session_token_utilization: None,
            session_token_size: None,
        })
    }
}
