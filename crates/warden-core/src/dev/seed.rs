//! `--seed FILE`: the world a dev-mode server starts from (and returns to on reset).
//!
//! A seed is applied through the same IAM operations a client would call, as each account's root
//! user, so a seeded name, path, document or tag is checked exactly like one sent over the wire.
//! Only what no API offers is done directly: creating an account and giving an access key a
//! chosen id and secret.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::OffsetDateTime;
use warden_protocol::{Params, ServiceError, iam};
use warden_store::{AccountRecord, Change};

use crate::{Core, RequestCx, RequestInfo};

/// The whole seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
}

/// One account and what it holds. Without `id`, the server's default account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    pub id: Option<String>,
    pub alias: Option<String>,
    /// Access keys of the account's root user.
    #[serde(default)]
    pub root_access_keys: Vec<SeedAccessKey>,
    /// Customer managed policies.
    #[serde(default)]
    pub policies: Vec<SeedManagedPolicy>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub roles: Vec<SeedRole>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccessKey {
    pub id: String,
    pub secret: String,
    /// `Active` (the default) or `Inactive`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedManagedPolicy {
    pub name: String,
    pub path: Option<String>,
    pub description: Option<String>,
    pub document: Document,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An inline policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInlinePolicy {
    pub name: String,
    pub document: Document,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGroup {
    pub name: String,
    pub path: Option<String>,
    #[serde(default)]
    pub policies: Vec<SeedInlinePolicy>,
    /// Managed policies: ARNs, or names of this account's seeded policies.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub name: String,
    pub path: Option<String>,
    /// Names of the groups (seeded in the same account) the user belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub policies: Vec<SeedInlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default)]
    pub access_keys: Vec<SeedAccessKey>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRole {
    pub name: String,
    pub path: Option<String>,
    pub description: Option<String>,
    pub assume_role_policy: Document,
    pub max_session_duration: Option<u32>,
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub policies: Vec<SeedInlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

/// A policy document: written inline as a JSON/YAML object, or as a string holding JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Document {
    Text(String),
    Structured(serde_json::Value),
}

impl Document {
    /// The document as JSON text, its `arn:aws:` ARNs moved into `partition`.
    fn to_json(&self, partition: &str) -> String {
        match self {
            Document::Text(text) => in_partition(text, partition),
            Document::Structured(value) => in_partition(&value.to_string(), partition),
        }
    }
}

/// A seed is written for the `aws` partition; a world of another partition reads every
/// `arn:aws:` in it as `arn:PARTITION:`, so the same seed grants the same in every world.
fn in_partition(text: &str, partition: &str) -> String {
    if partition == "aws" {
        text.to_owned()
    } else {
        text.replace("arn:aws:", &format!("arn:{partition}:"))
    }
}

/// A seed that could not be applied: where in the file, and what the operation answered.
#[derive(Debug, thiserror::Error)]
#[error("seed {place}: {action}: {code}: {message}")]
pub struct SeedError {
    /// `accounts[0].users[2] (alice)`.
    pub place: String,
    pub action: String,
    pub code: String,
    pub message: String,
}

/// Runs one account's part of the seed as that account's root user.
struct Seeder<'a> {
    core: &'a Core,
    cx: RequestCx,
    account_id: String,
    partition: String,
    place: String,
}

impl Seeder<'_> {
    fn fail(&self, what: &str, action: &str, e: ServiceError) -> SeedError {
        SeedError {
            place: format!("{}{what}", self.place),
            action: action.to_owned(),
            code: e.code.into_owned(),
            message: e.message,
        }
    }

    /// One IAM call, decoded from Query parameters as if it came over the wire.
    async fn call(
        &self,
        what: &str,
        action: &str,
        params: Vec<(String, String)>,
    ) -> Result<(), SeedError> {
        let mut pairs = vec![
            ("Action".to_owned(), action.to_owned()),
            ("Version".to_owned(), iam::API_VERSION.to_owned()),
        ];
        pairs.extend(params);
        let request = iam::decode_request(&Params::from_pairs(pairs))
            .map_err(|e| self.fail(what, action, e))?;
        iam::dispatch(self.core, &self.cx, request)
            .await
            .map(drop)
            .map_err(|e| self.fail(what, action, e))
    }

    /// An ARN, or the ARN of this account's seeded customer managed policy of that name.
    fn policy_arn(&self, reference: &str, seeded: &[SeedManagedPolicy]) -> String {
        if reference.starts_with("arn:") {
            return in_partition(reference, &self.partition);
        }
        let path = seeded
            .iter()
            .find(|p| p.name == reference)
            .and_then(|p| p.path.as_deref())
            .unwrap_or("/");
        let dir = self.core.read();
        dir.arn_scope(&self.account_id)
            .entity("policy", path, reference)
    }

    async fn access_key(
        &self,
        what: &str,
        user: Option<&str>,
        key: &SeedAccessKey,
    ) -> Result<(), SeedError> {
        let fail = |e| self.fail(what, "CreateAccessKey", e);
        if !crate::ids::is_access_key_id(&key.id) {
            return Err(fail(ServiceError::new(
                iam::errors::INVALID_INPUT,
                format!(
                    "access key id `{}` is not AKIA followed by 12 to 124 upper-case letters \
                     and digits",
                    key.id
                ),
            )));
        }
        if !crate::ids::is_secret_access_key(&key.secret) {
            return Err(fail(ServiceError::new(
                iam::errors::INVALID_INPUT,
                format!(
                    "the secret of access key `{}` must be 16 to 128 characters of letters, \
                     digits, `+` and `/`",
                    key.id
                ),
            )));
        }
        self.core
            .create_access_key(&self.cx, user, Some((key.id.clone(), key.secret.clone())))
            .await
            .map_err(fail)?;
        match key.status.as_deref() {
            None | Some("Active") => Ok(()),
            Some(status) => {
                let mut params = vec![
                    ("AccessKeyId".to_owned(), key.id.clone()),
                    ("Status".to_owned(), status.to_owned()),
                ];
                if let Some(user) = user {
                    params.push(("UserName".to_owned(), user.to_owned()));
                }
                self.call(what, "UpdateAccessKey", params).await
            }
        }
    }
}

fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

fn optional(name: &str, value: Option<&str>) -> Option<(String, String)> {
    value.map(|v| pair(name, v))
}

fn tag_params(tags: &BTreeMap<String, String>) -> Vec<(String, String)> {
    tags.iter()
        .enumerate()
        .flat_map(|(i, (key, value))| {
            [
                pair(&format!("Tags.member.{}.Key", i + 1), key.clone()),
                pair(&format!("Tags.member.{}.Value", i + 1), value.clone()),
            ]
        })
        .collect()
}

impl Core {
    /// Applies `seed` to this (freshly started) service. Accounts other than the default one are
    /// created first; nothing is undone when a later step fails, since a server whose seed fails
    /// does not start.
    pub async fn apply_seed(&self, seed: &Seed, now: OffsetDateTime) -> Result<(), SeedError> {
        for (index, account) in seed.accounts.iter().enumerate() {
            let default = self.first_account_id().unwrap_or_default();
            let account_id = account.id.clone().unwrap_or(default);
            let place = format!("accounts[{index}]");
            self.ensure_account(&account_id, now)
                .await
                .map_err(|e| SeedError {
                    place: place.clone(),
                    action: "CreateAccount".to_owned(),
                    code: e.code.into_owned(),
                    message: e.message,
                })?;
            let caller = {
                let dir = self.read();
                let Some(record) = dir.account(&account_id) else {
                    return Err(SeedError {
                        place,
                        action: "CreateAccount".to_owned(),
                        code: "InternalFailure".to_owned(),
                        message: "the account vanished".to_owned(),
                    });
                };
                crate::authn::root_caller(record, "")
            };
            let seeder = Seeder {
                core: self,
                cx: RequestCx {
                    caller,
                    info: RequestInfo {
                        now,
                        source_ip: None,
                        user_agent: Some("warden-seed".to_owned()),
                        secure_transport: true,
                        region: "us-east-1".to_owned(),
                    },
                },
                account_id,
                partition: self.read().partition.clone(),
                place,
            };
            seed_account(&seeder, account).await?;
        }
        Ok(())
    }

    /// Creates an account with no keys, unless it exists.
    async fn ensure_account(
        &self,
        account_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        if self.read().account(account_id).is_some() {
            return Ok(());
        }
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::new(
                iam::errors::INVALID_INPUT,
                format!("account id `{account_id}` is not 12 digits"),
            ));
        }
        let _writer = self.writer.lock().await;
        self.commit(vec![Change::PutAccount(AccountRecord {
            account_id: account_id.to_owned(),
            created: now,
        })])
        .await
    }
}

