//! `WebhookProcessor`: store first, then apply, exactly once.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::gate::{TrustGate, Trusted, Verdict};
use super::reconcile::{plan_completion, plan_refund};
use super::{WebhookError, next_step};
use crate::error::RuleError;
use crate::model::{PaymentStatus, WebhookEventId};
use crate::ports::{
    AthmGateway, Clock, FlaggedEvents, PaymentKey, PaymentRecord, PaymentStep, PaymentStore,
    PaymentWrite, StepResult, StoreError, WebhookInbox,
};
use crate::webhook::{EventStatus, ParsedWebhook, WebhookEvent};

/// What processing an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessOutcome {
    /// The event changed a payment or refund.
    Applied,
    /// The event was valid but changed nothing (a duplicate, or a late cancel of an ended payment).
    Unchanged,
    /// The event is of a kind we store but do not act on (payment, donation, simulated, unknown).
    Ignored,
    /// The event was processed before; nothing was done.
    AlreadyProcessed,
    /// The event cannot be applied and was flagged for a person to look at.
    Flagged(String),
}

/// What processing stored events again did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reprocessed {
    /// Events now processed (applied, unchanged or ignored).
    pub processed: usize,
    /// Events ATH Móvil still does not confirm (flagged, checked again later).
    pub flagged: usize,
    /// Events that failed again (ATH Móvil or the database unavailable).
    pub failed: usize,
}

impl Reprocessed {
    fn add(&mut self, other: Reprocessed) {
        self.processed += other.processed;
        self.flagged += other.flagged;
        self.failed += other.failed;
    }

    /// Whether nothing was processed again.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Stores raw webhook events durably and applies them to payments and refunds.
///
/// ATH Móvil's webhooks are not signed, so an event is a reason to ask,
/// never an answer: every event that would change money goes through the
/// trust gate, which asks ATH Móvil (findPayment; the transaction report for
/// a refund) and writes ATH Móvil's own figures. An event ATH Móvil does not
/// confirm is flagged, changes nothing, and is checked again later.
#[derive(Clone)]
pub struct WebhookProcessor {
    payments: Arc<dyn PaymentStore>,
    inbox: Arc<dyn WebhookInbox>,
    clock: Arc<dyn Clock>,
    gate: Option<TrustGate>,
}

impl WebhookProcessor {
    /// A processor storing events in `inbox` and applying them to
    /// `payments`, that checks every event with ATH Móvil through `gateway`
    /// before it changes anything.
    pub fn new(
        gateway: Arc<dyn AthmGateway>,
        payments: Arc<dyn PaymentStore>,
        inbox: Arc<dyn WebhookInbox>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            gate: Some(TrustGate::new(gateway, payments.clone(), clock.clone())),
            payments,
            inbox,
            clock,
        }
    }

    /// **For load tests only**: the same processor taking every event at its
    /// word, its own figures standing in for ATH Móvil's. Anyone who learns
    /// the webhook URL can then complete or refund payments here. This is
    /// the one switch that turns verification off (`athm serve
    /// --verify-webhooks false`); no path skips it otherwise.
    pub fn unverified(self) -> Self {
        Self { gate: None, ..self }
    }

    /// Whether events are checked with ATH Móvil (see [`WebhookProcessor::unverified`]).
    pub fn is_verified(&self) -> bool {
        self.gate.is_some()
    }

    /// Stores a raw body under its idempotency key; returns the stored event and
    /// whether it is new. A malformed body is stored flagged, for audit.
    ///
    /// # Errors
    /// [`WebhookError::Store`]: the event is not stored and must not be acknowledged.
    pub async fn store_event(&self, body: &[u8]) -> Result<(WebhookEvent, bool), WebhookError> {
        let (event, _) = self.prepare(body);
        Ok(self.inbox.insert_webhook_event(&event).await?)
    }

    /// Parses a raw body once into the event to store (flagged malformed
    /// when unreadable) and its parse; stores nothing. An adapter that
    /// stores events itself (in batches: [`WebhookInbox::insert_webhook_events`])
    /// hands the parse to [`WebhookProcessor::process_parsed`].
    pub fn prepare(&self, body: &[u8]) -> (WebhookEvent, Option<ParsedWebhook>) {
        let now = self.clock.now();
        match ParsedWebhook::parse(body) {
            Ok(parsed) => (parsed.to_event(body, now), Some(parsed)),
            Err(error) => (ParsedWebhook::malformed_event(body, &error, now), None),
        }
    }

