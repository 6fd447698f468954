//! Inline policies of users and groups: one implementation, parameterised by the kind of entity
//! that holds the policy.

use std::collections::BTreeMap;

use warden_policy::validate::{PolicyKind, policy_size};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, InlinePolicyRecord, PolicyOwner};

use super::{account, check_document, find_group, find_role, find_user, protected_role};
use crate::directory::{Account, InlinePolicy};
use crate::pagination::paginate;
use crate::{Core, Quotas, RequestCx};

/// The kind of entity an inline policy is embedded in.
#[derive(Debug, Clone, Copy)]
enum Holder {
    User,
    Group,
    Role,
}

/// One entity's inline policies, as found in the directory.
struct Held<'a> {
    owner: PolicyOwner,
    name: &'a str,
    policies: &'a BTreeMap<String, InlinePolicy>,
    /// A service-linked role: its policies are AWS's to change.
    protected: bool,
}

impl Holder {
    fn kind(self) -> &'static str {
        match self {
            Holder::User => "user",
            Holder::Group => "group",
            Holder::Role => "role",
        }
    }

    fn find<'a>(self, account: &'a Account, name: &str) -> Result<Held<'a>, ServiceError> {
        Ok(match self {
            Holder::User => {
                let user = find_user(account, name)?;
                Held {
                    owner: PolicyOwner::User(user.record.user_id.clone()),
                    name: &user.record.name,
                    policies: &user.policies,
                    protected: false,
                }
            }
            Holder::Group => {
                let group = find_group(account, name)?;
                Held {
                    owner: PolicyOwner::Group(group.record.group_id.clone()),
                    name: &group.record.name,
                    policies: &group.policies,
                    protected: false,
                }
            }
            Holder::Role => {
                let role = find_role(account, name)?;
                Held {
                    owner: PolicyOwner::Role(role.record.role_id.clone()),
                    name: &role.record.name,
                    policies: &role.policies,
                    protected: role.is_service_linked(),
                }
            }
        })
    }

    /// The aggregate-size quota of all the entity's inline policies together.
    fn size_limit(self, quotas: &Quotas) -> usize {
        match self {
            Holder::User => quotas.user_policy_size,
            Holder::Group => quotas.group_policy_size,
            Holder::Role => quotas.role_policy_size,
        }
    }

    fn no_such_policy(self, name: &str) -> ServiceError {
        ServiceError::new(
            errors::NO_SUCH_ENTITY,
            format!(
                "The {} policy with name {name} cannot be found.",
                self.kind()
            ),
        )
    }
}

/// A policy: (entity name, policy name, document).
type Found = (String, String, String);

