//! Keeping this node's directory in step with the database it shares with other nodes.
//!
//! The store's change log (warden-store `feed.rs`) has one entry per commit, at gap-free
//! positions. The [`Replica`] knows the position its directory has applied up to and moves it
//! forward in three places, all under one lock so entries apply once and in order:
//!
//! - [`Writer::lock`]: a write first takes the database-wide write lock
//!   ([`Store::begin_write`]), which also hands back the entries it has not applied yet; they are
//!   applied before the operation validates anything. So a write always validates against the
//!   database's current state, on whichever node it runs: two nodes creating one name are
//!   serialised, and the second answers `EntityAlreadyExists` as a single node would.
//! - [`Replica::commit`]: the write's own entry, applied as soon as it is durable.
//! - [`Core::follow_changes`]: other nodes' entries, read when a `NOTIFY` arrives or at the
//!   latest every [`POLL`], so a write anywhere is visible everywhere within a second.
//!
//! When the database is unreachable, the first request that finds out waits at most the store's
//! timeout; after that, writes fail at once (`ServiceUnavailable`) until the follower reaches
//! the database again, so writers queued behind the lock never wait for one another's timeouts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use warden_store::{Change, Feed, Store, StoreError, WriteTxn};

use crate::{Core, Directory};

/// How often a node reads the log when no notification wakes it.
pub const POLL: Duration = Duration::from_millis(500);

/// The longest a store call may take before this node gives up on it (the store's own timeouts
/// should fire first; this is the backstop that makes sure no request hangs).
const DEADLINE: Duration = Duration::from_secs(8);

/// The directory, the log position it has applied up to, and the store it follows.
pub(crate) struct Replica {
    store: Arc<dyn Store>,
    directory: Arc<RwLock<Directory>>,
    position: tokio::sync::Mutex<i64>,
    partition: String,
    /// This node's name in the log's `origin` column.
    node_id: String,
    /// Cleared when the database could not be reached; set again by a successful read.
    reachable: AtomicBool,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("node_id", &self.node_id)
            .field("reachable", &self.reachable.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

async fn within<T>(
    future: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(DEADLINE, future)
        .await
        .unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the database did not answer in time".to_owned(),
            ))
        })
}

impl Replica {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        directory: Arc<RwLock<Directory>>,
        position: i64,
        partition: &str,
        node_id: String,
    ) -> Replica {
        Replica {
            store,
            directory,
            position: tokio::sync::Mutex::new(position),
            partition: partition.to_owned(),
            node_id,
            reachable: AtomicBool::new(true),
        }
    }

    fn note<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match &result {
            Err(StoreError::Unavailable(_)) if self.store.shared() => {
                self.reachable.store(false, Ordering::Relaxed);
            }
            Ok(_) => self.reachable.store(true, Ordering::Relaxed),
            Err(_) => {}
        }
        result
    }

    /// Takes the database's write lock and applies what this node has not seen yet.
    async fn begin(&self) -> Result<Box<dyn WriteTxn>, StoreError> {
        if !self.reachable.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable(
                "the database is unreachable".to_owned(),
            ));
        }
        let mut position = self.position.lock().await;
        // Twice at most: after a reload (a gap), the second try finds the log current, as the
        // reload happened under no write lock only for a moment.
        for _ in 0..2 {
            let (txn, feed) = self.note(within(self.store.begin_write(*position)).await)?;
            if feed == Feed::Gap {
                // Reload without holding the write (SQLite has one connection).
                drop(txn);
                self.reload(&mut position).await?;
                continue;
            }
            self.absorb(&mut position, feed).await?;
            return Ok(txn);
        }
        Err(StoreError::Unavailable(
            "the change log was pruned past this node twice in a row".to_owned(),
        ))
    }

    /// Commits a write begun by [`begin`](Self::begin) and applies it.
    async fn commit(&self, txn: Box<dyn WriteTxn>, changes: &[Change]) -> Result<(), StoreError> {
        let mut position = self.position.lock().await;
        let committed = self.note(within(txn.commit(changes, &self.node_id)).await)?;
        let mut dir = self
            .directory
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for change in changes {
            dir.apply(change);
        }
        *position = committed;
        Ok(())
    }

    /// Applies the entries other nodes committed since the last call.
    pub(crate) async fn catch_up(&self) -> Result<(), StoreError> {
        let mut position = self.position.lock().await;
        let feed = self.note(within(self.store.changes_since(*position)).await)?;
        self.absorb(&mut position, feed).await
    }

    async fn absorb(&self, position: &mut i64, feed: Feed) -> Result<(), StoreError> {
        match feed {
            Feed::Entries(entries) => {
                if entries.is_empty() {
                    return Ok(());
                }
                let mut dir = self
                    .directory
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                for entry in &entries {
                    if entry.position <= *position {
                        continue;
                    }
                    // Our own entries are here only when a commit's answer was lost (the
                    // connection dropped after COMMIT): the write happened, so apply it too.
                    for change in &entry.changes {
                        dir.apply(change);
                    }
                    *position = entry.position;
                }
            }
            Feed::Gap => self.reload(position).await?,
        }
        Ok(())
    }

    /// Too far behind to replay (the log was pruned): starts again from a snapshot.
    async fn reload(&self, position: &mut i64) -> Result<(), StoreError> {
        tracing::warn!(position = *position, "behind the change log; reloading");
        let snapshot = self.note(within(self.store.snapshot()).await)?;
        let mut fresh = Directory::new(&self.partition);
        for change in &snapshot.changes {
            fresh.apply(change);
        }
        *self
            .directory
            .write()
            .unwrap_or_else(PoisonError::into_inner) = fresh;
        *position = snapshot.position;
        Ok(())
    }
}

