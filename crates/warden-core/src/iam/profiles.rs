//! Instance profiles: containers that hand one role to EC2 instances.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, InstanceProfileRecord, Object, ObjectKey, ObjectKind};

use super::roles::{RoleView, role_output};
use super::{account, delete_conflict, find_role, limit_exceeded, stamp, tags};
use crate::directory::{Account, Directory, InstanceProfile};
use crate::pagination::paginate;
use crate::{Core, RequestCx, ids};

/// AWS's fixed limit: an instance profile holds one role.
const ROLES_PER_PROFILE: usize = 1;

pub(crate) fn no_such_profile(name: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("Instance Profile {name} cannot be found."),
    )
}

pub(crate) fn find_profile<'a>(
    account: &'a Account,
    name: &str,
) -> Result<&'a InstanceProfile, ServiceError> {
    account
        .instance_profiles
        .get(name)
        .ok_or_else(|| no_such_profile(name))
}

pub(crate) fn profile_output(
    dir: &Directory,
    account: &Account,
    profile: &InstanceProfile,
    with_tags: bool,
) -> iam::InstanceProfile {
    let r = &profile.record;
    iam::InstanceProfile {
        path: r.path.clone(),
        instance_profile_name: r.name.clone(),
        instance_profile_id: r.instance_profile_id.clone(),
        arn: profile.arn.clone(),
        create_date: r.created,
        roles: r
            .roles
            .iter()
            .filter_map(|id| account.roles.by_id(id))
            .map(|role| role_output(dir, role, RoleView::Listed))
            .collect(),
        tags: (with_tags && !r.tags.is_empty()).then(|| tags::output(&r.tags)),
    }
}

fn put(record: InstanceProfileRecord) -> Vec<Change> {
    vec![Change::PutObject(Object::InstanceProfile(record))]
}

impl Core {
    pub(super) fn profile_record(
        &self,
        cx: &RequestCx,
        name: &str,
    ) -> Result<InstanceProfileRecord, ServiceError> {
        let dir = self.read();
        Ok(find_profile(account(&dir, &cx.caller)?, name)?
            .record
            .clone())
    }

    fn profile_answer(
        &self,
        cx: &RequestCx,
        name: &str,
    ) -> Result<iam::InstanceProfile, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        Ok(profile_output(
            &dir,
            account,
            find_profile(account, name)?,
            true,
        ))
    }

    pub(crate) async fn create_instance_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateInstanceProfileRequest,
    ) -> Result<iam::CreateInstanceProfileResponse, ServiceError> {
        let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account
                .instance_profiles
                .get(&i.instance_profile_name)
                .is_some()
            {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    format!(
                        "Instance Profile {} already exists.",
                        i.instance_profile_name
                    ),
                ));
            }
            if account.instance_profiles.len() >= self.quotas.instance_profiles_per_account {
                return Err(limit_exceeded(
                    "InstanceProfilesPerAccount",
                    self.quotas.instance_profiles_per_account,
                ));
            }
            InstanceProfileRecord {
                instance_profile_id: ids::instance_profile_id()
                    .map_err(|_| ServiceError::internal())?,
                account_id: account.id().to_owned(),
                name: i.instance_profile_name.clone(),
                path: i.path.unwrap_or_else(|| "/".to_owned()),
                created: stamp(cx),
                roles: Vec::new(),
                tags,
            }
        };
        self.commit(put(record)).await?;
        Ok(iam::CreateInstanceProfileResponse {
            instance_profile: self.profile_answer(cx, &i.instance_profile_name)?,
        })
    }

    pub(crate) fn get_instance_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::GetInstanceProfileRequest,
    ) -> Result<iam::GetInstanceProfileResponse, ServiceError> {
        Ok(iam::GetInstanceProfileResponse {
            instance_profile: self.profile_answer(cx, &i.instance_profile_name)?,
        })
    }

    pub(crate) async fn delete_instance_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteInstanceProfileRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = self.profile_record(cx, &i.instance_profile_name)?;
        if !record.roles.is_empty() {
            return Err(delete_conflict("remove roles from instance profile"));
        }
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::InstanceProfile,
            id: record.instance_profile_id,
        })])
        .await
    }

    pub(crate) fn list_instance_profiles_op(
        &self,
        cx: &RequestCx,
        i: iam::ListInstanceProfilesRequest,
    ) -> Result<iam::ListInstanceProfilesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let prefix = i.path_prefix.as_deref().unwrap_or("/");
        let page = paginate(
            account
                .instance_profiles
                .by_name
                .iter()
                .filter(|(_, p)| p.record.path.starts_with(prefix))
                .map(|(k, p)| (k.clone(), p)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListInstanceProfilesResponse {
            instance_profiles: page
                .items
                .iter()
                .map(|p| profile_output(&dir, account, p, false))
                .collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) fn list_instance_profiles_for_role_op(
        &self,
        cx: &RequestCx,
        i: iam::ListInstanceProfilesForRoleRequest,
    ) -> Result<iam::ListInstanceProfilesForRoleResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let role = find_role(account, &i.role_name)?;
        let mut profiles: Vec<(String, &InstanceProfile)> = role
            .instance_profiles
            .iter()
            .filter_map(|id| account.instance_profiles.by_id(id))
            .map(|p| (p.record.name.to_lowercase(), p))
            .collect();
        profiles.sort_by(|a, b| a.0.cmp(&b.0));
        let page = paginate(profiles, i.marker.as_deref(), i.max_items)?;
        Ok(iam::ListInstanceProfilesForRoleResponse {
            instance_profiles: page
                .items
                .iter()
                .map(|p| profile_output(&dir, account, p, false))
                .collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) async fn add_role_to_instance_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::AddRoleToInstanceProfileRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.profile_record(cx, &i.instance_profile_name)?;
        let role_id = {
            let dir = self.read();
            find_role(account(&dir, &cx.caller)?, &i.role_name)?
                .record
                .role_id
                .clone()
        };
        if record.roles.contains(&role_id) {
            return Err(ServiceError::new(
                errors::ENTITY_ALREADY_EXISTS,
                format!(
                    "Role {} is already associated with instance profile {}.",
                    i.role_name, record.name
                ),
            ));
        }
        if record.roles.len() >= ROLES_PER_PROFILE {
            return Err(limit_exceeded(
                "InstanceSessionsPerInstanceProfile",
                ROLES_PER_PROFILE,
            ));
        }
        record.roles.push(role_id);
        self.commit(put(record)).await
    }

    pub(crate) async fn remove_role_from_instance_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::RemoveRoleFromInstanceProfileRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.profile_record(cx, &i.instance_profile_name)?;
        let role_id = {
            let dir = self.read();
            find_role(account(&dir, &cx.caller)?, &i.role_name)?
                .record
                .role_id
                .clone()
        };
        if !record.roles.contains(&role_id) {
            return Err(ServiceError::new(
                errors::NO_SUCH_ENTITY,
                format!(
                    "The role with name {} cannot be found in instance profile {}.",
                    i.role_name, record.name
                ),
            ));
        }
        record.roles.retain(|r| *r != role_id);
        self.commit(put(record)).await
    }
}
