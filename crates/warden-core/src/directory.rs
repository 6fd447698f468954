//! The in-memory directory: every account's users, groups, keys and compiled policies.
//!
//! Requests are authorized and read operations answered from here, never from the database.
//! It is rebuilt at start-up by applying the store's records as [`Change`]s, and kept current by
//! applying each committed write's changes — the same function both times, so what a node
//! serves is exactly what the store holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use warden_policy::{CompiledPolicy, PolicySet, Principal};
use warden_store::{
    AccessKeyRecord, AccountRecord, Change, GroupRecord, InlinePolicyRecord, PolicyOwner,
    UserRecord,
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
    /// The user's identity policies (its own and its groups'), compiled into one set.
    pub identity: Arc<PolicySet>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub record: GroupRecord,
    pub arn: String,
    pub policies: BTreeMap<String, InlinePolicy>,
    /// User ids.
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub record: AccountRecord,
    pub root_arn: String,
    pub root_principal: Principal,
    /// Lowercase name → user, so listings come out in name order.
    pub users: BTreeMap<String, User>,
    pub groups: BTreeMap<String, Group>,
    user_names: HashMap<String, String>,
    group_names: HashMap<String, String>,
    pub root_keys: Vec<String>,
}

impl Account {
    fn new(record: AccountRecord) -> Account {
        let root_arn = format!("arn:aws:iam::{}:root", record.account_id);
        Account {
            root_principal: Principal::parse(&root_arn).unwrap_or_else(|_| Principal::anonymous()),
            root_arn,
            record,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            user_names: HashMap::new(),
            group_names: HashMap::new(),
            root_keys: Vec::new(),
        }
    }

    pub fn id(&self) -> &str {
        &self.record.account_id
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.get(&name.to_lowercase())
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(&name.to_lowercase())
    }

    pub fn user_by_id(&self, user_id: &str) -> Option<&User> {
        self.user_names.get(user_id).and_then(|n| self.users.get(n))
    }

    pub fn group_by_id(&self, group_id: &str) -> Option<&Group> {
        self.group_names
            .get(group_id)
            .and_then(|n| self.groups.get(n))
    }

    fn user_by_id_mut(&mut self, user_id: &str) -> Option<&mut User> {
        let name = self.user_names.get(user_id)?;
        self.users.get_mut(name)
    }

    fn group_by_id_mut(&mut self, group_id: &str) -> Option<&mut Group> {
        let name = self.group_names.get(group_id)?;
        self.groups.get_mut(name)
    }

    /// The key list of a user, or of the root (`None`).
    fn key_list_mut(&mut self, owner_user_id: Option<&str>) -> Option<&mut Vec<String>> {
        match owner_user_id {
            Some(user_id) => self.user_by_id_mut(user_id).map(|u| &mut u.keys),
            None => Some(&mut self.root_keys),
        }
    }

    /// Recompiles a user's identity policy set from its own and its groups' policies.
    fn refresh_identity(&mut self, user_id: &str) {
        let Some(name) = self.user_names.get(user_id) else {
            return;
        };
        let Some(user) = self.users.get(name) else {
            return;
        };
        let mut policies: Vec<CompiledPolicy> = user
            .policies
            .values()
            .filter_map(|p| {
                let compiled = p.compiled.clone()?;
                Some(compiled.with_name(format!("user/{}", p.name)))
            })
            .collect();
        for group_id in &user.groups {
            if let Some(group) = self.group_by_id(group_id) {
                policies.extend(group.policies.values().filter_map(|p| {
                    let compiled = p.compiled.clone()?;
                    Some(compiled.with_name(format!("group/{}/{}", group.record.name, p.name)))
                }));
            }
        }
        let set = Arc::new(PolicySet::new(policies));
        if let Some(user) = self.user_by_id_mut(user_id) {
            user.identity = set;
        }
    }
}

/// Builds an entity ARN: `arn:aws:iam::ACCOUNT:KIND/PATH/NAME` (the path keeps its slashes).
pub fn entity_arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

/// The caller that owns an access key.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub record: AccessKeyRecord,
}

#[derive(Debug, Default, Clone)]
pub struct Directory {
    pub accounts: BTreeMap<String, Account>,
    pub keys: HashMap<String, AccessKey>,
}

