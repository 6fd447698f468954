//! Applying the records of the `objects` table: roles, managed policies, attachments, instance
//! profiles, other credentials, aliases and deletion tasks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use warden_policy::{CompiledPolicy, PolicySet};
use warden_store::{
    AttachmentRecord, EntityRef, InstanceProfileRecord, LoginProfileRecord, ManagedPolicyRecord,
    Object, ObjectKey, ObjectKind, RoleRecord,
};

use super::{Account, Directory, InstanceProfile, ManagedPolicy, Role};

impl Directory {
    pub(super) fn put_object(&mut self, object: &Object) {
        let Some(account) = self.accounts.get_mut(object.account_id()) else {
            return;
        };
        match object {
            Object::Role(record) => account.put_role(record),
            Object::ManagedPolicy(record) => account.put_managed_policy(record),
            Object::Attachment(record) => account.attach(record),
            Object::InstanceProfile(record) => account.put_instance_profile(record),
            Object::SshPublicKey(record) => {
                account
                    .ssh_keys
                    .insert(record.ssh_public_key_id.clone(), record.clone());
            }
            Object::SigningCertificate(record) => {
                account
                    .signing_certificates
                    .insert(record.certificate_id.clone(), record.clone());
            }
            Object::ServerCertificate(record) => {
                account.server_certificates.upsert(
                    &record.server_certificate_id,
                    &record.name,
                    |_| record.clone(),
                );
            }
            Object::AccountAlias(record) => account.alias = Some(record.alias.clone()),
            Object::DeletionTask(record) => {
                account
                    .deletion_tasks
                    .insert(record.deletion_task_id.clone(), record.clone());
            }
            Object::OidcProvider(record) => {
                account
                    .oidc_providers
                    .insert(record.url.to_lowercase(), record.clone());
            }
            Object::SamlProvider(record) => {
                account
                    .saml_providers
                    .insert(record.name.clone(), record.clone());
            }
            Object::Organization(record) => account.organization = Some(record.clone()),
            Object::OrgAccount(record) => account.membership = Some(record.clone()),
            Object::CreateAccountStatus(record) => {
                account
                    .create_account_statuses
                    .insert(record.request_id.clone(), record.clone());
            }
            Object::LoginProfile(record) => {
                let key =
                    LoginProfileRecord::owner_key(&record.account_id, record.user_id.as_deref());
                account.login_profiles.insert(key, record.clone());
            }
            Object::PasswordPolicy(record) => account.password_policy = Some(record.clone()),
            Object::MfaDevice(record) => {
                account
                    .mfa_devices
                    .insert(record.serial_number.clone(), record.clone());
            }
            Object::CredentialReport(record) => {
                account.credential_report = Some(record.clone());
            }
            Object::LastAccessedJob(record) => {
                account
                    .last_accessed_jobs
                    .insert(record.job_id.clone(), record.clone());
            }
        }
    }

    pub(super) fn delete_object(&mut self, key: &ObjectKey) {
        for account in self.accounts.values_mut() {
            let id = key.id.as_str();
            match key.kind {
                ObjectKind::Role => account.delete_role(id),
                ObjectKind::ManagedPolicy => {
                    account.managed.remove(id);
                }
                ObjectKind::Attachment => account.detach(id),
                ObjectKind::InstanceProfile => {
                    if account.instance_profiles.remove(id).is_some() {
                        for role in account.roles.by_name.values_mut() {
                            role.instance_profiles.remove(id);
                        }
                    }
                }
                ObjectKind::SshPublicKey => {
                    account.ssh_keys.remove(id);
                }
                ObjectKind::SigningCertificate => {
                    account.signing_certificates.remove(id);
                }
                ObjectKind::ServerCertificate => {
                    account.server_certificates.remove(id);
                }
                ObjectKind::AccountAlias => {
                    if account.id() == id {
                        account.alias = None;
                    }
                }
                ObjectKind::DeletionTask => {
                    account.deletion_tasks.remove(id);
                }
                ObjectKind::SamlProvider => {
                    account.saml_providers.retain(|_, p| p.uuid != id);
                }
                ObjectKind::Organization => {
                    if account
                        .organization
                        .as_ref()
                        .is_some_and(|o| o.org_id == id)
                    {
                        account.organization = None;
                    }
                }
                ObjectKind::OrgAccount => {
                    if account.id() == id {
                        account.membership = None;
                    }
                }
                ObjectKind::CreateAccountStatus => {
                    account.create_account_statuses.remove(id);
                }
                ObjectKind::LoginProfile => {
                    account.login_profiles.remove(id);
                }
                ObjectKind::PasswordPolicy => {
                    if account.id() == id {
                        account.password_policy = None;
                    }
                }
                ObjectKind::MfaDevice => {
                    account.mfa_devices.remove(id);
                }
                ObjectKind::CredentialReport => {
                    if account.id() == id {
                        account.credential_report = None;
                    }
                }
                ObjectKind::LastAccessedJob => {
                    account.last_accessed_jobs.remove(id);
                }
                ObjectKind::OidcProvider => {
                    // The id is `ACCOUNT/URL`.
                    if let Some(url) = id.strip_prefix(&format!("{}/", account.id())) {
                        account.oidc_providers.remove(&url.to_lowercase());
                    }
                }
            }
        }
    }
}

