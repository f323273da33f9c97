//! ATH Móvil webhook events: parsing raw payloads with every quirk,
//! classifying them, and deriving the idempotency key that makes
//! redeliveries harmless.

mod event;
mod parse;

pub use event::{EventKind, EventStatus, WebhookEvent};
pub use parse::{ParsedWebhook, WebhookParseError};
