//! The in-memory directory: every account's users, groups, keys and compiled policies.
//!
//! Requests are authorized and read operations answered from here, never from the database.
//! It is rebuilt at start-up by applying the store's records as [`Change`]s, and kept current by
//! applying each committed write's changes — the same function both times, so what a node
//! serves is exactly what the store holds.

mod aws_managed;
mod identity;
mod objects;

pub use aws_managed::{AWS_ACCOUNT, Detail, is_aws_managed_arn};
pub(crate) use identity::{SourcePolicy, SourceType};

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use warden_policy::{CompiledPolicy, PolicySet, Principal};
use warden_store::{
    AccessKeyRecord, AccountRecord, Change, CreateAccountStatusRecord, CredentialReportRecord,
    DeletionTaskRecord, EntityRef, GroupRecord, InstanceProfileRecord, LoginProfileRecord,
    ManagedPolicyRecord, MfaDeviceRecord, MfaOwner, OidcProviderRecord, OrgAccountRecord,
    OrganizationRecord, PasswordPolicyRecord, PolicyOwner, RoleRecord, SamlProviderRecord,
    ServerCertificateRecord, SigningCertificateRecord, SshPublicKeyRecord, UserRecord,
};

/// An inline policy as written and compiled.
#[derive(Debug, Clone)]
pub struct InlinePolicy {
    pub name: String,
    pub document: String,
    /// `None` when a stored document no longer parses (a stricter parser after an upgrade): it
    /// then grants nothing rather than stopping the server.
    pub compiled: Option<CompiledPolicy>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub record: UserRecord,
    pub arn: String,
    pub principal: Principal,
    /// Lowercase name → policy.
    pub policies: BTreeMap<String, InlinePolicy>,
    /// Group ids.
    pub groups: BTreeSet<String>,
    /// Access key ids, oldest first.
    pub keys: Vec<String>,
    /// ARNs of the attached managed policies.
    pub attached: BTreeSet<String>,
    /// The user's identity policies (its own and its groups', inline and managed), compiled into
    /// one set.
    pub identity: Arc<PolicySet>,
    /// The permissions boundary's policy, when the user has one.
    pub boundary: Option<Arc<PolicySet>>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub record: GroupRecord,
    pub arn: String,
    pub policies: BTreeMap<String, InlinePolicy>,
    /// User ids.
    pub members: BTreeSet<String>,
    pub attached: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub record: RoleRecord,
    pub arn: String,
    pub policies: BTreeMap<String, InlinePolicy>,
    pub attached: BTreeSet<String>,
    /// Ids of the instance profiles that hold the role.
    pub instance_profiles: BTreeSet<String>,
    pub identity: Arc<PolicySet>,
    pub boundary: Option<Arc<PolicySet>>,
}

impl Role {
    /// Service-linked roles live under `/aws-service-role/` and only AWS's own calls change them.
    pub fn is_service_linked(&self) -> bool {
        self.record.path.starts_with("/aws-service-role/")
    }
}

/// A customer managed policy, with its default version compiled.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub record: ManagedPolicyRecord,
    pub arn: String,
    pub compiled: Option<CompiledPolicy>,
    /// Who it is attached to.
    pub attached_to: BTreeSet<EntityRef>,
    /// Whose permissions boundary it is.
    pub boundary_of: BTreeSet<EntityRef>,
}

impl ManagedPolicy {
    pub fn default_document(&self) -> Option<&str> {
        self.record
            .versions
            .iter()
            .find(|v| v.version_id == self.record.default_version)
            .map(|v| v.document.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct InstanceProfile {
    pub record: InstanceProfileRecord,
    pub arn: String,
}

/// Finds by lowercase name through an id index.
#[derive(Debug, Clone)]
pub struct Named<T> {
    /// Lowercase name → item, so listings come out in name order.
    pub by_name: BTreeMap<String, T>,
    /// Unique id → lowercase name.
    ids: HashMap<String, String>,
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named {
            by_name: BTreeMap::new(),
            ids: HashMap::new(),
        }
    }
}

impl<T> Named<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(&name.to_lowercase())
    }

