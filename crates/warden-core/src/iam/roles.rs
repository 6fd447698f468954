//! Roles: create, read, update, delete, list, and the trust policy's principals.
//!
//! AWS stores the users and roles a trust policy names by their unique ids: a principal deleted
//! after the policy was written shows as its old id, and a new entity of the same name is not
//! trusted. The role keeps each named principal's id from when the policy was written
//! ([`PrincipalBinding`]); [`trust_document`] shows ids for the ones that are gone.

use warden_policy::PolicyDocument;
use warden_policy::document::{PrincipalType, Principals};
use warden_policy::validate::PolicyKind;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, Object, ObjectKey, ObjectKind, PrincipalBinding, RoleRecord};

use super::{
    account, boundary_output, check_document, delete_conflict, find_role, limit_exceeded,
    no_such_policy, protected_role, stamp, tags,
};
use crate::directory::{Account, Directory, Role};
use crate::pagination::paginate;
use crate::{Core, RequestCx, ids};

/// AWS's default for `MaxSessionDuration`.
const DEFAULT_MAX_SESSION: i32 = 3600;

fn role_exists(name: &str) -> ServiceError {
    ServiceError::new(
        errors::ENTITY_ALREADY_EXISTS,
        format!("Role with name {name} already exists."),
    )
}

fn invalid_principal(arn: &str) -> ServiceError {
    ServiceError::new(
        errors::MALFORMED_POLICY_DOCUMENT,
        format!("Invalid principal in policy: \"AWS\":\"{arn}\""),
    )
}

/// The unique id of the user or role an IAM ARN names, when it exists now.
fn current_id(dir: &Directory, arn: &str) -> Option<String> {
    let rest = arn.strip_prefix(&format!("arn:{}:iam::", dir.partition))?;
    let (account_id, resource) = rest.split_once(':')?;
    let account = dir.account(account_id)?;
    let name = resource.rsplit('/').next()?;
    if resource.starts_with("user/") {
        let user = account.user(name).filter(|u| u.arn == arn)?;
        Some(user.record.user_id.clone())
    } else if resource.starts_with("role/") {
        let role = account.role(name).filter(|r| r.arn == arn)?;
        Some(role.record.role_id.clone())
    } else {
        None
    }
}

/// Validates a trust policy and binds the users and roles it names to their unique ids. A user
/// or role of an account this server holds must exist (AWS: "Invalid principal in policy");
/// principals of other accounts cannot be checked and are kept as written.
pub(super) fn bind_trust(
    dir: &Directory,
    document: &str,
) -> Result<Vec<PrincipalBinding>, ServiceError> {
    check_document(document, PolicyKind::Trust)?;
    let doc = PolicyDocument::parse(document).map_err(|e| {
        ServiceError::new(
            errors::MALFORMED_POLICY_DOCUMENT,
            e.aws_message().to_owned(),
        )
    })?;
    let iam_prefix = format!("arn:{}:iam::", dir.partition);
    let mut bindings: Vec<PrincipalBinding> = Vec::new();
    for statement in &doc.statements {
        let Some(element) = &statement.principal else {
            continue;
        };
        let Principals::Typed(entries) = &element.principals else {
            continue;
        };
        for (kind, values) in entries {
            if *kind != PrincipalType::Aws {
                continue;
            }
            for value in values {
                let Some(rest) = value.strip_prefix(iam_prefix.as_str()) else {
                    continue;
                };
                let Some((account_id, resource)) = rest.split_once(':') else {
                    continue;
                };
                let names_entity = resource.starts_with("user/") || resource.starts_with("role/");
                if !names_entity || dir.account(account_id).is_none() {
                    continue;
                }
                let id = current_id(dir, value).ok_or_else(|| invalid_principal(value))?;
                if !bindings.iter().any(|b| b.arn == *value) {
                    bindings.push(PrincipalBinding {
                        arn: value.clone(),
                        unique_id: id,
                    });
                }
            }
        }
    }
    Ok(bindings)
}

