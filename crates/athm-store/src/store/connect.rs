//! Opening the pool, with the settings each backend needs.
//!
//! SQLite: a file database uses WAL (readers never wait for the writer), a
//! 5 s `busy_timeout` (another process holding the write lock makes us wait,
//! not fail), `synchronous = FULL` (a committed payment survives a power
//! loss; NORMAL could lose the last commits), foreign keys on, a pool of
//! several connections so that reads never queue behind a write
//! transaction, and one more connection, never closed, that every write
//! goes through (writes are serialised anyway; a connection that alone
//! writes keeps its page cache from one transaction to the next, where a
//! pooled one would reread what another connection changed). An in-memory database lives in one connection that is never
//! closed, so its pool holds exactly one (the adapter never queries the pool
//! while it holds a transaction, so this cannot deadlock).

use std::time::Duration;

use athm_domain::ports::StoreError;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr};

use super::SqlStore;
use super::error::database;

/// How long SQLite waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections in a PostgreSQL pool.
const POSTGRES_CONNECTIONS: u32 = 10;
/// Connections in a file SQLite pool.
const SQLITE_FILE_CONNECTIONS: u32 = 8;

pub(super) async fn connect(url: &str) -> Result<SqlStore, StoreError> {
    let server =
        url.starts_with("postgres:") || url.starts_with("postgresql:") || url.starts_with("mysql:");
    if !server && !url.starts_with("sqlite:") {
        // A plain file name is shown with the URL it probably meant;
        // anything else (it may hold a password) is not shown.
        let file_like =
            !url.is_empty() && !url.chars().any(|c| c.is_whitespace() || "@:=;".contains(c));
        let given = if file_like {
            format!(
                "{url:?} names no kind of database: for a SQLite file write sqlite://{url}?mode=rwc"
            )
        } else {
            "names no kind of database (it is not shown: it may hold a password)".to_string()
        };
        return Err(connect_error(format!(
            "the database URL {given}; for a SQLite file write sqlite://path/athm.db?mode=rwc, \
             for a server postgres://user@host/database or mysql://user@host/database"
        )));
    }
    if server {
        probe(url).await?;
    }
    if url.starts_with("sqlite:") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if in_memory {
            let db = open(url, sqlite_options(url, 1, true)).await?;
            return Ok(SqlStore::from_connection(db));
        }
        // Reads share a pool; writes (serialised anyway) go through one
        // connection that is never closed, so its page cache stays valid.
        let readers = open(url, sqlite_options(url, SQLITE_FILE_CONNECTIONS, false)).await?;
        let writer = open(url, sqlite_options(url, 1, true)).await?;
        return Ok(SqlStore::with_writer(readers, writer));
    }
    let mut options = base_options(url);
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
    Ok(SqlStore::from_connection(open(url, options).await?))
}

