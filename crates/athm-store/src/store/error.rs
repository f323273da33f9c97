//! Driver errors, translated into [`StoreError`] with a sentence that says
//! what failed, and the codes that make a step worth retrying.

use std::fmt;
use std::sync::Arc;

use athm_domain::WebhookEventId;
use athm_domain::ports::StoreError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// A database failure with what the store was doing when it happened.
#[derive(Debug)]
pub(crate) struct DbFailure {
    action: String,
    source: DbErr,
}

impl fmt::Display for DbFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not {}: {}", self.action, self.source)?;
        if is_connection_failure(&self.source) {
            f.write_str(" (is the database running and reachable at the configured URL?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// `StoreError::Database` for `source`, saying what the store was doing.
pub(crate) fn database(action: impl Into<String>, source: DbErr) -> StoreError {
    StoreError::Database(Box::new(DbFailure {
        action: action.into(),
        source,
    }))
}

/// Adds what the store was doing to a driver error.
pub(crate) trait Context<T> {
    /// Maps a [`DbErr`] to [`StoreError::Database`] naming `action`.
    fn context(self, action: &str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, DbErr> {
    fn context(self, action: &str) -> Result<T, StoreError> {
        self.map_err(|e| database(action, e))
    }
}

/// Whether `err` says the database could not be reached (or the
/// connection was lost), rather than that it refused a statement.
fn is_connection_failure(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                **e,
                Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed
            )
        }
        _ => false,
    }
}

/// Whether a store step failed because the database could not be reached,
/// so that running other steps now would fail the same way.
pub(crate) fn is_unreachable(error: &StoreError) -> bool {
    let StoreError::Database(source) = error else {
        return false;
    };
    source
        .downcast_ref::<DbFailure>()
        .is_some_and(|failure| is_connection_failure(&failure.source))
}

/// A webhook event of a batch that was not stored because the database
/// could not be reached (for the batch, or for an event before it).
#[derive(Debug, thiserror::Error)]
#[error("webhook event {event} was not stored: the database could not be reached")]
pub(crate) struct NotStored {
    event: WebhookEventId,
    #[source]
    cause: Arc<StoreError>,
}

/// [`StoreError::Database`] for the event `event`, left unstored because of `cause`.
pub(crate) fn not_stored(event: WebhookEventId, cause: Arc<StoreError>) -> StoreError {
    StoreError::Database(Box::new(NotStored { event, cause }))
}

/// Whether `err` is a unique-key violation.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Whether a transaction that failed with `err` may succeed when run again:
/// a serialization failure or deadlock (PostgreSQL, MySQL), a lock wait
/// timeout (MySQL), or a busy or locked database (SQLite).
pub(crate) fn is_retryable(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    let Some(db) = e.as_database_error() else {
        return false;
    };
    if let Some(mysql) = db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
        // 1205 lock wait timeout, 1213 deadlock.
        return matches!(mysql.number(), 1205 | 1213);
    }
    // PostgreSQL: serialization_failure, deadlock_detected. SQLite (extended
    // codes): BUSY, BUSY_RECOVERY, BUSY_SNAPSHOT, LOCKED, LOCKED_SHAREDCACHE.
    matches!(
        db.code().as_deref(),
        Some("40001" | "40P01" | "5" | "261" | "517" | "6" | "262")
    )
}