/// The trust policy as AWS shows it: principals that no longer exist (or were recreated) appear
/// as the unique id they had.
pub(crate) fn trust_document(dir: &Directory, role: &Role) -> String {
    let mut document = role.record.trust_policy.clone();
    for binding in &role.record.trust_principals {
        if current_id(dir, &binding.arn).as_deref() != Some(binding.unique_id.as_str()) {
            document = document.replace(
                &format!("\"{}\"", binding.arn),
                &format!("\"{}\"", binding.unique_id),
            );
        }
    }
    document
}

/// How much of a role an answer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleView {
    /// GetRole, CreateRole: everything.
    Full,
    /// ListRoles and instance profiles: no tags, boundary or last use.
    Listed,
}

pub(crate) fn role_output(dir: &Directory, role: &Role, view: RoleView) -> iam::Role {
    let r = &role.record;
    let full = view == RoleView::Full;
    iam::Role {
        path: r.path.clone(),
        role_name: r.name.clone(),
        role_id: r.role_id.clone(),
        arn: role.arn.clone(),
        create_date: r.created,
        assume_role_policy_document: Some(trust_document(dir, role)),
        description: r.description.clone(),
        max_session_duration: Some(r.max_session_duration),
        permissions_boundary: if full {
            boundary_output(r.permissions_boundary.as_deref())
        } else {
            None
        },
        tags: (full && !r.tags.is_empty()).then(|| tags::output(&r.tags)),
        role_last_used: full.then(|| iam::RoleLastUsed {
            last_used_date: r.last_used.as_ref().map(|u| u.time),
            region: r.last_used.as_ref().map(|u| u.region.clone()),
        }),
        source_role_template: None,
    }
}

/// A permissions boundary must name a managed policy that exists.
pub(super) fn check_boundary(account: &Account, arn: Option<&str>) -> Result<(), ServiceError> {
    match arn {
        Some(arn) if account.policy_by_arn(arn).is_none() => Err(no_such_policy(arn)),
        _ => Ok(()),
    }
}

impl Core {
    /// Commits a changed role record; the caller holds the writer lock.
    pub(super) async fn put_role(&self, record: RoleRecord) -> Result<(), ServiceError> {
        self.commit(vec![Change::PutObject(Object::Role(record))])
            .await
    }

    /// Reads a role's record for a change that a service-linked role does not allow.
    fn editable_role(&self, cx: &RequestCx, name: &str) -> Result<RoleRecord, ServiceError> {
        let dir = self.read();
        let role = find_role(account(&dir, &cx.caller)?, name)?;
        if role.is_service_linked() {
            return Err(protected_role(&role.record.name));
        }
        Ok(role.record.clone())
    }

    fn role_answer(&self, cx: &RequestCx, name: &str) -> Result<iam::Role, ServiceError> {
        let dir = self.read();
        let role = find_role(account(&dir, &cx.caller)?, name)?;
        Ok(role_output(&dir, role, RoleView::Full))
    }

    /// Creates a role from a record whose id is not set yet; shared with service-linked roles.
    pub(super) async fn create_role_record(
        &self,
        cx: &RequestCx,
        mut record: RoleRecord,
    ) -> Result<iam::Role, ServiceError> {
        let _writer = self.writer.lock().await;
        {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.role(&record.name).is_some() {
                if record.path.starts_with("/aws-service-role/") {
                    return Err(ServiceError::new(
                        errors::INVALID_INPUT,
                        format!(
                            "Service role name {} has been taken in this account, please try a \
                             different suffix.",
                            record.name
                        ),
                    ));
                }
                return Err(role_exists(&record.name));
            }
            if account.roles.len() >= self.quotas.roles_per_account {
                return Err(limit_exceeded(
                    "RolesPerAccount",
                    self.quotas.roles_per_account,
                ));
            }
            check_boundary(account, record.permissions_boundary.as_deref())?;
            record.trust_principals = bind_trust(&dir, &record.trust_policy)?;
            record.role_id = ids::role_id().map_err(|_| ServiceError::internal())?;
            record.account_id = account.id().to_owned();
        }
        let name = record.name.clone();
        self.put_role(record).await?;
        self.role_answer(cx, &name)
    }