impl Core {
    async fn put_inline_policy(
        &self,
        cx: &RequestCx,
        holder: Holder,
        entity: &str,
        name: String,
        document: String,
    ) -> Result<(), ServiceError> {
        check_document(&document, PolicyKind::Identity)?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let held = holder.find(account, entity)?;
            if held.protected {
                return Err(protected_role(held.name));
            }
            // Whitespace does not count; the policy being replaced does not count twice.
            let replaced = name.to_lowercase();
            let total = held
                .policies
                .iter()
                .filter(|(key, _)| **key != replaced)
                .map(|(_, p)| policy_size(&p.document, false))
                .sum::<usize>()
                + policy_size(&document, false);
            let limit = holder.size_limit(&self.quotas);
            if total > limit {
                return Err(ServiceError::new(
                    errors::LIMIT_EXCEEDED,
                    format!(
                        "Maximum policy size of {limit} bytes exceeded for {} {}",
                        holder.kind(),
                        held.name
                    ),
                ));
            }
            InlinePolicyRecord {
                account_id: account.id().to_owned(),
                owner: held.owner,
                name,
                document,
            }
        };
        self.commit(vec![Change::PutInlinePolicy(record)]).await
    }

    fn get_inline_policy(
        &self,
        cx: &RequestCx,
        holder: Holder,
        entity: &str,
        name: &str,
    ) -> Result<Found, ServiceError> {
        let dir = self.read();
        let held = holder.find(account(&dir, &cx.caller)?, entity)?;
        let policy = held
            .policies
            .get(&name.to_lowercase())
            .ok_or_else(|| holder.no_such_policy(name))?;
        Ok((
            held.name.to_owned(),
            policy.name.clone(),
            policy.document.clone(),
        ))
    }

    async fn delete_inline_policy(
        &self,
        cx: &RequestCx,
        holder: Holder,
        entity: &str,
        name: String,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let owner = {
            let dir = self.read();
            let held = holder.find(account(&dir, &cx.caller)?, entity)?;
            if held.protected {
                return Err(protected_role(held.name));
            }
            if !held.policies.contains_key(&name.to_lowercase()) {
                return Err(holder.no_such_policy(&name));
            }
            held.owner
        };
        self.commit(vec![Change::DeleteInlinePolicy { owner, name }])
            .await
    }

    /// One page of policy names, and the marker of the next.
    fn list_inline_policies(
        &self,
        cx: &RequestCx,
        holder: Holder,
        entity: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<(Vec<String>, Option<String>), ServiceError> {
        let dir = self.read();
        let held = holder.find(account(&dir, &cx.caller)?, entity)?;
        let page = paginate(
            held.policies
                .iter()
                .map(|(k, p)| (k.clone(), p.name.clone())),
            marker,
            max_items,
        )?;
        Ok((page.items, page.next))
    }

    pub(crate) async fn put_user_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::PutUserPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.put_inline_policy(
            cx,
            Holder::User,
            &i.user_name,
            i.policy_name,
            i.policy_document,
        )
        .await
    }

    pub(crate) fn get_user_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::GetUserPolicyRequest,
    ) -> Result<iam::GetUserPolicyResponse, ServiceError> {
        let (user_name, policy_name, policy_document) =
            self.get_inline_policy(cx, Holder::User, &i.user_name, &i.policy_name)?;
        Ok(iam::GetUserPolicyResponse {
            user_name,
            policy_name,
            policy_document,
        })
    }

    pub(crate) async fn delete_user_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteUserPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.delete_inline_policy(cx, Holder::User, &i.user_name, i.policy_name)
            .await
    }

    pub(crate) fn list_user_policies_op(
        &self,
        cx: &RequestCx,
        i: iam::ListUserPoliciesRequest,
    ) -> Result<iam::ListUserPoliciesResponse, ServiceError> {
        let (policy_names, marker) = self.list_inline_policies(
            cx,
            Holder::User,
            &i.user_name,
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListUserPoliciesResponse {
            policy_names,
            is_truncated: Some(marker.is_some()),
            marker,
        })
    }

    pub(crate) async fn put_group_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::PutGroupPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.put_inline_policy(
            cx,
            Holder::Group,
            &i.group_name,
            i.policy_name,
            i.policy_document,
        )
        .await
    }

    pub(crate) fn get_group_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::GetGroupPolicyRequest,
    ) -> Result<iam::GetGroupPolicyResponse, ServiceError> {
        let (group_name, policy_name, policy_document) =
            self.get_inline_policy(cx, Holder::Group, &i.group_name, &i.policy_name)?;
        Ok(iam::GetGroupPolicyResponse {
            group_name,
            policy_name,
            policy_document,
        })
    }

    pub(crate) async fn delete_group_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteGroupPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.delete_inline_policy(cx, Holder::Group, &i.group_name, i.policy_name)
            .await
    }

    pub(crate) fn list_group_policies_op(
        &self,
        cx: &RequestCx,
        i: iam::ListGroupPoliciesRequest,
    ) -> Result<iam::ListGroupPoliciesResponse, ServiceError> {
        let (policy_names, marker) = self.list_inline_policies(
            cx,
            Holder::Group,
            &i.group_name,
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListGroupPoliciesResponse {
            policy_names,
            is_truncated: Some(marker.is_some()),
            marker,
        })
    }

    pub(crate) async fn put_role_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::PutRolePolicyRequest,
    ) -> Result<(), ServiceError> {
        self.put_inline_policy(
            cx,
            Holder::Role,
            &i.role_name,
            i.policy_name,
            i.policy_document,
        )
        .await
    }

    pub(crate) fn get_role_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::GetRolePolicyRequest,
    ) -> Result<iam::GetRolePolicyResponse, ServiceError> {
        let (role_name, policy_name, policy_document) =
            self.get_inline_policy(cx, Holder::Role, &i.role_name, &i.policy_name)?;
        Ok(iam::GetRolePolicyResponse {
            role_name,
            policy_name,
            policy_document,
        })
    }

    pub(crate) async fn delete_role_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteRolePolicyRequest,
    ) -> Result<(), ServiceError> {
        self.delete_inline_policy(cx, Holder::Role, &i.role_name, i.policy_name)
            .await
    }

    pub(crate) fn list_role_policies_op(
        &self,
        cx: &RequestCx,
        i: iam::ListRolePoliciesRequest,
    ) -> Result<iam::ListRolePoliciesResponse, ServiceError> {
        let (policy_names, marker) = self.list_inline_policies(
            cx,
            Holder::Role,
            &i.role_name,
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListRolePoliciesResponse {
            policy_names,
            is_truncated: Some(marker.is_some()),
            marker,
        })
    }
}
