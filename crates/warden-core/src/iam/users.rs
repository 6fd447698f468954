//! Users: create, read, rename, delete, list.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, UserRecord};

use super::{
    account, delete_conflict, find_user, limit_exceeded, named_or_caller, stamp, tags, user_output,
};
use crate::pagination::paginate;
use crate::{Core, RequestCx, ids};

fn user_exists(name: &str) -> ServiceError {
    ServiceError::new(
        errors::ENTITY_ALREADY_EXISTS,
        format!("User with name {name} already exists."),
    )
}

impl Core {
    pub(crate) async fn create_user_op(
        &self,
        cx: &RequestCx,
        input: iam::CreateUserRequest,
    ) -> Result<iam::CreateUserResponse, ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.user(&input.user_name).is_some() {
                return Err(user_exists(&input.user_name));
            }
            if account.users.len() >= self.quotas.users_per_account {
                return Err(limit_exceeded(
                    "UsersPerAccount",
                    self.quotas.users_per_account,
                ));
            }
            super::roles::check_boundary(account, input.permissions_boundary.as_deref())?;
            let tags = tags::merge(&[], input.tags.as_deref().unwrap_or_default(), &self.quotas)?;
            UserRecord {
                user_id: ids::user_id().map_err(|_| ServiceError::internal())?,
                account_id: account.id().to_owned(),
                name: input.user_name.clone(),
                path: input.path.clone().unwrap_or_else(|| "/".to_owned()),
                created: stamp(cx),
                permissions_boundary: input.permissions_boundary.clone(),
                tags,
            }
        };
        let lower = record.name.to_lowercase();
        self.commit(vec![Change::PutUser(record)]).await?;
        let dir = self.read();
        let user = account(&dir, &cx.caller)?
            .users
            .get(&lower)
            .ok_or_else(ServiceError::internal)?;
        Ok(iam::CreateUserResponse {
            user: Some(user_output(user, true)),
        })
    }

    pub(crate) fn get_user_op(
        &self,
        cx: &RequestCx,
        input: iam::GetUserRequest,
    ) -> Result<iam::GetUserResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let named = named_or_caller(account, &cx.caller, input.user_name.as_deref())?;
        // When the password was last used to sign in (absent if never).
        let password_last_used = account
            .login_profile(named.map(|u| u.record.user_id.as_str()))
            .and_then(|p| p.last_used);
        let user = match named {
            Some(user) => iam::User {
                password_last_used,
                ..user_output(user, true)
            },
            // The root user, as AWS describes it: its id is the account id.
            None => iam::User {
                user_id: account.id().to_owned(),
                arn: account.root_arn.clone(),
                create_date: account.record.created,
                password_last_used,
                ..Default::default()
            },
        };
        Ok(iam::GetUserResponse { user })
    }

    pub(crate) async fn update_user_op(
        &self,
        cx: &RequestCx,
        input: iam::UpdateUserRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &input.user_name)?;
            let mut record = user.record.clone();
            if let Some(new_name) = &input.new_user_name {
                if let Some(other) = account.user(new_name)
                    && other.record.user_id != record.user_id
                {
                    return Err(user_exists(new_name));
                }
                record.name = new_name.clone();
            }
            if let Some(new_path) = &input.new_path {
                record.path = new_path.clone();
            }
            record
        };
        self.commit(vec![Change::PutUser(record)]).await
    }

    pub(crate) async fn delete_user_op(
        &self,
        cx: &RequestCx,
        input: iam::DeleteUserRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let user_id = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &input.user_name)?;
            let id = &user.record.user_id;
            // AWS's order: credentials first, then policies, then group memberships.
            if account.login_profile(Some(id)).is_some() {
                return Err(delete_conflict("delete login profile"));
            }
            if !user.keys.is_empty() {
                return Err(delete_conflict("delete access keys"));
            }
            if account
                .signing_certificates
                .values()
                .any(|c| c.user_id == *id)
            {
                return Err(delete_conflict("delete signing certificates"));
            }
            if account.ssh_keys.values().any(|k| k.user_id == *id) {
                return Err(delete_conflict("delete SSH public keys"));
            }
            if account.mfa_devices_of(Some(id)).next().is_some() {
                return Err(delete_conflict("delete MFA device"));
            }
            if !user.attached.is_empty() {
                return Err(delete_conflict("detach all policies"));
            }
            if !user.policies.is_empty() {
                return Err(delete_conflict("delete policies"));
            }
            if !user.groups.is_empty() {
                return Err(delete_conflict("remove users from group"));
            }
            user.record.user_id.clone()
        };
        self.commit(vec![Change::DeleteUser { user_id }]).await
    }

    pub(crate) fn list_users_op(
        &self,
        cx: &RequestCx,
        input: iam::ListUsersRequest,
    ) -> Result<iam::ListUsersResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let prefix = input.path_prefix.as_deref().unwrap_or("/");
        let page = paginate(
            account
                .users
                .by_name
                .iter()
                .filter(|(_, u)| u.record.path.starts_with(prefix))
                .map(|(k, u)| (k.clone(), u)),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(iam::ListUsersResponse {
            users: page.items.iter().map(|u| user_output(u, false)).collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }
}
