//! The outbox of lifecycle events: appended by payment steps, claimed and
//! delivered to the merchant in order per payment.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::StoreError;
use crate::model::LifecycleEvent;
#[cfg(doc)]
use crate::model::redelivery_delay;

/// A lifecycle event in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLifecycleEvent {
    /// Its position in the outbox (increasing, so order per payment is kept).
    pub id: i64,
    /// The event.
    pub event: LifecycleEvent,
    /// How many deliveries were attempted.
    pub attempts: u32,
    /// Why the last delivery failed.
    pub last_error: Option<String>,
}

/// The outbox, as the delivery worker ([`crate::services::OutboxRelay`]) uses it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` undelivered lifecycle events for delivery and
    /// returns them in outbox order, each marked claimed until `now + lease`.
    ///
    /// An event is offered only when it is undelivered, not claimed (or its
    /// claim ended before `now`), due (its last failure was at least
    /// [`redelivery_delay`] ago), and **every earlier undelivered event of
    /// the same payment is claimed in the same call**: a payment's events
    /// are claimed as a prefix of its queue, so no two claimers ever hold
    /// events of one payment, and a later event is never offered while an
    /// earlier one waits (claimed elsewhere, or backing off). Atomic: two
    /// concurrent claimers get disjoint sets. A delivered event is never
    /// offered again.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn claim_lifecycle_events(
        &self,
        limit: u64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<StoredLifecycleEvent>, StoreError>;

    /// Records a delivery attempt and ends the event's claim: delivered when
    /// `error` is `None`; otherwise the attempt is counted, the error kept,
    /// the event is not offered again before `at + redelivery_delay(attempts)`,
    /// and the claims on the payment's later events end too (they wait for it).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown id.
    async fn record_lifecycle_delivery(
        &self,
        id: i64,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Records the successful delivery of the lifecycle events `ids` at
    /// `at` (each as [`Outbox::record_lifecycle_delivery`] with no error),
    /// in one transaction where the adapter can. The default records them
    /// one by one.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown id (the others may be recorded).
    async fn record_lifecycle_deliveries(
        &self,
        ids: &[i64],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for id in ids {
            self.record_lifecycle_delivery(*id, None, at).await?;
        }
        Ok(())
    }
}
