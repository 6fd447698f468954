//! Domain records and the changes that write them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::objects::{Object, ObjectKey};

/// A key/value tag on an IAM entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// Twelve digits.
    pub account_id: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// `AIDA…`, never reused.
    pub user_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// `AGPA…`, never reused.
    pub group_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub group_id: String,
    pub user_id: String,
}

/// When and where an access key was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUse {
    #[serde(with = "time::serde::timestamp")]
    pub time: OffsetDateTime,
    pub service: String,
    pub region: String,
}

/// An access key. The secret arrives sealed; the store never sees it in the clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    pub account_id: String,
    /// `None` for the account root's keys.
    pub owner_user_id: Option<String>,
    pub sealed_secret: Vec<u8>,
    pub active: bool,
    #[serde(with = "time::serde::timestamp")]
    pub created: OffsetDateTime,
    pub last_used: Option<KeyUse>,
}

impl std::fmt::Debug for AccessKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRecord")
            .field("access_key_id", &self.access_key_id)
            .field("account_id", &self.account_id)
            .field("owner_user_id", &self.owner_user_id)
            .field("sealed_secret", &"<sealed>")
            .field("active", &self.active)
            .field("created", &self.created)
            .field("last_used", &self.last_used)
            .finish()
    }
}

/// Who an inline policy is embedded in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PolicyOwner {
    User(String),
    Group(String),
    Role(String),
}

impl PolicyOwner {
    pub fn kind(&self) -> &'static str {
        match self {
            PolicyOwner::User(_) => "user",
            PolicyOwner::Group(_) => "group",
            PolicyOwner::Role(_) => "role",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            PolicyOwner::User(id) | PolicyOwner::Group(id) | PolicyOwner::Role(id) => id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlinePolicyRecord {
    pub account_id: String,
    pub owner: PolicyOwner,
    pub name: String,
    /// The document as the caller wrote it (AWS returns it verbatim).
    pub document: String,
}

/// One durable change. `Put*` inserts or replaces by primary key.
///
/// Serializable because the change log (the feed other nodes follow) stores each commit's
/// changes as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    PutAccount(AccountRecord),
    PutUser(UserRecord),
    DeleteUser {
        user_id: String,
    },
    PutGroup(GroupRecord),
    DeleteGroup {
        group_id: String,
    },
    AddMember(Membership),
    RemoveMember(Membership),
    PutAccessKey(AccessKeyRecord),
    /// Changes only the key's status, so a concurrent last-used flush cannot undo it.
    SetAccessKeyActive {
        access_key_id: String,
        active: bool,
    },
    /// Records a use of the key; only moves the last-used time forward.
    RecordKeyUse {
        access_key_id: String,
        used: KeyUse,
    },
    DeleteAccessKey {
        access_key_id: String,
    },
    PutInlinePolicy(InlinePolicyRecord),
    DeleteInlinePolicy {
        owner: PolicyOwner,
        name: String,
    },
    /// Inserts or replaces a record of the `objects` table.
    PutObject(Object),
    DeleteObject(ObjectKey),
}
