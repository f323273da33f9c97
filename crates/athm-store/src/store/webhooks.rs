//! Webhook events: the idempotent insert, outcomes, the recovery queue,
//! the payment timeline and the listing.

use std::collections::{HashMap, HashSet};

use athm_domain::ports::{ListQuery, Page, StoreError};
use athm_domain::webhook::{EventStatus, WebhookEvent};
use athm_domain::{EcommerceId, WebhookEventId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::error::Context;
use super::listing::{self, Search};
use super::step::{self, Failure, Step, ended_by};
use super::{INSERT_CHUNK, SqlStore};
use crate::convert::{event_from_row, event_row, time};
use crate::entities::webhook_event::{Column, Entity};

/// `ON CONFLICT (idempotency_key) DO NOTHING` (`ON DUPLICATE KEY UPDATE id =
/// id` on MySQL): a concurrent insert of the key waits for the other and then
/// does nothing, so a duplicate is never an error.
fn on_key_conflict() -> OnConflict {
    OnConflict::column(Column::IdempotencyKey)
        .do_nothing_on([Column::Id])
        .to_owned()
}

struct Insert<'a>(&'a WebhookEvent);

impl Step for Insert<'_> {
    type Output = (WebhookEvent, bool);

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(WebhookEvent, bool), Failure> {
        let event = self.0;
        let row = event_row(event);
        let inserted = Entity::insert(row.clone().into_active_model().reset_all())
            .on_conflict(on_key_conflict())
            .exec_without_returning(txn)
            .await
            .map_err(Failure::db("store a webhook event"))?;
        // PostgreSQL and SQLite count only the inserted row, so a new event
        // costs one statement. MySQL may count a no-op `id = id` update as a
        // found row: there the stored row is always read back.
        if inserted == 1 && txn.get_database_backend() != DbBackend::MySql {
            // The row as written, read back without a round trip.
            return Ok((event_from_row(row)?, true));
        }
        let row = Entity::find()
            .filter(Column::IdempotencyKey.eq(event.idempotency_key.as_str()))
            .one(txn)
            .await
            .map_err(Failure::db("load a webhook event by idempotency key"))?
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "webhook event {} was neither stored nor found by its idempotency key",
                    event.id
                ))
            })?;
        let stored = event_from_row(row)?;
        let created = stored.id == event.id;
        Ok((stored, created))
    }
}

/// `Store::insert_webhook_event`.
pub(crate) async fn insert(
    store: &SqlStore,
    event: &WebhookEvent,
) -> Result<(WebhookEvent, bool), StoreError> {
    step::run(store, &Insert(event)).await
}

struct InsertMany<'a>(&'a [WebhookEvent]);

impl Step for InsertMany<'_> {
    type Output = Vec<(WebhookEvent, bool)>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Self::Output, Failure> {
        // The first event of each idempotency key is the candidate; later
        // ones in the batch are duplicates of it.
        let mut candidates: Vec<&WebhookEvent> = Vec::with_capacity(self.0.len());
        let mut seen = HashSet::with_capacity(self.0.len());
        for event in self.0 {
            if seen.insert(event.idempotency_key.as_str()) {
                candidates.push(event);
            }
        }
        for chunk in candidates.chunks(INSERT_CHUNK) {
            Entity::insert_many(
                chunk
                    .iter()
                    .map(|event| event_row(event).into_active_model().reset_all()),
            )
            .on_conflict(on_key_conflict())
            .exec_without_returning(txn)
            .await
            .map_err(Failure::db("store webhook events"))?;
        }
        let mut stored: HashMap<String, WebhookEvent> = HashMap::with_capacity(candidates.len());
        for chunk in candidates.chunks(INSERT_CHUNK) {
            let rows = Entity::find()
                .filter(
                    Column::IdempotencyKey
                        .is_in(chunk.iter().map(|event| event.idempotency_key.clone())),
                )
                .all(txn)
                .await
                .map_err(Failure::db("load webhook events by idempotency key"))?;
            for row in rows {
                let event = event_from_row(row)?;
                stored.insert(event.idempotency_key.clone(), event);
            }
        }
        self.0
            .iter()
            .map(|event| {
                let found = stored.get(event.idempotency_key.as_str()).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "webhook event {} was neither stored nor found by its idempotency key",
                        event.id
                    ))
                })?;
                Ok((found.clone(), found.id == event.id))
            })
            .collect()
    }
}

/// `Store::insert_webhook_events`: one transaction for the whole batch.
pub(crate) async fn insert_many(
    store: &SqlStore,
    events: &[WebhookEvent],
) -> Result<Vec<(WebhookEvent, bool)>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    step::run(store, &InsertMany(events)).await
}

