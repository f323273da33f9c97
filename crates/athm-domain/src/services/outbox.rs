//! `OutboxRelay`: delivers committed lifecycle events to their subscriber.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;

use crate::ports::{Clock, EventSink, Outbox, StoreError};

/// Hands the outbox's undelivered lifecycle events to an [`EventSink`], at
/// least once and in order per payment: after a failed delivery, later
/// events of the same payment wait for the next round.
///
/// Each round first *claims* its events in the store
/// ([`Outbox::claim_lifecycle_events`]) for [`OutboxRelay::lease`], so relays
/// on several instances never offer the same event at the same time, nor two
/// events of one payment. A round stops offering events once half of the
/// lease has passed; what it did not reach is claimed again after the lease.
/// A failed event is not offered again before `attempts²` seconds.
#[derive(Clone)]
pub struct OutboxRelay {
    store: Arc<dyn Outbox>,
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    lease: Duration,
}

impl OutboxRelay {
    /// How long a round's claim lasts unless set with [`OutboxRelay::with_lease`].
    pub const DEFAULT_LEASE_SECS: i64 = 120;

    /// A relay from `store`'s outbox to `sink`.
    pub fn new(store: Arc<dyn Outbox>, sink: Arc<dyn EventSink>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            sink,
            clock,
            lease: Duration::seconds(Self::DEFAULT_LEASE_SECS),
        }
    }

    /// The same relay, claiming events for `lease` per round. Make it at
    /// least twice the longest time the sink may take for one event.
    pub fn with_lease(self, lease: Duration) -> Self {
        Self { lease, ..self }
    }

    /// How long a round's claim lasts.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Successful deliveries are recorded together, at most this many at a time.
    pub const RECORD_BATCH: usize = 128;

    /// A success is recorded at most this many milliseconds after the first
    /// unrecorded one: a slow sink has each delivery recorded as it happens.
    pub const RECORD_WITHIN_MS: i64 = 50;

    /// Claims and offers up to `limit` undelivered events; returns how many were delivered.
    /// Successes are recorded in batches ([`Outbox::record_lifecycle_deliveries`],
    /// at most [`Self::RECORD_BATCH`] events or [`Self::RECORD_WITHIN_MS`]),
    /// each failure at once (it holds back the payment's later events). A
    /// crash can thus repeat (at least once) the deliveries of one batch.
    ///
    /// # Errors
    /// Store failures; a subscriber's failure is recorded on the event instead.
    pub async fn deliver_pending(&self, limit: u64) -> Result<usize, StoreError> {
        let started = self.clock.now();
        let stop_at = started + self.lease / 2;
        let mut delivered = 0;
        let mut unrecorded = Vec::new();
        let mut first_unrecorded = started;
        let record_within = Duration::milliseconds(Self::RECORD_WITHIN_MS);
        let mut held_back = HashSet::new();
        let claimed = self
            .store
            .claim_lifecycle_events(limit, started, self.lease)
            .await?;
        for stored in claimed {
            if held_back.contains(&stored.event.ecommerce_id) {
                continue;
            }
            let now = self.clock.now();
            if now >= stop_at {
                // The rest stays claimed until the lease ends, then any relay takes it.
                break;
            }
            match self.sink.publish(&stored.event).await {
                Ok(()) => {
                    delivered += 1;
                    if unrecorded.is_empty() {
                        first_unrecorded = now;
                    }
                    unrecorded.push(stored.id);
                    if unrecorded.len() >= Self::RECORD_BATCH
                        || self.clock.now() - first_unrecorded >= record_within
                    {
                        self.record_delivered(&mut unrecorded).await?;
                    }
                }
                Err(error) => {
                    held_back.insert(stored.event.ecommerce_id);
                    self.store
                        .record_lifecycle_delivery(
                            stored.id,
                            Some(error.to_string()),
                            self.clock.now(),
                        )
                        .await?;
                }
            }
        }
        self.record_delivered(&mut unrecorded).await?;
        Ok(delivered)
    }

    /// Records the deliveries in `ids` (emptying it).
    async fn record_delivered(&self, ids: &mut Vec<i64>) -> Result<(), StoreError> {
        if !ids.is_empty() {
            self.store
                .record_lifecycle_deliveries(ids, self.clock.now())
                .await?;
            ids.clear();
        }
        Ok(())
    }
}
