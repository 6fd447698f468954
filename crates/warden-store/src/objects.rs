//! Records kept as JSON bodies in one `objects` table: roles, managed policies, attachments,
//! instance profiles, other credentials, account aliases and deletion tasks.
//!
//! They change together with the service and are only ever read whole, so a column per field
//! would buy nothing but migrations; what the database must enforce (identity, name uniqueness
//! regardless of case, the account) has its own columns.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::records::Tag;

/// A principal a trust policy named, bound to the unique id it had when the policy was written:
/// AWS keeps the id, so a recreated user or role of the same name is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalBinding {
    pub arn: String,
    pub unique_id: String,
}

/// When and where a role was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleLastUse {
    #[serde(with = "time::serde::timestamp")]
    pub time: OffsetDateTime,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    /// `AROA…`, never reused.
    pub role_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    pub description: Option<String>,
    /// Seconds, 3600 to 43200.
    pub max_session_duration: i32,
    /// The trust policy as the caller wrote it.
    pub trust_policy: String,
    pub trust_principals: Vec<PrincipalBinding>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
    pub last_used: Option<RoleLastUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersionRecord {
    /// `v1`, `v2`, …: never reused within a policy.
    pub version_id: String,
    pub document: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
}

/// A customer managed policy with all its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicyRecord {
    /// `ANPA…`, never reused.
    pub policy_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub description: Option<String>,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub updated: OffsetDateTime,
    pub default_version: String,
    /// Oldest first.
    pub versions: Vec<PolicyVersionRecord>,
    /// The number the next version gets.
    pub next_version: u32,
    pub tags: Vec<Tag>,
}

/// An IAM identity, by its unique id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityRef {
    User(String),
    Group(String),
    Role(String),
}

impl EntityRef {
    pub fn kind(&self) -> &'static str {
        match self {
            EntityRef::User(_) => "user",
            EntityRef::Group(_) => "group",
            EntityRef::Role(_) => "role",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            EntityRef::User(id) | EntityRef::Group(id) | EntityRef::Role(id) => id,
        }
    }
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    pub account_id: String,
    pub entity: EntityRef,
    pub policy_arn: String,
}

impl AttachmentRecord {
    /// The attachment's identity: one policy is attached to one entity at most once.
    pub fn key(entity: &EntityRef, policy_arn: &str) -> String {
        format!("{}:{}:{policy_arn}", entity.kind(), entity.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceProfileRecord {
    /// `AIPA…`, never reused.
    pub instance_profile_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    /// Role ids (AWS allows one).
    pub roles: Vec<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshPublicKeyRecord {
    /// `APKA…`.
    pub ssh_public_key_id: String,
    pub account_id: String,
    pub user_id: String,
    pub body: String,
    pub fingerprint: String,
    pub active: bool,
    #[serde(with = "time::serde::timestamp")]
    pub uploaded: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningCertificateRecord {
    pub certificate_id: String,
    pub account_id: String,
    pub user_id: String,
    pub body: String,
    pub active: bool,
    #[serde(with = "time::serde::timestamp")]
    pub uploaded: OffsetDateTime,
}

/// A server certificate. The private key arrives sealed; it is never returned.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCertificateRecord {
    /// `ASCA…`.
    pub server_certificate_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub body: String,
    pub chain: Option<String>,
    pub sealed_private_key: Vec<u8>,
    #[serde(with = "time::serde::timestamp")]
    pub uploaded: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub expiration: OffsetDateTime,
    pub tags: Vec<Tag>,
}

impl std::fmt::Debug for ServerCertificateRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCertificateRecord")
            .field("server_certificate_id", &self.server_certificate_id)
            .field("account_id", &self.account_id)
            .field("name", &self.name)
            .field("path", &self.path)
            .field("sealed_private_key", &"<sealed>")
            .field("uploaded", &self.uploaded)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// An account's alias; aliases are unique across all accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountAliasRecord {
    pub account_id: String,
    pub alias: String,
}

/// A finished service-linked role deletion, for GetServiceLinkedRoleDeletionStatus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionTaskRecord {
    pub deletion_task_id: String,
    pub account_id: String,
    pub status: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
}

/// An IAM OpenID Connect identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProviderRecord {
    pub account_id: String,
    /// The issuer URL without `https://`, as the ARN and `GetOpenIDConnectProvider` show it.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    pub tags: Vec<Tag>,
}

/// An IAM SAML 2.0 identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlProviderRecord {
    pub account_id: String,
    pub name: String,
    /// `SAMLProviderUUID`.
    pub uuid: String,
    /// The identity provider's metadata document, as uploaded.
    pub metadata: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    /// The metadata's `validUntil`, when it has one.
    #[serde(with = "time::serde::timestamp::option")]
    pub valid_until: Option<OffsetDateTime>,
    pub tags: Vec<Tag>,
}

