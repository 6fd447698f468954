//! Warden's durable records.
//!
//! The store is a dumb, durable home for domain records: it knows SQL and nothing of policy
//! semantics or HTTP. Every write is a list of [`Change`]s committed in one transaction, so an
//! acknowledged write is all-or-nothing and survives a crash. The same `Change` values rebuild
//! the in-memory directory at start-up, and each commit also appends them to the change log
//! (`feed.rs`), which is how the other nodes sharing a database learn of it.

mod audit;
mod feed;
mod objects;
mod postgres;
mod records;
mod sqlite;
pub mod testing;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use audit::{
    AuditFilter, AuditRecord, AuditRow, ChainBreak, ChainVerifier, GENESIS, chain_hash,
};
pub use feed::{Feed, LogEntry, Snapshot};
pub use objects::{
    AccountAliasRecord, ActionAccessRecord, AttachmentRecord, CreateAccountStatusRecord,
    CredentialReportRecord, DeletionTaskRecord, EntityAccessRecord, EntityRef,
    InstanceProfileRecord, LastAccessedJobRecord, LoginProfileRecord, ManagedPolicyRecord,
    MfaDeviceRecord, MfaOwner, Object, ObjectKey, ObjectKind, OidcProviderRecord, OrgAccountRecord,
    OrganizationRecord, PasswordPolicyRecord, PolicyVersionRecord, PrincipalBinding, RoleLastUse,
    RoleRecord, SamlProviderRecord, ServerCertificateRecord, ServiceAccessRecord,
    SigningCertificateRecord, SshPublicKeyRecord, UniqueName,
};
pub use postgres::PostgresStore;
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
    /// policies), with the change-log position they include, read in one snapshot.
    fn snapshot(&self) -> StoreFuture<'_, Snapshot>;

    /// Every record, as [`snapshot`](Self::snapshot) reads them.
    fn load(&self) -> StoreFuture<'_, Vec<Change>> {
        Box::pin(async move { Ok(self.snapshot().await?.changes) })
    }

    /// Starts a write: takes the database-wide write lock (so no other node commits until this
    /// write ends) and returns, with it, the log entries after `position` that this node has not
    /// applied yet. The write ends when the [`WriteTxn`] commits or is dropped.
    fn begin_write(&self, position: i64) -> StoreFuture<'_, (Box<dyn WriteTxn>, Feed)>;

    /// The log entries committed after `position`, oldest first.
    fn changes_since(&self, position: i64) -> StoreFuture<'_, Feed>;

    /// Returns when another writer may have committed, or after `timeout` at the latest
    /// (PostgreSQL: a `NOTIFY`; polling is the fallback when the notification channel is down).
    fn wait_for_changes(&self, timeout: Duration) -> StoreFuture<'_, ()>;

    /// `true` when other processes may write to the same database, so the service must follow
    /// the change log.
    fn shared(&self) -> bool;

    /// Applies `changes` in one transaction: all of them are durable when this returns `Ok`, none
    /// of them otherwise. For tools and tests; the service writes through
    /// [`begin_write`](Self::begin_write) so that it knows the log position it wrote.
    fn commit<'a>(&'a self, changes: &'a [Change]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let (txn, _) = self.begin_write(i64::MAX).await?;
            txn.commit(changes, "store").await?;
            Ok(())
        })
    }

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

    /// The chain's head: the last event's number and digest (`None` while the trail is empty).
    fn audit_head(&self) -> StoreFuture<'_, Option<(i64, String)>> {
        Box::pin(async { Err(StoreError::Unsupported("the audit trail")) })
    }

    /// Checks the whole chain, in pages: the number of events when it is intact, where it
    /// breaks otherwise.
    fn verify_audit(&self) -> StoreFuture<'_, Result<u64, ChainBreak>> {
        Box::pin(async move {
            let head = self.audit_head().await?;
            let mut verifier = ChainVerifier::default();
            let mut filter = AuditFilter {
                after_seq: Some(i64::MIN),
                limit: Some(10_000),
                ..AuditFilter::default()
            };
            loop {
                let page = self.audit_events(&filter).await?;
                let Some(last) = page.last() else {
                    break;
                };
                filter.after_seq = Some(last.seq);
                for row in &page {
                    if let Err(broken) = verifier.next(row) {
                        return Ok(Err(broken));
                    }
                }
            }
            Ok(verifier.finish(head))
        })
    }
}

/// A write in progress, holding the database-wide write lock.
pub trait WriteTxn: Send {
    /// Applies `changes`, appends them to the change log as written by `origin` (a node id),
    /// and commits; returns the change-log position of this commit.
    fn commit<'a>(self: Box<Self>, changes: &'a [Change], origin: &'a str) -> StoreFuture<'a, i64>;
}

/// How long a request may wait for the database before it is answered `ServiceUnavailable`.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(5);

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule held by the database refused the write (another node won a race).
    #[error("conflicting write: {0}")]
    Conflict(String),
    /// The database cannot be reached or did not answer in time; trying again later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("{0} is not available on this backend")]
    Unsupported(&'static str),
}

impl From<sqlx::Error> for StoreError {
    /// Sorts database errors into conflicts (a unique constraint), outages (the connection, the
    /// pool, a timeout, the server shutting down) and the rest.
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|c| is_transient_code(&c)) => {
                StoreError::Unavailable(db.message().to_owned())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Database(e),
        }
    }
}

/// PostgreSQL's SQLSTATEs for a lost or refused connection, a server shutting down or starting,
/// a lock or statement timeout, and a serialization failure: all worth retrying later.
fn is_transient_code(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("57P")
        || matches!(code, "53300" | "55P03" | "57014" | "40001" | "40P01")
}
