//! `webhook_events` rows.

use athm_domain::WebhookEventId;
use athm_domain::ports::StoreError;
use athm_domain::webhook::{EventKind, EventStatus, WebhookEvent};

use super::text::{ERROR_LEN, REMOTE_ADDR_LEN, column_text, stored_key, without_nul};
use super::{corrupt, parse, parse_opt, time};
use crate::entities::webhook_event;

const TABLE: &str = "webhook_events";

/// The row of `event`, its text made storable on every backend
/// (see [`super::text`]): what reads back is the event as stored.
pub(crate) fn event_row(e: &WebhookEvent) -> webhook_event::Model {
    webhook_event::Model {
        id: e.id.to_string(),
        idempotency_key: stored_key(&e.idempotency_key).into_owned(),
        kind: e.kind.as_str().to_string(),
        ecommerce_id: e.ecommerce_id.map(|x| x.to_string()),
        reference_number: e.reference_number.as_ref().map(|x| x.as_str().to_string()),
        payload: without_nul(&e.payload).into_owned(),
        status: e.status.as_str().to_string(),
        error: stored_error(e.error.as_deref()),
        attempts: i32::try_from(e.attempts).unwrap_or(i32::MAX),
        received_at: time(e.received_at),
        processed_at: e.processed_at.map(time),
        claimed_until: None,
        remote_addr: e
            .remote_addr
            .as_deref()
            .map(|addr| column_text(addr, REMOTE_ADDR_LEN)),
        next_attempt_at: None,
    }
}

/// An error as stored: NUL characters escaped, at most [`ERROR_LEN`] bytes.
pub(crate) fn stored_error(error: Option<&str>) -> Option<String> {
    error.map(|text| column_text(text, ERROR_LEN))
}

/// A webhook event from its row.
pub(crate) fn event_from_row(row: webhook_event::Model) -> Result<WebhookEvent, StoreError> {
    let id = row.id.as_str();
    Ok(WebhookEvent {
        id: WebhookEventId(parse(TABLE, id, "id", id)?),
        kind: EventKind::parse(&row.kind).ok_or_else(|| corrupt(TABLE, id, "kind", &row.kind))?,
        ecommerce_id: parse_opt(TABLE, id, "ecommerce_id", row.ecommerce_id.as_deref())?,
        reference_number: parse_opt(
            TABLE,
            id,
            "reference_number",
            row.reference_number.as_deref(),
        )?,
        status: EventStatus::parse(&row.status)
            .ok_or_else(|| corrupt(TABLE, id, "status", &row.status))?,
        attempts: u32::try_from(row.attempts)
            .map_err(|_| corrupt(TABLE, id, "attempts", row.attempts))?,
        idempotency_key: row.idempotency_key.clone(),
        payload: row.payload.clone(),
        remote_addr: row.remote_addr.clone(),
        error: row.error.clone(),
        received_at: row.received_at,
        processed_at: row.processed_at,
    })
}