    pub fn by_id(&self, id: &str) -> Option<&T> {
        self.ids.get(id).and_then(|n| self.by_name.get(n))
    }

    pub fn by_id_mut(&mut self, id: &str) -> Option<&mut T> {
        let name = self.ids.get(id)?;
        self.by_name.get_mut(name)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.by_name.values()
    }

    /// Removes by id, returning the item.
    fn remove(&mut self, id: &str) -> Option<T> {
        let name = self.ids.remove(id)?;
        self.by_name.remove(&name)
    }

    /// Inserts or renames: `update` turns the previous item (if any) into the new one.
    fn upsert(&mut self, id: &str, name: &str, update: impl FnOnce(Option<T>) -> T) {
        let previous = self.remove(id);
        let lower = name.to_lowercase();
        self.ids.insert(id.to_owned(), lower.clone());
        self.by_name.insert(lower, update(previous));
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub record: AccountRecord,
    /// The directory's partition, kept here so an account alone can build its ARNs.
    pub partition: String,
    pub root_arn: String,
    pub root_principal: Principal,
    /// Lowercase name → user, so listings come out in name order.
    pub users: Named<User>,
    pub groups: Named<Group>,
    pub root_keys: Vec<String>,
    pub roles: Named<Role>,
    pub managed: Named<ManagedPolicy>,
    pub instance_profiles: Named<InstanceProfile>,
    pub server_certificates: Named<ServerCertificateRecord>,
    /// Id → key.
    pub ssh_keys: BTreeMap<String, SshPublicKeyRecord>,
    /// Id → certificate.
    pub signing_certificates: BTreeMap<String, SigningCertificateRecord>,
    pub alias: Option<String>,
    pub deletion_tasks: BTreeMap<String, DeletionTaskRecord>,
    /// The AWS managed policies this account uses, by name (see `aws_managed.rs`).
    aws_policies: BTreeMap<String, ManagedPolicy>,
    /// OpenID Connect providers by lowercase URL (without `https://`).
    pub oidc_providers: BTreeMap<String, OidcProviderRecord>,
    /// SAML providers by name.
    pub saml_providers: BTreeMap<String, SamlProviderRecord>,
    /// The organization this account manages.
    pub organization: Option<OrganizationRecord>,
    /// The organization this account belongs to (the management account's included).
    pub membership: Option<OrgAccountRecord>,
    /// `CreateAccount` requests this (management) account made, by id.
    pub create_account_statuses: BTreeMap<String, CreateAccountStatusRecord>,
    /// Passwords, by user id (`root:ACCOUNT` for the root's).
    pub login_profiles: BTreeMap<String, LoginProfileRecord>,
    /// `None`: AWS's default policy applies.
    pub password_policy: Option<PasswordPolicyRecord>,
    /// Virtual MFA devices by serial number.
    pub mfa_devices: BTreeMap<String, MfaDeviceRecord>,
    pub credential_report: Option<CredentialReportRecord>,
    /// Service last-accessed reports by job id.
    pub last_accessed_jobs: BTreeMap<String, warden_store::LastAccessedJobRecord>,
}

impl Account {
    fn new(record: AccountRecord, partition: &str) -> Account {
        let root_arn = ArnScope {
            partition,
            account: &record.account_id,
        }
        .root();
        Account {
            partition: partition.to_owned(),
            root_principal: Principal::parse(&root_arn).unwrap_or_else(|_| Principal::anonymous()),
            root_arn,
            record,
            users: Named::default(),
            groups: Named::default(),
            root_keys: Vec::new(),
            roles: Named::default(),
            managed: Named::default(),
            instance_profiles: Named::default(),
            server_certificates: Named::default(),
            ssh_keys: BTreeMap::new(),
            signing_certificates: BTreeMap::new(),
            alias: None,
            deletion_tasks: BTreeMap::new(),
            aws_policies: BTreeMap::new(),
            oidc_providers: BTreeMap::new(),
            saml_providers: BTreeMap::new(),
            organization: None,
            membership: None,
            create_account_statuses: BTreeMap::new(),
            login_profiles: BTreeMap::new(),
            password_policy: None,
            mfa_devices: BTreeMap::new(),
            credential_report: None,
            last_accessed_jobs: BTreeMap::new(),
        }
    }