/// An AWS Organizations organization; the account it belongs to is its management account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRecord {
    /// `o-…`.
    pub org_id: String,
    /// The management account.
    pub account_id: String,
    /// `r-…`: the organization's one root.
    pub root_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
}

/// An account's membership of an organization (the management account's included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAccountRecord {
    pub account_id: String,
    pub org_id: String,
    pub name: String,
    pub email: String,
    /// `CREATED` or `INVITED`.
    pub joined_method: String,
    #[serde(with = "time::serde::timestamp")]
    pub joined: OffsetDateTime,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// A `CreateAccount` request and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAccountStatusRecord {
    /// `car-…`.
    pub request_id: String,
    /// The management account that asked.
    pub account_id: String,
    pub account_name: String,
    /// `IN_PROGRESS`, `SUCCEEDED` or `FAILED`.
    pub state: String,
    #[serde(with = "time::serde::timestamp")]
    pub requested: OffsetDateTime,
    #[serde(with = "time::serde::timestamp::option")]
    pub completed: Option<OffsetDateTime>,
    pub new_account_id: Option<String>,
    pub failure_reason: Option<String>,
}

/// A password for console sign-in: a user's, or the account root's (`user_id` `None`). Only
/// Argon2id hashes are kept (PHC strings); never a password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfileRecord {
    pub account_id: String,
    /// `None` for the account root.
    pub user_id: Option<String>,
    pub password_hash: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub password_changed: OffsetDateTime,
    pub password_reset_required: bool,
    /// Hashes of earlier passwords, newest first, kept for the reuse-prevention rule (at most
    /// 24, AWS's largest setting).
    pub previous_hashes: Vec<String>,
    #[serde(with = "time::serde::timestamp::option")]
    pub last_used: Option<OffsetDateTime>,
}

impl LoginProfileRecord {
    /// The record's id: the user's id, or `root:ACCOUNT`.
    pub fn owner_key(account_id: &str, user_id: Option<&str>) -> String {
        match user_id {
            Some(id) => id.to_owned(),
            None => format!("root:{account_id}"),
        }
    }
}

impl std::fmt::Debug for LoginProfileRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginProfileRecord")
            .field("account_id", &self.account_id)
            .field("user_id", &self.user_id)
            .field("password_hash", &"<hash>")
            .field("created", &self.created)
            .field("password_changed", &self.password_changed)
            .field("password_reset_required", &self.password_reset_required)
            .field("last_used", &self.last_used)
            .finish_non_exhaustive()
    }
}

/// An account's password policy (`UpdateAccountPasswordPolicy`); absent means AWS's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicyRecord {
    pub account_id: String,
    pub minimum_password_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change_password: bool,
    /// Days; 0 when passwords do not expire.
    pub max_password_age: u32,
    /// How many previous passwords cannot be reused; 0 when reuse is allowed.
    pub password_reuse_prevention: u32,
    pub hard_expiry: bool,
}

/// Who a virtual MFA device is enabled for: a user (by id) or the account root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaOwner {
    User(String),
    Root,
}

/// A virtual MFA device (RFC 6238 TOTP). The seed arrives sealed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDeviceRecord {
    /// `arn:PARTITION:iam::ACCOUNT:mfa/PATH/NAME`.
    pub serial_number: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub sealed_seed: Vec<u8>,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    /// Set once the device is enabled.
    pub owner: Option<MfaOwner>,
    #[serde(with = "time::serde::timestamp::option")]
    pub enabled: Option<OffsetDateTime>,
    /// The last time step whose code was accepted: a code is good once.
    pub last_step: u64,
    /// Steps the device's clock is ahead (negative: behind), learnt by resynchronisation.
    pub drift: i64,
    pub tags: Vec<Tag>,
}

