//! Opening the pool, with the settings each backend needs.
//!
//! SQLite: a file database uses WAL (readers never wait for the writer), a
//! 5 s `busy_timeout` (another process holding the write lock makes us wait,
//! not fail), `synchronous = FULL` (a committed payment survives a power
//! loss; NORMAL could lose the last commits), foreign keys on, and a pool of
//! several connections so that reads never queue behind a write
//! transaction. An in-memory database lives in one connection that is never
//! closed, so its pool holds exactly one (the adapter never queries the pool
//! while it holds a transaction, so this cannot deadlock).

use std::time::Duration;

use athm_domain::ports::StoreError;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database};

use super::SqlStore;
use super::error::database;

/// How long SQLite waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections in a PostgreSQL pool.
const POSTGRES_CONNECTIONS: u32 = 10;
/// Connections in a file SQLite pool.
const SQLITE_FILE_CONNECTIONS: u32 = 8;

pub(super) async fn connect(url: &str) -> Result<SqlStore, StoreError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        options
            .max_connections(if in_memory {
                1
            } else {
                SQLITE_FILE_CONNECTIONS
            })
            .min_connections(1)
            .map_sqlx_sqlite_pool_opts(move |pool| {
                if in_memory {
                    pool.idle_timeout(None).max_lifetime(None)
                } else {
                    pool
                }
            })
            .map_sqlx_sqlite_opts(move |sqlite| {
                let sqlite = sqlite
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .synchronous(SqliteSynchronous::Full);
                if in_memory {
                    sqlite
                } else {
                    sqlite.journal_mode(SqliteJournalMode::Wal)
                }
            });
    }
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        // READ COMMITTED for every transaction of the connection, as a
        // startup parameter: no `SET TRANSACTION` statement per transaction.
        // 10 connections (sqlx's default, made explicit): the webhook writer
        // needs one, processing a few; more only add context switches.
        options
            .max_connections(POSTGRES_CONNECTIONS)
            .map_sqlx_postgres_opts(|pg| {
                pg.options([("default_transaction_isolation", "read committed")])
            });
    }
    let db = Database::connect(options)
        .await
        .map_err(|e| database(format!("connect to {}", redact(url)), e))?;
    Ok(SqlStore::from_connection(db))
}

/// `url` without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redact("postgres://athm:s3cret@db:5432/athm"),
            "postgres://athm:***@db:5432/athm"
        );
        assert_eq!(redact("sqlite://athm.db"), "sqlite://athm.db");
    }

    #[test]
    fn connection_failures_say_what_to_check() {
        let err = database(
            "connect to postgres://athm:***@db/athm",
            sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal("refused".into())),
        );
        let message = err.to_string();
        assert!(
            message.contains("could not connect to postgres://athm:***@db/athm"),
            "{message}"
        );
        assert!(message.contains("is the database running"), "{message}");
    }
}
