//! Customer managed policies and their versions.

use std::borrow::Cow;

use warden_policy::validate::PolicyKind;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{
    Change, EntityRef, ManagedPolicyRecord, Object, ObjectKey, ObjectKind, PolicyVersionRecord,
};

use super::{account, check_document, find_own_policy, find_policy, limit_exceeded, stamp, tags};
use crate::directory::{Account, Detail, ManagedPolicy};
use crate::pagination::{paginate, paginate_unsorted};
use crate::{Core, RequestCx, ids};

/// AWS's fixed limit of versions per managed policy.
const VERSIONS_PER_POLICY: usize = 5;

fn policy_exists(name: &str) -> ServiceError {
    ServiceError::new(
        errors::ENTITY_ALREADY_EXISTS,
        format!("A policy called {name} already exists. Duplicate names are not allowed."),
    )
}

fn no_such_version(arn: &str, version: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("Policy {arn} version {version} does not exist or is not attachable."),
    )
}

/// How much of a policy an answer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyView {
    /// GetPolicy, CreatePolicy: with description and tags.
    Full,
    /// ListPolicies: AWS leaves out the description and tags.
    Listed,
}

pub(crate) fn policy_output(policy: &ManagedPolicy, view: PolicyView) -> iam::Policy {
    let r = &policy.record;
    let full = view == PolicyView::Full;
    iam::Policy {
        policy_name: Some(r.name.clone()),
        policy_id: Some(r.policy_id.clone()),
        arn: Some(policy.arn.clone()),
        path: Some(r.path.clone()),
        default_version_id: Some(r.default_version.clone()),
        attachment_count: Some(count(policy.attached_to.len())),
        permissions_boundary_usage_count: Some(count(policy.boundary_of.len())),
        is_attachable: Some(true),
        description: if full { r.description.clone() } else { None },
        create_date: Some(r.created),
        update_date: Some(r.updated),
        tags: (full && !r.tags.is_empty()).then(|| tags::output(&r.tags)),
    }
}

pub(crate) fn version_output(
    record: &ManagedPolicyRecord,
    version: &PolicyVersionRecord,
    with_document: bool,
) -> iam::PolicyVersion {
    iam::PolicyVersion {
        document: with_document.then(|| version.document.clone()),
        version_id: Some(version.version_id.clone()),
        is_default_version: Some(version.version_id == record.default_version),
        create_date: Some(version.created),
    }
}

pub(crate) fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn put(record: ManagedPolicyRecord) -> Vec<Change> {
    vec![Change::PutObject(Object::ManagedPolicy(record))]
}

/// `ListPolicies`' `OnlyAttached`: whether the policy is in use the way the usage filter names
/// (as a permissions policy when there is none). Without `OnlyAttached` every managed policy can
/// serve either way, so the usage filter alone keeps them all.
fn attached_as(policy: &ManagedPolicy, usage: Option<&str>) -> bool {
    match usage {
        Some("PermissionsBoundary") => !policy.boundary_of.is_empty(),
        _ => !policy.attached_to.is_empty(),
    }
}

