//! IAM operations. `handler.rs` wires them to the generated `Handler` trait; each module holds
//! one family of operations.

mod account;
mod attach;
mod credentials;
mod groups;
mod handler;
mod keys;
mod last_accessed;
pub(crate) mod login;
mod managed;
pub(crate) mod mfa;
mod oidc;
mod policies;
mod profiles;
mod report;
pub(crate) mod roles;
mod saml;
mod service_linked;
mod simulate;

pub(crate) use saml::find_provider as find_saml_provider;
pub(crate) use service_linked::role_name as service_linked_role_name;
mod tags;
mod users;

use time::OffsetDateTime;
use warden_policy::validate::{PolicyKind, validate_text};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};

use std::borrow::Cow;

use crate::directory::{Account, Directory, Group, ManagedPolicy, Role, User, is_aws_managed_arn};
use crate::{Caller, RequestCx};

pub(crate) fn no_such_user(name: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The user with name {name} cannot be found."),
    )
}

pub(crate) fn no_such_group(name: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The group with name {name} cannot be found."),
    )
}

pub(crate) fn no_such_role(name: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The role with name {name} cannot be found."),
    )
}

/// A policy ARN that names no policy this account can attach.
pub(crate) fn no_such_policy(arn: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("Policy {arn} does not exist or is not attachable."),
    )
}

pub(crate) fn find_role<'a>(account: &'a Account, name: &str) -> Result<&'a Role, ServiceError> {
    account.role(name).ok_or_else(|| no_such_role(name))
}

/// A managed policy by ARN: this account's, or an AWS managed policy.
pub(crate) fn find_policy<'a>(
    account: &'a Account,
    arn: &str,
) -> Result<Cow<'a, ManagedPolicy>, ServiceError> {
    account
        .policy_by_arn(arn)
        .ok_or_else(|| no_such_policy(arn))
}

/// A customer managed policy to change. AWS managed policies belong to AWS: a change to one is
/// refused as AWS refuses a change to another account's resource.
pub(crate) fn find_own_policy<'a>(
    account: &'a Account,
    caller: &Caller,
    arn: &str,
    action: &str,
) -> Result<&'a ManagedPolicy, ServiceError> {
    if is_aws_managed_arn(arn) && account.policy_by_arn(arn).is_some() {
        // The policy is the `aws` account's, and no resource-based policy lets anyone else
        // change it: AWS's cross-account denial.
        return Err(crate::authz::access_denied(format!(
            "User: {} is not authorized to perform: {action} on resource: policy {arn} because \
             no resource-based policy allows the {action} action",
            caller.arn
        )));
    }
    account
        .managed_by_arn(arn)
        .ok_or_else(|| no_such_policy(arn))
}

/// Checks a document by the rules for its kind. AWS answers the first problem: a size over the
/// quota is `LimitExceeded`, anything else `MalformedPolicyDocument`.
pub(crate) fn check_document(document: &str, kind: PolicyKind) -> Result<(), ServiceError> {
    match validate_text(document, kind).into_iter().next() {
        Some(finding) if finding.aws_message.starts_with("Cannot exceed quota") => Err(
            ServiceError::new(errors::LIMIT_EXCEEDED, finding.aws_message),
        ),
        Some(finding) => Err(ServiceError::new(
            errors::MALFORMED_POLICY_DOCUMENT,
            finding.aws_message,
        )),
        None => Ok(()),
    }
}

/// AWS's answer for changing a service-linked role other than through its service.
pub(crate) fn protected_role(name: &str) -> ServiceError {
    ServiceError::new(
        errors::UNMODIFIABLE_ENTITY,
        format!(
            "Cannot perform the operation on the protected role '{name}' - this role is only \
             modifiable by AWS"
        ),
    )
}

pub(crate) fn boundary_output(arn: Option<&str>) -> Option<iam::AttachedPermissionsBoundary> {
    arn.map(|arn| iam::AttachedPermissionsBoundary {
        // What AWS answers, although the model once listed `PermissionsBoundaryPolicy`.
        permissions_boundary_type: Some("Policy".to_owned()),
        permissions_boundary_arn: Some(arn.to_owned()),
    })
}

