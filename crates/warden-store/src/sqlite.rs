//! The embedded default backend: one SQLite file in WAL mode with `synchronous = FULL`, so a
//! commit is on disk (fsynced) before it is acknowledged.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool, Transaction};
use time::OffsetDateTime;

use crate::audit::{self, AuditFilter, AuditRecord, AuditRow, GENESIS, chain_hash};
use crate::feed::{self, Feed, LogEntry, Snapshot};
use crate::objects::{Object, ObjectKind};
use crate::records::{
    AccessKeyRecord, AccountRecord, Change, GroupRecord, InlinePolicyRecord, KeyUse, Membership,
    PolicyOwner, Tag, UserRecord,
};
use crate::{DATABASE_TIMEOUT, Store, StoreError, StoreFuture, WriteTxn};

/// SQLite in one file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        Self::with_options(options).await
    }

    /// Opens a database from a `sqlite:` URL (`sqlite::memory:` for tests).
    pub async fn open_url(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        Self::with_options(options).await
    }

    async fn with_options(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        // One connection: Warden serialises its writes and reads the database only at start-up,
        // and an in-memory database exists only on its one connection.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(DATABASE_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// Runs one statement with one integer parameter (`testing.rs`).
    pub(crate) async fn execute_for_tests(&self, sql: &str, value: i64) -> Result<(), StoreError> {
        sqlx::query(sql).bind(value).execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn execute_raw_for_tests(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the connection (and so checkpoints the journal into the file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Copies the whole database into a new file at `path`, consistently, while it is in use
    /// (`VACUUM INTO`: one read transaction, so the copy is one commit's state).
    pub async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Corrupt("the backup path is not UTF-8".to_owned()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut tx = self.pool.begin().await?;
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
        // IMMEDIATE takes the write lock now: a deferred transaction that read first could not
        // write after another process committed (SQLITE_BUSY_SNAPSHOT).
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let feed = read_log(&mut tx, position).await?;
        Ok((Box::new(SqliteWrite { tx }), feed))
    }

    async fn read_feed(&self, position: i64) -> Result<Feed, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_log(&mut conn, position).await
    }
}

/// A write on the one connection; SQLite allows one writer at a time anyway.
struct SqliteWrite {
    tx: Transaction<'static, Sqlite>,
}

impl WriteTxn for SqliteWrite {
    fn commit<'a>(self: Box<Self>, changes: &'a [Change], origin: &'a str) -> StoreFuture<'a, i64> {
        Box::pin(async move {
            let mut tx = self.tx;
            for change in changes {
                apply(&mut tx, change).await?;
            }
            let position: i64 =
                sqlx::query_scalar("SELECT coalesce(max(position), 0) + 1 FROM change_log")
                    .fetch_one(&mut *tx)
                    .await?;
            let now = feed::now_micros();
            sqlx::query(
                "INSERT INTO change_log (position, origin, committed, changes) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(position)
            .bind(origin)
            .bind(now)
            .bind(feed::encode(changes)?)
            .execute(&mut *tx)
            .await?;
            if position % feed::PRUNE_EVERY == 0 {
                sqlx::query("DELETE FROM change_log WHERE position < ? AND committed < ?")
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

async fn read_log(conn: &mut SqliteConnection, position: i64) -> Result<Feed, StoreError> {
    let oldest: Option<i64> = sqlx::query_scalar("SELECT min(position) FROM change_log")
        .fetch_one(&mut *conn)
        .await?;
    let mut entries: Vec<LogEntry> = Vec::new();
    for row in sqlx::query(
        "SELECT position, origin, committed, changes FROM change_log WHERE position > ? \
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

async fn load_all(conn: &mut SqliteConnection) -> Result<Vec<Change>, StoreError> {
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
            active: row.try_get::<i64, _>("active")? != 0,
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

impl SqliteStore {
    async fn append_all(&self, events: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (mut seq, mut prev): (i64, String) = match head {
            Some(row) => (row.try_get("seq")?, row.try_get("hash")?),
            None => (0, GENESIS.to_owned()),
        };
        for event in events {
            seq += 1;
            let hash = chain_hash(&prev, seq, &event.body);
            sqlx::query(
                "INSERT INTO audit_events (seq, event_time, account_id, principal_arn, \
                 event_name, error_code, body, prev_hash, hash) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .bind(seq)
        .bind(&prev)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn query_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        let (sql, binds) = audit::select(filter, |_| "?".to_owned());
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
        sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|row| -> Result<(i64, String), StoreError> {
                Ok((row.try_get("seq")?, row.try_get("hash")?))
            })
            .transpose()
    }
}

impl Store for SqliteStore {
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
        // Nobody else writes to an embedded database.
        Box::pin(async move {
            tokio::time::sleep(timeout).await;
            Ok(())
        })
    }

    fn shared(&self) -> bool {
        false
    }
}

fn from_unix(seconds: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| StoreError::Corrupt(format!("time {seconds} out of range")))
}

async fn apply(tx: &mut Transaction<'_, Sqlite>, change: &Change) -> Result<(), sqlx::Error> {
    let conn = &mut **tx;
    match change {
        Change::PutAccount(a) => {
            sqlx::query("INSERT OR REPLACE INTO accounts (account_id, created) VALUES (?, ?)")
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
                 permissions_boundary, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
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
            sqlx::query("DELETE FROM users WHERE user_id = ?")
                .bind(user_id)
                .execute(conn)
                .await?;
        }
        Change::PutGroup(g) => {
            sqlx::query(
                "INSERT INTO groups (group_id, account_id, name, name_lower, path, created) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE SET \
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
            sqlx::query("DELETE FROM groups WHERE group_id = ?")
                .bind(group_id)
                .execute(conn)
                .await?;
        }
        Change::AddMember(m) => {
            sqlx::query("INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?, ?)")
                .bind(&m.group_id)
                .bind(&m.user_id)
                .execute(conn)
                .await?;
        }
        Change::RemoveMember(m) => {
            sqlx::query("DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
                .bind(&m.group_id)
                .bind(&m.user_id)
                .execute(conn)
                .await?;
        }
        Change::PutAccessKey(k) => {
            let used = k.last_used.as_ref();
            sqlx::query(
                "INSERT OR REPLACE INTO access_keys (access_key_id, account_id, owner_user_id, \
                 sealed_secret, active, created, last_used, last_used_service, last_used_region) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&k.access_key_id)
            .bind(&k.account_id)
            .bind(&k.owner_user_id)
            .bind(&k.sealed_secret)
            .bind(i64::from(k.active))
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
            sqlx::query("UPDATE access_keys SET active = ? WHERE access_key_id = ?")
                .bind(i64::from(*active))
                .bind(access_key_id)
                .execute(conn)
                .await?;
        }
        Change::RecordKeyUse {
            access_key_id,
            used,
        } => {
            sqlx::query(
                "UPDATE access_keys SET last_used = ?, last_used_service = ?, \
                 last_used_region = ? WHERE access_key_id = ? \
                 AND (last_used IS NULL OR last_used <= ?)",
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
            sqlx::query("DELETE FROM access_keys WHERE access_key_id = ?")
                .bind(access_key_id)
                .execute(conn)
                .await?;
        }
        Change::PutInlinePolicy(p) => {
            sqlx::query(
                "INSERT OR REPLACE INTO inline_policies (account_id, owner_kind, owner_id, name, \
                 name_lower, document) VALUES (?, ?, ?, ?, ?, ?)",
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
                "DELETE FROM inline_policies WHERE owner_kind = ? AND owner_id = ? \
                 AND name_lower = ?",
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
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET \
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
            sqlx::query("DELETE FROM objects WHERE kind = ? AND id = ?")
                .bind(key.kind.as_str())
                .bind(&key.id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
