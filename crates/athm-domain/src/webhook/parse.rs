//! From raw bytes to a classified, keyed, normalised webhook.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{EventKind, EventStatus, WebhookEvent};
use crate::error::FieldError;
use crate::model::{AthmTransaction, RemoteStatus, TransactionType, WebhookEventId};

/// Why a webhook body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookParseError {
    /// The body is not JSON.
    #[error("the webhook body is not valid JSON: {0}")]
    NotJson(String),
    /// The body nests arrays and objects deeper than [`ParsedWebhook::MAX_DEPTH`].
    #[error("the webhook body nests JSON deeper than {0} levels")]
    TooDeep(usize),
    /// The body is JSON but a field is unreadable.
    #[error("the webhook payload has an unreadable field: {0}")]
    Field(#[from] FieldError),
}

/// A webhook payload, normalised and classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedWebhook {
    /// What it announces.
    pub kind: EventKind,
    /// The normalised transaction.
    pub transaction: AthmTransaction,
    /// The JSON as received.
    pub raw: Value,
}

impl ParsedWebhook {
    /// The deepest nesting of arrays and objects a body may have. Real
    /// payloads nest 3 levels (`items` → item → field); serde_json's own
    /// recursion limit (128) already keeps parsing off the end of the stack,
    /// this tighter one refuses absurd bodies before any tree is built.
    pub const MAX_DEPTH: usize = 32;

    /// Parses a body. A UTF-8 byte-order mark before the JSON is skipped.
    /// Never panics: anything unreadable is a [`WebhookParseError`], and so
    /// is a body nested deeper than [`ParsedWebhook::MAX_DEPTH`].
    ///
    /// # Errors
    /// [`WebhookParseError`] for a body that is not a readable event.
    pub fn parse(body: &[u8]) -> Result<Self, WebhookParseError> {
        let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
        if nesting_depth(body) > Self::MAX_DEPTH {
            return Err(WebhookParseError::TooDeep(Self::MAX_DEPTH));
        }
        let raw: Value =
            serde_json::from_slice(body).map_err(|e| WebhookParseError::NotJson(e.to_string()))?;
        let transaction = AthmTransaction::from_json(&raw)?;
        Ok(Self {
            kind: classify(&transaction),
            transaction,
            raw,
        })
    }

    /// The key under which this event is stored once: a redelivery of the
    /// same body has the same key, two different events never do, and two
    /// different bodies claiming the same event do not either.
    ///
    /// It is the event's name followed by a digest of its canonical JSON.
    /// The name — ecommerce events `ecommerce:<id>:<status>`, refunds
    /// `refund:<reference>:<daily id>:<date>:<amount>` (refund events have
    /// been seen carrying the payment's reference number, shared by every
    /// partial refund) — keeps the key readable; the digest keeps a forged
    /// body from taking the genuine delivery's slot: the genuine body is
    /// stored too, and each is checked with ATH Móvil on its own.
    pub fn idempotency_key(&self) -> String {
        let canonical = digest(self.raw.to_string().as_bytes());
        let t = &self.transaction;
        let name = match (&t.ecommerce_id, &t.reference_number) {
            (Some(id), _) if t.transaction_type == TransactionType::Ecommerce => {
                format!("ecommerce:{id}:{}", t.status)
            }
            (_, Some(reference)) if t.transaction_type == TransactionType::Refund => format!(
                "refund:{reference}:{}:{}:{}",
                t.daily_transaction_id.as_deref().unwrap_or(""),
                t.date
                    .map(|d| d.timestamp_millis().to_string())
                    .unwrap_or_default(),
                t.total.map(|a| a.to_string()).unwrap_or_default()
            ),
            (_, Some(reference)) => {
                format!("{}:{}:{reference}", t.transaction_type.as_str(), t.status)
            }
            _ => return format!("sha256:{canonical}"),
        };
        format!("{name}:{}", &canonical[..Self::KEY_DIGEST_LEN])
    }

    /// How many hex digits of the body's digest end an idempotency key.
    const KEY_DIGEST_LEN: usize = 16;

    /// The event to store for this payload, pending processing.
    pub fn to_event(&self, body: &[u8], now: DateTime<Utc>) -> WebhookEvent {
        WebhookEvent {
            id: WebhookEventId::random(),
            idempotency_key: self.idempotency_key(),
            kind: self.kind,
            ecommerce_id: self.transaction.ecommerce_id,
            reference_number: self.transaction.reference_number.clone(),
            payload: String::from_utf8_lossy(body).into_owned(),
            remote_addr: None,
            status: EventStatus::Pending,
            error: None,
            attempts: 0,
            received_at: now,
            processed_at: None,
        }
    }

    /// The event to store, flagged, for a body that could not be read: kept for
    /// audit under a hash of its bytes, so resending the same garbage is a duplicate.
    pub fn malformed_event(
        body: &[u8],
        error: &WebhookParseError,
        now: DateTime<Utc>,
    ) -> WebhookEvent {
        WebhookEvent {
            id: WebhookEventId::random(),
            idempotency_key: format!("malformed:{}", digest(body)),
            kind: EventKind::Malformed,
            ecommerce_id: None,
            reference_number: None,
            payload: String::from_utf8_lossy(body).into_owned(),
            remote_addr: None,
            status: EventStatus::Flagged,
            error: Some(error.to_string()),
            attempts: 0,
            received_at: now,
            processed_at: None,
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The kind of event a normalised transaction announces.
fn classify(t: &AthmTransaction) -> EventKind {
    match (&t.transaction_type, &t.status) {
        (TransactionType::Ecommerce, RemoteStatus::Completed) => EventKind::EcommerceCompleted,
        (TransactionType::Ecommerce, RemoteStatus::Cancelled) => EventKind::EcommerceCancelled,
        (TransactionType::Ecommerce, RemoteStatus::Expired) => EventKind::EcommerceExpired,
        (TransactionType::Refund, _) => EventKind::Refund,
        (TransactionType::Payment, _) => EventKind::Payment,
        (TransactionType::Donation, _) => EventKind::Donation,
        (TransactionType::Simulated, _) => EventKind::Simulated,
        _ => EventKind::Unknown,
    }
}

/// How deeply `[` and `{` nest in `json`, outside strings (a linear scan;
/// the bytes need not be valid JSON).
fn nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