impl Account {
    fn put_role(&mut self, record: &RoleRecord) {
        let arn = self.arn_scope().entity("role", &record.path, &record.name);
        let mut old_boundary = None;
        self.roles
            .upsert(&record.role_id, &record.name, |previous| match previous {
                Some(mut role) => {
                    old_boundary = role.record.permissions_boundary.take();
                    role.record = record.clone();
                    role.arn = arn;
                    role
                }
                None => Role {
                    record: record.clone(),
                    arn,
                    policies: BTreeMap::new(),
                    attached: BTreeSet::new(),
                    instance_profiles: BTreeSet::new(),
                    identity: Arc::new(PolicySet::default()),
                    boundary: None,
                },
            });
        let entity = EntityRef::Role(record.role_id.clone());
        self.move_boundary(
            &entity,
            old_boundary.as_deref(),
            record.permissions_boundary.as_deref(),
        );
        self.refresh_role(&record.role_id);
    }

    fn delete_role(&mut self, role_id: &str) {
        if self.roles.remove(role_id).is_none() {
            return;
        }
        self.forget_in_policies(&EntityRef::Role(role_id.to_owned()));
        for profile in self.instance_profiles.by_name.values_mut() {
            profile.record.roles.retain(|r| r != role_id);
        }
    }

    fn put_managed_policy(&mut self, record: &ManagedPolicyRecord) {
        let arn = self
            .arn_scope()
            .entity("policy", &record.path, &record.name);
        let compiled = record
            .versions
            .iter()
            .find(|v| v.version_id == record.default_version)
            .and_then(|v| CompiledPolicy::parse(&v.document).ok());
        let boundary_of = self.boundary_users(&arn);
        self.managed
            .upsert(&record.policy_id, &record.name, |previous| match previous {
                Some(mut policy) => {
                    policy.record = record.clone();
                    policy.arn = arn.clone();
                    policy.compiled = compiled;
                    policy
                }
                None => ManagedPolicy {
                    record: record.clone(),
                    arn: arn.clone(),
                    compiled,
                    attached_to: BTreeSet::new(),
                    boundary_of,
                },
            });
        // A new default version changes everyone the policy reaches.
        self.refresh_policy_users(&arn);
    }

    /// Who already names `arn` as a boundary (a policy loads after the users and roles it bounds).
    fn boundary_users(&self, arn: &str) -> BTreeSet<EntityRef> {
        let users = self
            .users
            .values()
            .filter(|u| u.record.permissions_boundary.as_deref() == Some(arn))
            .map(|u| EntityRef::User(u.record.user_id.clone()));
        let roles = self
            .roles
            .values()
            .filter(|r| r.record.permissions_boundary.as_deref() == Some(arn))
            .map(|r| EntityRef::Role(r.record.role_id.clone()));
        users.chain(roles).collect()
    }

    fn attach(&mut self, record: &AttachmentRecord) {
        let Some(attached) = self.attached_mut(&record.entity) else {
            return;
        };
        attached.insert(record.policy_arn.clone());
        if let Some(policy) = self.managed_by_arn_mut(&record.policy_arn) {
            policy.attached_to.insert(record.entity.clone());
        }
        self.refresh(&record.entity);
    }

    /// Removes an attachment by its key (`KIND:ID:POLICY-ARN`).
    fn detach(&mut self, key: &str) {
        let mut parts = key.splitn(3, ':');
        let (Some(kind), Some(id), Some(arn)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let entity = match kind {
            "user" => EntityRef::User(id.to_owned()),
            "group" => EntityRef::Group(id.to_owned()),
            "role" => EntityRef::Role(id.to_owned()),
            _ => return,
        };
        let Some(attached) = self.attached_mut(&entity) else {
            return;
        };
        attached.remove(arn);
        if let Some(policy) = self.managed_by_arn_mut(arn) {
            policy.attached_to.remove(&entity);
        }
        self.refresh(&entity);
    }

    fn put_instance_profile(&mut self, record: &InstanceProfileRecord) {
        let id = record.instance_profile_id.clone();
        let arn = self
            .arn_scope()
            .entity("instance-profile", &record.path, &record.name);
        self.instance_profiles
            .upsert(&id, &record.name, |_| InstanceProfile {
                record: record.clone(),
                arn,
            });
        for role in self.roles.by_name.values_mut() {
            if record.roles.contains(&role.record.role_id) {
                role.instance_profiles.insert(id.clone());
            } else {
                role.instance_profiles.remove(&id);
            }
        }
    }
}