impl Directory {
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
                    .or_insert_with(|| Account::new(record.clone()));
            }
            Change::PutUser(record) => self.put_user(record),
            Change::DeleteUser { user_id } => {
                for account in self.accounts.values_mut() {
                    if let Some(name) = account.user_names.remove(user_id) {
                        account.users.remove(&name);
                        for group in account.groups.values_mut() {
                            group.members.remove(user_id);
                        }
                    }
                }
            }
            Change::PutGroup(record) => self.put_group(record),
            Change::DeleteGroup { group_id } => {
                for account in self.accounts.values_mut() {
                    if let Some(name) = account.group_names.remove(group_id) {
                        account.groups.remove(&name);
                        let members: Vec<String> = account
                            .users
                            .values_mut()
                            .filter_map(|u| {
                                u.groups.remove(group_id).then(|| u.record.user_id.clone())
                            })
                            .collect();
                        for member in members {
                            account.refresh_identity(&member);
                        }
                    }
                }
            }
            Change::AddMember(m) | Change::RemoveMember(m) => {
                let add = matches!(change, Change::AddMember(_));
                for account in self.accounts.values_mut() {
                    let (Some(_), Some(_)) = (
                        account.user_names.get(&m.user_id),
                        account.group_names.get(&m.group_id),
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
                    account.refresh_identity(&m.user_id);
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
            Change::PutInlinePolicy(record) => self.put_policy(record),
            Change::DeleteInlinePolicy { owner, name } => {
                let key = name.to_lowercase();
                for account in self.accounts.values_mut() {
                    match owner {
                        PolicyOwner::User(id) => {
                            if let Some(user) = account.user_by_id_mut(id) {
                                user.policies.remove(&key);
                                account.refresh_identity(id);
                            }
                        }
                        PolicyOwner::Group(id) => {
                            let members = match account.group_by_id_mut(id) {
                                Some(group) => {
                                    group.policies.remove(&key);
                                    group.members.clone()
                                }
                                None => continue,
                            };
                            for member in members {
                                account.refresh_identity(&member);
                            }
                        }
                    }
                }
            }
        }
    }

    fn put_user(&mut self, record: &UserRecord) {
        let Some(account) = self.accounts.get_mut(&record.account_id) else {
            return;
        };
        let arn = entity_arn(&record.account_id, "user", &record.path, &record.name);
        let principal = Principal::parse(&arn).unwrap_or_else(|_| Principal::anonymous());
        let lower = record.name.to_lowercase();
        let existing = account
            .user_names
            .remove(&record.user_id)
            .and_then(|old| account.users.remove(&old));
        let user = match existing {
            Some(mut user) => {
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
                identity: Arc::new(PolicySet::default()),
            },
        };
        account
            .user_names
            .insert(record.user_id.clone(), lower.clone());
        account.users.insert(lower, user);
    }

    fn put_group(&mut self, record: &GroupRecord) {
        let Some(account) = self.accounts.get_mut(&record.account_id) else {
            return;
        };
        let arn = entity_arn(&record.account_id, "group", &record.path, &record.name);
        let lower = record.name.to_lowercase();
        let existing = account
            .group_names
            .remove(&record.group_id)
            .and_then(|old| account.groups.remove(&old));
        let group = match existing {
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
            },
        };
        let members = group.members.clone();
        account
            .group_names
            .insert(record.group_id.clone(), lower.clone());
        account.groups.insert(lower, group);
        // Policy names in the compiled sets carry the group's name.
        for member in members {
            account.refresh_identity(&member);
        }
    }

    fn put_policy(&mut self, record: &InlinePolicyRecord) {
        let Some(account) = self.accounts.get_mut(&record.account_id) else {
            return;
        };
        let compiled = CompiledPolicy::parse(&record.document).ok();
        let policy = InlinePolicy {
            name: record.name.clone(),
            document: record.document.clone(),
            compiled,
        };
        let key = record.name.to_lowercase();
        match &record.owner {
            PolicyOwner::User(id) => {
                if let Some(user) = account.user_by_id_mut(id) {
                    user.policies.insert(key, policy);
                    account.refresh_identity(id);
                }
            }
            PolicyOwner::Group(id) => {
                let members = match account.group_by_id_mut(id) {
                    Some(group) => {
                        group.policies.insert(key, policy);
                        group.members.clone()
                    }
                    None => return,
                };
                for member in members {
                    account.refresh_identity(&member);
                }
            }
        }
    }
}
