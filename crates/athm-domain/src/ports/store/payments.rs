//! The use cases' store: payments with their refunds, changed one atomic
//! step at a time, and the report rows that are no payment here.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Page, StoreError};
use crate::error::RuleError;
use crate::model::{
    CheckoutKey, ClientUpdate, EcommerceId, LifecycleEvent, Payment, PaymentStatus, PhoneNumber,
    ReferenceNumber, Refund, UnlinkedTransaction, WebhookEventId,
};

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

/// A place in the order [`PaymentStore::payments_in_status`] lists payments in:
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

/// One step of a batch ([`PaymentStore::update_payments`]): which payment, and the
/// decision to run on it.
pub struct PaymentStep {
    /// Which payment.
    pub key: PaymentKey,
    /// The pure decision, as for [`PaymentStore::update_payment`].
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

/// What one step did: the payment as the step found it and what it wrote.
/// Callers read "was it created" and "the record now" from it, never by
/// loading the payment again. The default: no payment, nothing written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepOutcome {
    /// The payment with its refunds as the decision saw it (`None`: absent).
    pub before: Option<PaymentRecord>,
    /// What the step wrote (`None`: nothing).
    pub written: Option<PaymentWrite>,
}

impl StepOutcome {
    /// Whether the step created the payment.
    pub fn created(&self) -> bool {
        self.before.is_none() && self.written.is_some()
    }

    /// The payment with its refunds as the step left it (`None`: absent and
    /// not created).
    pub fn record(&self) -> Option<PaymentRecord> {
        match &self.written {
            Some(write) => Some(PaymentRecord::after(self.before.clone(), write)),
            None => self.before.clone(),
        }
    }
}

/// What one step of a batch did, or why it wrote nothing.
pub type StepResult = Result<StepOutcome, StoreError>;

/// Runs `steps` one by one, each in its own [`PaymentStore::update_payment`]
/// transaction: the default of [`PaymentStore::update_payments`], and what an
/// adapter falls back to when its one-transaction batch fails as a whole.
pub async fn update_each<S: PaymentStore + ?Sized>(
    store: &S,
    steps: &[PaymentStep],
) -> Vec<StepResult> {
    let mut results = Vec::with_capacity(steps.len());
    for step in steps {
        results.push(store.update_payment(&step.key, step.decide.as_ref()).await);
    }
    results
}

/// One attempt of a checkout: which, since when, and its payment once created.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutAttempt {
    /// The attempt, from 0.
    pub attempt: u32,
    /// When a start claimed it.
    pub claimed_at: DateTime<Utc>,
    /// Its payment; `None` while the start creates it (or when that start
    /// stopped midway).
    pub payment: Option<PaymentRecord>,
}

/// Payments and their refunds, as the use cases ([`crate::services`]) read
/// and change them. One call is one atomic step: the use case decides, the
/// adapter commits.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentStore: Send + Sync {
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
    /// return what it found and wrote ([`StepOutcome`]).
    ///
    /// # Errors
    /// [`StoreError::Rule`] when `decide` refused (nothing is written).
    async fn update_payment(
        &self,
        key: &PaymentKey,
        decide: &Decide,
    ) -> Result<StepOutcome, StoreError>;

    /// Many steps ([`PaymentStore::update_payment`]) in order, as **one**
    /// transaction where the adapter can: a step sees what the earlier steps
    /// of the batch wrote, a refused step writes nothing and the others still
    /// commit. Returns each step's result, in input order. Webhook processing
    /// and reconciliation use it to commit many events or report rows at once.
    ///
    /// The default runs [`update_each`] (one transaction per step);
    /// adapters should override it and may fall back to it.
    ///
    /// Each step's result holds its error, as for [`PaymentStore::update_payment`].
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

    /// Up to `limit` completed payments of the customer with `phone`, newest
    /// first, and how many there are in all: where a refund that names no
    /// payment may belong.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn customer_payments(
        &self,
        phone: &PhoneNumber,
        limit: u64,
    ) -> Result<Page<Payment>, StoreError>;

    /// Up to `limit` transactions recorded unlinked (made elsewhere) of the
    /// customer with `phone`, newest first, and how many there are in all:
    /// payments a refund that names no payment may belong to as well.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn customer_unlinked(
        &self,
        phone: &PhoneNumber,
        limit: u64,
    ) -> Result<Page<UnlinkedTransaction>, StoreError>;

    /// Refunds whose outcome is still unknown, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn pending_refunds(&self) -> Result<Vec<Refund>, StoreError>;

    /// The last attempt of checkout `key`
    /// ([`PaymentService::start_checkout`]); `None` before any.
    ///
    /// [`PaymentService::start_checkout`]: crate::services::PaymentService::start_checkout
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    async fn checkout_attempt(
        &self,
        key: &CheckoutKey,
    ) -> Result<Option<CheckoutAttempt>, StoreError>;

    /// Claims attempt `attempt` of checkout `key` at `now`, before its
    /// payment is created: of two starts of one checkout, one claims. With
    /// `over_stale`, the previous attempt is a stale claim (no payment, its
    /// start presumed dead) and is removed in the same transaction, so that
    /// its start, if it was only slow, cannot record a payment any more.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] when that attempt is claimed already, or,
    /// `over_stale`, when the previous attempt is no longer a claim without
    /// a payment (nothing is written).
    async fn claim_checkout(
        &self,
        key: &CheckoutKey,
        attempt: u32,
        over_stale: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Records `payment`, just created at ATH Móvil, as the payment of the
    /// claimed attempt `attempt` of checkout `key`: both in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] for a known ecommerce id;
    /// [`StoreError::NotFound`] when the attempt is not claimed (never
    /// claimed, or removed as stale by a later start): nothing is written.
    async fn insert_checkout_payment(
        &self,
        key: &CheckoutKey,
        attempt: u32,
        payment: &Payment,
    ) -> Result<(), StoreError>;

    /// Gives back attempt `attempt` of checkout `key`, claimed but whose
    /// payment was not created, so that the next start may claim it.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn release_checkout(&self, key: &CheckoutKey, attempt: u32) -> Result<(), StoreError>;

    /// Records a report row that is none of the payments or refunds here
    /// under its reference number, or brings its record up to date
    /// ([`UnlinkedTransaction::updated_by`]); whether anything was written.
    /// Reading the same report twice writes nothing the second time.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn record_unlinked(&self, transaction: &UnlinkedTransaction) -> Result<bool, StoreError>;
}