    pub(crate) async fn create_role_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateRoleRequest,
    ) -> Result<iam::CreateRoleResponse, ServiceError> {
        let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
        let record = RoleRecord {
            role_id: String::new(),
            account_id: String::new(),
            name: i.role_name,
            path: i.path.unwrap_or_else(|| "/".to_owned()),
            created: stamp(cx),
            description: i.description,
            max_session_duration: i.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION),
            trust_policy: i.assume_role_policy_document,
            trust_principals: Vec::new(),
            permissions_boundary: i.permissions_boundary,
            tags,
            last_used: None,
        };
        let role = self.create_role_record(cx, record).await?;
        Ok(iam::CreateRoleResponse { role })
    }

    pub(crate) fn get_role_op(
        &self,
        cx: &RequestCx,
        i: iam::GetRoleRequest,
    ) -> Result<iam::GetRoleResponse, ServiceError> {
        Ok(iam::GetRoleResponse {
            role: self.role_answer(cx, &i.role_name)?,
        })
    }

    pub(crate) async fn update_role_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateRoleRequest,
    ) -> Result<iam::UpdateRoleResponse, ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.editable_role(cx, &i.role_name)?;
        if let Some(description) = i.description {
            record.description = Some(description);
        }
        if let Some(duration) = i.max_session_duration {
            record.max_session_duration = duration;
        }
        self.put_role(record).await?;
        Ok(iam::UpdateRoleResponse {})
    }

    /// The one change AWS allows on a service-linked role.
    pub(crate) async fn update_role_description_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateRoleDescriptionRequest,
    ) -> Result<iam::UpdateRoleDescriptionResponse, ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = {
            let dir = self.read();
            find_role(account(&dir, &cx.caller)?, &i.role_name)?
                .record
                .clone()
        };
        record.description = Some(i.description);
        self.put_role(record).await?;
        Ok(iam::UpdateRoleDescriptionResponse {
            role: Some(self.role_answer(cx, &i.role_name)?),
        })
    }

    pub(crate) async fn update_assume_role_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateAssumeRolePolicyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.editable_role(cx, &i.role_name)?;
        record.trust_principals = bind_trust(&self.read(), &i.policy_document)?;
        record.trust_policy = i.policy_document;
        self.put_role(record).await
    }

    pub(crate) async fn delete_role_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteRoleRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let role_id = {
            let dir = self.read();
            let role = find_role(account(&dir, &cx.caller)?, &i.role_name)?;
            if role.is_service_linked() {
                return Err(protected_role(&role.record.name));
            }
            check_role_deletable(role)?;
            role.record.role_id.clone()
        };
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::Role,
            id: role_id,
        })])
        .await
    }

    pub(crate) fn list_roles_op(
        &self,
        cx: &RequestCx,
        i: iam::ListRolesRequest,
    ) -> Result<iam::ListRolesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let prefix = i.path_prefix.as_deref().unwrap_or("/");
        let page = paginate(
            account
                .roles
                .by_name
                .iter()
                .filter(|(_, r)| r.record.path.starts_with(prefix))
                .map(|(k, r)| (k.clone(), r)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListRolesResponse {
            roles: page
                .items
                .iter()
                .map(|r| role_output(&dir, r, RoleView::Listed))
                .collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }
}

/// AWS refuses to delete a role that still has policies or instance profiles.
pub(super) fn check_role_deletable(role: &Role) -> Result<(), ServiceError> {
    if !role.attached.is_empty() {
        return Err(delete_conflict("detach all policies"));
    }
    if !role.policies.is_empty() {
        return Err(delete_conflict("delete policies"));
    }
    if !role.instance_profiles.is_empty() {
        return Err(delete_conflict("remove roles from instance profile"));
    }
    Ok(())
}
