//! Warden's durable records.
//!
//! The store is a dumb, durable home for domain records: it knows SQL and nothing of policy
//! semantics or HTTP. Every write is a list of [`Change`]s committed in one transaction, so an
//! acknowledged write is all-or-nothing and survives a crash. The same `Change` values rebuild
//! the in-memory directory at start-up and are what other nodes will follow (the change feed).

mod objects;
mod records;
mod sqlite;

use std::future::Future;
use std::pin::Pin;

pub use objects::{
    AccountAliasRecord, AttachmentRecord, CreateAccountStatusRecord, CredentialReportRecord,
    DeletionTaskRecord, EntityRef, InstanceProfileRecord, LoginProfileRecord, ManagedPolicyRecord,
    MfaDeviceRecord, MfaOwner, Object, ObjectKey, ObjectKind, OidcProviderRecord, OrgAccountRecord,
    OrganizationRecord, PasswordPolicyRecord, PolicyVersionRecord, PrincipalBinding, RoleLastUse,
    RoleRecord, SamlProviderRecord, ServerCertificateRecord, SigningCertificateRecord,
    SshPublicKeyRecord, UniqueName,
};
pub use records::{
    AccessKeyRecord, AccountRecord, Change, GroupRecord, InlinePolicyRecord, KeyUse, Membership,
    PolicyOwner, Tag, UserRecord,
};
pub use sqlite::SqliteStore;

/// A future a store returns; boxed so that `dyn Store` works (writes wait on an fsync, so the
/// box costs nothing that matters).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where Warden keeps its records.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Every record, as the changes that recreate them from nothing, in dependency order
    /// (accounts, users, groups, memberships, keys, objects by [`ObjectKind`] order, inline
    /// policies).
    fn load(&self) -> StoreFuture<'_, Vec<Change>>;

    /// Applies `changes` in one transaction: all of them are durable when this returns `Ok`, none
    /// of them otherwise.
    fn commit<'a>(&'a self, changes: &'a [Change]) -> StoreFuture<'a, ()>;
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule held by the database refused the write (another node won a race).
    #[error("conflicting write: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt record: {0}")]
    Corrupt(String),
}