impl Core {
    /// The record of a customer managed policy `action` is about to change.
    fn policy_record(
        &self,
        cx: &RequestCx,
        arn: &str,
        action: &str,
    ) -> Result<ManagedPolicyRecord, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        Ok(find_own_policy(account, &cx.caller, arn, action)?
            .record
            .clone())
    }

    pub(crate) async fn create_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::CreatePolicyRequest,
    ) -> Result<iam::CreatePolicyResponse, ServiceError> {
        check_document(&i.policy_document, PolicyKind::Managed)?;
        let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
        let _writer = self.writer.lock().await;
        let (record, arn) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.managed.get(&i.policy_name).is_some() {
                return Err(policy_exists(&i.policy_name));
            }
            if account.managed.len() >= self.quotas.policies_per_account {
                return Err(limit_exceeded(
                    "PoliciesPerAccount",
                    self.quotas.policies_per_account,
                ));
            }
            let now = stamp(cx);
            let path = i.path.unwrap_or_else(|| "/".to_owned());
            let arn = account.arn_scope().entity("policy", &path, &i.policy_name);
            let record = ManagedPolicyRecord {
                policy_id: ids::policy_id().map_err(|_| ServiceError::internal())?,
                account_id: account.id().to_owned(),
                name: i.policy_name,
                path,
                description: i.description,
                created: now,
                updated: now,
                default_version: "v1".to_owned(),
                versions: vec![PolicyVersionRecord {
                    version_id: "v1".to_owned(),
                    document: i.policy_document,
                    created: now,
                }],
                next_version: 2,
                tags,
            };
            (record, arn)
        };
        self.commit(put(record)).await?;
        let dir = self.read();
        let policy = find_policy(account(&dir, &cx.caller)?, &arn)?;
        Ok(iam::CreatePolicyResponse {
            policy: Some(policy_output(&policy, PolicyView::Full)),
        })
    }

    pub(crate) fn get_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::GetPolicyRequest,
    ) -> Result<iam::GetPolicyResponse, ServiceError> {
        let dir = self.read();
        let policy = find_policy(account(&dir, &cx.caller)?, &i.policy_arn)?;
        Ok(iam::GetPolicyResponse {
            policy: Some(policy_output(&policy, PolicyView::Full)),
        })
    }

    pub(crate) async fn delete_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::DeletePolicyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let policy_id = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let policy = find_own_policy(account, &cx.caller, &i.policy_arn, "iam:DeletePolicy")?;
            if !policy.attached_to.is_empty() || !policy.boundary_of.is_empty() {
                return Err(ServiceError::new(
                    errors::DELETE_CONFLICT,
                    "Cannot delete a policy attached to entities.",
                ));
            }
            if policy.record.versions.len() > 1 {
                return Err(ServiceError::new(
                    errors::DELETE_CONFLICT,
                    "This policy has more than one version. Before you delete a policy, you must \
                     delete the policy's versions. The default version is deleted with the policy.",
                ));
            }
            policy.record.policy_id.clone()
        };
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::ManagedPolicy,
            id: policy_id,
        })])
        .await
    }

    pub(crate) fn list_policies_op(
        &self,
        cx: &RequestCx,
        i: iam::ListPoliciesRequest,
    ) -> Result<iam::ListPoliciesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let prefix = i.path_prefix.as_deref().unwrap_or("/");
        let scope = i.scope.as_deref().unwrap_or("All");
        let only_attached = i.only_attached.unwrap_or(false);
        let usage = i.policy_usage_filter.as_deref();
        let local = account
            .managed
            .by_name
            .values()
            .filter(|_| scope != "AWS")
            .map(Cow::Borrowed);
        // AWS managed policies come from the catalog; only the attached ones need this account's
        // copy (and `OnlyAttached` needs nothing else).
        let aws: Vec<Cow<'_, ManagedPolicy>> = match (scope, only_attached) {
            ("Local", _) => Vec::new(),
            (_, true) => account.used_aws_policies().map(Cow::Borrowed).collect(),
            (_, false) => match warden_catalog::aws_managed_policies() {
                Ok(all) => all
                    .all()
                    .iter()
                    .filter(|p| p.path.starts_with(prefix))
                    .map(|p| account.aws_managed_view(p, Detail::Listing))
                    .collect(),
                Err(e) => {
                    tracing::error!(error = %e, "the AWS managed policies are unavailable");
                    return Err(ServiceError::internal());
                }
            },
        };
        let rows: Vec<(String, Cow<'_, ManagedPolicy>)> = local
            .chain(aws)
            .filter(|p| p.record.path.starts_with(prefix))
            .filter(|p| !only_attached || attached_as(p, usage))
            // Name order; a customer policy may share an AWS managed policy's name.
            .map(|p| (format!("{}\u{0}{}", p.record.name.to_lowercase(), p.arn), p))
            .collect();
        let page = paginate_unsorted(rows, i.marker.as_deref(), i.max_items)?;
        Ok(iam::ListPoliciesResponse {
            policies: Some(
                page.items
                    .iter()
                    .map(|p| policy_output(p, PolicyView::Listed))
                    .collect(),
            ),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) async fn create_policy_version_op(
        &self,
        cx: &RequestCx,
        i: iam::CreatePolicyVersionRequest,
    ) -> Result<iam::CreatePolicyVersionResponse, ServiceError> {
        check_document(&i.policy_document, PolicyKind::Managed)?;
        let _writer = self.writer.lock().await;
        let mut record = self.policy_record(cx, &i.policy_arn, "iam:CreatePolicyVersion")?;
        if record.versions.len() >= VERSIONS_PER_POLICY {
            return Err(ServiceError::new(
                errors::LIMIT_EXCEEDED,
                "A managed policy can have up to 5 versions. Before you create a new version, you \
                 must delete an existing version.",
            ));
        }
        let now = stamp(cx);
        let version = PolicyVersionRecord {
            version_id: format!("v{}", record.next_version),
            document: i.policy_document,
            created: now,
        };
        record.next_version += 1;
        if i.set_as_default.unwrap_or(false) {
            record.default_version = version.version_id.clone();
            record.updated = now;
        }
        record.versions.push(version.clone());
        let answer = version_output(&record, &version, false);
        self.commit(put(record)).await?;
        Ok(iam::CreatePolicyVersionResponse {
            policy_version: Some(answer),
        })
    }

    pub(crate) fn get_policy_version_op(
        &self,
        cx: &RequestCx,
        i: iam::GetPolicyVersionRequest,
    ) -> Result<iam::GetPolicyVersionResponse, ServiceError> {
        let dir = self.read();
        let policy = find_policy(account(&dir, &cx.caller)?, &i.policy_arn)?;
        let version = policy
            .record
            .versions
            .iter()
            .find(|v| v.version_id == i.version_id)
            .ok_or_else(|| no_such_version(&i.policy_arn, &i.version_id))?;
        Ok(iam::GetPolicyVersionResponse {
            policy_version: Some(version_output(&policy.record, version, true)),
        })
    }

    pub(crate) async fn delete_policy_version_op(
        &self,
        cx: &RequestCx,
        i: iam::DeletePolicyVersionRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.policy_record(cx, &i.policy_arn, "iam:DeletePolicyVersion")?;
        if !record.versions.iter().any(|v| v.version_id == i.version_id) {
            return Err(no_such_version(&i.policy_arn, &i.version_id));
        }
        if record.default_version == i.version_id {
            return Err(ServiceError::new(
                errors::DELETE_CONFLICT,
                "Cannot delete the default version of a policy.",
            ));
        }
        record.versions.retain(|v| v.version_id != i.version_id);
        self.commit(put(record)).await
    }

    pub(crate) fn list_policy_versions_op(
        &self,
        cx: &RequestCx,
        i: iam::ListPolicyVersionsRequest,
    ) -> Result<iam::ListPolicyVersionsResponse, ServiceError> {
        let dir = self.read();
        let policy = find_policy(account(&dir, &cx.caller)?, &i.policy_arn)?;
        // Newest first, as AWS lists them; the key orders by descending version number.
        let record = &policy.record;
        let page = paginate(
            record.versions.iter().rev().map(|v| {
                let n: u32 = v
                    .version_id
                    .get(1..)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                (format!("{:010}", u32::MAX - n), v)
            }),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListPolicyVersionsResponse {
            versions: Some(
                page.items
                    .iter()
                    .map(|v| version_output(record, v, false))
                    .collect(),
            ),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) async fn set_default_policy_version_op(
        &self,
        cx: &RequestCx,
        i: iam::SetDefaultPolicyVersionRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.policy_record(cx, &i.policy_arn, "iam:SetDefaultPolicyVersion")?;
        if !record.versions.iter().any(|v| v.version_id == i.version_id) {
            return Err(no_such_version(&i.policy_arn, &i.version_id));
        }
        record.default_version = i.version_id;
        record.updated = stamp(cx);
        self.commit(put(record)).await
    }

    pub(crate) fn list_entities_for_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::ListEntitiesForPolicyRequest,
    ) -> Result<iam::ListEntitiesForPolicyResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let policy = find_policy(account, &i.policy_arn)?;
        let prefix = i.path_prefix.as_deref().unwrap_or("/");
        let entities = match i.policy_usage_filter.as_deref() {
            Some("PermissionsBoundary") => &policy.boundary_of,
            _ => &policy.attached_to,
        };
        let wanted = |kind: &str| {
            i.entity_filter
                .as_deref()
                .is_none_or(|f| f.eq_ignore_ascii_case(kind))
        };
        // One listing of all three kinds: groups, then roles, then users, each by name.
        let mut items: Vec<(String, Entity)> = Vec::new();
        for entity in entities {
            if let Some(found) = describe(account, entity, prefix)
                && wanted(found.kind())
            {
                items.push((found.sort_key(), found));
            }
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let page = paginate(items, i.marker.as_deref(), i.max_items)?;
        let mut answer = iam::ListEntitiesForPolicyResponse {
            policy_groups: Some(Vec::new()),
            policy_users: Some(Vec::new()),
            policy_roles: Some(Vec::new()),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        };
        for entity in page.items {
            match entity {
                Entity::Group { name, id } => {
                    answer
                        .policy_groups
                        .get_or_insert_default()
                        .push(iam::PolicyGroup {
                            group_name: Some(name),
                            group_id: Some(id),
                        });
                }
                Entity::Role { name, id } => {
                    answer
                        .policy_roles
                        .get_or_insert_default()
                        .push(iam::PolicyRole {
                            role_name: Some(name),
                            role_id: Some(id),
                        });
                }
                Entity::User { name, id } => {
                    answer
                        .policy_users
                        .get_or_insert_default()
                        .push(iam::PolicyUser {
                            user_name: Some(name),
                            user_id: Some(id),
                        });
                }
            }
        }
        Ok(answer)
    }
}

/// An entity a policy reaches, as `ListEntitiesForPolicy` names it.
enum Entity {
    Group { name: String, id: String },
    Role { name: String, id: String },
    User { name: String, id: String },
}

impl Entity {
    fn kind(&self) -> &'static str {
        match self {
            Entity::Group { .. } => "Group",
            Entity::Role { .. } => "Role",
            Entity::User { .. } => "User",
        }
    }

    fn sort_key(&self) -> String {
        match self {
            Entity::Group { name, .. } => format!("0{}", name.to_lowercase()),
            Entity::Role { name, .. } => format!("1{}", name.to_lowercase()),
            Entity::User { name, .. } => format!("2{}", name.to_lowercase()),
        }
    }
}

fn describe(account: &Account, entity: &EntityRef, prefix: &str) -> Option<Entity> {
    match entity {
        EntityRef::User(id) => {
            let u = account.user_by_id(id)?;
            u.record.path.starts_with(prefix).then(|| Entity::User {
                name: u.record.name.clone(),
                id: id.clone(),
            })
        }
        EntityRef::Group(id) => {
            let g = account.group_by_id(id)?;
            g.record.path.starts_with(prefix).then(|| Entity::Group {
                name: g.record.name.clone(),
                id: id.clone(),
            })
        }
        EntityRef::Role(id) => {
            let r = account.roles.by_id(id)?;
            r.record.path.starts_with(prefix).then(|| Entity::Role {
                name: r.record.name.clone(),
                id: id.clone(),
            })
        }
    }
}
