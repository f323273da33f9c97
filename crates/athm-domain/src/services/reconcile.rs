//! `Reconciler`: makes the store agree with ATH Móvil's transaction report.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::gate::{Source, TrustGate, Trusted, Verdict};
use super::next_step;
use super::waiting::{Completion, MAX_ASKED, WaitingPayments};
use crate::error::RuleError;
use crate::model::{
    Amount, AthmTransaction, EcommerceId, Payment, ReferenceNumber, Refund, RefundId, RefundMatch,
    RefundStatus, RemoteStatus, TransactionType, UnlinkedTransaction, refund_amount,
};
use crate::ports::{
    AthmGateway, Clock, GatewayError, PaymentKey, PaymentRecord, PaymentStep, PaymentStore,
    PaymentWrite, StepOutcome, StepResult,
};

/// What reconciliation did with one report row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowOutcome {
    /// A completed payment we did not have was created (a lost webhook).
    Created,
    /// A payment whose fee, refunds, customer data or status differed was updated.
    Updated,
    /// The row needed nothing, or is not a completed ecommerce payment or refund.
    Skipped,
    /// A completed payment that no payment here is: made elsewhere (the ATH
    /// Business app, another integration). It is reported, not recorded:
    /// athm has no ecommerce payment to mirror it on. The message names it.
    Elsewhere(String),
    /// The row cannot be matched to one payment here (a refund that names
    /// none, with several or no candidates; a refund ATH Móvil's totals do
    /// not cover): a person must look. The message says why.
    Unmatched(String),
    /// The row could not be applied; the message says why.
    Error(String),
}

/// The counts of a reconciliation run, as `athm sync` prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileSummary {
    /// Payments created.
    pub created: usize,
    /// Payments updated.
    pub updated: usize,
    /// Rows that needed nothing.
    pub skipped: usize,
    /// Completed payments made elsewhere, each named.
    pub elsewhere: Vec<String>,
    /// Rows a person must look at, each with its reason.
    pub unmatched: Vec<String>,
    /// Rows that failed, each with its reason.
    pub errors: Vec<String>,
}

impl ReconcileSummary {
    fn count(&mut self, outcome: &RowOutcome) {
        match outcome {
            RowOutcome::Created => self.created += 1,
            RowOutcome::Updated => self.updated += 1,
            RowOutcome::Skipped => self.skipped += 1,
            RowOutcome::Elsewhere(message) => self.elsewhere.push(message.clone()),
            RowOutcome::Unmatched(message) => self.unmatched.push(message.clone()),
            RowOutcome::Error(message) => self.errors.push(message.clone()),
        }
    }
}

/// Creates the completed payments a lost webhook never announced and updates
/// those whose details changed. Safe to run repeatedly and concurrently with
/// webhooks: each row is one atomic step under the payment's lock.
#[derive(Clone)]
pub struct Reconciler {
    gateway: Arc<dyn AthmGateway>,
    store: Arc<dyn PaymentStore>,
    clock: Arc<dyn Clock>,
    gate: TrustGate,
}

