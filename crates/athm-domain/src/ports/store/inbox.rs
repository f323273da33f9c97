//! The webhook inbox: every delivery stored once by its idempotency key,
//! then claimed, processed and its outcome recorded.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::StoreError;
use crate::model::WebhookEventId;
#[cfg(doc)]
use crate::webhook::flagged_recheck_delay;
use crate::webhook::{EventStatus, WebhookEvent};

/// Which flagged webhook events a person asks to check again now
/// ([`WebhookInbox::claim_flagged_events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlaggedEvents {
    /// Every flagged event, whatever its schedule.
    All,
    /// These events, when flagged (other ids are ignored).
    Only(Vec<WebhookEventId>),
}

/// What storing one webhook event of a batch gave
/// ([`WebhookInbox::insert_webhook_events`]): the stored event and whether this
/// call created it, or why this event is not stored.
pub type InsertResult = Result<(WebhookEvent, bool), StoreError>;

/// The webhook inbox, as webhook ingestion and its recovery worker use it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookInbox: Send + Sync {
    /// Stores a webhook event unless one with its idempotency key exists;
    /// returns the stored event and whether it was created. Two concurrent
    /// inserts of one key both succeed, one with `created = false`.
    ///
    /// # Errors
    /// [`StoreError::Database`] only; a duplicate key is not an error.
    async fn insert_webhook_event(
        &self,
        event: &WebhookEvent,
    ) -> Result<(WebhookEvent, bool), StoreError>;

    /// Stores a batch of webhook events in **one** transaction where the
    /// adapter can (group commit): each is inserted unless an event with
    /// its idempotency key exists. Returns, in input order, each event's
    /// own result: the stored event and whether this call created it
    /// (several events of the batch with one key resolve to one
    /// `created = true`, the first, and the others `created = false`), or
    /// why that event is not stored. An `Ok` event is durably stored and may
    /// be acknowledged; an `Err` one must not be.
    ///
    /// One event's failure never fails another's: when the batch's
    /// transaction fails, the adapter stores the events one by one
    /// ([`WebhookInbox::insert_webhook_event`]) so that each gets its own answer.
    /// The adapter stores any event the domain builds, whatever its payload
    /// (any size the web layer accepts, NUL characters included) and
    /// however long its idempotency key.
    ///
    /// The default stores the events one by one with
    /// [`WebhookInbox::insert_webhook_event`] (same results, one transaction each);
    /// adapters should override it.
    ///
    /// Each event's result holds its error ([`StoreError::Database`]); a
    /// duplicate key is not an error.
    async fn insert_webhook_events(&self, events: &[WebhookEvent]) -> Vec<InsertResult> {
        let mut stored = Vec::with_capacity(events.len());
        for event in events {
            stored.push(self.insert_webhook_event(event).await);
        }
        stored
    }

    /// Loads a webhook event.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    async fn webhook_event(&self, id: WebhookEventId) -> Result<Option<WebhookEvent>, StoreError>;

    /// Records how processing went (counting the attempt) and ends any
    /// claim on it. A [`EventStatus::Flagged`] outcome schedules the next
    /// check of the event at `at + flagged_recheck_delay(attempts)`
    /// ([`flagged_recheck_delay`], `attempts` counting this one), or none
    /// when the schedule has run out; any other outcome clears the schedule.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown id.
    async fn record_event_outcome(
        &self,
        id: WebhookEventId,
        status: EventStatus,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Claims up to `limit` events for the recovery worker, oldest first:
    /// events that are pending or failed, and flagged events whose next
    /// check is due (scheduled at or before `now` by
    /// [`WebhookInbox::record_event_outcome`]; an event stored flagged, such as a
    /// malformed body, has no schedule and is never offered here), all
    /// received at or before `received_before` and not claimed (or whose
    /// claim ended before `now`). Each is marked claimed until `now + lease`
    /// and returned. (`received_before` lets the worker leave alone the
    /// events a processing queue holds right now.) Atomic: two concurrent
    /// claimers (on any number of instances) get disjoint sets. Recording
    /// the event's outcome ([`WebhookInbox::record_event_outcome`]) ends the claim.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn claim_events_to_retry(
        &self,
        limit: u64,
        received_before: DateTime<Utc>,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<WebhookEvent>, StoreError>;

    /// Claims up to `limit` flagged events a person asks to check again
    /// now (the CLI, the admin), whatever their schedule: every flagged
    /// event, or only those `which` names, oldest first, skipping events
    /// claimed by someone else whose claim has not ended before `now`. Each
    /// is marked claimed until `now + lease` and returned; recording its
    /// outcome ([`WebhookInbox::record_event_outcome`]) ends the claim. Atomic, like
    /// [`WebhookInbox::claim_events_to_retry`]. List flagged events with
    /// [`super::AdminQueries::list_webhook_events`] and the status `flagged`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn claim_flagged_events(
        &self,
        which: &FlaggedEvents,
        limit: u64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<WebhookEvent>, StoreError>;
}
