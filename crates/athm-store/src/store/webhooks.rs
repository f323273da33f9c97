//! Webhook events: the idempotent insert (one or a batch), outcomes, the
//! payment timeline and the listing. The claims of the recovery queue are
//! in `event_claims`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use athm_domain::ports::{InsertResult, ListQuery, Page, StoreError};
use athm_domain::webhook::flagged_recheck_delay;
use athm_domain::webhook::{EventStatus, WebhookEvent};
use athm_domain::{EcommerceId, WebhookEventId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::error::{Context, is_unreachable, not_stored};
use super::listing::{self, Search};
use super::step::{self, Failure, Step};
use super::{INSERT_CHUNK, SqlStore};
use crate::convert::{event_from_row, event_row, stored_error, time};
use crate::entities::webhook_event::{Column, Entity, Model};

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
        let stored = Entity::find()
            .filter(Column::IdempotencyKey.eq(row.idempotency_key.as_str()))
            .one(txn)
            .await
            .map_err(Failure::db("load a webhook event by idempotency key"))?
            .ok_or_else(|| neither_stored_nor_found(event))?;
        let stored = event_from_row(stored)?;
        let created = stored.id == event.id;
        Ok((stored, created))
    }
}

/// The answer for an event whose insert did nothing and whose key finds
/// nothing (on MySQL: its id is another event's).
fn neither_stored_nor_found(event: &WebhookEvent) -> StoreError {
    StoreError::Corrupt(format!(
        "webhook event {} was neither stored nor found by its idempotency key",
        event.id
    ))
}

/// `Store::insert_webhook_event`.
pub(crate) async fn insert(
    store: &SqlStore,
    event: &WebhookEvent,
) -> Result<(WebhookEvent, bool), StoreError> {
    step::run(store, &Insert(event)).await
}

/// Payload and error bytes per multi-row statement (a single larger row
/// goes alone): far below MySQL/MariaDB's `max_allowed_packet` (16 MiB by
/// default on MariaDB), which a batch of large bodies would otherwise
/// exceed, failing the whole batch.
const STATEMENT_BYTES: usize = 4 << 20;

/// `rows` cut into statements of at most [`INSERT_CHUNK`] rows and about
/// [`STATEMENT_BYTES`] bytes of text.
fn statements<'r, 'm>(rows: &'r [&'m Model]) -> Vec<&'r [&'m Model]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let size = row.payload.len() + row.error.as_ref().map_or(0, String::len);
        if i > start && (i - start == INSERT_CHUNK || bytes + size > STATEMENT_BYTES) {
            chunks.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < rows.len() {
        chunks.push(&rows[start..]);
    }
    chunks
}

struct InsertMany<'a>(&'a [WebhookEvent]);

impl Step for InsertMany<'_> {
    type Output = Vec<(WebhookEvent, bool)>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Self::Output, Failure> {
        let rows: Vec<Model> = self.0.iter().map(event_row).collect();
        // The first event of each stored key is the candidate; later ones
        // in the batch are duplicates of it.
        let mut candidates: Vec<&Model> = Vec::with_capacity(rows.len());
        let mut seen = HashSet::with_capacity(rows.len());
        for row in &rows {
            if seen.insert(row.idempotency_key.as_str()) {
                candidates.push(row);
            }
        }
        let statements = statements(&candidates);
        for chunk in &statements {
            Entity::insert_many(
                chunk
                    .iter()
                    .map(|row| (*row).clone().into_active_model().reset_all()),
            )
            .on_conflict(on_key_conflict())
            .exec_without_returning(txn)
            .await
            .map_err(Failure::db("store webhook events"))?;
        }
        let mut stored: HashMap<String, WebhookEvent> = HashMap::with_capacity(candidates.len());
        for chunk in &statements {
            let found = Entity::find()
                .filter(
                    Column::IdempotencyKey
                        .is_in(chunk.iter().map(|row| row.idempotency_key.clone())),
                )
                .all(txn)
                .await
                .map_err(Failure::db("load webhook events by idempotency key"))?;
            for row in found {
                let key = row.idempotency_key.clone();
                stored.insert(key, event_from_row(row)?);
            }
        }
        rows.iter()
            .zip(self.0)
            .map(|(row, event)| {
                let found = stored
                    .get(row.idempotency_key.as_str())
                    .ok_or_else(|| neither_stored_nor_found(event))?;
                Ok((found.clone(), found.id == event.id))
            })
            .collect()
    }
}