impl Reconciler {
    /// A reconciler over these ports.
    pub fn new(
        gateway: Arc<dyn AthmGateway>,
        store: Arc<dyn PaymentStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            gate: TrustGate::new(gateway.clone(), store.clone(), clock.clone()),
            gateway,
            store,
            clock,
        }
    }

    /// Fetches the report between two instants and reconciles it.
    ///
    /// # Errors
    /// Gateway failures while reading the report; row failures are counted instead.
    pub async fn sync(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        dry_run: bool,
        progress: &(dyn Fn(usize, &RowOutcome) + Send + Sync),
    ) -> Result<ReconcileSummary, GatewayError> {
        let rows = self.gateway.transaction_report(from, to).await?;
        Ok(self.reconcile(&rows, dry_run, progress).await)
    }

    /// Report rows reconciled in one batch ([`PaymentStore::update_payments`]:
    /// one transaction where the store can).
    pub const BATCH: usize = 256;

    /// Reconciles report rows, [`Self::BATCH`] at a time; with `dry_run`,
    /// only says what it would do. `progress` is told each row's outcome
    /// with the number of rows done.
    pub async fn reconcile(
        &self,
        rows: &[AthmTransaction],
        dry_run: bool,
        progress: &(dyn Fn(usize, &RowOutcome) + Send + Sync),
    ) -> ReconcileSummary {
        let mut summary = ReconcileSummary::default();
        let mut done = 0;
        let mut waiting = WaitingPayments::around(rows);
        for batch in rows.chunks(Self::BATCH) {
            let outcomes = if dry_run {
                self.preview(batch, &mut waiting).await
            } else {
                self.apply(batch, &mut waiting).await
            };
            for outcome in outcomes {
                done += 1;
                summary.count(&outcome);
                progress(done, &outcome);
            }
        }
        summary
    }

    /// Applies a batch of rows in one [`PaymentStore::update_payments`] call.
    async fn apply(
        &self,
        rows: &[AthmTransaction],
        waiting: &mut WaitingPayments,
    ) -> Vec<RowOutcome> {
        let now = self.clock.now();
        let mut steps = Vec::new();
        let mut planned = Vec::with_capacity(rows.len());
        for row in rows {
            match self.plan_row(row, waiting).await {
                Err(outcome) => planned.push(Err(self.record_unlinked(row, outcome, now).await)),
                Ok(plan) => {
                    planned.push(Ok(plan.name));
                    let decide = plan.decide;
                    steps.push(PaymentStep::new(plan.key, move |record| {
                        decide(record, now)
                    }));
                }
            }
        }
        let mut results = self.store.update_payments(&steps).await.into_iter();
        planned
            .into_iter()
            .map(|planned| match planned {
                Err(outcome) => outcome,
                Ok(name) => outcome(&name, next_step(&mut results)),
            })
            .collect()
    }

    /// Records a row that is no payment or refund here (made elsewhere, or
    /// left for a person) under its reference number, so athm's books hold
    /// all of ATH Móvil's; the row's outcome stays what it was.
    async fn record_unlinked(
        &self,
        row: &AthmTransaction,
        outcome: RowOutcome,
        now: DateTime<Utc>,
    ) -> RowOutcome {
        let (RowOutcome::Elsewhere(reason) | RowOutcome::Unmatched(reason)) = &outcome else {
            return outcome;
        };
        let Some(unlinked) = UnlinkedTransaction::from_row(row, reason, now) else {
            return outcome;
        };
        match self.store.record_unlinked(&unlinked).await {
            Ok(_) => outcome,
            Err(error) => RowOutcome::Error(format!("{reason} (not recorded: {error})")),
        }
    }

    /// What applying a batch of rows would do, reading only.
    async fn preview(
        &self,
        rows: &[AthmTransaction],
        waiting: &mut WaitingPayments,
    ) -> Vec<RowOutcome> {
        let now = self.clock.now();
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            outcomes.push(match self.plan_row(row, waiting).await {
                Err(outcome) => outcome,
                Ok(plan) => {
                    let result = self.store.payment(&plan.key).await.and_then(|before| {
                        let written = (plan.decide)(before.as_ref(), now)?;
                        Ok(StepOutcome { before, written })
                    });
                    outcome(&plan.name, result)
                }
            });
        }
        outcomes
    }

    /// How a row is reconciled, or why it needs nothing. A completed
    /// ECOMMERCE row is a read of ATH Móvil: its figures are written as they
    /// are, on the payment its reference number names here, else on the
    /// waiting payment findPayment says it is ([`WaitingPayments`]). A
    /// REFUND row names no payment: the trust gate finds the one it refunds
    /// and checks that ATH Móvil's refunded total covers it.
    async fn plan_row(
        &self,
        row: &AthmTransaction,
        waiting: &mut WaitingPayments,
    ) -> Result<RowPlan, RowOutcome> {
        if row.status != RemoteStatus::Completed {
            return Err(RowOutcome::Skipped);
        }
        match row.transaction_type {
            TransactionType::Ecommerce => {
                let (key, news) = self.locate_completion(row, waiting).await?;
                Ok(RowPlan {
                    name: name(&key, &news),
                    key,
                    decide: Box::new(move |record, now| plan_completion(record, &news, now)),
                })
            }
            TransactionType::Refund => {
                let label = row
                    .reference_number
                    .as_ref()
                    .map_or_else(|| "a refund row".to_string(), |r| format!("refund {r}"));
                match self.gate.check_refund(row, Source::Report).await {
                    Ok(Verdict::Trusted(Trusted::Refund {
                        key,
                        refund,
                        refunded_total,
                    })) => Ok(RowPlan {
                        name: label,
                        key,
                        decide: Box::new(move |record, now| {
                            plan_refund(record, &refund, refunded_total, now)
                        }),
                    }),
                    Ok(Verdict::Trusted(Trusted::Payment { .. })) => Err(RowOutcome::Skipped),
                    Ok(Verdict::Forged(reason)) => {
                        Err(RowOutcome::Unmatched(format!("{label}: {reason}")))
                    }
                    Err(error) => Err(RowOutcome::Error(format!(
                        "{label}: {}",
                        crate::error_chain(&error)
                    ))),
                }
            }
            TransactionType::Payment | TransactionType::Donation => {
                Err(RowOutcome::Elsewhere(format!(
                    "{} {} of {} ({}): made in the ATH Business app, not through athm",
                    row.transaction_type.as_str(),
                    row.reference_number
                        .as_ref()
                        .map_or("without a reference", |r| r.as_str()),
                    row.total.unwrap_or_default(),
                    customer(row),
                )))
            }
            _ => Err(RowOutcome::Skipped),
        }
    }

    /// The payment a completed ECOMMERCE row is about, and the news to
    /// write on it: by its ecommerceId (rows of older shapes carry one), by
    /// its trimmed reference number, else among the payments still waiting
    /// here, confirmed by findPayment. A row no payment here is was made
    /// elsewhere.
    async fn locate_completion(
        &self,
        row: &AthmTransaction,
        waiting: &mut WaitingPayments,
    ) -> Result<(PaymentKey, AthmTransaction), RowOutcome> {
        if let Some(id) = row.ecommerce_id {
            return Ok((PaymentKey::Ecommerce(id), row.clone()));
        }
        let Some(reference) = &row.reference_number else {
            return Err(RowOutcome::Error(
                "a completed row has neither ecommerceId nor referenceNumber".into(),
            ));
        };
        let failed =
            |error: &dyn std::fmt::Display| RowOutcome::Error(format!("{reference}: {error}"));
        let key = PaymentKey::Reference(reference.clone());
        if self
            .store
            .payment(&key)
            .await
            .map_err(|e| failed(&e))?
            .is_some()
        {
            return Ok((key, row.clone()));
        }
        match waiting
            .find(self.store.as_ref(), &self.gate, row)
            .await
            .map_err(|e| failed(&e))?
        {
            Completion::Found { id, remote } => Ok((PaymentKey::Ecommerce(id), *remote)),
            Completion::Elsewhere => Err(RowOutcome::Elsewhere(format!(
                "payment {reference} of {} on {} ({}): no payment here is it",
                row.total.unwrap_or_default(),
                row.date
                    .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default(),
                customer(row),
            ))),
            Completion::TooMany(count) => Err(RowOutcome::Unmatched(format!(
                "payment {reference} of {}: {count} payments waiting here fit it, more than the {MAX_ASKED} athm asks ATH Móvil about; find it by its metadata",
                row.total.unwrap_or_default()
            ))),
        }
    }

    /// Links refund `reference`, a report row athm recorded as unlinked, to
    /// payment `id`, as a person decided, once ATH Móvil confirms it (its
    /// report holds the refund around `date`, to that payment's customer,
    /// and its refunded total for the payment covers it): the refund is
    /// recorded on the payment, announced once, and leaves the unlinked
    /// list. [`RowOutcome::Updated`] when recorded, [`RowOutcome::Skipped`]
    /// when it was already, [`RowOutcome::Unmatched`] with ATH Móvil's
    /// objection otherwise.
    ///
    /// # Errors
    /// Store and gateway failures: nothing was written.
    pub async fn link_refund(
        &self,
        reference: &ReferenceNumber,
        date: Option<DateTime<Utc>>,
        id: EcommerceId,
    ) -> Result<RowOutcome, super::GateError> {
        let (key, refund, refunded_total) = match self.gate.check_link(reference, date, id).await? {
            Verdict::Trusted(Trusted::Refund {
                key,
                refund,
                refunded_total,
            }) => (key, refund, refunded_total),
            Verdict::Trusted(Trusted::Payment { .. }) => return Ok(RowOutcome::Skipped),
            Verdict::Forged(reason) => return Ok(RowOutcome::Unmatched(reason)),
        };
        let now = self.clock.now();
        let written = self
            .store
            .update_payment(&key, &move |record| {
                plan_refund(record, &refund, refunded_total, now)
            })
            .await;
        Ok(outcome(reference.as_str(), written))
    }

    /// How long a refund may stay pending before a read that finds no trace
    /// of it at ATH Móvil settles it as failed.
    pub const PENDING_REFUND_GRACE_MINS: i64 = 10;

    /// How old a pending refund must be before ATH Móvil's totals may settle
    /// it (a younger one is most likely waiting for its own answer).
    pub const PENDING_REFUND_MIN_AGE_SECS: i64 = 60;

    /// Settles refunds whose outcome is unknown (the answer was lost, or said
    /// nothing definite) by reading ATH Móvil. First the report's refunds
    /// since the oldest one are reconciled, so a REFUND row of its amount to
    /// its customer completes it with its reference. Then each payment still
    /// holding pending refunds is read (findPayment) and settled by ATH
    /// Móvil's refunded total when that total leaves one answer: it equals
    /// the completed refunds plus every pending one (they all happened: each
    /// is completed, its reference filled in later by the report), or the
    /// completed ones alone after [`Self::PENDING_REFUND_GRACE_MINS`] (none
    /// happened: each fails, and its amount may be refunded anew). Anything
    /// else waits for the report or a person.
    ///
    /// # Errors
    /// Store and gateway failures.
    pub async fn settle_pending_refunds(&self) -> Result<ReconcileSummary, super::GateError> {
        let pending = self.store.pending_refunds().await?;
        let Some(oldest) = pending.iter().map(|r| r.created_at).min() else {
            return Ok(ReconcileSummary::default());
        };
        let now = self.clock.now();
        let rows = self
            .gateway
            .transaction_report(oldest - Duration::minutes(1), now)
            .await?;
        let refunds: Vec<AthmTransaction> = rows
            .into_iter()
            .filter(|row| row.transaction_type == TransactionType::Refund)
            .collect();
        let mut summary = self.reconcile(&refunds, false, &|_, _| {}).await;
        let mut payments: Vec<EcommerceId> = Vec::new();
        for refund in self.store.pending_refunds().await? {
            if !payments.contains(&refund.ecommerce_id) {
                payments.push(refund.ecommerce_id);
            }
        }
        for id in payments {
            let outcome = match self.settle_by_totals(id, now).await {
                Ok(true) => RowOutcome::Updated,
                Ok(false) => RowOutcome::Skipped,
                // One payment ATH Móvil cannot answer for never holds up the others.
                Err(error) => {
                    RowOutcome::Error(format!("payment {id}: {}", crate::error_chain(&error)))
                }
            };
            summary.count(&outcome);
        }
        Ok(summary)
    }

    /// Reads payment `id` here and at ATH Móvil and settles its pending
    /// refunds by the totals ([`ReadTotals::settle`]); whether it wrote.
    async fn settle_by_totals(
        &self,
        id: EcommerceId,
        now: DateTime<Utc>,
    ) -> Result<bool, super::GateError> {
        let key = PaymentKey::Ecommerce(id);
        let Some(before) = self.store.payment(&key).await? else {
            return Ok(false);
        };
        let Some(reported) = self.gateway.find_payment(&id).await?.total_refunded_amount else {
            return Ok(false);
        };
        let read = ReadTotals {
            completed: completed_ids(&before),
            reported,
            now,
        };
        let written = self
            .store
            .update_payment(&key, &move |record| Ok(record.and_then(|r| read.settle(r))))
            .await?;
        Ok(written.written.is_some())
    }
}

