//! `OutboxRelay`: delivers committed lifecycle events to their subscriber.

use std::collections::HashSet;
use std::sync::Arc;

use crate::ports::{Clock, EventSink, Store, StoreError};

/// Hands the outbox's undelivered lifecycle events to an [`EventSink`], at
/// least once and in order per payment: after a failed delivery, later
/// events of the same payment wait for the next round.
#[derive(Clone)]
pub struct OutboxRelay {
    store: Arc<dyn Store>,
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
}

impl OutboxRelay {
    /// A relay from `store`'s outbox to `sink`.
    pub fn new(store: Arc<dyn Store>, sink: Arc<dyn EventSink>, clock: Arc<dyn Clock>) -> Self {
        Self { store, sink, clock }
    }

    /// Offers up to `limit` undelivered events; returns how many were delivered.
    ///
    /// # Errors
    /// Store failures; a subscriber's failure is recorded on the event instead.
    pub async fn deliver_pending(&self, limit: u64) -> Result<usize, StoreError> {
        let mut delivered = 0;
        let mut held_back = HashSet::new();
        for stored in self.store.undelivered_lifecycle_events(limit).await? {
            if held_back.contains(&stored.event.ecommerce_id) {
                continue;
            }
            let error = self
                .sink
                .publish(&stored.event)
                .await
                .err()
                .map(|e| e.to_string());
            if error.is_some() {
                held_back.insert(stored.event.ecommerce_id);
            } else {
                delivered += 1;
            }
            self.store
                .record_lifecycle_delivery(stored.id, error, self.clock.now())
                .await?;
        }
        Ok(delivered)
    }
}
