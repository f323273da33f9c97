//! ATH Móvil webhook events: parsing raw payloads with every quirk,
//! classifying them, and deriving the idempotency key that makes
//! redeliveries harmless.

mod event;
mod parse;

#[cfg(test)]
mod tests;

pub use event::{EventKind, EventStatus, WebhookEvent, flagged_recheck_delay};
pub use parse::{ParsedWebhook, WebhookParseError};