/// ATH Móvil's refunded total for a payment, read at `now` when the
/// refunds `completed` here were the completed ones.
#[derive(Debug, Clone)]
struct ReadTotals {
    completed: Vec<RefundId>,
    reported: Amount,
    now: DateTime<Utc>,
}

impl ReadTotals {
    /// Settles the payment's pending refunds by the total, when it leaves
    /// one answer (see [`Reconciler::settle_pending_refunds`]). Nothing is
    /// decided when a refund completed since the read (the read is stale),
    /// or when a pending refund may still be waiting for its own answer.
    fn settle(&self, record: &PaymentRecord) -> Option<PaymentWrite> {
        if completed_ids(record) != self.completed {
            return None;
        }
        let min_age = Duration::seconds(Reconciler::PENDING_REFUND_MIN_AGE_SECS);
        let pending: Vec<&Refund> = record
            .refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Pending)
            .collect();
        if pending.is_empty() || pending.iter().any(|r| self.now - r.created_at < min_age) {
            return None;
        }
        let sum =
            |refunds: &mut dyn Iterator<Item = &Refund>| refunds.map(|r| r.amount).sum::<Amount>();
        let completed = sum(&mut record
            .refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Completed));
        let waiting = sum(&mut pending.iter().copied());
        // A refund ATH Móvil reported without a reference of its own raised
        // the total but is not recorded here: the totals cannot say which
        // refunds they hold. The report (or a person) decides.
        if record.payment.total_refunded_amount > completed {
            let mut payment = record.payment.clone();
            return payment
                .follow_refunded_total(self.reported, self.now)
                .then(|| PaymentWrite::payment(payment));
        }
        let mut payment = record.payment.clone();
        payment.follow_refunded_total(self.reported, self.now);
        let grace = Duration::minutes(Reconciler::PENDING_REFUND_GRACE_MINS);
        let (refunds, events): (Vec<Refund>, Vec<_>) = if completed.plus(waiting) == self.reported {
            pending
                .into_iter()
                .map(|r| {
                    let mut refund = r.clone();
                    refund.status = RefundStatus::Completed;
                    let event = refund.lifecycle(self.now);
                    (refund, event)
                })
                .unzip()
        } else if completed == self.reported
            && pending.iter().all(|r| self.now - r.created_at >= grace)
        {
            let reason = format!(
                "ATH Móvil has no trace of this refund: its refunded total was {} at {}",
                self.reported,
                self.now.format("%Y-%m-%d %H:%M:%S UTC")
            );
            let failed = pending
                .into_iter()
                .map(|r| {
                    let mut refund = r.clone();
                    refund.failed(reason.clone());
                    refund
                })
                .collect();
            (failed, Vec::new())
        } else {
            (Vec::new(), Vec::new())
        };
        if refunds.is_empty() && payment == record.payment {
            return None;
        }
        Some(PaymentWrite {
            refunds,
            events,
            ..PaymentWrite::payment(payment)
        })
    }
}

