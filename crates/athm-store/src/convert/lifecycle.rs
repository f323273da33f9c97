//! `lifecycle_outbox` rows.

use athm_domain::ports::{StoreError, StoredLifecycleEvent};
use athm_domain::{LifecycleEvent, LifecycleKind};

use super::{amount, corrupt, parse, parse_opt, time, to_cents};
use crate::entities::lifecycle_event;

const TABLE: &str = "lifecycle_outbox";

/// A new outbox row for `event` (its id left to the database).
pub(crate) fn lifecycle_row(e: &LifecycleEvent) -> Result<lifecycle_event::Model, StoreError> {
    Ok(lifecycle_event::Model {
        id: 0,
        kind: e.kind.as_str().to_string(),
        ecommerce_id: e.ecommerce_id.to_string(),
        reference_number: e.reference_number.as_ref().map(|x| x.as_str().to_string()),
        amount_cents: to_cents(e.amount)?,
        occurred_at: time(e.occurred_at),
        attempts: 0,
        last_error: None,
        delivered_at: None,
        last_attempt_at: None,
        claimed_until: None,
        next_attempt_at: None,
    })
}

/// A stored lifecycle event from its row.
pub(crate) fn lifecycle_from_row(
    row: lifecycle_event::Model,
) -> Result<StoredLifecycleEvent, StoreError> {
    let id = row.id.to_string();
    let id = id.as_str();
    Ok(StoredLifecycleEvent {
        id: row.id,
        event: LifecycleEvent {
            kind: LifecycleKind::parse(&row.kind)
                .ok_or_else(|| corrupt(TABLE, id, "kind", &row.kind))?,
            ecommerce_id: parse(TABLE, id, "ecommerce_id", &row.ecommerce_id)?,
            reference_number: parse_opt(
                TABLE,
                id,
                "reference_number",
                row.reference_number.as_deref(),
            )?,
            amount: amount(TABLE, id, "amount_cents", row.amount_cents)?,
            occurred_at: row.occurred_at,
        },
        attempts: u32::try_from(row.attempts)
            .map_err(|_| corrupt(TABLE, id, "attempts", row.attempts))?,
        last_error: row.last_error,
    })
}