/// `Store::insert_webhook_events`: one transaction for the whole batch;
/// when it fails, one transaction per event, so that each event gets its
/// own answer and an event the database refuses fails alone. When the
/// database cannot be reached at all, the events are not tried one by one
/// (each would wait for a connection in turn): each gets that error.
pub(crate) async fn insert_many(store: &SqlStore, events: &[WebhookEvent]) -> Vec<InsertResult> {
    if events.is_empty() {
        return Vec::new();
    }
    let error = match step::run(store, &InsertMany(events)).await {
        Ok(stored) => return stored.into_iter().map(Ok).collect(),
        Err(error) => error,
    };
    if events.len() == 1 {
        return vec![Err(error)];
    }
    let mut unreachable = is_unreachable(&error).then(|| Arc::new(error));
    if unreachable.is_none() {
        tracing::warn!(
            events = events.len(),
            "storing a batch of webhook events failed; storing them one by one so that each gets its own answer"
        );
    }
    let mut results = Vec::with_capacity(events.len());
    for event in events {
        if let Some(cause) = &unreachable {
            results.push(Err(not_stored(event.id, cause.clone())));
            continue;
        }
        match insert(store, event).await {
            Err(error) if is_unreachable(&error) => {
                let cause = Arc::new(error);
                results.push(Err(not_stored(event.id, cause.clone())));
                unreachable = Some(cause);
            }
            result => results.push(result),
        }
    }
    results
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

impl Outcome {
    /// When a flagged event is checked next ([`flagged_recheck_delay`] of
    /// its attempts, this one counted); locks its row to count them.
    async fn next_check(
        &self,
        txn: &DatabaseTransaction,
    ) -> Result<Option<DateTime<Utc>>, Failure> {
        let attempts: i32 = Entity::find_by_id(self.id.to_string())
            .select_only()
            .column(Column::Attempts)
            .lock_exclusive()
            .into_tuple()
            .one(txn)
            .await
            .map_err(Failure::db("count a webhook event's attempts"))?
            .ok_or_else(|| self.not_found())?;
        let attempts = u32::try_from(attempts).unwrap_or(0).saturating_add(1);
        Ok(flagged_recheck_delay(attempts).map(|delay| time(self.at + delay)))
    }

    fn not_found(&self) -> Failure {
        Failure::Fail(StoreError::NotFound {
            entity: "webhook event",
            key: self.id.to_string(),
        })
    }
}

impl Step for Outcome {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        let next_check = match self.status {
            EventStatus::Flagged => self.next_check(txn).await?,
            _ => None,
        };
        let mut update = Entity::update_many()
            .col_expr(Column::Status, Expr::value(self.status.as_str()))
            .col_expr(
                Column::Error,
                Expr::value(stored_error(self.error.as_deref())),
            )
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::NextAttemptAt, Expr::value(next_check));
        if self.status == EventStatus::Processed {
            update = update.col_expr(Column::ProcessedAt, Expr::value(time(self.at)));
        }
        let result = update
            .filter(Column::Id.eq(self.id.to_string()))
            .exec(txn)
            .await
            .map_err(Failure::db("record a webhook event's outcome"))?;
        if result.rows_affected == 0 {
            return Err(self.not_found());
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

/// Events from their rows.
pub(crate) fn events(rows: Vec<Model>) -> Result<Vec<WebhookEvent>, StoreError> {
    rows.into_iter().map(event_from_row).collect()
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
    query: &ListQuery<EventStatus>,
) -> Result<Page<WebhookEvent>, StoreError> {
    let mut select = Entity::find();
    if let Some(status) = query.status {
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
