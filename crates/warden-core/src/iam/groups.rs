//! Groups and memberships.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, GroupRecord, Membership};

use super::{
    account, delete_conflict, find_group, find_user, group_output, limit_exceeded, stamp,
    user_output,
};
use crate::pagination::{paginate, paginate_unsorted};
use crate::{Core, RequestCx, ids};

fn group_exists(name: &str) -> ServiceError {
    ServiceError::new(
        errors::ENTITY_ALREADY_EXISTS,
        format!("Group with name {name} already exists."),
    )
}

impl Core {
    pub(crate) async fn create_group_op(
        &self,
        cx: &RequestCx,
        input: iam::CreateGroupRequest,
    ) -> Result<iam::CreateGroupResponse, ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.group(&input.group_name).is_some() {
                return Err(group_exists(&input.group_name));
            }
            if account.groups.len() >= self.quotas.groups_per_account {
                return Err(limit_exceeded(
                    "GroupsPerAccount",
                    self.quotas.groups_per_account,
                ));
            }
            GroupRecord {
                group_id: ids::group_id().map_err(|_| ServiceError::internal())?,
                account_id: account.id().to_owned(),
                name: input.group_name.clone(),
                path: input.path.clone().unwrap_or_else(|| "/".to_owned()),
                created: stamp(cx),
            }
        };
        let lower = record.name.to_lowercase();
        self.commit(vec![Change::PutGroup(record)]).await?;
        let dir = self.read();
        let group = account(&dir, &cx.caller)?
            .groups
            .get(&lower)
            .ok_or_else(ServiceError::internal)?;
        Ok(iam::CreateGroupResponse {
            group: group_output(group),
        })
    }

    pub(crate) fn get_group_op(
        &self,
        cx: &RequestCx,
        input: iam::GetGroupRequest,
    ) -> Result<iam::GetGroupResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let group = find_group(account, &input.group_name)?;
        let members = group
            .members
            .iter()
            .filter_map(|id| account.user_by_id(id))
            .map(|u| (u.record.name.to_lowercase(), u))
            .collect();
        let page = paginate_unsorted(members, input.marker.as_deref(), input.max_items)?;
        Ok(iam::GetGroupResponse {
            group: group_output(group),
            users: page.items.iter().map(|u| user_output(u, false)).collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) async fn update_group_op(
        &self,
        cx: &RequestCx,
        input: iam::UpdateGroupRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let group = find_group(account, &input.group_name)?;
            let mut record = group.record.clone();
            if let Some(new_name) = &input.new_group_name {
                if let Some(other) = account.group(new_name)
                    && other.record.group_id != record.group_id
                {
                    return Err(group_exists(new_name));
                }
                record.name = new_name.clone();
            }
            if let Some(new_path) = &input.new_path {
                record.path = new_path.clone();
            }
            record
        };
        self.commit(vec![Change::PutGroup(record)]).await
    }

    pub(crate) async fn delete_group_op(
        &self,
        cx: &RequestCx,
        input: iam::DeleteGroupRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let group_id = {
            let dir = self.read();
            let group = find_group(account(&dir, &cx.caller)?, &input.group_name)?;
            if !group.members.is_empty() {
                return Err(delete_conflict("remove users from group"));
            }
            if !group.policies.is_empty() {
                return Err(delete_conflict("delete policies"));
            }
            if !group.attached.is_empty() {
                return Err(delete_conflict("detach all policies"));
            }
            group.record.group_id.clone()
        };
        self.commit(vec![Change::DeleteGroup { group_id }]).await
    }

    pub(crate) fn list_groups_op(
        &self,
        cx: &RequestCx,
        input: iam::ListGroupsRequest,
    ) -> Result<iam::ListGroupsResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let prefix = input.path_prefix.as_deref().unwrap_or("/");
        let page = paginate(
            account
                .groups
                .by_name
                .iter()
                .filter(|(_, g)| g.record.path.starts_with(prefix))
                .map(|(k, g)| (k.clone(), g)),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(iam::ListGroupsResponse {
            groups: page.items.iter().map(|g| group_output(g)).collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) async fn add_user_to_group_op(
        &self,
        cx: &RequestCx,
        input: iam::AddUserToGroupRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let membership = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let group = find_group(account, &input.group_name)?;
            let user = find_user(account, &input.user_name)?;
            if user.groups.contains(&group.record.group_id) {
                return Ok(());
            }
            if user.groups.len() >= self.quotas.groups_per_user {
                return Err(limit_exceeded("GroupsPerUser", self.quotas.groups_per_user));
            }
            Membership {
                group_id: group.record.group_id.clone(),
                user_id: user.record.user_id.clone(),
            }
        };
        self.commit(vec![Change::AddMember(membership)]).await
    }

    pub(crate) async fn remove_user_from_group_op(
        &self,
        cx: &RequestCx,
        input: iam::RemoveUserFromGroupRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let membership = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let group = find_group(account, &input.group_name)?;
            let user = find_user(account, &input.user_name)?;
            if !user.groups.contains(&group.record.group_id) {
                return Err(ServiceError::new(
                    errors::NO_SUCH_ENTITY,
                    format!(
                        "User {} is not in group {}.",
                        input.user_name, input.group_name
                    ),
                ));
            }
            Membership {
                group_id: group.record.group_id.clone(),
                user_id: user.record.user_id.clone(),
            }
        };
        self.commit(vec![Change::RemoveMember(membership)]).await
    }

    pub(crate) fn list_groups_for_user_op(
        &self,
        cx: &RequestCx,
        input: iam::ListGroupsForUserRequest,
    ) -> Result<iam::ListGroupsForUserResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let user = find_user(account, &input.user_name)?;
        let groups = user
            .groups
            .iter()
            .filter_map(|id| account.group_by_id(id))
            .map(|g| (g.record.name.to_lowercase(), g))
            .collect();
        let page = paginate_unsorted(groups, input.marker.as_deref(), input.max_items)?;
        Ok(iam::ListGroupsForUserResponse {
            groups: page.items.iter().map(|g| group_output(g)).collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }
}
