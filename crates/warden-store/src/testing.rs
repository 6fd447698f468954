//! Throwaway databases for tests, of either backend, so that one test suite runs against both.
//!
//! PostgreSQL tests run when `WARDEN_TEST_POSTGRES` names a server (a `postgres://` URL whose
//! database is one to connect to for `CREATE DATABASE`, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`); `scripts/test` sets it. Each
//! [`TestDatabase`] is a database of its own, created with a unique name and dropped by
//! [`TestDatabase::drop_database`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

use crate::{PostgresStore, SqliteStore, Store, StoreError};

/// The variable naming the PostgreSQL server tests use.
pub const POSTGRES_VARIABLE: &str = "WARDEN_TEST_POSTGRES";

/// The prefix of every test database's name, so that leftovers can be found and dropped.
pub const NAME_PREFIX: &str = "warden_test_";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// One empty database for one test.
#[derive(Debug)]
pub enum TestDatabase {
    Sqlite { path: PathBuf },
    Postgres { server: String, name: String },
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDatabase {
    /// A new SQLite file in the temporary directory.
    pub fn sqlite() -> TestDatabase {
        let path = std::env::temp_dir().join(format!("{NAME_PREFIX}{}.db", unique_suffix()));
        TestDatabase::Sqlite { path }
    }

    /// A new PostgreSQL database, or `None` when [`POSTGRES_VARIABLE`] is not set.
    pub async fn postgres() -> Result<Option<TestDatabase>, StoreError> {
        let Ok(server) = std::env::var(POSTGRES_VARIABLE) else {
            return Ok(None);
        };
        let name = format!("{NAME_PREFIX}{}", unique_suffix());
        let mut admin = PgConnection::connect(&server).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        Ok(Some(TestDatabase::Postgres { server, name }))
    }

    /// The URL a node opens this database with (`warden serve --database`).
    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { path } => format!("sqlite:{}", path.display()),
            TestDatabase::Postgres { server, name } => {
                let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }

    /// Opens a store on the database: another call gives another store (another node) on the
    /// same data.
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            TestDatabase::Sqlite { path } => Arc::new(SqliteStore::open(path).await?),
            TestDatabase::Postgres { .. } => Arc::new(PostgresStore::connect(&self.url()).await?),
        })
    }

    /// Deletes the change-log entries before `position`, as pruning does after an hour, so
    /// that a node behind them must reload.
    pub async fn prune_log_before(&self, position: i64) -> Result<(), StoreError> {
        let sql = "DELETE FROM change_log WHERE position < $1";
        match self {
            TestDatabase::Sqlite { path } => {
                let store = SqliteStore::open(path).await?;
                store.execute_for_tests(sql, position).await?;
                store.close().await;
            }
            TestDatabase::Postgres { .. } => {
                let mut conn = PgConnection::connect(&self.url()).await?;
                sqlx::query(sql).bind(position).execute(&mut conn).await?;
                conn.close().await?;
            }
        }
        Ok(())
    }

    /// Runs one statement on the database directly, as someone editing it behind Warden's back
    /// would (the audit trail's tamper tests).
    pub async fn execute(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            TestDatabase::Sqlite { path } => {
                let store = SqliteStore::open(path).await?;
                store.execute_raw_for_tests(sql).await?;
                store.close().await;
            }
            TestDatabase::Postgres { .. } => {
                let mut conn = PgConnection::connect(&self.url()).await?;
                sqlx::query(sql).execute(&mut conn).await?;
                conn.close().await?;
            }
        }
        Ok(())
    }

    /// Removes the database. Stores still open on it are disconnected.
    pub async fn drop_database(&self) -> Result<(), StoreError> {
        match self {
            TestDatabase::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            TestDatabase::Postgres { server, name } => {
                let mut admin = PgConnection::connect(server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
            }
        }
        Ok(())
    }
}