async fn seed_account(s: &Seeder<'_>, account: &SeedAccount) -> Result<(), SeedError> {
    if let Some(alias) = &account.alias {
        s.call(
            ".alias",
            "CreateAccountAlias",
            vec![pair("AccountAlias", alias.clone())],
        )
        .await?;
    }
    for (i, key) in account.root_access_keys.iter().enumerate() {
        s.access_key(&format!(".root_access_keys[{i}]"), None, key)
            .await?;
    }
    for (i, policy) in account.policies.iter().enumerate() {
        let what = format!(".policies[{i}] ({})", policy.name);
        let mut params = vec![
            pair("PolicyName", policy.name.clone()),
            pair("PolicyDocument", policy.document.to_json(&s.partition)),
        ];
        params.extend(optional("Path", policy.path.as_deref()));
        params.extend(optional("Description", policy.description.as_deref()));
        params.extend(tag_params(&policy.tags));
        s.call(&what, "CreatePolicy", params).await?;
    }
    for (i, group) in account.groups.iter().enumerate() {
        let what = format!(".groups[{i}] ({})", group.name);
        let mut params = vec![pair("GroupName", group.name.clone())];
        params.extend(optional("Path", group.path.as_deref()));
        s.call(&what, "CreateGroup", params).await?;
        let holder = pair("GroupName", group.name.clone());
        grant(
            s,
            &what,
            "Group",
            &holder,
            &group.policies,
            &group.attached_policies,
            account,
        )
        .await?;
    }
    for (i, user) in account.users.iter().enumerate() {
        let what = format!(".users[{i}] ({})", user.name);
        let holder = pair("UserName", user.name.clone());
        let mut params = vec![holder.clone()];
        params.extend(optional("Path", user.path.as_deref()));
        params.extend(
            user.permissions_boundary
                .as_deref()
                .map(|b| pair("PermissionsBoundary", s.policy_arn(b, &account.policies))),
        );
        params.extend(tag_params(&user.tags));
        s.call(&what, "CreateUser", params).await?;
        for group in &user.groups {
            s.call(
                &what,
                "AddUserToGroup",
                vec![holder.clone(), pair("GroupName", group.clone())],
            )
            .await?;
        }
        grant(
            s,
            &what,
            "User",
            &holder,
            &user.policies,
            &user.attached_policies,
            account,
        )
        .await?;
        for (k, key) in user.access_keys.iter().enumerate() {
            s.access_key(&format!("{what}.access_keys[{k}]"), Some(&user.name), key)
                .await?;
        }
    }
    for (i, role) in account.roles.iter().enumerate() {
        let what = format!(".roles[{i}] ({})", role.name);
        let holder = pair("RoleName", role.name.clone());
        let mut params = vec![
            holder.clone(),
            pair(
                "AssumeRolePolicyDocument",
                role.assume_role_policy.to_json(&s.partition),
            ),
        ];
        params.extend(optional("Path", role.path.as_deref()));
        params.extend(optional("Description", role.description.as_deref()));
        params.extend(
            role.max_session_duration
                .map(|d| pair("MaxSessionDuration", d.to_string())),
        );
        params.extend(
            role.permissions_boundary
                .as_deref()
                .map(|b| pair("PermissionsBoundary", s.policy_arn(b, &account.policies))),
        );
        params.extend(tag_params(&role.tags));
        s.call(&what, "CreateRole", params).await?;
        grant(
            s,
            &what,
            "Role",
            &holder,
            &role.policies,
            &role.attached_policies,
            account,
        )
        .await?;
    }
    Ok(())
}

/// Puts the inline policies and attaches the managed ones of a user, group or role (`kind`).
async fn grant(
    s: &Seeder<'_>,
    what: &str,
    kind: &str,
    holder: &(String, String),
    inline: &[SeedInlinePolicy],
    attached: &[String],
    account: &SeedAccount,
) -> Result<(), SeedError> {
    for policy in inline {
        s.call(
            what,
            &format!("Put{kind}Policy"),
            vec![
                holder.clone(),
                pair("PolicyName", policy.name.clone()),
                pair("PolicyDocument", policy.document.to_json(&s.partition)),
            ],
        )
        .await?;
    }
    for reference in attached {
        s.call(
            what,
            &format!("Attach{kind}Policy"),
            vec![
                holder.clone(),
                pair("PolicyArn", s.policy_arn(reference, &account.policies)),
            ],
        )
        .await?;
    }
    Ok(())
}
