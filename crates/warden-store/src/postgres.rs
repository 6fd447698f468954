//! The PostgreSQL backend, for several nodes on one database.
//!
//! Writes are serialised across nodes by a transaction-scoped advisory lock
//! ([`WRITE_LOCK`]): a node takes it, reads the log entries it has not applied yet, validates
//! its write against its now-current directory, and commits the write with its change-log entry
//! before the lock is released. So no node ever validates against a stale state, and the log
//! positions have no gaps. Each commit also sends a `NOTIFY` on [`CHANNEL`], which wakes the
//! other nodes' followers; they poll as well, in case a notification is lost.
//!
//! Every connection has a statement, lock and idle-in-transaction timeout, and the pool an
//! acquire timeout, so that no request waits on an unreachable database for long: it fails
//! with [`StoreError::Unavailable`] instead.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Row, Transaction};
use time::OffsetDateTime;

use crate::audit::{self, AuditFilter, AuditRecord, AuditRow, chain_hash};
use crate::feed::{self, Feed, LogEntry, Snapshot};
use crate::objects::{Object, ObjectKind};
use crate::records::{
    AccessKeyRecord, AccountRecord, Change, GroupRecord, InlinePolicyRecord, KeyUse, Membership,
    PolicyOwner, Tag, UserRecord,
};
use crate::{DATABASE_TIMEOUT, Store, StoreError, StoreFuture, WriteTxn};

/// The advisory lock every write holds until it commits (an arbitrary constant: "warden").
const WRITE_LOCK: i64 = 0x7761_7264_656e;
/// The notification channel commits announce themselves on.
const CHANNEL: &str = "warden_changes";

/// PostgreSQL, shared by any number of nodes.
#[derive(Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// Listens on [`CHANNEL`]; `None` until first used, and again after it failed.
    listener: tokio::sync::Mutex<Option<PgListener>>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and brings the schema up to date (migrations take
    /// PostgreSQL's migration lock, so nodes starting together do not race).
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let timeout = format!("{}ms", DATABASE_TIMEOUT.as_millis());
        let options = PgConnectOptions::from_str(url)?.options([
            ("statement_timeout", timeout.as_str()),
            ("lock_timeout", timeout.as_str()),
            // A node that stops in the middle of a write must not hold the write lock for long.
            ("idle_in_transaction_session_timeout", "10s"),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(DATABASE_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore {
            pool,
            listener: tokio::sync::Mutex::new(None),
        })
    }

    async fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut tx = self.pool.begin().await?;
        // One snapshot for every table and the log position.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let changes = load_all(&mut tx).await?;
        let position: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM change_log")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Snapshot {
            changes,
            position: position.unwrap_or(0),
        })
    }

    async fn begin(&self, position: i64) -> Result<(Box<dyn WriteTxn>, Feed), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        let feed = read_log(&mut tx, position).await?;
        Ok((Box::new(PostgresWrite { tx }), feed))
    }

    async fn read_feed(&self, position: i64) -> Result<Feed, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_log(&mut conn, position).await
    }

    async fn wait(&self, timeout: Duration) -> Result<(), StoreError> {
        let mut listener = self.listener.lock().await;
        if listener.is_none() {
            match self.listen().await {
                Ok(l) => *listener = Some(l),
                Err(e) => {
                    tracing::debug!(error = %e, "cannot listen for changes; polling");
                    drop(listener);
                    tokio::time::sleep(timeout).await;
                    return Ok(());
                }
            }
        }
        let Some(l) = listener.as_mut() else {
            return Ok(());
        };
        match tokio::time::timeout(timeout, l.try_recv()).await {
            // A notification, or the connection was lost (notifications may have been missed):
            // either way the caller reads the log now.
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "the change listener failed; reconnecting");
                *listener = None;
            }
        }
        Ok(())
    }

    async fn listen(&self) -> Result<PgListener, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}

impl PostgresStore {
    /// Appends to the chain under the head row's lock, so nodes appending at once still form
    /// one chain.
    async fn append_all(&self, events: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await?;
        let mut seq: i64 = head.try_get("seq")?;
        let mut prev: String = head.try_get("hash")?;
        for event in events {
            seq += 1;
            let hash = chain_hash(&prev, seq, &event.body);
            sqlx::query(
                "INSERT INTO audit_events (seq, event_time, account_id, principal_arn, \
                 event_name, error_code, body, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(seq)
            .bind(event.time_ms)
            .bind(&event.account_id)
            .bind(&event.principal_arn)
            .bind(&event.event_name)
            .bind(&event.error_code)
            .bind(&event.body)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
            prev = hash;
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn query_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        let (sql, binds) = audit::select(filter, |n| format!("${n}"));
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                audit::Bind::Text(v) => query.bind(v),
                audit::Bind::Int(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows.iter().map(audit::row).collect::<Result<_, _>>()?)
    }

    async fn head(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|row| -> Result<(i64, String), StoreError> {
                Ok((row.try_get("seq")?, row.try_get("hash")?))
            })
            .transpose()?
            // The head row is there from the start; an empty chain's head is (0, genesis).
            .filter(|(seq, _)| *seq > 0))
    }
}

