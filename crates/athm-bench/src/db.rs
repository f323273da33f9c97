//! Fresh databases: a SQLite file in a temporary directory, or a new
//! PostgreSQL database `athm_bench_<uuid>` dropped afterwards; raw counts.

use std::time::Duration;

use clap::ValueEnum;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use tempfile::TempDir;

use crate::Result;

/// The database `athm serve` runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Backend {
    /// A SQLite file (WAL, `synchronous = FULL`), as `athm serve` opens it.
    Sqlite,
    /// A database on the local PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The name in tables.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A database made for one run, migrated, removed by [`FreshDb::remove`].
pub(crate) struct FreshDb {
    pub(crate) backend: Backend,
    url: String,
    admin: Option<(DatabaseConnection, String)>,
    _dir: Option<TempDir>,
}

impl FreshDb {
    /// Creates and migrates an empty database; `postgres` is the server URL
    /// without a database (`postgres://postgres@127.0.0.1:5432`).
    pub(crate) async fn create(backend: Backend, postgres: &str) -> Result<FreshDb> {
        let db = match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new().prefix("athm-bench-").tempdir()?;
                let url = format!("sqlite://{}/athm.db?mode=rwc", dir.path().display());
                FreshDb {
                    backend,
                    url,
                    admin: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let server = postgres.trim_end_matches('/');
                let admin = Database::connect(format!("{server}/postgres")).await?;
                let name = format!("athm_bench_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                FreshDb {
                    backend,
                    url: format!("{server}/{name}"),
                    admin: Some((admin, name)),
                    _dir: None,
                }
            }
        };
        let store = athm_store::SqlStore::connect(&db.url).await?;
        store.migrate().await?;
        Ok(db)
    }

    /// The URL `athm --database-url` takes.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// A pool of `connections` opened as `athm serve` opens its own (on
    /// SQLite: WAL, `synchronous = FULL`, 5 s busy timeout).
    pub(crate) async fn connect(&self, connections: u32) -> Result<DatabaseConnection> {
        let mut options = ConnectOptions::new(self.url.clone());
        options
            .max_connections(connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false);
        if self.backend == Backend::Sqlite {
            options.map_sqlx_sqlite_opts(|sqlite| {
                sqlite
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    .synchronous(SqliteSynchronous::Full)
                    .journal_mode(SqliteJournalMode::Wal)
                    // The rest of athm-store's SQLite settings (`connect.rs`).
                    .pragma("temp_store", "memory")
                    .pragma("wal_autocheckpoint", "10000")
            });
        }
        Ok(Database::connect(options).await?)
    }

    /// Drops the PostgreSQL database (even with sessions left) or deletes the file.
    pub(crate) async fn remove(self) -> Result<()> {
        if let Some((admin, name)) = self.admin {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin.close().await?;
        }
        Ok(())
    }
}

/// The `n` column of the one row `sql` answers (a `COUNT(*) AS n`).
pub(crate) async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| format!("no row from {sql}"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// The `v` column of the one row `sql` answers, as text.
pub(crate) async fn text(db: &DatabaseConnection, sql: &str) -> Result<String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| format!("no row from {sql}"))?;
    Ok(row.try_get::<String>("", "v")?)
}