    /// The password of a user, or of the root (`None`).
    pub fn login_profile(&self, user_id: Option<&str>) -> Option<&LoginProfileRecord> {
        self.login_profiles
            .get(&LoginProfileRecord::owner_key(self.id(), user_id))
    }

    /// The MFA devices enabled for a user, or for the root (`None`).
    pub fn mfa_devices_of<'a>(
        &'a self,
        user_id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a MfaDeviceRecord> + 'a {
        self.mfa_devices
            .values()
            .filter(move |d| match (&d.owner, user_id) {
                (Some(MfaOwner::User(owner)), Some(user)) => owner == user,
                (Some(MfaOwner::Root), None) => true,
                _ => false,
            })
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// A managed policy this account holds or uses, by ARN (paths must match exactly): its
    /// customer managed policies, and the AWS managed policies attached or used as a boundary
    /// here.
    pub fn managed_by_arn(&self, arn: &str) -> Option<&ManagedPolicy> {
        let name = arn.rsplit('/').next()?;
        if is_aws_managed_arn(arn) {
            return self.aws_policies.get(name).filter(|p| p.arn == arn);
        }
        self.managed.get(name).filter(|p| p.arn == arn)
    }

    /// Any managed policy an ARN names: a customer managed policy of this account, or an AWS
    /// managed policy (which exists in every account).
    pub fn policy_by_arn(&self, arn: &str) -> Option<Cow<'_, ManagedPolicy>> {
        if is_aws_managed_arn(arn) {
            return self.aws_managed_by_arn(arn);
        }
        self.managed_by_arn(arn).map(Cow::Borrowed)
    }

    fn managed_by_arn_mut(&mut self, arn: &str) -> Option<&mut ManagedPolicy> {
        if is_aws_managed_arn(arn) {
            return self.aws_managed_mut(arn);
        }
        let name = arn.rsplit('/').next()?;
        self.managed
            .by_name
            .get_mut(&name.to_lowercase())
            .filter(|p| p.arn == arn)
    }

    pub fn id(&self) -> &str {
        &self.record.account_id
    }

    /// ARNs of this account.
    pub fn arn_scope(&self) -> ArnScope<'_> {
        ArnScope {
            partition: &self.partition,
            account: &self.record.account_id,
        }
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(name)
    }

    pub fn user_by_id(&self, user_id: &str) -> Option<&User> {
        self.users.by_id(user_id)
    }

    pub fn group_by_id(&self, group_id: &str) -> Option<&Group> {
        self.groups.by_id(group_id)
    }

    fn user_by_id_mut(&mut self, user_id: &str) -> Option<&mut User> {
        self.users.by_id_mut(user_id)
    }

    fn group_by_id_mut(&mut self, group_id: &str) -> Option<&mut Group> {
        self.groups.by_id_mut(group_id)
    }

    fn inline_policies_mut(
        &mut self,
        owner: &PolicyOwner,
    ) -> Option<&mut BTreeMap<String, InlinePolicy>> {
        match owner {
            PolicyOwner::User(id) => self.user_by_id_mut(id).map(|u| &mut u.policies),
            PolicyOwner::Group(id) => self.group_by_id_mut(id).map(|g| &mut g.policies),
            PolicyOwner::Role(id) => self.roles.by_id_mut(id).map(|r| &mut r.policies),
        }
    }

    /// The set of attached policy ARNs of an entity.
    fn attached_mut(&mut self, entity: &EntityRef) -> Option<&mut BTreeSet<String>> {
        match entity {
            EntityRef::User(id) => self.user_by_id_mut(id).map(|u| &mut u.attached),
            EntityRef::Group(id) => self.group_by_id_mut(id).map(|g| &mut g.attached),
            EntityRef::Role(id) => self.roles.by_id_mut(id).map(|r| &mut r.attached),
        }
    }

    /// The key list of a user, or of the root (`None`).
    fn key_list_mut(&mut self, owner_user_id: Option<&str>) -> Option<&mut Vec<String>> {
        match owner_user_id {
            Some(user_id) => self.user_by_id_mut(user_id).map(|u| &mut u.keys),
            None => Some(&mut self.root_keys),
        }
    }
}

