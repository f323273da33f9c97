//! Persistence, as the core needs it, in one port per role: the use cases'
//! [`PaymentStore`], the [`WebhookInbox`], the [`Outbox`] of lifecycle
//! events, the admin's [`AdminQueries`] and the [`ClientStore`]. A service
//! holds only the roles it uses; an adapter implements the roles its
//! deployment needs, and [`Store`] is all of them (what `athm-store`'s
//! `SqlStore` is).

mod admin;
mod clients;
mod inbox;
#[cfg(any(test, feature = "mocks"))]
mod mock;
mod outbox;
mod payments;

pub use admin::AdminQueries;
pub use clients::ClientStore;
pub use inbox::{FlaggedEvents, InsertResult, WebhookInbox};
#[cfg(any(test, feature = "mocks"))]
pub use mock::MockStore;
pub use outbox::{Outbox, StoredLifecycleEvent};
pub use payments::{
    CheckoutAttempt, Decide, PaymentCursor, PaymentKey, PaymentRecord, PaymentStep, PaymentStore,
    PaymentWrite, StepOutcome, StepResult, update_each,
};
#[cfg(any(test, feature = "mocks"))]
pub use {
    admin::MockAdminQueries, clients::MockClientStore, inbox::MockWebhookInbox, outbox::MockOutbox,
    payments::MockPaymentStore,
};

use chrono::{DateTime, Utc};

use crate::error::RuleError;

/// Every role: what a complete adapter, such as `athm-store`'s `SqlStore`,
/// implements, and what `athm-app` wires into each service.
pub trait Store: PaymentStore + WebhookInbox + Outbox + AdminQueries + ClientStore {}

impl<T: PaymentStore + WebhookInbox + Outbox + AdminQueries + ClientStore> Store for T {}

/// The status filter of a listing whose rows have no status (clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoStatus {}

/// Filters and paging for the admin listings; `S` is the listing's status
/// type ([`crate::model::PaymentStatus`] for payments…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery<S = NoStatus> {
    /// Text to find in reference numbers, ecommerce ids, customer name, phone, email and metadata.
    pub search: Option<String>,
    /// Only rows in this status.
    pub status: Option<S>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

impl<S> Default for ListQuery<S> {
    fn default() -> Self {
        Self {
            search: None,
            status: None,
            from: None,
            to: None,
            page: 1,
            per_page: 50,
        }
    }
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// How many rows match in all.
    pub total: u64,
}

impl<T> Default for Page<T> {
    /// An empty page: no row matches.
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
        }
    }
}

/// A failed persistence step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique key is taken.
    #[error("{entity} {key} already exists")]
    Duplicate {
        /// What kind of row.
        entity: &'static str,
        /// The key.
        key: String,
    },
    /// The row to change does not exist.
    #[error("{entity} {key} was not found")]
    NotFound {
        /// What kind of row.
        entity: &'static str,
        /// The key.
        key: String,
    },
    /// The step's decision refused the change; nothing was written.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Stored data could not be read back into the model.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database failed or could not be reached.
    #[error("the database failed: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}