impl std::fmt::Debug for MfaDeviceRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaDeviceRecord")
            .field("serial_number", &self.serial_number)
            .field("account_id", &self.account_id)
            .field("sealed_seed", &"<sealed>")
            .field("owner", &self.owner)
            .field("enabled", &self.enabled)
            .field("last_step", &self.last_step)
            .field("drift", &self.drift)
            .finish_non_exhaustive()
    }
}

/// An account's latest credential report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReportRecord {
    pub account_id: String,
    #[serde(with = "time::serde::timestamp")]
    pub generated: OffsetDateTime,
    /// The CSV, as `GetCredentialReport` returns it.
    pub content: String,
}

/// When one entity last used a service (`GetServiceLastAccessedDetailsWithEntities`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityAccessRecord {
    pub arn: String,
    pub name: String,
    /// `USER` or `ROLE` (or `GROUP`).
    pub kind: String,
    pub id: String,
    pub path: String,
    #[serde(with = "time::serde::timestamp::option")]
    pub last: Option<OffsetDateTime>,
}

/// When an action was last used, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionAccessRecord {
    pub name: String,
    #[serde(with = "time::serde::timestamp")]
    pub time: OffsetDateTime,
    pub entity: String,
    pub region: String,
}

/// One service in a last-accessed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccessRecord {
    pub namespace: String,
    pub name: String,
    #[serde(with = "time::serde::timestamp::option")]
    pub last: Option<OffsetDateTime>,
    pub last_entity: Option<String>,
    pub last_region: Option<String>,
    pub total_entities: u32,
    pub actions: Vec<ActionAccessRecord>,
    pub entities: Vec<EntityAccessRecord>,
}

/// A `GenerateServiceLastAccessedDetails` job and its report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAccessedJobRecord {
    pub job_id: String,
    pub account_id: String,
    pub arn: String,
    /// `SERVICE_LEVEL` or `ACTION_LEVEL`.
    pub granularity: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub completed: OffsetDateTime,
    pub services: Vec<ServiceAccessRecord>,
}

/// The kinds of [`Object`], in the order they load (what refers to something loads after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObjectKind {
    Role,
    ManagedPolicy,
    Attachment,
    InstanceProfile,
    SshPublicKey,
    SigningCertificate,
    ServerCertificate,
    AccountAlias,
    DeletionTask,
    OidcProvider,
    SamlProvider,
    Organization,
    OrgAccount,
    CreateAccountStatus,
    LoginProfile,
    PasswordPolicy,
    MfaDevice,
    CredentialReport,
    LastAccessedJob,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 19] = [
        ObjectKind::Role,
        ObjectKind::ManagedPolicy,
        ObjectKind::Attachment,
        ObjectKind::InstanceProfile,
        ObjectKind::SshPublicKey,
        ObjectKind::SigningCertificate,
        ObjectKind::ServerCertificate,
        ObjectKind::AccountAlias,
        ObjectKind::DeletionTask,
        ObjectKind::OidcProvider,
        ObjectKind::SamlProvider,
        ObjectKind::Organization,
        ObjectKind::OrgAccount,
        ObjectKind::CreateAccountStatus,
        ObjectKind::LoginProfile,
        ObjectKind::PasswordPolicy,
        ObjectKind::MfaDevice,
        ObjectKind::CredentialReport,
        ObjectKind::LastAccessedJob,
    ];

    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Role => "role",
            ObjectKind::ManagedPolicy => "managed_policy",
            ObjectKind::Attachment => "attachment",
            ObjectKind::InstanceProfile => "instance_profile",
            ObjectKind::SshPublicKey => "ssh_public_key",
            ObjectKind::SigningCertificate => "signing_certificate",
            ObjectKind::ServerCertificate => "server_certificate",
            ObjectKind::AccountAlias => "account_alias",
            ObjectKind::DeletionTask => "deletion_task",
            ObjectKind::OidcProvider => "oidc_provider",
            ObjectKind::SamlProvider => "saml_provider",
            ObjectKind::Organization => "organization",
            ObjectKind::OrgAccount => "org_account",
            ObjectKind::CreateAccountStatus => "create_account_status",
            ObjectKind::LoginProfile => "login_profile",
            ObjectKind::PasswordPolicy => "password_policy",
            ObjectKind::MfaDevice => "mfa_device",
            ObjectKind::CredentialReport => "credential_report",
            ObjectKind::LastAccessedJob => "last_accessed_job",
        }
    }

    pub fn parse(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Names an object: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObjectKey {
    pub kind: ObjectKind,
    pub id: String,
}

/// One record of the `objects` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Object {
    Role(RoleRecord),
    ManagedPolicy(ManagedPolicyRecord),
    Attachment(AttachmentRecord),
    InstanceProfile(InstanceProfileRecord),
    SshPublicKey(SshPublicKeyRecord),
    SigningCertificate(SigningCertificateRecord),
    ServerCertificate(ServerCertificateRecord),
    AccountAlias(AccountAliasRecord),
    DeletionTask(DeletionTaskRecord),
    OidcProvider(OidcProviderRecord),
    SamlProvider(SamlProviderRecord),
    Organization(OrganizationRecord),
    OrgAccount(OrgAccountRecord),
    CreateAccountStatus(CreateAccountStatusRecord),
    LoginProfile(LoginProfileRecord),
    PasswordPolicy(PasswordPolicyRecord),
    MfaDevice(MfaDeviceRecord),
    CredentialReport(CredentialReportRecord),
    LastAccessedJob(LastAccessedJobRecord),
}

