//! Persistence, as the core needs it. One port call is one atomic step: the
//! use case decides, the adapter commits.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::error::RuleError;
use crate::model::{
    Client, ClientUpdate, EcommerceId, LifecycleEvent, Payment, PaymentStatus, PhoneNumber,
    ReferenceNumber, Refund, UnlinkedTransaction, WebhookEventId,
};
use crate::webhook::{EventStatus, WebhookEvent};

/// Which payment a step is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentKey {
    /// By ATH Móvil's ecommerce id.
    Ecommerce(EcommerceId),
    /// By the payment's reference number (refund events, report rows).
    Reference(ReferenceNumber),
    /// The payment one of whose refunds has this reference number.
    Refund(ReferenceNumber),
}

/// A payment with its refunds, as loaded (and, inside a step, locked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The payment.
    pub payment: Payment,
    /// Its refunds, oldest first, pending and failed ones included.
    pub refunds: Vec<Refund>,
}

impl PaymentRecord {
    /// What can still be refunded ([`crate::model::refundable`]).
    pub fn refundable(&self) -> crate::model::Amount {
        crate::model::refundable(&self.payment, &self.refunds)
    }

    /// Whether `key` names this record.
    pub fn is_named_by(&self, key: &PaymentKey) -> bool {
        match key {
            PaymentKey::Ecommerce(id) => self.payment.ecommerce_id == *id,
            PaymentKey::Reference(r) => self.payment.reference_number.as_ref() == Some(r),
            PaymentKey::Refund(r) => self
                .refunds
                .iter()
                .any(|refund| refund.reference_number.as_ref() == Some(r)),
        }
    }

    /// The record as it reads after `write`: its payment replaced, its
    /// refunds inserted or replaced by id (a new record when `self` is
    /// `None`). What a later step of the same batch sees.
    pub fn after(record: Option<PaymentRecord>, write: &PaymentWrite) -> PaymentRecord {
        let mut record = record
            .filter(|r| r.payment.ecommerce_id == write.payment.ecommerce_id)
            .unwrap_or_else(|| PaymentRecord {
                payment: write.payment.clone(),
                refunds: Vec::new(),
            });
        record.payment.clone_from(&write.payment);
        for refund in &write.refunds {
            match record.refunds.iter_mut().find(|r| r.id == refund.id) {
                Some(known) => known.clone_from(refund),
                None => record.refunds.push(refund.clone()),
            }
        }
        record
    }
}

/// A place in the order [`Store::payments_in_status`] lists payments in:
/// by creation time, then by ecommerce id (which orders payments created
/// in the same microsecond). A page that starts after the last payment of
/// the page before neither repeats nor skips a payment, however many
/// payments change status in between (keyset paging).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PaymentCursor {
    /// When the payment was created.
    pub created_at: DateTime<Utc>,
    /// ATH Móvil's id of the payment.
    pub ecommerce_id: EcommerceId,
}

impl PaymentCursor {
    /// The place of `payment`: a page that starts after it begins with the next one.
    pub fn of(payment: &Payment) -> Self {
        Self {
            created_at: payment.created_at,
            ecommerce_id: payment.ecommerce_id,
        }
    }
}

/// Everything one step writes, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentWrite {
    /// The payment, inserted or updated (with its items).
    pub payment: Payment,
    /// Refunds inserted or updated, by id.
    pub refunds: Vec<Refund>,
    /// The customer, merged into the client with that phone (latest non-empty name and email win).
    pub client: Option<ClientUpdate>,
    /// Lifecycle events to append to the outbox.
    pub events: Vec<LifecycleEvent>,
    /// A webhook event to mark processed in the same transaction.
    pub processed_event: Option<WebhookEventId>,
}

impl PaymentWrite {
    /// A write of `payment` alone.
    pub fn payment(payment: Payment) -> Self {
        Self {
            payment,
            refunds: Vec::new(),
            client: None,
            events: Vec::new(),
            processed_event: None,
        }
    }
}

/// The pure decision a step runs on the locked payment (`None` when absent):
/// what to write, nothing (`Ok(None)`), or a refusal. The adapter may run it
/// more than once if it must retry the transaction. It owns what it captures.
pub type Decide =
    dyn Fn(Option<&PaymentRecord>) -> Result<Option<PaymentWrite>, RuleError> + Send + Sync;

/// One step of a batch ([`Store::update_payments`]): which payment, and the
/// decision to run on it.
pub struct PaymentStep {
    /// Which payment.
    pub key: PaymentKey,
    /// The pure decision, as for [`Store::update_payment`].
    pub decide: Box<Decide>,
}

