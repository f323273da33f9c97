//! The lifecycle outbox: claiming what is left to deliver, and delivery attempts.
//!
//! A claim runs in one write transaction: `SELECT … FOR UPDATE SKIP LOCKED`
//! of the undelivered, unclaimed (or lease-expired), due events on
//! PostgreSQL and MySQL/MariaDB (on SQLite the writer lock of `BEGIN
//! IMMEDIATE` makes the step atomic), then a prefix check per payment, then
//! `UPDATE … SET claimed_until`. Under READ COMMITTED a row another claimer
//! committed meanwhile is re-checked against `claimed_until`, and a row it
//! still holds is skipped, so two claimers get disjoint sets.

use std::collections::{HashMap, HashSet};

use athm_domain::ports::{StoreError, StoredLifecycleEvent};
use athm_domain::redelivery_delay;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::SqlStore;
use super::step::{self, Failure, Step, ended_by};
use crate::convert::{lifecycle_from_row, time};
use crate::entities::lifecycle_event::{Column, Entity};

struct Claim {
    limit: u64,
    now: DateTime<Utc>,
    lease: Duration,
}

impl Step for Claim {
    type Output = Vec<StoredLifecycleEvent>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Self::Output, Failure> {
        let now = time(self.now);
        let rows = Entity::find()
            .filter(Column::DeliveredAt.is_null())
            .filter(ended_by(Column::ClaimedUntil, now))
            .filter(ended_by(Column::NextAttemptAt, now))
            .order_by_asc(Column::Id)
            .limit(super::sql_bound(self.limit))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(txn)
            .await
            .map_err(Failure::db("claim lifecycle events"))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let keep = prefixes(txn, &rows).await?;
        let rows: Vec<_> = rows.into_iter().filter(|r| keep.contains(&r.id)).collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        Entity::update_many()
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(time(self.now + self.lease)),
            )
            .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(txn)
            .await
            .map_err(Failure::db("mark lifecycle events claimed"))?;
        Ok(rows
            .into_iter()
            .map(lifecycle_from_row)
            .collect::<Result<_, _>>()?)
    }
}

/// Of the `locked` rows, those that start their payment's queue: every
/// earlier undelivered event of the payment is locked too. An event behind
/// one claimed elsewhere, backing off, or left out by the limit waits.
async fn prefixes(
    txn: &DatabaseTransaction,
    locked: &[crate::entities::lifecycle_event::Model],
) -> Result<HashSet<i64>, Failure> {
    let ids: HashSet<i64> = locked.iter().map(|r| r.id).collect();
    let payments: HashSet<&str> = locked.iter().map(|r| r.ecommerce_id.as_str()).collect();
    let last: HashMap<&str, i64> = locked
        .iter()
        .map(|r| (r.ecommerce_id.as_str(), r.id))
        .collect();
    let queue: Vec<(i64, String)> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::EcommerceId)
        .filter(Column::DeliveredAt.is_null())
        .filter(Column::EcommerceId.is_in(payments.iter().copied()))
        .filter(Column::Id.lte(last.values().copied().max().unwrap_or(i64::MAX)))
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(txn)
        .await
        .map_err(Failure::db("read the payments' outbox queues"))?;
    let mut blocked = HashSet::new();
    let mut keep = HashSet::new();
    for (id, payment) in queue {
        if blocked.contains(&payment) {
            continue;
        }
        if ids.contains(&id) {
            keep.insert(id);
        } else {
            blocked.insert(payment);
        }
    }
    Ok(keep)
}

/// `Store::claim_lifecycle_events`.
pub(crate) async fn claim(
    store: &SqlStore,
    limit: u64,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<StoredLifecycleEvent>, StoreError> {
    step::run(store, &Claim { limit, now, lease }).await
}

/// A failed delivery attempt.
struct Failed {
    id: i64,
    error: String,
    at: DateTime<Utc>,
}

impl Step for Failed {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        let row = Entity::find_by_id(self.id)
            .lock_exclusive()
            .one(txn)
            .await
            .map_err(Failure::db("load a lifecycle event"))?
            .ok_or_else(|| not_found(self.id))?;
        let attempts = row.attempts.saturating_add(1);
        let delay = redelivery_delay(u32::try_from(attempts).unwrap_or(u32::MAX));
        Entity::update_many()
            .col_expr(Column::Attempts, Expr::value(attempts))
            .col_expr(Column::LastAttemptAt, Expr::value(time(self.at)))
            .col_expr(Column::LastError, Expr::value(self.error.clone()))
            .col_expr(Column::ClaimedUntil, Expr::value(no_time()))
            .col_expr(Column::NextAttemptAt, Expr::value(time(self.at + delay)))
            .filter(Column::Id.eq(self.id))
            .exec(txn)
            .await
            .map_err(Failure::db("record a failed lifecycle event delivery"))?;
        // The payment's later events wait for this one: release them, so
        // they are claimed with it when it is due again.
        Entity::update_many()
            .col_expr(Column::ClaimedUntil, Expr::value(no_time()))
            .filter(Column::EcommerceId.eq(row.ecommerce_id.as_str()))
            .filter(Column::DeliveredAt.is_null())
            .filter(Column::Id.gt(self.id))
            .exec(txn)
            .await
            .map_err(Failure::db("release a payment's later lifecycle events"))?;
        Ok(())
    }
}

/// Successful deliveries: one statement for them all.
struct Delivered<'a> {
    ids: &'a [i64],
    at: DateTime<Utc>,
}

impl Step for Delivered<'_> {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        let ids: HashSet<i64> = self.ids.iter().copied().collect();
        let at = time(self.at);
        let updated = Entity::update_many()
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::LastAttemptAt, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(Option::<String>::None))
            .col_expr(Column::ClaimedUntil, Expr::value(no_time()))
            .col_expr(Column::DeliveredAt, Expr::value(at))
            .filter(Column::Id.is_in(ids.iter().copied()))
            .exec(txn)
            .await
            .map_err(Failure::db("record lifecycle event deliveries"))?;
        if updated.rows_affected != ids.len() as u64 {
            let missing = Entity::find()
                .select_only()
                .column(Column::Id)
                .filter(Column::Id.is_in(ids.iter().copied()))
                .into_tuple::<i64>()
                .all(txn)
                .await
                .map_err(Failure::db("load lifecycle events"))?;
            let missing = ids.iter().find(|id| !missing.contains(id)).copied();
            return Err(not_found(missing.unwrap_or_default()).into());
        }
        Ok(())
    }
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound {
        entity: "lifecycle event",
        key: id.to_string(),
    }
}

fn no_time() -> Option<DateTime<Utc>> {
    None
}

/// `Store::record_lifecycle_delivery`.
pub(crate) async fn record_delivery(
    store: &SqlStore,
    id: i64,
    error: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    match error {
        None => record_delivered(store, &[id], at).await,
        Some(error) => step::run(store, &Failed { id, error, at }).await,
    }
}

/// `Store::record_lifecycle_deliveries`: one transaction, one statement.
pub(crate) async fn record_delivered(
    store: &SqlStore,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    step::run(store, &Delivered { ids, at }).await
}
