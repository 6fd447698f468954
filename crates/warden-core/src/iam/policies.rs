//! Inline policies of users and groups.

use warden_policy::validate::{PolicyKind, policy_size, validate_text};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, InlinePolicyRecord, PolicyOwner};

use super::{account, find_group, find_user};
use crate::directory::InlinePolicy;
use crate::pagination::paginate;
use crate::{Core, RequestCx};

fn no_such_policy(kind: &str, name: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The {kind} policy with name {name} cannot be found."),
    )
}

/// Checks a document by the rules for identity policies; AWS answers the first problem.
fn check_document(document: &str) -> Result<(), ServiceError> {
    match validate_text(document, PolicyKind::Identity)
        .into_iter()
        .next()
    {
        Some(finding) => Err(ServiceError::new(
            errors::MALFORMED_POLICY_DOCUMENT,
            finding.aws_message,
        )),
        None => Ok(()),
    }
}

/// The aggregate-size quota: all of an entity's inline policies together, without whitespace.
fn check_aggregate_size<'a>(
    others: impl Iterator<Item = &'a InlinePolicy>,
    replaced: &str,
    document: &str,
    limit: usize,
    kind: &str,
    owner: &str,
) -> Result<(), ServiceError> {
    let replaced = replaced.to_lowercase();
    let total: usize = others
        .filter(|p| p.name.to_lowercase() != replaced)
        .map(|p| policy_size(&p.document, false))
        .sum::<usize>()
        + policy_size(document, false);
    if total > limit {
        return Err(ServiceError::new(
            errors::LIMIT_EXCEEDED,
            format!("Maximum policy size of {limit} bytes exceeded for {kind} {owner}"),
        ));
    }
    Ok(())
}

fn names_page<'a>(
    policies: impl Iterator<Item = (&'a String, &'a InlinePolicy)>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<(Vec<String>, Option<String>), ServiceError> {
    let page = paginate(
        policies.map(|(k, p)| (k.clone(), p.name.clone())),
        marker,
        max_items,
    )?;
    Ok((page.items, page.next))
}

impl Core {
    pub(crate) async fn put_user_policy_op(
        &self,
        cx: &RequestCx,
        input: iam::PutUserPolicyRequest,
    ) -> Result<(), ServiceError> {
        check_document(&input.policy_document)?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &input.user_name)?;
            check_aggregate_size(
                user.policies.values(),
                &input.policy_name,
                &input.policy_document,
                self.quotas.user_policy_size,
                "user",
                &user.record.name,
            )?;
            InlinePolicyRecord {
                account_id: account.id().to_owned(),
                owner: PolicyOwner::User(user.record.user_id.clone()),
                name: input.policy_name,
                document: input.policy_document,
            }
        };
        self.commit(vec![Change::PutInlinePolicy(record)]).await
    }

    pub(crate) fn get_user_policy_op(
        &self,
        cx: &RequestCx,
        input: iam::GetUserPolicyRequest,
    ) -> Result<iam::GetUserPolicyResponse, ServiceError> {
        let dir = self.read();
        let user = find_user(account(&dir, &cx.caller)?, &input.user_name)?;
        let policy = user
            .policies
            .get(&input.policy_name.to_lowercase())
            .ok_or_else(|| no_such_policy("user", &input.policy_name))?;
        Ok(iam::GetUserPolicyResponse {
            user_name: user.record.name.clone(),
            policy_name: policy.name.clone(),
            policy_document: policy.document.clone(),
        })
    }

    pub(crate) async fn delete_user_policy_op(
        &self,
        cx: &RequestCx,
        input: iam::DeleteUserPolicyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let owner = {
            let dir = self.read();
            let user = find_user(account(&dir, &cx.caller)?, &input.user_name)?;
            if !user
                .policies
                .contains_key(&input.policy_name.to_lowercase())
            {
                return Err(no_such_policy("user", &input.policy_name));
            }
            PolicyOwner::User(user.record.user_id.clone())
        };
        self.commit(vec![Change::DeleteInlinePolicy {
            owner,
            name: input.policy_name,
        }])
        .await
    }

    pub(crate) fn list_user_policies_op(
        &self,
        cx: &RequestCx,
        input: iam::ListUserPoliciesRequest,
    ) -> Result<iam::ListUserPoliciesResponse, ServiceError> {
        let dir = self.read();
        let user = find_user(account(&dir, &cx.caller)?, &input.user_name)?;
        let (names, next) = names_page(
            user.policies.iter(),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(iam::ListUserPoliciesResponse {
            policy_names: names,
            is_truncated: Some(next.is_some()),
            marker: next,
        })
    }

    pub(crate) async fn put_group_policy_op(
        &self,
        cx: &RequestCx,
        input: iam::PutGroupPolicyRequest,
    ) -> Result<(), ServiceError> {
        check_document(&input.policy_document)?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let group = find_group(account, &input.group_name)?;
            check_aggregate_size(
                group.policies.values(),
                &input.policy_name,
                &input.policy_document,
                self.quotas.group_policy_size,
                "group",
                &group.record.name,
            )?;
            InlinePolicyRecord {
                account_id: account.id().to_owned(),
                owner: PolicyOwner::Group(group.record.group_id.clone()),
                name: input.policy_name,
                document: input.policy_document,
            }
        };
        self.commit(vec![Change::PutInlinePolicy(record)]).await
    }

    pub(crate) fn get_group_policy_op(
        &self,
        cx: &RequestCx,
        input: iam::GetGroupPolicyRequest,
    ) -> Result<iam::GetGroupPolicyResponse, ServiceError> {
        let dir = self.read();
        let group = find_group(account(&dir, &cx.caller)?, &input.group_name)?;
        let policy = group
            .policies
            .get(&input.policy_name.to_lowercase())
            .ok_or_else(|| no_such_policy("group", &input.policy_name))?;
        Ok(iam::GetGroupPolicyResponse {
            group_name: group.record.name.clone(),
            policy_name: policy.name.clone(),
            policy_document: policy.document.clone(),
        })
    }

    pub(crate) async fn delete_group_policy_op(
        &self,
        cx: &RequestCx,
        input: iam::DeleteGroupPolicyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let owner = {
            let dir = self.read();
            let group = find_group(account(&dir, &cx.caller)?, &input.group_name)?;
            if !group
                .policies
                .contains_key(&input.policy_name.to_lowercase())
            {
                return Err(no_such_policy("group", &input.policy_name));
            }
            PolicyOwner::Group(group.record.group_id.clone())
        };
        self.commit(vec![Change::DeleteInlinePolicy {
            owner,
            name: input.policy_name,
        }])
        .await
    }

    pub(crate) fn list_group_policies_op(
        &self,
        cx: &RequestCx,
        input: iam::ListGroupPoliciesRequest,
    ) -> Result<iam::ListGroupPoliciesResponse, ServiceError> {
        let dir = self.read();
        let group = find_group(account(&dir, &cx.caller)?, &input.group_name)?;
        let (names, next) = names_page(
            group.policies.iter(),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(iam::ListGroupPoliciesResponse {
            policy_names: names,
            is_truncated: Some(next.is_some()),
            marker: next,
        })
    }
}
