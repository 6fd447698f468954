//! Managed policies attached to users, groups and roles, and permissions boundaries.

use std::collections::BTreeSet;

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{AttachmentRecord, Change, EntityRef, Object, ObjectKey, ObjectKind};

use super::{
    account, find_group, find_policy, find_role, find_user, limit_exceeded, protected_role,
};
use crate::directory::Account;
use crate::pagination::paginate;
use crate::{Core, RequestCx};

/// The kind of identity a policy is attached to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Holder {
    User,
    Group,
    Role,
}

/// An identity found by name: its reference, its attachments, and whether AWS protects it.
struct Found<'a> {
    entity: EntityRef,
    attached: &'a BTreeSet<String>,
    protected: Option<&'a str>,
}

impl Holder {
    fn find<'a>(self, account: &'a Account, name: &str) -> Result<Found<'a>, ServiceError> {
        Ok(match self {
            Holder::User => {
                let u = find_user(account, name)?;
                Found {
                    entity: EntityRef::User(u.record.user_id.clone()),
                    attached: &u.attached,
                    protected: None,
                }
            }
            Holder::Group => {
                let g = find_group(account, name)?;
                Found {
                    entity: EntityRef::Group(g.record.group_id.clone()),
                    attached: &g.attached,
                    protected: None,
                }
            }
            Holder::Role => {
                let r = find_role(account, name)?;
                Found {
                    entity: EntityRef::Role(r.record.role_id.clone()),
                    attached: &r.attached,
                    protected: r.is_service_linked().then_some(r.record.name.as_str()),
                }
            }
        })
    }

    /// AWS's quota name and our limit.
    fn quota(self, core: &Core) -> (&'static str, usize) {
        match self {
            Holder::User => ("PoliciesPerUser", core.quotas.attached_policies_per_user),
            Holder::Group => ("PoliciesPerGroup", core.quotas.attached_policies_per_group),
            Holder::Role => ("PoliciesPerRole", core.quotas.attached_policies_per_role),
        }
    }
}

fn attachment_key(entity: &EntityRef, arn: &str) -> ObjectKey {
    ObjectKey {
        kind: ObjectKind::Attachment,
        id: AttachmentRecord::key(entity, arn),
    }
}

impl Core {
    pub(super) async fn attach_policy(
        &self,
        cx: &RequestCx,
        holder: Holder,
        name: &str,
        arn: String,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let found = holder.find(account, name)?;
            find_policy(account, &arn)?;
            if let Some(role) = found.protected {
                return Err(protected_role(role));
            }
            if found.attached.contains(&arn) {
                // Attaching again changes nothing, as in AWS.
                return Ok(());
            }
            let (quota, limit) = holder.quota(self);
            if found.attached.len() >= limit {
                return Err(limit_exceeded(quota, limit));
            }
            AttachmentRecord {
                account_id: account.id().to_owned(),
                entity: found.entity,
                policy_arn: arn,
            }
        };
        self.commit(vec![Change::PutObject(Object::Attachment(record))])
            .await
    }

    pub(super) async fn detach_policy(
        &self,
        cx: &RequestCx,
        holder: Holder,
        name: &str,
        arn: &str,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let key = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let found = holder.find(account, name)?;
            if let Some(role) = found.protected {
                return Err(protected_role(role));
            }
            if !found.attached.contains(arn) {
                return Err(ServiceError::new(
                    errors::NO_SUCH_ENTITY,
                    format!("Policy {arn} was not found."),
                ));
            }
            attachment_key(&found.entity, arn)
        };
        self.commit(vec![Change::DeleteObject(key)]).await
    }

    pub(super) fn list_attached(
        &self,
        cx: &RequestCx,
        holder: Holder,
        name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<(Vec<iam::AttachedPolicy>, Option<String>), ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let found = holder.find(account, name)?;
        let prefix = path_prefix.unwrap_or("/");
        let mut items: Vec<(String, iam::AttachedPolicy)> = found
            .attached
            .iter()
            .filter_map(|arn| account.managed_by_arn(arn))
            .filter(|p| p.record.path.starts_with(prefix))
            .map(|p| {
                (
                    p.record.name.to_lowercase(),
                    iam::AttachedPolicy {
                        policy_name: Some(p.record.name.clone()),
                        policy_arn: Some(p.arn.clone()),
                    },
                )
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let page = paginate(items, marker, max_items)?;
        Ok((page.items, page.next))
    }

    /// Sets or removes (`None`) the boundary of a user or role.
    pub(super) async fn set_boundary(
        &self,
        cx: &RequestCx,
        holder: Holder,
        name: &str,
        arn: Option<String>,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let change = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if let Some(arn) = &arn {
                find_policy(account, arn)?;
            }
            match holder {
                Holder::User => {
                    let mut record = find_user(account, name)?.record.clone();
                    record.permissions_boundary = arn;
                    Change::PutUser(record)
                }
                Holder::Role => {
                    let role = find_role(account, name)?;
                    if role.is_service_linked() {
                        return Err(protected_role(&role.record.name));
                    }
                    let mut record = role.record.clone();
                    record.permissions_boundary = arn;
                    Change::PutObject(Object::Role(record))
                }
                Holder::Group => return Err(ServiceError::internal()),
            }
        };
        self.commit(vec![change]).await
    }
}
