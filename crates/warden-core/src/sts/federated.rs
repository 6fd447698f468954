//! Assuming a role as an identity provider's user: the path `AssumeRoleWithWebIdentity` (and
//! `AssumeRoleWithSAML`) share once the provider's token or assertion has been verified.
//!
//! The caller has no AWS identity: the provider vouches for it. So the decision reads the role's
//! trust policy alone, as a resource policy that must name the provider (`"Principal":
//! {"Federated": PROVIDER-ARN}`, with `resource_policy_required`), against the claims as
//! context keys; no identity policy, boundary or session policy takes part.

use warden_policy::{CompiledPolicy, Policies, PolicySet, Principal, evaluate};
use warden_protocol::ServiceError;
use warden_protocol::sts;
use warden_store::{RoleRecord, Tag};

use super::role_session::RoleSession;
use super::{check_session_request, find_role, validation};
use crate::authz::{Target, access_denied, request_info_context};
use crate::iam::roles::trust_document;
use crate::{Core, RequestInfo};

/// A request to assume a role for a federated user.
#[derive(Debug)]
pub(crate) struct FederatedAssume {
    pub role_arn: String,
    /// The provider's ARN: the `Federated` principal the trust policy must name.
    pub provider_arn: String,
    /// `sts:AssumeRoleWithWebIdentity` or `sts:AssumeRoleWithSAML`.
    pub action: &'static str,
    /// Context keys from the token or assertion (`PROVIDER:sub`, `saml:aud`, …).
    pub keys: Vec<(String, Vec<String>)>,
    pub session_name: String,
    pub duration_seconds: Option<i32>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    /// Session tags the provider passed, and which of them are transitive.
    pub tags: Vec<Tag>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

/// What the answer to a federated assume carries.
#[derive(Debug)]
pub(crate) struct FederatedSession {
    pub credentials: sts::Credentials,
    pub assumed_role_user: sts::AssumedRoleUser,
    pub packed_policy_size: i32,
    pub source_identity: Option<String>,
}

/// AWS's answer when the trust policy does not allow the provider (the same whatever the
/// reason, so a caller learns nothing about the role).
pub(crate) fn not_authorized(action: &str) -> ServiceError {
    access_denied(format!("Not authorized to perform {action}"))
}

impl Core {
    /// Decides the request against the role's trust policy, then opens the role session.
    pub(crate) async fn assume_federated(
        &self,
        info: &RequestInfo,
        request: FederatedAssume,
    ) -> Result<FederatedSession, ServiceError> {
        let percent = check_session_request(
            request.policy.as_deref(),
            &request.policy_arns,
            &request.tags,
            &request.transitive_tag_keys,
        )?;
        let role = self.authorize_federated(info, &request)?;
        let opened = self
            .open_role_session(
                info,
                RoleSession {
                    role,
                    session_name: request.session_name,
                    duration_seconds: request.duration_seconds,
                    chained: false,
                    policy: request.policy,
                    policy_arns: request.policy_arns,
                    tags: request.tags,
                    transitive_tag_keys: request.transitive_tag_keys,
                    source_identity: request.source_identity.clone(),
                    federated_provider: Some(request.provider_arn),
                    mfa_authenticated: None,
                },
            )
            .await?;
        Ok(FederatedSession {
            credentials: opened.credentials,
            assumed_role_user: opened.assumed_role_user,
            packed_policy_size: i32::try_from(percent).unwrap_or(i32::MAX),
            source_identity: request.source_identity,
        })
    }

    /// The trust policy's decision for the action, and for `sts:TagSession` and
    /// `sts:SetSourceIdentity` when the provider passes tags or a source identity. Returns the
    /// role as it is now.
    fn authorize_federated(
        &self,
        info: &RequestInfo,
        request: &FederatedAssume,
    ) -> Result<RoleRecord, ServiceError> {
        let dir = self.read();
        let Some(role) = find_role(&dir, &request.role_arn) else {
            return Err(not_authorized(request.action));
        };
        let account = &role.record.account_id;
        for arn in &request.policy_arns {
            if dir
                .account(account)
                .and_then(|a| a.policy_by_arn(arn))
                .is_none()
            {
                return Err(validation(format!(
                    "The policy {arn} passed in PolicyArns does not exist or is not attachable."
                )));
            }
        }
        let Ok(principal) = Principal::parse(&request.provider_arn) else {
            return Err(not_authorized(request.action));
        };
        let trust = match CompiledPolicy::parse(&trust_document(&dir, role)) {
            Ok(policy) => PolicySet::new([policy.with_name("trust policy")]),
            Err(_) => PolicySet::new(Vec::<CompiledPolicy>::new()),
        };
        let mut actions = vec![request.action];
        if !request.tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if request.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        for action in actions {
            let mut target = Target::new(action, role.arn.clone())
                .with_key("sts:RoleSessionName", Some(&request.session_name))
                .with_key("sts:SourceIdentity", request.source_identity.as_deref())
                .with_key("aws:FederatedProvider", Some(&request.provider_arn));
            if !request.tags.is_empty() {
                target.request_tags = request
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect();
                target.tag_keys = Some(request.tags.iter().map(|t| t.key.clone()).collect());
            }
            let mut ctx = request_info_context(info, principal.clone(), &target)
                .with_resource_account(Some(account.clone()));
            for (key, values) in &request.keys {
                ctx.insert(key, values.clone());
            }
            let decision = evaluate(
                &ctx,
                &Policies {
                    resource: Some(&trust),
                    resource_policy_required: true,
                    ..Policies::default()
                },
            );
            if !decision.is_allowed() {
                tracing::debug!(
                    role = %role.arn,
                    provider = %request.provider_arn,
                    action,
                    "the trust policy does not allow a federated user"
                );
                return Err(not_authorized(action));
            }
        }
        Ok(role.record.clone())
    }
}