/// The refunds of a record completed here, in order.
fn completed_ids(record: &PaymentRecord) -> Vec<RefundId> {
    record
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Completed)
        .map(|r| r.id)
        .collect()
}

/// What reconciling one row does to one payment.
struct RowPlan {
    /// The payment.
    key: PaymentKey,
    /// How the row is named in messages.
    name: String,
    /// The pure decision on the locked payment.
    decide: Box<RowDecide>,
}

/// A row's pure decision on its locked payment at an instant.
type RowDecide = dyn Fn(Option<&PaymentRecord>, DateTime<Utc>) -> Result<Option<PaymentWrite>, RuleError>
    + Send
    + Sync;

/// How a row is named in error messages: its reference number, else its key.
fn name(key: &PaymentKey, row: &AthmTransaction) -> String {
    row.reference_number
        .as_ref()
        .map_or_else(|| format!("{key:?}"), ToString::to_string)
}

/// A row's outcome from what its step did: created (`Some(true)`), updated, nothing, or failed.
fn outcome(name: &str, result: StepResult) -> RowOutcome {
    match result {
        Ok(step) if step.created() => RowOutcome::Created,
        Ok(step) if step.written.is_some() => RowOutcome::Updated,
        Ok(_) => RowOutcome::Skipped,
        Err(error) => RowOutcome::Error(format!("{name}: {error}")),
    }
}

