//! Running one atomic step: take the write turn (SQLite), begin, run,
//! commit; on a deadlock, serialization failure, busy database or a
//! unique-key race, roll back and run the whole step again, a bounded
//! number of times.

use std::future::Future;
use std::time::Duration;

use athm_domain::ports::StoreError;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, DbErr};

use super::SqlStore;
use super::error::{database, is_retryable, is_unique_violation};

/// `column IS NULL OR column <= at`: a claim or a backoff that has ended (or never began).
pub(crate) fn ended_by(column: impl ColumnTrait, at: DateTime<Utc>) -> Condition {
    Condition::any().add(column.is_null()).add(column.lte(at))
}

/// How many times a step is tried before its last error is returned.
const MAX_ATTEMPTS: u32 = 16;

/// Why a step stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A transient conflict: run the step again. `duplicate` names the key
    /// when the conflict is a unique-key race, reported if retries run out.
    Retry {
        /// What the step was doing.
        action: &'static str,
        /// The driver error.
        err: DbErr,
        /// The entity and key of a unique-key race.
        duplicate: Option<(&'static str, String)>,
    },
    /// A final answer.
    Fail(StoreError),
}

impl Failure {
    /// Classifies a driver error met while doing `action`.
    pub(crate) fn db(action: &'static str) -> impl FnOnce(DbErr) -> Failure {
        move |err| {
            if is_retryable(&err) {
                Failure::Retry {
                    action,
                    err,
                    duplicate: None,
                }
            } else {
                Failure::Fail(database(action, err))
            }
        }
    }

    /// Classifies an error of an insert that may lose a race on the unique
    /// key (`entity`, `key`): the step is retried and then sees the row.
    pub(crate) fn racing_insert(
        action: &'static str,
        entity: &'static str,
        key: String,
    ) -> impl FnOnce(DbErr) -> Failure {
        move |err| {
            if is_unique_violation(&err) || is_retryable(&err) {
                Failure::Retry {
                    action,
                    err,
                    duplicate: Some((entity, key)),
                }
            } else {
                Failure::Fail(database(action, err))
            }
        }
    }

    /// The error to report when the step cannot be retried (any more).
    pub(crate) fn into_error(self) -> StoreError {
        match self {
            Failure::Fail(e) => e,
            Failure::Retry {
                duplicate: Some((entity, key)),
                err,
                ..
            } if is_unique_violation(&err) => StoreError::Duplicate { entity, key },
            Failure::Retry { action, err, .. } => database(action, err),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Fail(e)
    }
}

/// One atomic step, run inside a write transaction.
pub(crate) trait Step: Sync {
    /// What the step returns.
    type Output: Send;

    /// Does the step's work in `txn`; the runner commits or rolls back.
    fn run(
        &self,
        txn: &DatabaseTransaction,
    ) -> impl Future<Output = Result<Self::Output, Failure>> + Send;
}

/// Runs `step` in its own transaction, retrying transient conflicts.
pub(crate) async fn run<S: Step>(store: &SqlStore, step: &S) -> Result<S::Output, StoreError> {
    let mut attempt = 1;
    loop {
        match once(store, step).await {
            Ok(output) => return Ok(output),
            Err(failure @ Failure::Retry { .. }) if attempt < MAX_ATTEMPTS => {
                if let Failure::Retry { action, err, .. } = &failure {
                    tracing::debug!(attempt, action, error = %err, "retrying a store step");
                }
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(failure) => return Err(failure.into_error()),
        }
    }
}

async fn once<S: Step>(store: &SqlStore, step: &S) -> Result<S::Output, Failure> {
    let turn = store.write_turn().await;
    let txn = store
        .begin_write(turn.as_deref())
        .await
        .map_err(Failure::db("begin a transaction"))?;
    match step.run(&txn).await {
        Ok(output) => {
            txn.commit()
                .await
                .map_err(Failure::db("commit a transaction"))?;
            Ok(output)
        }
        Err(failure) => {
            if let Err(e) = txn.rollback().await {
                tracing::warn!(error = %e, "rolling back a failed store step failed");
            }
            Err(failure)
        }
    }
}

/// A short, growing pause with jitter, so that racing steps spread out.
fn backoff(attempt: u32) -> Duration {
    let jitter = u64::from(uuid::Uuid::new_v4().as_u128() as u8 % 8);
    Duration::from_millis(u64::from(attempt.min(8)) * 4 + jitter)
}
