//! Warden's durable records.
//!
//! The store is a dumb, durable home for domain records: it knows SQL and nothing of policy
//! semantics or HTTP. Every write is a list of [`Change`]s committed in one transaction, so an
//! acknowledged write is all-or-nothing and survives a crash. The same `Change` values rebuild
//! the in-memory directory at start-up and are what other nodes will follow (the change feed).

mod audit;
mod objects;
mod records;
mod sqlite;

use std::future::Future;
use std::pin::Pin;

pub use audit::{
    AuditFilter, AuditRecord, AuditRow, ChainBreak, ChainVerifier, GENESIS, chain_hash,
};
pub use objects::{
    AccountAliasRecord, ActionAccessRecord, AttachmentRecord, CreateAccountStatusRecord,
    CredentialReportRecord, DeletionTaskRecord, EntityAccessRecord, EntityRef,
    InstanceProfileRecord, LastAccessedJobRecord, LoginProfileRecord, ManagedPolicyRecord,
    MfaDeviceRecord, MfaOwner, Object, ObjectKey, ObjectKind, OidcProviderRecord, OrgAccountRecord,
    OrganizationRecord, PasswordPolicyRecord, PolicyVersionRecord, PrincipalBinding, RoleLastUse,
    RoleRecord, SamlProviderRecord, ServerCertificateRecord, ServiceAccessRecord,
    SigningCertificateRecord, SshPublicKeyRecord, UniqueName,
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

    /// Appends audit events to the chain in one transaction (durable when this returns `Ok`).
    fn append_audit<'a>(&'a self, events: &'a [AuditRecord]) -> StoreFuture<'a, ()> {
        let _ = events;
        Box::pin(async { Err(StoreError::Unsupported("the audit trail")) })
    }

    /// Audit events matching `filter`, oldest first.
    fn audit_events<'a>(&'a self, filter: &'a AuditFilter) -> StoreFuture<'a, Vec<AuditRow>> {
        let _ = filter;
        Box::pin(async { Err(StoreError::Unsupported("the audit trail")) })
    }

    /// Checks the whole chain: the number of events when it is intact, where it breaks
    /// otherwise.
    fn verify_audit(&self) -> StoreFuture<'_, Result<u64, ChainBreak>> {
        Box::pin(async { Err(StoreError::Unsupported("the audit trail")) })
    }
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
    #[error("{0} is not available on this backend")]
    Unsupported(&'static str),
}