    /// Applies a stored event. Safe to call twice and concurrently: a processed
    /// event is a no-op, a failed one runs again, and every change is one
    /// atomic step under the payment's lock.
    ///
    /// # Errors
    /// Store failures; the event is then recorded as failed, to be retried.
    pub async fn process(&self, event: &WebhookEvent) -> Result<ProcessOutcome, WebhookError> {
        self.process_parsed(event, None).await
    }

    /// [`WebhookProcessor::process`] with the body's parse at hand: `parsed`
    /// must be the parse of `event.payload` (as [`WebhookProcessor::prepare`] gives it), or
    /// `None` to parse it here.
    ///
    /// # Errors
    /// Store failures; the event is then recorded as failed, to be retried.
    pub async fn process_parsed(
        &self,
        event: &WebhookEvent,
        parsed: Option<ParsedWebhook>,
    ) -> Result<ProcessOutcome, WebhookError> {
        let now = self.clock.now();
        let end = match self.plan(self.gate.as_ref(), event, parsed, now).await {
            Plan::Step(step) => {
                End::of_step(self.payments.update_payment(&step.key, &*step.decide).await)
            }
            Plan::End(end) => end,
        };
        self.finish(event.id, end, now).await
    }

    /// Verification calls to ATH Móvil in flight at once while a batch is
    /// processed (and the most events one verified transaction commits).
    pub const VERIFY_PARALLELISM: usize = 64;

    /// [`WebhookProcessor::process_parsed`] for many events at once: their
    /// changes to payments are written in **one** transaction where the
    /// store can ([`PaymentStore::update_payments`]), events of one payment in the
    /// order given, each seeing the one before. Returns each event with its
    /// outcome, in input order.
    ///
    /// With verification, the events' calls to ATH Móvil run
    /// [`Self::VERIFY_PARALLELISM`] at a time (no lock held), one
    /// findPayment per payment for the whole batch; the events are
    /// committed in order, as soon as their calls have answered, in
    /// transactions of what is ready (at most [`Self::VERIFY_PARALLELISM`]),
    /// while the calls of the next ones go on. So an event waits for its own
    /// call and a short transaction, not for the whole batch's calls.
    pub async fn process_batch(
        &self,
        events: Vec<(WebhookEvent, Option<ParsedWebhook>)>,
    ) -> Vec<(WebhookEvent, Result<ProcessOutcome, WebhookError>)> {
        use futures_util::future::{Either, FutureExt, select};
        use futures_util::stream::{self, StreamExt};
        let transaction = match self.gate {
            Some(_) => Self::VERIFY_PARALLELISM,
            None => events.len().max(1),
        };
        let now = self.clock.now();
        // The batch's events of one payment share one findPayment.
        let gate = self.gate.as_ref().map(TrustGate::sharing_finds);
        let gate = gate.as_ref();
        let mut outcomes = Vec::with_capacity(events.len());
        let mut planned = std::pin::pin!(
            stream::iter(events)
                .map(|(event, parsed)| async move {
                    let plan = self.plan(gate, &event, parsed, now).await;
                    (event, plan)
                })
                .buffered(Self::VERIFY_PARALLELISM)
        );
        let mut ready = Vec::new();
        let mut more = true;
        while more || !ready.is_empty() {
            if ready.is_empty() {
                match planned.next().await {
                    Some(first) => ready.push(first),
                    None => break,
                }
            }
            // Whatever else has answered joins this transaction.
            while ready.len() < transaction {
                match planned.next().now_or_never() {
                    Some(Some(next)) => ready.push(next),
                    Some(None) => {
                        more = false;
                        break;
                    }
                    None => break,
                }
            }
            let take = ready.len().min(transaction);
            let mut commit = std::pin::pin!(self.commit(ready.drain(..take).collect(), now));
            // The plans in flight go on while this commits (they may hold a
            // database connection the commit would otherwise wait for).
            let committed = loop {
                if !more {
                    break commit.await;
                }
                match select(commit.as_mut(), planned.next()).await {
                    Either::Left((committed, _)) => break committed,
                    Either::Right((Some(next), _)) => ready.push(next),
                    Either::Right((None, _)) => more = false,
                }
            };
            outcomes.extend(committed);
        }
        outcomes
    }