/// Where a name must be unique: within an account, or (aliases) everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueName {
    pub scope: String,
    pub name_lower: String,
}

impl Object {
    pub fn kind(&self) -> ObjectKind {
        match self {
            Object::Role(_) => ObjectKind::Role,
            Object::ManagedPolicy(_) => ObjectKind::ManagedPolicy,
            Object::Attachment(_) => ObjectKind::Attachment,
            Object::InstanceProfile(_) => ObjectKind::InstanceProfile,
            Object::SshPublicKey(_) => ObjectKind::SshPublicKey,
            Object::SigningCertificate(_) => ObjectKind::SigningCertificate,
            Object::ServerCertificate(_) => ObjectKind::ServerCertificate,
            Object::AccountAlias(_) => ObjectKind::AccountAlias,
            Object::DeletionTask(_) => ObjectKind::DeletionTask,
            Object::OidcProvider(_) => ObjectKind::OidcProvider,
            Object::SamlProvider(_) => ObjectKind::SamlProvider,
            Object::Organization(_) => ObjectKind::Organization,
            Object::OrgAccount(_) => ObjectKind::OrgAccount,
            Object::CreateAccountStatus(_) => ObjectKind::CreateAccountStatus,
            Object::LoginProfile(_) => ObjectKind::LoginProfile,
            Object::PasswordPolicy(_) => ObjectKind::PasswordPolicy,
            Object::MfaDevice(_) => ObjectKind::MfaDevice,
            Object::CredentialReport(_) => ObjectKind::CredentialReport,
            Object::LastAccessedJob(_) => ObjectKind::LastAccessedJob,
        }
    }

    pub fn key(&self) -> ObjectKey {
        let id = match self {
            Object::Role(r) => r.role_id.clone(),
            Object::ManagedPolicy(p) => p.policy_id.clone(),
            Object::Attachment(a) => AttachmentRecord::key(&a.entity, &a.policy_arn),
            Object::InstanceProfile(p) => p.instance_profile_id.clone(),
            Object::SshPublicKey(k) => k.ssh_public_key_id.clone(),
            Object::SigningCertificate(c) => c.certificate_id.clone(),
            Object::ServerCertificate(c) => c.server_certificate_id.clone(),
            // One alias per account.
            Object::AccountAlias(a) => a.account_id.clone(),
            Object::DeletionTask(t) => t.deletion_task_id.clone(),
            Object::OidcProvider(p) => format!("{}/{}", p.account_id, p.url),
            Object::SamlProvider(p) => p.uuid.clone(),
            Object::Organization(o) => o.org_id.clone(),
            // An account belongs to one organization at most.
            Object::OrgAccount(a) => a.account_id.clone(),
            Object::CreateAccountStatus(s) => s.request_id.clone(),
            Object::LoginProfile(p) => {
                LoginProfileRecord::owner_key(&p.account_id, p.user_id.as_deref())
            }
            // One of each per account.
            Object::PasswordPolicy(p) => p.account_id.clone(),
            Object::CredentialReport(r) => r.account_id.clone(),
            Object::MfaDevice(d) => d.serial_number.clone(),
            Object::LastAccessedJob(j) => j.job_id.clone(),
        };
        ObjectKey {
            kind: self.kind(),
            id,
        }
    }

