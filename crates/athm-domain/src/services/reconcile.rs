//! `Reconciler`: makes the store agree with ATH Móvil's transaction report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use super::next_step;
use crate::error::RuleError;
use crate::model::{
    AthmTransaction, EcommerceId, Payment, ReferenceNumber, Refund, RefundStatus, RemoteStatus,
    TransactionType,
};
use crate::ports::{
    AthmGateway, Clock, GatewayError, PaymentKey, PaymentRecord, PaymentStep, PaymentWrite, Store,
    StoreError,
};

/// What reconciliation did with one report row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowOutcome {
    /// A completed payment we did not have was created (a lost webhook).
    Created,
    /// A payment whose fee, refunds, customer data or status differed was updated.
    Updated,
    /// The row needed nothing, or is not a completed ecommerce payment.
    Skipped,
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
    /// Rows that failed, each with its reason.
    pub errors: Vec<String>,
}

impl ReconcileSummary {
    fn count(&mut self, outcome: &RowOutcome) {
        match outcome {
            RowOutcome::Created => self.created += 1,
            RowOutcome::Updated => self.updated += 1,
            RowOutcome::Skipped => self.skipped += 1,
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
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Reconciler {
    /// A reconciler over these ports.
    pub fn new(
        gateway: Arc<dyn AthmGateway>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
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

    /// Report rows reconciled in one batch ([`Store::update_payments`]:
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
        for batch in rows.chunks(Self::BATCH) {
            let outcomes = if dry_run {
                self.preview(batch).await
            } else {
                self.apply(batch).await
            };
            for outcome in outcomes {
                done += 1;
                summary.count(&outcome);
                progress(done, &outcome);
            }
        }
        summary
    }

    /// Applies a batch of rows in one [`Store::update_payments`] call.
    async fn apply(&self, rows: &[AthmTransaction]) -> Vec<RowOutcome> {
        let now = self.clock.now();
        let mut steps = Vec::new();
        let mut planned = Vec::with_capacity(rows.len());
        for row in rows {
            match classify(row) {
                Err(outcome) => planned.push(Err(outcome)),
                Ok((plan, key)) => {
                    let created = Arc::new(AtomicBool::new(false));
                    let (seen, row) = (created.clone(), row.clone());
                    planned.push(Ok((name(&key, &row), created)));
                    steps.push(PaymentStep::new(key, move |record| {
                        seen.store(record.is_none(), Ordering::Relaxed);
                        plan(record, &row, now)
                    }));
                }
            }
        }
        let mut results = self.store.update_payments(&steps).await.into_iter();
        planned
            .into_iter()
            .map(|planned| match planned {
                Err(outcome) => outcome,
                Ok((name, created)) => outcome(
                    &name,
                    next_step(&mut results).map(|w| w.map(|_| created.load(Ordering::Relaxed))),
                ),
            })
            .collect()
    }

    /// What applying a batch of rows would do, reading only.
    async fn preview(&self, rows: &[AthmTransaction]) -> Vec<RowOutcome> {
        let now = self.clock.now();
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            outcomes.push(match classify(row) {
                Err(outcome) => outcome,
                Ok((plan, key)) => {
                    let result = self.store.payment(&key).await.map(|record| {
                        let created = record.is_none();
                        plan(record.as_ref(), row, now)
                            .ok()
                            .flatten()
                            .map(|_| created)
                    });
                    outcome(&name(&key, row), result)
                }
            });
        }
        outcomes
    }
}

/// How a row is reconciled (its plan and payment), or why it needs nothing.
fn classify(row: &AthmTransaction) -> Result<(Plan, PaymentKey), RowOutcome> {
    if row.status != RemoteStatus::Completed {
        return Err(RowOutcome::Skipped);
    }
    let (plan, key): (Plan, _) = match row.transaction_type {
        TransactionType::Ecommerce => (
            plan_completion,
            payment_key(row.ecommerce_id, &row.reference_number),
        ),
        // A refund row that names no payment cannot be matched; nothing to do.
        TransactionType::Refund => match payment_key(row.ecommerce_id, &row.related_reference) {
            Some(key) => (plan_refund, Some(key)),
            None => return Err(RowOutcome::Skipped),
        },
        _ => return Err(RowOutcome::Skipped),
    };
    match key {
        Some(key) => Ok((plan, key)),
        None => Err(RowOutcome::Error(
            "a completed row has neither ecommerceId nor referenceNumber".into(),
        )),
    }
}

/// How a row is named in error messages: its reference number, else its key.
fn name(key: &PaymentKey, row: &AthmTransaction) -> String {
    row.reference_number
        .as_ref()
        .map_or_else(|| format!("{key:?}"), ToString::to_string)
}

/// A row's outcome from what its step did: created (`Some(true)`), updated, nothing, or failed.
fn outcome(name: &str, result: Result<Option<bool>, StoreError>) -> RowOutcome {
    match result {
        Ok(Some(true)) => RowOutcome::Created,
        Ok(Some(false)) => RowOutcome::Updated,
        Ok(None) => RowOutcome::Skipped,
        Err(error) => RowOutcome::Error(format!("{name}: {error}")),
    }
}

/// What one piece of news changes in the store: a write, nothing, or a refusal.
type Plan = fn(
    Option<&PaymentRecord>,
    &AthmTransaction,
    DateTime<Utc>,
) -> Result<Option<PaymentWrite>, RuleError>;

/// The payment a row is about: by ecommerce id, else by a reference number.
fn payment_key(
    ecommerce_id: Option<EcommerceId>,
    reference: &Option<ReferenceNumber>,
) -> Option<PaymentKey> {
    match (ecommerce_id, reference) {
        (Some(id), _) => Some(PaymentKey::Ecommerce(id)),
        (None, Some(reference)) => Some(PaymentKey::Reference(reference.clone())),
        (None, None) => None,
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

/// What news of a completed refund (a webhook or a report row) changes. The
/// ledger comes from the refund API's answer, so this completes a pending
/// refund of the same amount (one whose answer was lost: reconciliation
/// resolves it, it is never sent again), is a no-op for a refund already
/// recorded, and records a refund made elsewhere (the ATH Business app).
/// A refund webhook's reference number may be the payment's own; it then
/// cannot name the refund, which is matched by amount.
pub(crate) fn plan_refund(
    record: Option<&PaymentRecord>,
    tx: &AthmTransaction,
    now: DateTime<Utc>,
) -> Result<Option<PaymentWrite>, RuleError> {
    let Some(record) = record else {
        return Ok(None);
    };
    let amount = tx.total.or(tx.total_refunded_amount).unwrap_or_default();
    let names_payment = tx.reference_number == record.payment.reference_number;
    let known = record.refunds.iter().any(|r| {
        r.reference_number.is_some() && r.reference_number == tx.reference_number
            || names_payment && r.status == RefundStatus::Completed && r.amount == amount
    });
    if known || amount.is_zero() {
        return Ok(None);
    }
    let mut payment = record.payment.clone();
    let pending = record
        .refunds
        .iter()
        .find(|r| r.status == RefundStatus::Pending && r.amount == amount);
    let mut refund = match pending {
        Some(pending) => {
            let mut refund = pending.clone();
            refund.completed(tx);
            refund
        }
        None => Refund::from_remote(&payment, tx, now),
    };
    if names_payment {
        refund.reference_number = None;
    }
    payment.add_refunded(refund.amount, None, now);
    let event = refund.lifecycle(now);
    Ok(Some(PaymentWrite {
        refunds: vec![refund],
        events: vec![event],
        ..PaymentWrite::payment(payment)
    }))
}
