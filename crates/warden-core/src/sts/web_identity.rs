//! `AssumeRoleWithWebIdentity`: an OpenID Connect ID token in, a role session out.
//!
//! The call is unsigned (the token is the credential). The token's issuer must be an OIDC
//! provider registered in the role's account, its audience one of the provider's client ids,
//! its signature good under a key the issuer publishes, and it must not have expired; then the
//! role's trust policy decides, with the token's claims as `PROVIDER:aud`, `PROVIDER:sub`,
//! `PROVIDER:amr` and `PROVIDER:oaud` (PROVIDER being the provider URL, e.g.
//! `token.actions.githubusercontent.com:sub`).

use warden_protocol::ServiceError;
use warden_protocol::sts::{self, errors};
use warden_store::Tag;

use super::federated::{FederatedAssume, not_authorized};
use super::{find_role, policy_arn_list, validation};
use crate::web_token::{Issuer, TokenError, UnverifiedToken};
use crate::{Core, RequestInfo};

const ACTION: &str = "sts:AssumeRoleWithWebIdentity";

fn invalid_token(message: impl Into<String>) -> ServiceError {
    ServiceError::new(errors::INVALID_IDENTITY_TOKEN, message)
}

/// AWS's answer when no provider in the role's account has the token's issuer; `iss` is shown
/// as the token has it.
fn no_provider(iss: &str) -> ServiceError {
    invalid_token(format!(
        "No OpenIDConnect provider found in your account for {iss}"
    ))
}

/// A refused token as AWS answers it.
fn token_error(error: TokenError) -> ServiceError {
    match error {
        TokenError::Expired { now, exp } => ServiceError::new(
            errors::EXPIRED_TOKEN_EXCEPTION,
            format!(
                "Token expired: current date/time {now} must be before the expiration date/time \
                 {exp}"
            ),
        ),
        TokenError::Audience => invalid_token("Incorrect token audience"),
        // AWS's wording, double space included.
        TokenError::UnknownKey => invalid_token(
            "Couldn't retrieve verification key from your identity provider,  please reference \
             AssumeRoleWithWebIdentity documentation for requirements",
        ),
        TokenError::Unreachable(reason) => ServiceError::new(
            errors::IDP_COMMUNICATION_ERROR,
            format!(
                "Couldn't retrieve the configuration or keys of your identity provider: {reason}"
            ),
        ),
        other @ (TokenError::Malformed(_)
        | TokenError::Algorithm(_)
        | TokenError::Signature
        | TokenError::NotYetValid
        | TokenError::IssuedInFuture) => {
            invalid_token(format!("The web identity token is not valid: {other}."))
        }
    }
}

/// What the role's account knows of the token's issuer.
struct Provider {
    arn: String,
    client_ids: Vec<String>,
    issuer: Issuer,
}

impl Core {
    pub(crate) async fn assume_role_with_web_identity_op(
        &self,
        info: &RequestInfo,
        i: sts::AssumeRoleWithWebIdentityRequest,
    ) -> Result<sts::AssumeRoleWithWebIdentityResponse, ServiceError> {
        if i.provider_id.is_some() {
            // ProviderId names an OAuth 2.0 provider (www.amazon.com, graph.facebook.com)
            // whose access tokens only that provider can check.
            return Err(validation(
                "Warden verifies OpenID Connect ID tokens only; ProviderId (OAuth 2.0 access \
                 tokens) is not supported.",
            ));
        }
        let token = UnverifiedToken::parse(&i.web_identity_token).map_err(token_error)?;
        let provider = self.token_provider(&i.role_arn, &token.claims.iss)?;
        let audience = token
            .claims
            .audience(&provider.client_ids)
            .map_err(token_error)?;
        // Before the keys are fetched: an expired token costs no fetch.
        token.claims.check_times(info.now).map_err(token_error)?;
        self.web_keys
            .verify(
                self.oidc_fetcher.as_deref(),
                &provider.issuer,
                &token,
                info.now,
            )
            .await
            .map_err(token_error)?;
        let claims = token.claims;
        let prefix = &provider.issuer.provider_url;
        let mut keys = vec![
            (format!("{prefix}:aud"), vec![audience.clone()]),
            (format!("{prefix}:sub"), vec![claims.sub.clone()]),
        ];
        if claims.azp.is_some() {
            keys.push((format!("{prefix}:oaud"), claims.aud.clone()));
        }
        if !claims.amr.is_empty() {
            keys.push((format!("{prefix}:amr"), claims.amr.clone()));
        }
        let session = self
            .assume_federated(
                info,
                FederatedAssume {
                    role_arn: i.role_arn,
                    provider_arn: provider.arn.clone(),
                    action: ACTION,
                    keys,
                    session_name: i.role_session_name,
                    duration_seconds: i.duration_seconds,
                    policy: i.policy,
                    policy_arns: policy_arn_list(i.policy_arns),
                    tags: claims
                        .tags
                        .into_iter()
                        .map(|(key, value)| Tag { key, value })
                        .collect(),
                    transitive_tag_keys: claims.transitive_tag_keys,
                    source_identity: claims.source_identity,
                },
            )
            .await?;
        Ok(sts::AssumeRoleWithWebIdentityResponse {
            credentials: Some(session.credentials),
            subject_from_web_identity_token: Some(claims.sub),
            assumed_role_user: Some(session.assumed_role_user),
            packed_policy_size: Some(session.packed_policy_size),
            provider: Some(provider.arn),
            audience: Some(audience),
            source_identity: session.source_identity,
            session_token_utilization: None,
            session_token_size: None,
        })
    }

    /// The provider in the role's account whose URL is the token's issuer.
    fn token_provider(&self, role_arn: &str, iss: &str) -> Result<Provider, ServiceError> {
        let dir = self.read();
        let Some(role) = find_role(&dir, role_arn) else {
            return Err(not_authorized(ACTION));
        };
        let issuer = Issuer::from_claim(iss).ok_or_else(|| no_provider(iss))?;
        let (record, arn) = dir
            .account(&role.record.account_id)
            .and_then(|account| crate::iam::oidc_provider_by_url(account, &issuer.provider_url))
            .ok_or_else(|| no_provider(iss))?;
        Ok(Provider {
            arn,
            client_ids: record.client_ids.clone(),
            issuer,
        })
    }
}