    pub fn account_id(&self) -> &str {
        match self {
            Object::Role(r) => &r.account_id,
            Object::ManagedPolicy(p) => &p.account_id,
            Object::Attachment(a) => &a.account_id,
            Object::InstanceProfile(p) => &p.account_id,
            Object::SshPublicKey(k) => &k.account_id,
            Object::SigningCertificate(c) => &c.account_id,
            Object::ServerCertificate(c) => &c.account_id,
            Object::AccountAlias(a) => &a.account_id,
            Object::DeletionTask(t) => &t.account_id,
            Object::OidcProvider(p) => &p.account_id,
            Object::SamlProvider(p) => &p.account_id,
            Object::Organization(o) => &o.account_id,
            Object::OrgAccount(a) => &a.account_id,
            Object::CreateAccountStatus(s) => &s.account_id,
            Object::LoginProfile(p) => &p.account_id,
            Object::PasswordPolicy(p) => &p.account_id,
            Object::MfaDevice(d) => &d.account_id,
            Object::CredentialReport(r) => &r.account_id,
            Object::LastAccessedJob(j) => &j.account_id,
        }
    }

    /// The name the database keeps unique, regardless of case.
    pub fn unique_name(&self) -> Option<UniqueName> {
        let in_account = |name: &str| {
            Some(UniqueName {
                scope: self.account_id().to_owned(),
                name_lower: name.to_lowercase(),
            })
        };
        match self {
            Object::Role(r) => in_account(&r.name),
            Object::ManagedPolicy(p) => in_account(&p.name),
            Object::InstanceProfile(p) => in_account(&p.name),
            Object::ServerCertificate(c) => in_account(&c.name),
            Object::OidcProvider(p) => in_account(&p.url),
            Object::SamlProvider(p) => in_account(&format!("saml/{}", p.name)),
            Object::AccountAlias(a) => Some(UniqueName {
                scope: String::new(),
                name_lower: a.alias.to_lowercase(),
            }),
            // An account manages one organization at most.
            Object::Organization(_) => in_account("organization"),
            // An email address belongs to one account (AWS: across all of AWS).
            Object::OrgAccount(a) => Some(UniqueName {
                scope: "account-email".to_owned(),
                name_lower: a.email.to_lowercase(),
            }),
            Object::MfaDevice(d) => in_account(&format!("mfa/{}", d.name)),
            Object::Attachment(_)
            | Object::LoginProfile(_)
            | Object::PasswordPolicy(_)
            | Object::CredentialReport(_)
            | Object::LastAccessedJob(_)
            | Object::SshPublicKey(_)
            | Object::SigningCertificate(_)
            | Object::DeletionTask(_)
            | Object::CreateAccountStatus(_) => None,
        }
    }