impl PaymentStep {
    /// A step running `decide` on the payment `key` names.
    pub fn new<F>(key: PaymentKey, decide: F) -> Self
    where
        F: Fn(Option<&PaymentRecord>) -> Result<Option<PaymentWrite>, RuleError>
            + Send
            + Sync
            + 'static,
    {
        Self {
            key,
            decide: Box::new(decide),
        }
    }
}

impl std::fmt::Debug for PaymentStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentStep")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// What one step of a batch did: what it wrote (`None`: nothing), or why it
/// wrote nothing.
pub type StepResult = Result<Option<PaymentWrite>, StoreError>;

/// Runs `steps` one by one, each in its own [`Store::update_payment`]
/// transaction: the default of [`Store::update_payments`], and what an
/// adapter falls back to when its one-transaction batch fails as a whole.
pub async fn update_each<S: Store + ?Sized>(store: &S, steps: &[PaymentStep]) -> Vec<StepResult> {
    let mut results = Vec::with_capacity(steps.len());
    for step in steps {
        results.push(store.update_payment(&step.key, step.decide.as_ref()).await);
    }
    results
}

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

/// How long after its `attempts`-th failed delivery a lifecycle event may be
/// claimed again: `attempts²` seconds, at most one hour. Part of the
/// [`Store`] contract: [`Store::record_lifecycle_delivery`] applies it.
pub fn redelivery_delay(attempts: u32) -> Duration {
    let secs = i64::from(attempts).saturating_mul(i64::from(attempts));
    Duration::seconds(secs.min(3600))
}

/// How long after its `attempts`-th processing attempt, which left it
/// flagged, a webhook event is checked again: 10 s, 30 s, 2 min, 10 min,
/// 1 h and 6 h after the 1st to 6th attempt, then never again (`None`: a
/// person decides, see [`Store::claim_flagged_events`]). `attempts` counts
/// every recorded attempt of the event, this one included, so a flag that
/// follows failed attempts starts further along the schedule. Part of the
/// [`Store`] contract: [`Store::record_event_outcome`] applies it.
pub fn flagged_recheck_delay(attempts: u32) -> Option<Duration> {
    let secs = match attempts {
        0 | 1 => 10,
        2 => 30,
        3 => 2 * 60,
        4 => 10 * 60,
        5 => 60 * 60,
        6 => 6 * 60 * 60,
        _ => return None,
    };
    Some(Duration::seconds(secs))
}

/// Which flagged webhook events a person asks to check again now
/// ([`Store::claim_flagged_events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlaggedEvents {
    /// Every flagged event, whatever its schedule.
    All,
    /// These events, when flagged (other ids are ignored).
    Only(Vec<WebhookEventId>),
}

/// What storing one webhook event of a batch gave
/// ([`Store::insert_webhook_events`]): the stored event and whether this
/// call created it, or why this event is not stored.
pub type InsertResult = Result<(WebhookEvent, bool), StoreError>;

/// Filters and paging for the admin listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Text to find in reference numbers, ecommerce ids, customer name, phone, email and metadata.
    pub search: Option<String>,
    /// Only this status (a payment, refund or webhook event status name).
    pub status: Option<String>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

impl Default for ListQuery {
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

/// Persistence of payments, refunds, clients, webhook events and the lifecycle outbox.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Store: Send + Sync {
    /// Checks that the database answers.
    ///
    /// # Errors
    /// [`StoreError::Database`] when it does not.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Records a new payment with its items.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] when its ecommerce id is known.
    async fn insert_payment(&self, payment: &Payment) -> Result<(), StoreError>;

    /// Loads a payment with its refunds.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, StoreError>;

    /// One atomic step on one payment: lock its row (on SQLite, serialise
    /// writers), run `decide` on it, write what it returns, commit, and
    /// return what was written (`None` when `decide` wrote nothing).
    ///
    /// # Errors
    /// [`StoreError::Rule`] when `decide` refused (nothing is written).
    async fn update_payment(
        &self,
        key: &PaymentKey,
        decide: &Decide,
    ) -> Result<Option<PaymentWrite>, StoreError>;

    /// Many steps ([`Store::update_payment`]) in order, as **one**
    /// transaction where the adapter can: a step sees what the earlier steps
    /// of the batch wrote, a refused step writes nothing and the others still
    /// commit. Returns each step's result, in input order. Webhook processing
    /// and reconciliation use it to commit many events or report rows at once.
    ///
    /// The default runs [`update_each`] (one transaction per step);
    /// adapters should override it and may fall back to it.
    ///
    /// Each step's result holds its error, as for [`Store::update_payment`].
    async fn update_payments(&self, steps: &[PaymentStep]) -> Vec<StepResult> {
        update_each(self, steps).await
    }

