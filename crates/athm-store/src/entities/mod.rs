//! The SeaORM entities: one module per table. Money columns hold integer
//! cents (`*_cents`), ids are UUID strings, times are UTC.

pub mod checkout;
pub mod client;
pub mod lifecycle_event;
pub mod payment;
pub mod payment_item;
pub mod refund;
pub mod unlinked_transaction;
pub mod webhook_event;