impl Store for PostgresStore {
    fn append_audit<'a>(&'a self, events: &'a [AuditRecord]) -> StoreFuture<'a, ()> {
        Box::pin(self.append_all(events))
    }

    fn audit_events<'a>(&'a self, filter: &'a AuditFilter) -> StoreFuture<'a, Vec<AuditRow>> {
        Box::pin(self.query_audit(filter))
    }

    fn audit_head(&self) -> StoreFuture<'_, Option<(i64, String)>> {
        Box::pin(self.head())
    }

    fn snapshot(&self) -> StoreFuture<'_, Snapshot> {
        Box::pin(self.load_snapshot())
    }

    fn begin_write(&self, position: i64) -> StoreFuture<'_, (Box<dyn WriteTxn>, Feed)> {
        Box::pin(self.begin(position))
    }

    fn changes_since(&self, position: i64) -> StoreFuture<'_, Feed> {
        Box::pin(self.read_feed(position))
    }

    fn wait_for_changes(&self, timeout: Duration) -> StoreFuture<'_, ()> {
        Box::pin(self.wait(timeout))
    }

    fn shared(&self) -> bool {
        true
    }
}

/// A write holding [`WRITE_LOCK`].
struct PostgresWrite {
    tx: Transaction<'static, Postgres>,
}