/// Why the store could not connect, in a sentence that says what to fix
/// (a URL of no known kind, a server that refused the connection).
#[derive(Debug)]
struct ConnectError(String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

/// [`StoreError::Database`] saying `message`.
fn connect_error(message: String) -> StoreError {
    StoreError::Database(Box::new(ConnectError(message)))
}

/// How long the first connection to a server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection to a PostgreSQL or MySQL/MariaDB server, closed at once,
/// before the pool is made: the pool retries a refused or failing
/// connection until its acquire timeout and then says only "pool timed
/// out"; this fails in seconds with the driver's own cause (refused,
/// unknown host, no such database, wrong password).
async fn probe(url: &str) -> Result<(), StoreError> {
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    loop {
        match tokio::time::timeout_at(deadline, connect_once(url)).await {
            Ok(Ok(())) => return Ok(()),
            // A server still starting (or refusing connections, or full)
            // may be a moment early in a container's start: try again
            // until the deadline; any other refusal is final.
            Ok(Err(error))
                if is_transient(&error) && tokio::time::Instant::now() + PROBE_RETRY < deadline =>
            {
                tokio::time::sleep(PROBE_RETRY).await;
            }
            Ok(Err(error)) => return Err(probe_failure(url, error)),
            Err(_) => {
                return Err(database(
                    format!("connect to {}", redact(url)),
                    DbErr::Conn(RuntimeErr::Internal(format!(
                        "no answer within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ))),
                ));
            }
        }
    }
}

/// How long the probe waits before trying a transient failure again.
const PROBE_RETRY: Duration = Duration::from_millis(250);

/// One connection to the server of `url`, closed at once.
async fn connect_once(url: &str) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::{Connection, MySqlConnection, PgConnection};
    if url.starts_with("postgres") {
        PgConnection::connect(url).await?.close().await
    } else {
        MySqlConnection::connect(url).await?.close().await
    }
}

/// Whether a failed connection may succeed a moment later: the server is
/// not listening yet, is starting up (PostgreSQL 57P03), or has no free
/// connection (PostgreSQL 53300, MySQL 1040).
fn is_transient(error: &sea_orm::sqlx::Error) -> bool {
    match error.as_database_error() {
        None => matches!(error, sea_orm::sqlx::Error::Io(_)),
        Some(refusal) => matches!(
            refusal.code().as_deref(),
            Some("57P03" | "53300" | "1040" | "08004")
        ),
    }
}

/// The probe's failure as a sentence: a refusal in the server's own words
/// (no such database, wrong password), or why it could not be reached.
fn probe_failure(url: &str, error: sea_orm::sqlx::Error) -> StoreError {
    let action = format!("connect to {}", redact(url));
    match error.as_database_error() {
        Some(refusal) if !is_transient(&error) => connect_error(format!(
            "could not {action}: the server refused: {}; check the URL's user, password and \
             database (create the database if it does not exist)",
            refusal.message()
        )),
        _ => database(action, DbErr::Conn(RuntimeErr::SqlxError(error.into()))),
    }
}

/// Opens a pool (boxed: sqlx's connect future is deep, and a store opens up to two).
async fn open(url: &str, options: ConnectOptions) -> Result<DatabaseConnection, StoreError> {
    Box::pin(Database::connect(options))
        .await
        .map_err(|e| database(format!("connect to {}", redact(url)), e))
}

/// What every backend's pool shares.
fn base_options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .acquire_timeout(Duration::from_secs(30));
    options
}

/// A SQLite pool of `connections`; `kept` ones are never closed (an
/// in-memory database lives in its connection; the writer keeps its cache).
fn sqlite_options(url: &str, connections: u32, kept: bool) -> ConnectOptions {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut options = base_options(url);
    options
        .max_connections(connections)
        .min_connections(1)
        .map_sqlx_sqlite_pool_opts(move |pool| {
            if kept {
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
                .synchronous(SqliteSynchronous::Full)
                // Statement journals (a multi-row write inside a
                // transaction) in memory, not in a temporary file created
                // and unlinked per statement.
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", "10000");
            if in_memory {
                sqlite
            } else {
                sqlite.journal_mode(SqliteJournalMode::Wal)
            }
        });
    options
}

/// `url` for messages: its kind, user, host and path, never a password.
/// The user's password is replaced by `***` (the last `@` ends the user
/// part, so a password holding `@` or `/` is hidden whole); a server URL's
/// query is dropped (sqlx reads `?password=` too); text with no `kind://`
/// is not shown at all, as it may be a password-bearing string of another
/// form.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not shown)".to_string();
    };
    // The user part first (a password may hold `?` or `/`), then the query.
    let (user, rest) = match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let (name, password) = user_info
                .split_once(':')
                .map_or((user_info, None), |(n, p)| (n, Some(p)));
            // A "name" holding `/?=&#` is no user name: the `@` was in the
            // path or query (`?password=…&cert=/a@b`); show none of it.
            if name.contains(['/', '?', '=', '&', '#']) {
                ("***@".to_string(), host)
            } else if password.is_some() {
                (format!("{name}:***@"), host)
            } else {
                (format!("{name}@"), host)
            }
        }
        None => (String::new(), rest),
    };
    let (rest, query) = rest
        .split_once('?')
        .map_or((rest, None), |(r, q)| (r, Some(q)));
    let rest = format!("{user}{rest}");
    match query {
        Some(query) if scheme == "sqlite" => format!("{scheme}://{rest}?{query}"),
        Some(_) => format!("{scheme}://{rest}?…"),
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_in_messages() {
        let cases = [
            (
                "postgres://athm:s3cret@db:5432/athm",
                "postgres://athm:***@db:5432/athm",
            ),
            (
                "postgres://athm:p@ss/w0rd@db/athm",
                "postgres://athm:***@db/athm",
            ),
            (
                "postgres://athm@db/athm?password=s3cret",
                "postgres://athm@db/athm?…",
            ),
            (
                "postgres://athm:pa?ss@db/athm",
                "postgres://athm:***@db/athm",
            ),
            (
                "postgres://db/athm?password=s3cret&sslcert=/a@b",
                "postgres://***@b",
            ),
            ("mysql://root@db/athm", "mysql://root@db/athm"),
            ("athm:s3cret@db/athm", "(not shown)"),
            ("sqlite://athm.db?mode=rwc", "sqlite://athm.db?mode=rwc"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
        }
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