    /// Up to `limit` payments in one of `statuses`, in [`PaymentCursor`]
    /// order (oldest first, ties by ecommerce id), starting right after
    /// `after` (from the oldest when `None`). The confirm watcher walks every
    /// waiting payment this way, a page at a time: a page shorter than
    /// `limit` is the last.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn payments_in_status(
        &self,
        statuses: &[PaymentStatus],
        after: Option<PaymentCursor>,
        limit: u64,
    ) -> Result<Vec<Payment>, StoreError>;

    /// Lists payments for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_payments(&self, query: &ListQuery) -> Result<Page<Payment>, StoreError>;

    /// Lists refunds for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_refunds(&self, query: &ListQuery) -> Result<Page<Refund>, StoreError>;

    /// Refunds whose outcome is still unknown, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn pending_refunds(&self) -> Result<Vec<Refund>, StoreError>;

    /// Creates or updates the client with `update.phone` (latest non-empty name and email win).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn upsert_client(
        &self,
        update: &ClientUpdate,
        at: DateTime<Utc>,
    ) -> Result<Client, StoreError>;

    /// Loads a client by phone.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn client(&self, phone: &PhoneNumber) -> Result<Option<Client>, StoreError>;

    /// Records a report row that is none of the payments or refunds here
    /// under its reference number, or brings its record up to date
    /// ([`UnlinkedTransaction::updated_by`]); whether anything was written.
    /// Reading the same report twice writes nothing the second time.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn record_unlinked(&self, transaction: &UnlinkedTransaction) -> Result<bool, StoreError>;

    /// Lists the unlinked transactions for the admin, newest first (by
    /// ATH Móvil's date), leaving out those whose reference number a payment
    /// or refund here has since taken (`query.status`: `refund` for refunds
    /// only, `payment` for everything else).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_unlinked(
        &self,
        query: &ListQuery,
    ) -> Result<Page<UnlinkedTransaction>, StoreError>;

    /// Lists clients for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_clients(&self, query: &ListQuery) -> Result<Page<Client>, StoreError>;

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
    /// ([`Store::insert_webhook_event`]) so that each gets its own answer.
    /// The adapter stores any event the domain builds, whatever its payload
    /// (any size the web layer accepts, NUL characters included) and
    /// however long its idempotency key.
    ///
    /// The default stores the events one by one with
    /// [`Store::insert_webhook_event`] (same results, one transaction each);
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
    /// [`Store::record_event_outcome`]; an event stored flagged, such as a
    /// malformed body, has no schedule and is never offered here), all
    /// received at or before `received_before` and not claimed (or whose
    /// claim ended before `now`). Each is marked claimed until `now + lease`
    /// and returned. (`received_before` lets the worker leave alone the
    /// events a processing queue holds right now.) Atomic: two concurrent
    /// claimers (on any number of instances) get disjoint sets. Recording
    /// the event's outcome ([`Store::record_event_outcome`]) ends the claim.
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
    /// outcome ([`Store::record_event_outcome`]) ends the claim. Atomic, like
    /// [`Store::claim_events_to_retry`]. List flagged events with
    /// [`Store::list_webhook_events`] and the status `flagged`.
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

    /// The webhook events of one payment, oldest first (its timeline).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn events_for_payment(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<Vec<WebhookEvent>, StoreError>;

    /// Lists webhook events for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_webhook_events(
        &self,
        query: &ListQuery,
    ) -> Result<Page<WebhookEvent>, StoreError>;

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
    /// `at` (each as [`Store::record_lifecycle_delivery`] with no error),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flagged_event_is_checked_again_six_times_further_apart_then_left_to_a_person() {
        let minutes = |m: i64| Some(Duration::minutes(m));
        for (attempts, delay) in [
            (0, Some(Duration::seconds(10))),
            (1, Some(Duration::seconds(10))),
            (2, Some(Duration::seconds(30))),
            (3, minutes(2)),
            (4, minutes(10)),
            (5, minutes(60)),
            (6, minutes(360)),
            (7, None),
            (u32::MAX, None),
        ] {
            assert_eq!(
                flagged_recheck_delay(attempts),
                delay,
                "after attempt {attempts}"
            );
        }
    }
}