    /// One transaction's worth of [`WebhookProcessor::process_batch`]: the
    /// planned events' steps in one [`PaymentStore::update_payments`], then
    /// each event's outcome recorded.
    async fn commit(
        &self,
        planned: Vec<(WebhookEvent, Plan)>,
        now: DateTime<Utc>,
    ) -> Vec<(WebhookEvent, Result<ProcessOutcome, WebhookError>)> {
        let mut steps = Vec::new();
        let ends: Vec<(WebhookEvent, Option<End>)> = planned
            .into_iter()
            .map(|(event, plan)| match plan {
                Plan::Step(step) => {
                    steps.push(step);
                    (event, None)
                }
                Plan::End(end) => (event, Some(end)),
            })
            .collect();
        let mut stepped = self.payments.update_payments(&steps).await.into_iter();
        let mut outcomes = Vec::with_capacity(ends.len());
        for (event, end) in ends {
            let end = end.unwrap_or_else(|| End::of_step(next_step(&mut stepped)));
            let outcome = self.finish(event.id, end, now).await;
            outcomes.push((event, outcome));
        }
        outcomes
    }

    /// Checks an event and decides what processing it takes, without
    /// touching its payment: a step to run on the payment, or an outcome.
    /// A flagged event is checked again: ATH Móvil may confirm it now.
    async fn plan(
        &self,
        gate: Option<&TrustGate>,
        event: &WebhookEvent,
        parsed: Option<ParsedWebhook>,
        now: DateTime<Utc>,
    ) -> Plan {
        if event.status == EventStatus::Processed {
            return End::Done(ProcessOutcome::AlreadyProcessed).into();
        }
        let parsed = match parsed {
            Some(parsed) => parsed,
            None => match ParsedWebhook::parse(event.payload.as_bytes()) {
                Ok(parsed) => parsed,
                Err(error) => return End::Flag(error.to_string()).into(),
            },
        };
        // Payment, donation and simulated events are stored and marked processed
        // without side effects, whether or not they name a transaction.
        if !parsed.kind.changes_money() {
            return End::Processed(ProcessOutcome::Ignored).into();
        }
        let trusted = match gate {
            Some(gate) => match gate.check_event(parsed.kind, &parsed.transaction).await {
                Ok(Verdict::Trusted(trusted)) => trusted,
                Ok(Verdict::Forged(reason)) => return End::Flag(reason).into(),
                Err(error) => return End::Fail(error.into()).into(),
            },
            None => match Trusted::unverified(parsed.kind, &parsed.transaction) {
                Some(trusted) => trusted,
                None => {
                    return End::Flag(
                        "the event names neither an ecommerceId nor a referenceNumber".into(),
                    )
                    .into();
                }
            },
        };
        let id = event.id;
        match trusted {
            Trusted::Payment { remote, announced } => {
                let Some(ecommerce_id) = remote.ecommerce_id else {
                    return End::Flag("the event names no ecommerceId".into()).into();
                };
                let key = PaymentKey::Ecommerce(ecommerce_id);
                Plan::Step(PaymentStep::new(key, move |r| {
                    let write = match announced {
                        PaymentStatus::Completed => plan_completion(r, &remote, now),
                        status => Ok(end(r, status, now)),
                    };
                    marking(id, write)
                }))
            }
            Trusted::Refund {
                key,
                refund,
                refunded_total,
            } => Plan::Step(PaymentStep::new(key, move |r| {
                marking(id, plan_refund(r, &refund, refunded_total, now))
            })),
        }
    }

    /// Records on event `id` how its processing ended.
    async fn finish(
        &self,
        id: WebhookEventId,
        end: End,
        now: DateTime<Utc>,
    ) -> Result<ProcessOutcome, WebhookError> {
        match end {
            End::Done(outcome) => Ok(outcome),
            End::Processed(outcome) => {
                self.mark_processed(id).await?;
                Ok(outcome)
            }
            End::Flag(reason) => self.flag(id, reason, now).await,
            End::Fail(error) => {
                let _ = self
                    .inbox
                    .record_event_outcome(id, EventStatus::Failed, Some(error.to_string()), now)
                    .await;
                Err(error)
            }
        }
    }

    /// How long [`WebhookProcessor::process_pending`] claims the events it
    /// processes: long enough for a verification call to ATH Móvil per event.
    pub const RECOVERY_LEASE_SECS: i64 = 300;

    /// How old a pending event must be before the recovery worker takes it:
    /// a younger one is most likely in a processing queue at that moment,
    /// and would be processed twice (safely, but with a second verification
    /// call to ATH Móvil).
    pub const RECOVERY_MIN_AGE_SECS: i64 = 10;

