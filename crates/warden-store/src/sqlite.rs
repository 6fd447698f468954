//! The embedded default backend: one SQLite file in WAL mode with `synchronous = FULL`, so a
//! commit is on disk (fsynced) before it is acknowledged.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;

use crate::audit::{
    AuditFilter, AuditRecord, AuditRow, ChainBreak, ChainVerifier, GENESIS, chain_hash,
};
use crate::objects::{Object, ObjectKind};
use crate::records::{
    AccessKeyRecord, AccountRecord, Change, GroupRecord, InlinePolicyRecord, KeyUse, Membership,
    PolicyOwner, Tag, UserRecord,
};
use crate::{Store, StoreError, StoreFuture};

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
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    async fn load_all(&self) -> Result<Vec<Change>, StoreError> {
        let mut changes = Vec::new();
        let mut conn = self.pool.acquire().await?;
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

    async fn commit_all(&self, changes: &[Change]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for change in changes {
            apply(&mut tx, change).await.map_err(conflict)?;
        }
        tx.commit().await?;
        Ok(())
    }
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
        let mut sql = String::from(
            "SELECT seq, event_time, account_id, principal_arn, event_name, error_code, body, \
             prev_hash, hash FROM audit_events WHERE 1 = 1",
        );
        if filter.principal_arn.is_some() {
            sql.push_str(" AND principal_arn = ?");
        }
        if filter.event_name.is_some() {
            sql.push_str(" AND event_name = ?");
        }
        if filter.errors_only {
            sql.push_str(" AND error_code IS NOT NULL");
        }
        if filter.since_ms.is_some() {
            sql.push_str(" AND event_time >= ?");
        }
        if filter.until_ms.is_some() {
            sql.push_str(" AND event_time <= ?");
        }
        if filter.account_id.is_some() {
            sql.push_str(" AND account_id = ?");
        }
        if filter.after_seq.is_some() {
            sql.push_str(" AND seq > ?");
        }
        sql.push_str(" ORDER BY seq");
        if filter.limit.is_some() {
            sql.push_str(" LIMIT ?");
        }
        let mut query = sqlx::query(&sql);
        if let Some(v) = &filter.principal_arn {
            query = query.bind(v);
        }
        if let Some(v) = &filter.event_name {
            query = query.bind(v);
        }
        if let Some(v) = filter.since_ms {
            query = query.bind(v);
        }
        if let Some(v) = filter.until_ms {
            query = query.bind(v);
        }
        if let Some(v) = &filter.account_id {
            query = query.bind(v);
        }
        if let Some(v) = filter.after_seq {
            query = query.bind(v);
        }
        if let Some(v) = filter.limit {
            query = query.bind(i64::from(v));
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(audit_row).collect()
    }

    async fn verify_chain(&self) -> Result<Result<u64, ChainBreak>, StoreError> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|row| -> Result<(i64, String), StoreError> {
                Ok((row.try_get("seq")?, row.try_get("hash")?))
            })
            .transpose()?;
        let mut verifier = ChainVerifier::default();
        // In pages, so a long trail is checked in bounded memory.
        let mut after = i64::MIN;
        loop {
            let page = sqlx::query(
                "SELECT seq, event_time, account_id, principal_arn, event_name, error_code, \
                 body, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 10000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.try_get("seq")?;
            for row in &page {
                if let Err(broken) = verifier.next(&audit_row(row)?) {
                    return Ok(Err(broken));
                }
            }
        }
        Ok(verifier.finish(head))
    }
}

fn audit_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditRow, StoreError> {
    Ok(AuditRow {
        seq: row.try_get("seq")?,
        record: AuditRecord {
            time_ms: row.try_get("event_time")?,
            account_id: row.try_get("account_id")?,
            principal_arn: row.try_get("principal_arn")?,
            event_name: row.try_get("event_name")?,
            error_code: row.try_get("error_code")?,
            body: row.try_get("body")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

impl Store for SqliteStore {
    fn append_audit<'a>(&'a self, events: &'a [AuditRecord]) -> StoreFuture<'a, ()> {
        Box::pin(self.append_all(events))
    }

    fn audit_events<'a>(&'a self, filter: &'a AuditFilter) -> StoreFuture<'a, Vec<AuditRow>> {
        Box::pin(self.query_audit(filter))
    }

    fn verify_audit(&self) -> StoreFuture<'_, Result<u64, ChainBreak>> {
        Box::pin(self.verify_chain())
    }

    fn load(&self) -> StoreFuture<'_, Vec<Change>> {
        Box::pin(self.load_all())
    }

    fn commit<'a>(&'a self, changes: &'a [Change]) -> StoreFuture<'a, ()> {
        Box::pin(self.commit_all(changes))
    }
}

/// A unique-constraint failure means another writer got there first.
fn conflict(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        _ => StoreError::Database(e),
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
