//! Claims on webhook events: the recovery worker's (pending and failed
//! events, flagged ones whose next check is due) and a person's (flagged
//! events, on demand).

use athm_domain::ports::{FlaggedEvents, StoreError};
use athm_domain::webhook::{EventStatus, WebhookEvent};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::SqlStore;
use super::step::{self, Failure, Step, ended_by};
use super::webhooks::events;
use crate::convert::time;
use crate::entities::webhook_event::{Column, Entity};

/// A claim of up to `limit` events matching `due` and not claimed (or
/// whose claim ended before `now`), oldest first, each marked claimed
/// until `now + lease`.
struct Claim {
    due: Condition,
    limit: u64,
    now: DateTime<Utc>,
    lease: Duration,
    action: &'static str,
}

impl Step for Claim {
    type Output = Vec<WebhookEvent>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Self::Output, Failure> {
        // FOR UPDATE SKIP LOCKED (PostgreSQL, MySQL/MariaDB): rows another
        // claimer holds are skipped, rows it committed are re-checked
        // against `claimed_until`. On SQLite the write lock serialises claims.
        let rows = Entity::find()
            .filter(self.due.clone())
            .filter(ended_by(Column::ClaimedUntil, time(self.now)))
            .order_by_asc(Column::ReceivedAt)
            .order_by_asc(Column::Id)
            .limit(super::sql_bound(self.limit))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(txn)
            .await
            .map_err(Failure::db(self.action))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        Entity::update_many()
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(time(self.now + self.lease)),
            )
            .filter(Column::Id.is_in(rows.iter().map(|r| r.id.clone())))
            .exec(txn)
            .await
            .map_err(Failure::db("mark webhook events claimed"))?;
        Ok(events(rows)?)
    }
}

/// `Store::claim_events_to_retry`: pending or failed events, and flagged
/// events whose next check is due, received at or before `received_before`.
pub(crate) async fn claim_to_retry(
    store: &SqlStore,
    limit: u64,
    received_before: DateTime<Utc>,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<WebhookEvent>, StoreError> {
    let recheck_due = Condition::all()
        .add(Column::Status.eq(EventStatus::Flagged.as_str()))
        .add(Column::NextAttemptAt.lte(time(now)));
    let due = Condition::all()
        .add(
            Condition::any()
                .add(
                    Column::Status
                        .is_in([EventStatus::Pending.as_str(), EventStatus::Failed.as_str()]),
                )
                .add(recheck_due),
        )
        .add(Column::ReceivedAt.lte(time(received_before)));
    let claim = Claim {
        due,
        limit,
        now,
        lease,
        action: "claim webhook events to retry",
    };
    step::run(store, &claim).await
}

/// `Store::claim_flagged_events`: flagged events, all or those named.
pub(crate) async fn claim_flagged(
    store: &SqlStore,
    which: &FlaggedEvents,
    limit: u64,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<WebhookEvent>, StoreError> {
    let mut due = Condition::all().add(Column::Status.eq(EventStatus::Flagged.as_str()));
    if let FlaggedEvents::Only(ids) = which {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        due = due.add(Column::Id.is_in(ids.iter().map(ToString::to_string)));
    }
    let claim = Claim {
        due,
        limit,
        now,
        lease,
        action: "claim flagged webhook events",
    };
    step::run(store, &claim).await
}