    /// The record as stored in the `body` column.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        match self {
            Object::Role(r) => serde_json::to_string(r),
            Object::ManagedPolicy(p) => serde_json::to_string(p),
            Object::Attachment(a) => serde_json::to_string(a),
            Object::InstanceProfile(p) => serde_json::to_string(p),
            Object::SshPublicKey(k) => serde_json::to_string(k),
            Object::SigningCertificate(c) => serde_json::to_string(c),
            Object::ServerCertificate(c) => serde_json::to_string(c),
            Object::AccountAlias(a) => serde_json::to_string(a),
            Object::DeletionTask(t) => serde_json::to_string(t),
            Object::OidcProvider(p) => serde_json::to_string(p),
            Object::SamlProvider(p) => serde_json::to_string(p),
            Object::Organization(o) => serde_json::to_string(o),
            Object::OrgAccount(a) => serde_json::to_string(a),
            Object::CreateAccountStatus(s) => serde_json::to_string(s),
            Object::LoginProfile(p) => serde_json::to_string(p),
            Object::PasswordPolicy(p) => serde_json::to_string(p),
            Object::MfaDevice(d) => serde_json::to_string(d),
            Object::CredentialReport(r) => serde_json::to_string(r),
            Object::LastAccessedJob(j) => serde_json::to_string(j),
        }
    }

    pub fn from_json(kind: ObjectKind, body: &str) -> Result<Object, serde_json::Error> {
        Ok(match kind {
            ObjectKind::Role => Object::Role(serde_json::from_str(body)?),
            ObjectKind::ManagedPolicy => Object::ManagedPolicy(serde_json::from_str(body)?),
            ObjectKind::Attachment => Object::Attachment(serde_json::from_str(body)?),
            ObjectKind::InstanceProfile => Object::InstanceProfile(serde_json::from_str(body)?),
            ObjectKind::SshPublicKey => Object::SshPublicKey(serde_json::from_str(body)?),
            ObjectKind::SigningCertificate => {
                Object::SigningCertificate(serde_json::from_str(body)?)
            }
            ObjectKind::ServerCertificate => Object::ServerCertificate(serde_json::from_str(body)?),
            ObjectKind::AccountAlias => Object::AccountAlias(serde_json::from_str(body)?),
            ObjectKind::DeletionTask => Object::DeletionTask(serde_json::from_str(body)?),
            ObjectKind::OidcProvider => Object::OidcProvider(serde_json::from_str(body)?),
            ObjectKind::SamlProvider => Object::SamlProvider(serde_json::from_str(body)?),
            ObjectKind::Organization => Object::Organization(serde_json::from_str(body)?),
            ObjectKind::OrgAccount => Object::OrgAccount(serde_json::from_str(body)?),
            ObjectKind::CreateAccountStatus => {
                Object::CreateAccountStatus(serde_json::from_str(body)?)
            }
            ObjectKind::LoginProfile => Object::LoginProfile(serde_json::from_str(body)?),
            ObjectKind::PasswordPolicy => Object::PasswordPolicy(serde_json::from_str(body)?),
            ObjectKind::MfaDevice => Object::MfaDevice(serde_json::from_str(body)?),
            ObjectKind::CredentialReport => Object::CredentialReport(serde_json::from_str(body)?),
            ObjectKind::LastAccessedJob => Object::LastAccessedJob(serde_json::from_str(body)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_its_name() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ObjectKind::parse("nothing"), None);
    }

    #[test]
    fn a_role_round_trips_through_json() {
        let role = Object::Role(RoleRecord {
            role_id: "AROAEXAMPLE".into(),
            account_id: "123456789012".into(),
            name: "Ops".into(),
            path: "/".into(),
            created: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            description: Some("d".into()),
            max_session_duration: 3600,
            trust_policy: "{}".into(),
            trust_principals: vec![PrincipalBinding {
                arn: "arn:aws:iam::123456789012:user/a".into(),
                unique_id: "AIDAX".into(),
            }],
            permissions_boundary: None,
            tags: vec![Tag {
                key: "k".into(),
                value: "v".into(),
            }],
            last_used: None,
        });
        let json = role.to_json().unwrap();
        assert_eq!(Object::from_json(ObjectKind::Role, &json).unwrap(), role);
        assert_eq!(
            role.unique_name(),
            Some(UniqueName {
                scope: "123456789012".into(),
                name_lower: "ops".into()
            })
        );
    }

    #[test]
    fn aliases_are_unique_across_accounts() {
        let alias = Object::AccountAlias(AccountAliasRecord {
            account_id: "123456789012".into(),
            alias: "My-Corp".into(),
        });
        assert_eq!(alias.unique_name().unwrap().scope, "");
        assert_eq!(alias.unique_name().unwrap().name_lower, "my-corp");
    }
}