/// Loads an event by id.
pub(crate) async fn find(
    conn: &impl ConnectionTrait,
    id: WebhookEventId,
) -> Result<Option<WebhookEvent>, StoreError> {
    Entity::find_by_id(id.to_string())
        .one(conn)
        .await
        .context("load a webhook event")?
        .map(event_from_row)
        .transpose()
}

struct Outcome {
    id: WebhookEventId,
    status: EventStatus,
    error: Option<String>,
    at: DateTime<Utc>,
}

impl Step for Outcome {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        let mut update = Entity::update_many()
            .col_expr(Column::Status, Expr::value(self.status.as_str()))
            .col_expr(Column::Error, Expr::value(self.error.clone()))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        if self.status == EventStatus::Processed {
            update = update.col_expr(Column::ProcessedAt, Expr::value(time(self.at)));
        }
        let result = update
            .filter(Column::Id.eq(self.id.to_string()))
            .exec(txn)
            .await
            .map_err(Failure::db("record a webhook event's outcome"))?;
        if result.rows_affected == 0 {
            return Err(Failure::Fail(StoreError::NotFound {
                entity: "webhook event",
                key: self.id.to_string(),
            }));
        }
        Ok(())
    }
}

/// `Store::record_event_outcome`.
pub(crate) async fn record_outcome(
    store: &SqlStore,
    id: WebhookEventId,
    status: EventStatus,
    error: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    step::run(
        store,
        &Outcome {
            id,
            status,
            error,
            at,
        },
    )
    .await
}

fn events(
    rows: Vec<crate::entities::webhook_event::Model>,
) -> Result<Vec<WebhookEvent>, StoreError> {
    rows.into_iter().map(event_from_row).collect()
}

struct ClaimRetry {
    limit: u64,
    received_before: DateTime<Utc>,
    now: DateTime<Utc>,
    lease: Duration,
}

impl Step for ClaimRetry {
    type Output = Vec<WebhookEvent>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Self::Output, Failure> {
        let now = time(self.now);
        // FOR UPDATE SKIP LOCKED (PostgreSQL, MySQL/MariaDB): rows another
        // claimer holds are skipped, rows it committed are re-checked
        // against `claimed_until`. On SQLite the write lock serialises claims.
        let rows = Entity::find()
            .filter(
                Column::Status.is_in([EventStatus::Pending.as_str(), EventStatus::Failed.as_str()]),
            )
            .filter(Column::ReceivedAt.lte(time(self.received_before)))
            .filter(ended_by(Column::ClaimedUntil, now))
            .order_by_asc(Column::ReceivedAt)
            .order_by_asc(Column::Id)
            .limit(super::sql_bound(self.limit))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(txn)
            .await
            .map_err(Failure::db("claim webhook events to retry"))?;
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

/// `Store::claim_events_to_retry`: pending or failed events, oldest first.
pub(crate) async fn claim_to_retry(
    store: &SqlStore,
    limit: u64,
    received_before: DateTime<Utc>,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<WebhookEvent>, StoreError> {
    let claim = ClaimRetry {
        limit,
        received_before,
        now,
        lease,
    };
    step::run(store, &claim).await
}

/// The events of one payment, oldest first.
pub(crate) async fn for_payment(
    conn: &impl ConnectionTrait,
    ecommerce_id: &EcommerceId,
) -> Result<Vec<WebhookEvent>, StoreError> {
    let rows = Entity::find()
        .filter(Column::EcommerceId.eq(ecommerce_id.to_string()))
        .order_by_asc(Column::ReceivedAt)
        .order_by_asc(Column::Id)
        .all(conn)
        .await
        .context("list a payment's webhook events")?;
    events(rows)
}

/// The admin listing of webhook events, newest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    query: &ListQuery,
) -> Result<Page<WebhookEvent>, StoreError> {
    let mut select = Entity::find();
    if let Some(status) = &query.status {
        let Some(status) = EventStatus::parse(&status.trim().to_ascii_lowercase()) else {
            return Ok(listing::empty());
        };
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    select = listing::created_between(select, Column::ReceivedAt, query);
    if let Some(search) = Search::new(query) {
        select = select.filter(search.matching(
            [
                Column::IdempotencyKey,
                Column::EcommerceId,
                Column::ReferenceNumber,
                Column::Kind,
                Column::Payload,
            ],
            None,
        ));
    }
    let select = select
        .order_by_desc(Column::ReceivedAt)
        .order_by_desc(Column::Id);
    let (rows, total) = listing::page(conn, select, query, "list webhook events").await?;
    Ok(Page {
        items: events(rows)?,
        total,
    })
}