    /// Processes again up to `limit` stored events, received at least
    /// `min_age` ago, that are pending (a crash between storing and
    /// processing), failed (a transient failure) or flagged and due for
    /// another check with ATH Móvil ([`crate::webhook::flagged_recheck_delay`]),
    /// oldest first, as one batch ([`WebhookProcessor::process_batch`]).
    /// The recovery worker passes [`Self::RECOVERY_MIN_AGE_SECS`]. The events
    /// are first claimed in the store ([`WebhookInbox::claim_events_to_retry`]), so
    /// recovery workers on several instances do not process the same event
    /// at once (processing twice would still be safe, only wasteful).
    ///
    /// # Errors
    /// Store failures while claiming the events.
    pub async fn process_pending(
        &self,
        limit: u64,
        min_age: chrono::Duration,
    ) -> Result<Reprocessed, WebhookError> {
        let now = self.clock.now();
        let claimed = self
            .inbox
            .claim_events_to_retry(limit, now - min_age, now, Self::lease())
            .await?;
        Ok(self.process_claimed(claimed).await)
    }

    /// What a person asks for (`athm webhooks reprocess`, the admin): every
    /// pending or failed event, and every flagged one whatever its schedule,
    /// up to `limit` of each, checked with ATH Móvil now.
    ///
    /// # Errors
    /// Store failures while claiming the events.
    pub async fn reprocess_all(&self, limit: u64) -> Result<Reprocessed, WebhookError> {
        let mut done = self
            .process_pending(limit, chrono::Duration::zero())
            .await?;
        let now = self.clock.now();
        let flagged = self
            .inbox
            .claim_flagged_events(&FlaggedEvents::All, limit, now, Self::lease())
            .await?;
        done.add(self.process_claimed(flagged).await);
        Ok(done)
    }

    fn lease() -> chrono::Duration {
        chrono::Duration::seconds(Self::RECOVERY_LEASE_SECS)
    }

    async fn process_claimed(&self, claimed: Vec<WebhookEvent>) -> Reprocessed {
        let events = claimed.into_iter().map(|event| (event, None)).collect();
        let mut done = Reprocessed::default();
        for (_, outcome) in self.process_batch(events).await {
            match outcome {
                Ok(ProcessOutcome::Flagged(_)) => done.flagged += 1,
                Ok(_) => done.processed += 1,
                Err(_) => done.failed += 1,
            }
        }
        done
    }

    /// Records an event as processed (a redelivery is then a no-op).
    ///
    /// # Errors
    /// Store failures.
    pub async fn mark_processed(&self, id: WebhookEventId) -> Result<(), WebhookError> {
        Ok(self
            .inbox
            .record_event_outcome(id, EventStatus::Processed, None, self.clock.now())
            .await?)
    }

    async fn flag(
        &self,
        id: WebhookEventId,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<ProcessOutcome, WebhookError> {
        self.inbox
            .record_event_outcome(id, EventStatus::Flagged, Some(reason.clone()), now)
            .await?;
        Ok(ProcessOutcome::Flagged(reason))
    }
}

/// What processing an event takes: a step on its payment, or only
/// recording how it ended.
enum Plan {
    Step(PaymentStep),
    End(End),
}

impl From<End> for Plan {
    fn from(end: End) -> Self {
        Plan::End(end)
    }
}

/// How an event's processing ended, still to be recorded on the event.
enum End {
    /// Nothing left to record (a step that wrote marked the event processed
    /// in its own transaction; an event processed or flagged before).
    Done(ProcessOutcome),
    /// Mark the event processed.
    Processed(ProcessOutcome),
    /// Flag the event for a person.
    Flag(String),
    /// Record the event failed, for a retry.
    Fail(WebhookError),
}

impl End {
    /// How a step on the event's payment ended.
    /// A rule refusing the event's change flags it (a person, or a later
    /// check, decides); any other failure is retried.
    fn of_step(result: StepResult) -> End {
        match result {
            Ok(step) if step.written.is_some() => End::Done(ProcessOutcome::Applied),
            Ok(_) => End::Processed(ProcessOutcome::Unchanged),
            Err(StoreError::Rule(rule)) => End::Flag(rule.to_string()),
            Err(error) => End::Fail(error.into()),
        }
    }
}

/// A step's `write`, also marking the webhook event `event_id` processed in the same transaction.
fn marking(
    event_id: WebhookEventId,
    write: Result<Option<PaymentWrite>, RuleError>,
) -> Result<Option<PaymentWrite>, RuleError> {
    Ok(write?.map(|write| PaymentWrite {
        processed_event: Some(event_id),
        ..write
    }))
}

/// A cancelled or expired event, once findPayment says CANCEL (it says so
/// for both): the event names which; ignored for unknown or already ended
/// payments.
fn end(
    record: Option<&PaymentRecord>,
    status: PaymentStatus,
    now: DateTime<Utc>,
) -> Option<PaymentWrite> {
    let mut payment = record?.payment.clone();
    let event = payment.end(status, now).ok()??;
    Some(PaymentWrite {
        events: vec![event],
        ..PaymentWrite::payment(payment)
    })
}