/// An account's place in ARNs: its partition (`aws`, `aws-cn`, …) and its id.
#[derive(Debug, Clone, Copy)]
pub struct ArnScope<'a> {
    pub partition: &'a str,
    pub account: &'a str,
}

impl ArnScope<'_> {
    /// An IAM entity's ARN: `arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME` (the path keeps its
    /// slashes).
    pub fn entity(&self, kind: &str, path: &str, name: &str) -> String {
        let ArnScope { partition, account } = self;
        format!("arn:{partition}:iam::{account}:{kind}{path}{name}")
    }

    /// The account's root ARN, which stands for the whole account in policies.
    pub fn root(&self) -> String {
        let ArnScope { partition, account } = self;
        format!("arn:{partition}:iam::{account}:root")
    }
}

/// The caller that owns an access key.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub record: AccessKeyRecord,
}

#[derive(Debug, Clone)]
pub struct Directory {
    /// The partition every account here lives in (`aws` unless dev mode serves another).
    pub partition: String,
    pub accounts: BTreeMap<String, Account>,
    pub keys: HashMap<String, AccessKey>,
}

impl Directory {
    pub fn new(partition: &str) -> Directory {
        Directory {
            partition: partition.to_owned(),
            accounts: BTreeMap::new(),
            keys: HashMap::new(),
        }
    }