impl WriteTxn for PostgresWrite {
    fn commit<'a>(self: Box<Self>, changes: &'a [Change], origin: &'a str) -> StoreFuture<'a, i64> {
        Box::pin(async move {
            let mut tx = self.tx;
            for change in changes {
                apply(&mut tx, change).await?;
            }
            let now = feed::now_micros();
            let position: i64 = sqlx::query_scalar(
                "INSERT INTO change_log (position, origin, committed, changes) \
                 SELECT coalesce(max(position), 0) + 1, $1, $2, $3 FROM change_log \
                 RETURNING position",
            )
            .bind(origin)
            .bind(now)
            .bind(feed::encode(changes)?)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(position.to_string())
                .execute(&mut *tx)
                .await?;
            if position % feed::PRUNE_EVERY == 0 {
                sqlx::query("DELETE FROM change_log WHERE position < $1 AND committed < $2")
                    .bind(position)
                    .bind(now - feed::RETAIN_SECONDS * 1_000_000)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(position)
        })
    }
}

async fn read_log(conn: &mut PgConnection, position: i64) -> Result<Feed, StoreError> {
    let oldest: Option<i64> = sqlx::query_scalar("SELECT min(position) FROM change_log")
        .fetch_one(&mut *conn)
        .await?;
    let mut entries: Vec<LogEntry> = Vec::new();
    for row in sqlx::query(
        "SELECT position, origin, committed, changes FROM change_log WHERE position > $1 \
         ORDER BY position",
    )
    .bind(position)
    .fetch_all(&mut *conn)
    .await?
    {
        let changes: String = row.try_get("changes")?;
        entries.push(feed::decode(
            row.try_get("position")?,
            row.try_get("origin")?,
            row.try_get("committed")?,
            &changes,
        )?);
    }
    Ok(feed::feed(position, oldest, entries))
}

async fn load_all(conn: &mut PgConnection) -> Result<Vec<Change>, StoreError> {
    let mut changes = Vec::new();
    for row in sqlx::query("SELECT account_id, created FROM accounts ORDER BY account_id")
        .fetch_all(&mut *conn)
        .await?
    {
        changes.push(Change::PutAccount(AccountRecord {
            account_id: row.try_get("account_id")?,
            created: from_unix(row.try_get("created")?)?,
        }));
    }
    for row in sqlx::query(
        "SELECT user_id, account_id, name, path, created, permissions_boundary, tags \
             FROM users ORDER BY account_id, name_lower",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let tags: String = row.try_get("tags")?;
        let tags: Vec<Tag> = serde_json::from_str(&tags)
            .map_err(|e| StoreError::Corrupt(format!("tags of a user: {e}")))?;
        changes.push(Change::PutUser(UserRecord {
            user_id: row.try_get("user_id")?,
            account_id: row.try_get("account_id")?,
            name: row.try_get("name")?,
            path: row.try_get("path")?,
            created: from_unix(row.try_get("created")?)?,
            permissions_boundary: row.try_get("permissions_boundary")?,
            tags,
        }));
    }
    for row in sqlx::query(
        "SELECT group_id, account_id, name, path, created FROM groups \
             ORDER BY account_id, name_lower",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        changes.push(Change::PutGroup(GroupRecord {
            group_id: row.try_get("group_id")?,
            account_id: row.try_get("account_id")?,
            name: row.try_get("name")?,
            path: row.try_get("path")?,
            created: from_unix(row.try_get("created")?)?,
        }));
    }
    for row in sqlx::query("SELECT group_id, user_id FROM group_members ORDER BY group_id")
        .fetch_all(&mut *conn)
        .await?
    {
        changes.push(Change::AddMember(Membership {
            group_id: row.try_get("group_id")?,
            user_id: row.try_get("user_id")?,
        }));
    }
    for row in sqlx::query(
        "SELECT access_key_id, account_id, owner_user_id, sealed_secret, active, created, \
             last_used, last_used_service, last_used_region FROM access_keys \
             ORDER BY created, access_key_id",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let last_used = match row.try_get::<Option<i64>, _>("last_used")? {
            Some(t) => Some(KeyUse {
                time: from_unix(t)?,
                service: row
                    .try_get::<Option<String>, _>("last_used_service")?
                    .unwrap_or_default(),
                region: row
                    .try_get::<Option<String>, _>("last_used_region")?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        changes.push(Change::PutAccessKey(AccessKeyRecord {
            access_key_id: row.try_get("access_key_id")?,
            account_id: row.try_get("account_id")?,
            owner_user_id: row.try_get("owner_user_id")?,
            sealed_secret: row.try_get("sealed_secret")?,
            active: row.try_get("active")?,
            created: from_unix(row.try_get("created")?)?,
            last_used,
        }));
    }
    let mut objects = Vec::new();
    for row in sqlx::query("SELECT kind, id, body FROM objects")
        .fetch_all(&mut *conn)
        .await?
    {
        let kind: String = row.try_get("kind")?;
        let id: String = row.try_get("id")?;
        let kind = ObjectKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("object kind `{kind}`")))?;
        let body: String = row.try_get("body")?;
        let object = Object::from_json(kind, &body)
            .map_err(|e| StoreError::Corrupt(format!("{} `{id}`: {e}", kind.as_str())))?;
        objects.push((kind, id, object));
    }
    // What refers to something loads after it.
    objects.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    changes.extend(objects.into_iter().map(|(_, _, o)| Change::PutObject(o)));
    for row in sqlx::query(
        "SELECT account_id, owner_kind, owner_id, name, document FROM inline_policies \
             ORDER BY owner_kind, owner_id, name_lower",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let kind: String = row.try_get("owner_kind")?;
        let id: String = row.try_get("owner_id")?;
        let owner = match kind.as_str() {
            "user" => PolicyOwner::User(id),
            "group" => PolicyOwner::Group(id),
            "role" => PolicyOwner::Role(id),
            other => return Err(StoreError::Corrupt(format!("policy owner kind `{other}`"))),
        };
        changes.push(Change::PutInlinePolicy(InlinePolicyRecord {
            account_id: row.try_get("account_id")?,
            owner,
            name: row.try_get("name")?,
            document: row.try_get("document")?,
        }));
    }
    Ok(changes)
}

fn from_unix(seconds: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| StoreError::Corrupt(format!("time {seconds} out of range")))
}

async fn apply(tx: &mut Transaction<'_, Postgres>, change: &Change) -> Result<(), sqlx::Error> {
    let conn = &mut **tx;
    match change {
        Change::PutAccount(a) => {
            sqlx::query(
                "INSERT INTO accounts (account_id, created) VALUES ($1, $2) \
                 ON CONFLICT (account_id) DO UPDATE SET created = excluded.created",
            )
            .bind(&a.account_id)
            .bind(a.created.unix_timestamp())
            .execute(conn)
            .await?;
        }
        Change::PutUser(u) => {
            let tags =
                serde_json::to_string(&u.tags).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(
                "INSERT INTO users (user_id, account_id, name, name_lower, path, created, \
                 permissions_boundary, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, \
                 name_lower = excluded.name_lower, path = excluded.path, \
                 permissions_boundary = excluded.permissions_boundary, tags = excluded.tags",
            )
            .bind(&u.user_id)
            .bind(&u.account_id)
            .bind(&u.name)
            .bind(u.name.to_lowercase())
            .bind(&u.path)
            .bind(u.created.unix_timestamp())
            .bind(&u.permissions_boundary)
            .bind(tags)
            .execute(conn)
            .await?;
        }
        Change::DeleteUser { user_id } => {
            sqlx::query("DELETE FROM users WHERE user_id = $1")
                .bind(user_id)
                .execute(conn)
                .await?;
        }
        Change::PutGroup(g) => {
            sqlx::query(
                "INSERT INTO groups (group_id, account_id, name, name_lower, path, created) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id) DO UPDATE SET \
                 name = excluded.name, name_lower = excluded.name_lower, path = excluded.path",
            )
            .bind(&g.group_id)
            .bind(&g.account_id)
            .bind(&g.name)
            .bind(g.name.to_lowercase())
            .bind(&g.path)
            .bind(g.created.unix_timestamp())
            .execute(conn)
            .await?;
        }
        Change::DeleteGroup { group_id } => {
            sqlx::query("DELETE FROM groups WHERE group_id = $1")
                .bind(group_id)
                .execute(conn)
                .await?;
        }
        Change::AddMember(m) => {
            sqlx::query(
                "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&m.group_id)
            .bind(&m.user_id)
            .execute(conn)
            .await?;
        }
        Change::RemoveMember(m) => {
            sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
                .bind(&m.group_id)
                .bind(&m.user_id)
                .execute(conn)
                .await?;
        }
        Change::PutAccessKey(k) => {
            let used = k.last_used.as_ref();
            sqlx::query(
                "INSERT INTO access_keys (access_key_id, account_id, owner_user_id, \
                 sealed_secret, active, created, last_used, last_used_service, last_used_region) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (access_key_id) DO UPDATE SET \
                 account_id = excluded.account_id, owner_user_id = excluded.owner_user_id, \
                 sealed_secret = excluded.sealed_secret, active = excluded.active, \
                 created = excluded.created, last_used = excluded.last_used, \
                 last_used_service = excluded.last_used_service, \
                 last_used_region = excluded.last_used_region",
            )
            .bind(&k.access_key_id)
            .bind(&k.account_id)
            .bind(&k.owner_user_id)
            .bind(&k.sealed_secret)
            .bind(k.active)
            .bind(k.created.unix_timestamp())
            .bind(used.map(|u| u.time.unix_timestamp()))
            .bind(used.map(|u| u.service.as_str()))
            .bind(used.map(|u| u.region.as_str()))
            .execute(conn)
            .await?;
        }
        Change::SetAccessKeyActive {
            access_key_id,
            active,
        } => {
            sqlx::query("UPDATE access_keys SET active = $1 WHERE access_key_id = $2")
                .bind(*active)
                .bind(access_key_id)
                .execute(conn)
                .await?;
        }
        Change::RecordKeyUse {
            access_key_id,
            used,
        } => {
            sqlx::query(
                "UPDATE access_keys SET last_used = $1, last_used_service = $2, \
                 last_used_region = $3 WHERE access_key_id = $4 \
                 AND (last_used IS NULL OR last_used <= $5)",
            )
            .bind(used.time.unix_timestamp())
            .bind(&used.service)
            .bind(&used.region)
            .bind(access_key_id)
            .bind(used.time.unix_timestamp())
            .execute(conn)
            .await?;
        }
        Change::DeleteAccessKey { access_key_id } => {
            sqlx::query("DELETE FROM access_keys WHERE access_key_id = $1")
                .bind(access_key_id)
                .execute(conn)
                .await?;
        }
        Change::PutInlinePolicy(p) => {
            sqlx::query(
                "INSERT INTO inline_policies (account_id, owner_kind, owner_id, name, \
                 name_lower, document) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (owner_kind, owner_id, name_lower) DO UPDATE SET \
                 account_id = excluded.account_id, name = excluded.name, \
                 document = excluded.document",
            )
            .bind(&p.account_id)
            .bind(p.owner.kind())
            .bind(p.owner.id())
            .bind(&p.name)
            .bind(p.name.to_lowercase())
            .bind(&p.document)
            .execute(conn)
            .await?;
        }
        Change::DeleteInlinePolicy { owner, name } => {
            sqlx::query(
                "DELETE FROM inline_policies WHERE owner_kind = $1 AND owner_id = $2 \
                 AND name_lower = $3",
            )
            .bind(owner.kind())
            .bind(owner.id())
            .bind(name.to_lowercase())
            .execute(conn)
            .await?;
        }
        Change::PutObject(object) => {
            let key = object.key();
            let unique = object.unique_name();
            let body = object
                .to_json()
                .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(
                "INSERT INTO objects (kind, id, account_id, scope, name_lower, body) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, id) DO UPDATE SET \
                 scope = excluded.scope, name_lower = excluded.name_lower, body = excluded.body",
            )
            .bind(key.kind.as_str())
            .bind(&key.id)
            .bind(object.account_id())
            .bind(unique.as_ref().map(|u| u.scope.as_str()))
            .bind(unique.as_ref().map(|u| u.name_lower.as_str()))
            .bind(body)
            .execute(conn)
            .await?;
        }
        Change::DeleteObject(key) => {
            sqlx::query("DELETE FROM objects WHERE kind = $1 AND id = $2")
                .bind(key.kind.as_str())
                .bind(&key.id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