/// Serialises this node's writes and, through the store, every node's: see the module docs.
pub(crate) struct Writer {
    mutex: tokio::sync::Mutex<()>,
    /// The write the lock holder began; only the holder of `mutex` touches it.
    pending: std::sync::Mutex<Option<Result<Box<dyn WriteTxn>, StoreError>>>,
    replica: Arc<Replica>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("replica", &self.replica)
            .finish_non_exhaustive()
    }
}

/// Held while a write validates and commits; dropping it without committing rolls back.
pub(crate) struct WriterGuard<'a> {
    writer: &'a Writer,
    _local: tokio::sync::MutexGuard<'a, ()>,
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        // Before the local lock is released (fields drop after this): the next holder must find
        // the slot empty.
        drop(self.writer.take());
    }
}

impl Writer {
    pub(crate) fn new(replica: Arc<Replica>) -> Writer {
        Writer {
            mutex: tokio::sync::Mutex::new(()),
            pending: std::sync::Mutex::new(None),
            replica,
        }
    }

    /// Waits for this node's turn and the database's write lock, then brings the directory up
    /// to date. When the database cannot be reached the guard is still returned, and the
    /// write's commit fails with the reason.
    pub(crate) async fn lock(&self) -> WriterGuard<'_> {
        let local = self.mutex.lock().await;
        let began = self.replica.begin().await;
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(began);
        WriterGuard {
            writer: self,
            _local: local,
        }
    }

    fn take(&self) -> Option<Result<Box<dyn WriteTxn>, StoreError>> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Commits `changes` in the write the caller's guard began (or, for a second commit under
    /// one guard, in a new one) and applies them. Callers hold a [`WriterGuard`].
    pub(crate) async fn commit(&self, changes: &[Change]) -> Result<(), StoreError> {
        let txn = match self.take() {
            Some(began) => began?,
            None => self.replica.begin().await?,
        };
        self.replica.commit(txn, changes).await
    }
}

impl Core {
    /// Follows the change log until the process ends: other nodes' writes become visible here
    /// within [`POLL`] (at once when the database's notification arrives). Run it on a task of
    /// its own when the store is shared ([`Store::shared`]).
    pub async fn follow_changes(&self) {
        loop {
            if let Err(e) = self.store.wait_for_changes(POLL).await {
                tracing::debug!(error = %e, "waiting for changes failed");
                tokio::time::sleep(POLL).await;
            }
            if let Err(e) = self.replica.catch_up().await {
                tracing::warn!(error = %e, "cannot read the change log; retrying");
                tokio::time::sleep(POLL).await;
            }
        }
    }

    /// Applies the changes other nodes committed since the last catch-up, now (tests and tools;
    /// the service relies on [`follow_changes`](Self::follow_changes)).
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        self.replica.catch_up().await
    }
}