    /// ARNs of an account of this directory.
    pub fn arn_scope<'a>(&'a self, account: &'a str) -> ArnScope<'a> {
        ArnScope {
            partition: &self.partition,
            account,
        }
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// Applies one committed change. Changes that refer to something absent are ignored: the
    /// store accepted them, so the directory must not refuse to start over them.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::PutAccount(record) => {
                self.accounts
                    .entry(record.account_id.clone())
                    .or_insert_with(|| Account::new(record.clone(), &self.partition));
            }
            Change::PutUser(record) => self.put_user(record),
            Change::DeleteUser { user_id } => {
                for account in self.accounts.values_mut() {
                    if account.users.remove(user_id).is_some() {
                        account.forget_in_policies(&EntityRef::User(user_id.clone()));
                        for group in account.groups.by_name.values_mut() {
                            group.members.remove(user_id);
                        }
                    }
                }
            }
            Change::PutGroup(record) => self.put_group(record),
            Change::DeleteGroup { group_id } => {
                for account in self.accounts.values_mut() {
                    if account.groups.remove(group_id).is_some() {
                        account.forget_in_policies(&EntityRef::Group(group_id.clone()));
                        let members: Vec<String> = account
                            .users
                            .by_name
                            .values_mut()
                            .filter_map(|u| {
                                u.groups.remove(group_id).then(|| u.record.user_id.clone())
                            })
                            .collect();
                        for member in members {
                            account.refresh_user(&member);
                        }
                    }
                }
            }
            Change::AddMember(m) | Change::RemoveMember(m) => {
                let add = matches!(change, Change::AddMember(_));
                for account in self.accounts.values_mut() {
                    let (Some(_), Some(_)) = (
                        account.user_by_id(&m.user_id),
                        account.group_by_id(&m.group_id),
                    ) else {
                        continue;
                    };
                    if let Some(group) = account.group_by_id_mut(&m.group_id) {
                        if add {
                            group.members.insert(m.user_id.clone());
                        } else {
                            group.members.remove(&m.user_id);
                        }
                    }
                    if let Some(user) = account.user_by_id_mut(&m.user_id) {
                        if add {
                            user.groups.insert(m.group_id.clone());
                        } else {
                            user.groups.remove(&m.group_id);
                        }
                    }
                    account.refresh_user(&m.user_id);
                }
            }
            Change::PutAccessKey(record) => {
                let id = record.access_key_id.clone();
                if let Some(account) = self.accounts.get_mut(&record.account_id)
                    && let Some(list) = account.key_list_mut(record.owner_user_id.as_deref())
                    && !list.contains(&id)
                {
                    list.push(id.clone());
                }
                self.keys.insert(
                    id,
                    AccessKey {
                        record: record.clone(),
                    },
                );
            }
            Change::SetAccessKeyActive {
                access_key_id,
                active,
            } => {
                if let Some(key) = self.keys.get_mut(access_key_id) {
                    key.record.active = *active;
                }
            }
            Change::RecordKeyUse {
                access_key_id,
                used,
            } => {
                if let Some(key) = self.keys.get_mut(access_key_id) {
                    let newer = key
                        .record
                        .last_used
                        .as_ref()
                        .is_none_or(|last| last.time <= used.time);
                    if newer {
                        key.record.last_used = Some(used.clone());
                    }
                }
            }
            Change::DeleteAccessKey { access_key_id } => {
                if let Some(key) = self.keys.remove(access_key_id)
                    && let Some(account) = self.accounts.get_mut(&key.record.account_id)
                    && let Some(list) = account.key_list_mut(key.record.owner_user_id.as_deref())
                {
                    list.retain(|k| k != access_key_id);
                }
            }
            Change::PutInlinePolicy(record) => {
                if let Some(account) = self.accounts.get_mut(&record.account_id) {
                    let policy = InlinePolicy {
                        name: record.name.clone(),
                        document: record.document.clone(),
                        compiled: CompiledPolicy::parse(&record.document).ok(),
                    };
                    let key = record.name.to_lowercase();
                    if let Some(policies) = account.inline_policies_mut(&record.owner) {
                        policies.insert(key, policy);
                        account.refresh(&owner_entity(&record.owner));
                    }
                }
            }
            Change::DeleteInlinePolicy { owner, name } => {
                let key = name.to_lowercase();
                for account in self.accounts.values_mut() {
                    if let Some(policies) = account.inline_policies_mut(owner) {
                        policies.remove(&key);
                        account.refresh(&owner_entity(owner));
                    }
                }
            }
            Change::PutObject(object) => self.put_object(object),
            Change::DeleteObject(key) => self.delete_object(key),
        }
    }

    fn put_user(&mut self, record: &UserRecord) {
        let Some(account) = self.accounts.get_mut(&record.account_id) else {
            return;
        };
        let arn = account
            .arn_scope()
            .entity("user", &record.path, &record.name);
        let principal = Principal::parse(&arn).unwrap_or_else(|_| Principal::anonymous());
        let mut old_boundary = None;
        account
            .users
            .upsert(&record.user_id, &record.name, |previous| match previous {
                Some(mut user) => {
                    old_boundary = user.record.permissions_boundary.take();
                    user.record = record.clone();
                    user.arn = arn;
                    user.principal = principal;
                    user
                }
                None => User {
                    record: record.clone(),
                    arn,
                    principal,
                    policies: BTreeMap::new(),
                    groups: BTreeSet::new(),
                    keys: Vec::new(),
                    attached: BTreeSet::new(),
                    identity: Arc::new(PolicySet::default()),
                    boundary: None,
                },
            });
        let entity = EntityRef::User(record.user_id.clone());
        account.move_boundary(
            &entity,
            old_boundary.as_deref(),
            record.permissions_boundary.as_deref(),
        );
        account.refresh_user(&record.user_id);
    }

    fn put_group(&mut self, record: &GroupRecord) {
        let Some(account) = self.accounts.get_mut(&record.account_id) else {
            return;
        };
        let arn = account
            .arn_scope()
            .entity("group", &record.path, &record.name);
        account
            .groups
            .upsert(&record.group_id, &record.name, |previous| match previous {
                Some(mut group) => {
                    group.record = record.clone();
                    group.arn = arn;
                    group
                }
                None => Group {
                    record: record.clone(),
                    arn,
                    policies: BTreeMap::new(),
                    members: BTreeSet::new(),
                    attached: BTreeSet::new(),
                },
            });
        // Policy names in the compiled sets carry the group's name.
        account.refresh(&EntityRef::Group(record.group_id.clone()));
    }
}

/// The identity an inline policy belongs to.
fn owner_entity(owner: &PolicyOwner) -> EntityRef {
    match owner {
        PolicyOwner::User(id) => EntityRef::User(id.clone()),
        PolicyOwner::Group(id) => EntityRef::Group(id.clone()),
        PolicyOwner::Role(id) => EntityRef::Role(id.clone()),
    }
}
