//! The domain's values and aggregates.

mod client;
mod ids;
mod item;
mod language;
mod lenient;
mod lifecycle;
mod money;
mod payment;
mod phone;
mod refund;
mod request;
mod secret;
mod text;
mod time;
mod timeout;
mod transaction;
mod unlinked;

#[cfg(test)]
mod tests;

pub use client::{Client, ClientUpdate};
pub use ids::{
    AuthToken, CheckoutKey, EcommerceId, ReferenceNumber, RefundId, RefundIntent, WebhookEventId,
};
pub use item::Item;
pub use language::Language;
pub use lifecycle::{LifecycleEvent, LifecycleKind, redelivery_delay};
pub use money::{Amount, Total};
pub use payment::{Payment, PaymentStatus};
pub use phone::PhoneNumber;
pub use refund::{Refund, RefundMatch, RefundStatus, Reservation, refund_amount, refundable};
pub use request::PaymentRequest;
pub use secret::Secret;
pub use text::{Metadata, RefundMessage};
pub use time::{PUERTO_RICO_OFFSET_HOURS, format_athm_time, parse_athm_time, puerto_rico};
pub use timeout::PaymentTimeout;
pub use transaction::{AthmTransaction, RemoteStatus, TransactionType};
pub use unlinked::{UnlinkedKind, UnlinkedTransaction};