/// Who a row's customer is, for messages: name and phone, as far as known.
fn customer(row: &AthmTransaction) -> String {
    let phone = row.customer_phone.as_ref().map(|p| p.as_str().to_string());
    match (row.customer_name.as_str(), phone) {
        ("", None) => "customer unknown".into(),
        (name, None) => name.into(),
        ("", Some(phone)) => phone,
        (name, Some(phone)) => format!("{name}, {phone}"),
    }
}

/// What news of a completed payment (a report row or a webhook) changes: a
/// new payment (announced as completed), an updated one, or nothing.
pub(crate) fn plan_completion(
    record: Option<&PaymentRecord>,
    row: &AthmTransaction,
    now: DateTime<Utc>,
) -> Result<Option<PaymentWrite>, RuleError> {
    let Some(mut payment) = record
        .map(|r| r.payment.clone())
        .or_else(|| Payment::from_remote(row, now))
    else {
        return Ok(None);
    };
    let event = payment.complete(row, now);
    if record.is_some_and(|r| r.payment == payment) {
        return Ok(None);
    }
    let client = payment.customer();
    Ok(Some(PaymentWrite {
        client,
        events: event.into_iter().collect(),
        ..PaymentWrite::payment(payment)
    }))
}

/// What a refund ATH Móvil confirmed (its answer, a report row, a verified
/// webhook) changes on its payment. The payment's refunded total follows
/// ATH Móvil's (`reported`); nothing is added up from the news. The refund
/// is matched to one recorded refund ([`Refund::match_remote`]): a known one
/// changes nothing, a pending one is completed (an answer that was lost is
/// settled, never sent again), and one made elsewhere (the ATH Business app)
/// is recorded when its own reference number is known. Each refund is
/// announced once, when it completes here.
///
/// # Errors
/// [`RuleError::RefundNotCovered`] when `reported` leaves no room for it.
pub(crate) fn plan_refund(
    record: Option<&PaymentRecord>,
    remote: &AthmTransaction,
    reported: Option<Amount>,
    now: DateTime<Utc>,
) -> Result<Option<PaymentWrite>, RuleError> {
    let Some(record) = record else {
        return Ok(None);
    };
    let amount = refund_amount(remote);
    if let Some(reported) = reported
        && !Refund::is_covered(&record.refunds, remote, reported)
    {
        return Err(RuleError::RefundNotCovered {
            amount: amount.value(),
            reported: reported.value(),
        });
    }
    let mut payment = record.payment.clone();
    let followed = reported.is_some_and(|r| payment.follow_refunded_total(r, now));
    let refund = match Refund::match_remote(&record.refunds, remote) {
        RefundMatch::Known(_) => None,
        RefundMatch::Settles(i) => {
            let mut refund = record.refunds[i].clone();
            let first = refund.status == RefundStatus::Pending;
            refund.completed(remote);
            Some((refund, first))
        }
        RefundMatch::New if remote.reference_number.is_some() && !amount.is_zero() => {
            Some((Refund::from_remote(&payment, remote, now), true))
        }
        // Named by no reference of its own: the total follows ATH Móvil; the
        // refund is recorded when a source names it (the report, a webhook).
        RefundMatch::New => None,
    };
    if refund.is_none() && !followed {
        return Ok(None);
    }
    let (refunds, events) = match refund {
        Some((refund, announce)) => {
            let events = announce
                .then(|| refund.lifecycle(now))
                .into_iter()
                .collect();
            (vec![refund], events)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(Some(PaymentWrite {
        refunds,
        events,
        ..PaymentWrite::payment(payment)
    }))
}