pub(crate) fn limit_exceeded(quota: &str, limit: usize) -> ServiceError {
    ServiceError::new(
        errors::LIMIT_EXCEEDED,
        format!("Cannot exceed quota for {quota}: {limit}"),
    )
}

pub(crate) fn delete_conflict(what: &str) -> ServiceError {
    ServiceError::new(
        errors::DELETE_CONFLICT,
        format!("Cannot delete entity, must {what} first."),
    )
}

/// The caller's account. Every authenticated caller has one; its absence is an internal error.
pub(crate) fn account<'d>(
    dir: &'d Directory,
    caller: &Caller,
) -> Result<&'d Account, ServiceError> {
    dir.account(&caller.account_id)
        .ok_or_else(ServiceError::internal)
}

pub(crate) fn find_user<'a>(account: &'a Account, name: &str) -> Result<&'a User, ServiceError> {
    account.user(name).ok_or_else(|| no_such_user(name))
}

pub(crate) fn find_group<'a>(account: &'a Account, name: &str) -> Result<&'a Group, ServiceError> {
    account.group(name).ok_or_else(|| no_such_group(name))
}

/// The user an optional `UserName` names: that user, or the calling user. `None` is the root.
pub(crate) fn named_or_caller<'a>(
    account: &'a Account,
    caller: &Caller,
    name: Option<&str>,
) -> Result<Option<&'a User>, ServiceError> {
    match (name, &caller.user_id) {
        (Some(name), _) => find_user(account, name).map(Some),
        (None, Some(id)) => account
            .user_by_id(id)
            .map(Some)
            .ok_or_else(ServiceError::internal),
        (None, None) if caller.is_root() => Ok(None),
        // A role session is no user: AWS asks for the name.
        (None, None) => Err(ServiceError::new(
            warden_protocol::common::VALIDATION_ERROR,
            "Must specify userName when calling with non-User credentials",
        )),
    }
}

/// A user as AWS describes it. Listings leave tags out, as AWS's do.
pub(crate) fn user_output(user: &User, with_tags: bool) -> iam::User {
    let r = &user.record;
    iam::User {
        path: r.path.clone(),
        user_name: r.name.clone(),
        user_id: r.user_id.clone(),
        arn: user.arn.clone(),
        create_date: r.created,
        tags: (with_tags && !r.tags.is_empty()).then(|| tags::output(&r.tags)),
        permissions_boundary: if with_tags {
            boundary_output(r.permissions_boundary.as_deref())
        } else {
            None
        },
        ..Default::default()
    }
}

pub(crate) fn group_output(group: &Group) -> iam::Group {
    let r = &group.record;
    iam::Group {
        path: r.path.clone(),
        group_name: r.name.clone(),
        group_id: r.group_id.clone(),
        arn: group.arn.clone(),
        create_date: r.created,
    }
}

/// The time a write is stamped with: the request's, to the second (AWS's precision).
pub(crate) fn stamp(cx: &RequestCx) -> OffsetDateTime {
    cx.info.now.replace_nanosecond(0).unwrap_or(cx.info.now)
}

/// The tags of the OIDC provider an ARN names, for authorization.
pub(crate) fn oidc_provider_tags(account: &Account, arn: &str) -> Option<Vec<warden_store::Tag>> {
    oidc::find_provider(account, arn)
        .ok()
        .map(|p| p.tags.clone())
}

/// The OIDC provider whose URL (without its scheme) is `url`, and its ARN: the issuer of a web
/// identity token, as the role's account knows it.
pub(crate) fn oidc_provider_by_url<'a>(
    account: &'a Account,
    url: &str,
) -> Option<(&'a warden_store::OidcProviderRecord, String)> {
    let provider = account
        .oidc_providers
        .get(&url.to_lowercase())
        .filter(|p| p.url == url)?;
    Some((provider, oidc::provider_arn(account, url)))
}

/// The tags of the SAML provider an ARN names, for authorization.
pub(crate) fn saml_provider_tags(account: &Account, arn: &str) -> Option<Vec<warden_store::Tag>> {
    saml::find_provider(account, arn)
        .ok()
        .map(|p| p.tags.clone())
}
