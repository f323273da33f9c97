//! `Reconciler`: makes the store agree with ATH Móvil's transaction report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use crate::error::RuleError;
use crate::model::{AthmTransaction, ClientUpdate, Payment, RemoteStatus, TransactionType};
use crate::ports::{
    AthmGateway, Clock, GatewayError, PaymentKey, PaymentRecord, PaymentWrite, Store,
};

/// What reconciliation did with one report row.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// Reconciles report rows; with `dry_run`, only says what it would do.
    /// `progress` is told each row's outcome with the number of rows done.
    pub async fn reconcile(
        &self,
        rows: &[AthmTransaction],
        dry_run: bool,
        progress: &(dyn Fn(usize, &RowOutcome) + Send + Sync),
    ) -> ReconcileSummary {
        let mut summary = ReconcileSummary::default();
        for (done, row) in rows.iter().enumerate() {
            let outcome = self.row(row, dry_run).await;
            summary.count(&outcome);
            progress(done + 1, &outcome);
        }
        summary
    }

    async fn row(&self, row: &AthmTransaction, dry_run: bool) -> RowOutcome {
        if row.transaction_type != TransactionType::Ecommerce
            || row.status != RemoteStatus::Completed
        {
            return RowOutcome::Skipped;
        }
        let key = match (&row.ecommerce_id, &row.reference_number) {
            (Some(id), _) => PaymentKey::Ecommerce(*id),
            (None, Some(reference)) => PaymentKey::Reference(reference.clone()),
            (None, None) => {
                return RowOutcome::Error(
                    "a completed row has neither ecommerceId nor referenceNumber".into(),
                );
            }
        };
        let now = self.clock.now();
        let name = row
            .reference_number
            .as_ref()
            .map_or_else(|| format!("{key:?}"), ToString::to_string);
        let result = if dry_run {
            self.store.payment(&key).await.map(|record| {
                let created = record.is_none();
                plan(record.as_ref(), row, now)
                    .ok()
                    .flatten()
                    .map(|_| created)
            })
        } else {
            let created = Arc::new(AtomicBool::new(false));
            let (seen, row) = (created.clone(), row.clone());
            let decide = move |record: Option<&PaymentRecord>| {
                seen.store(record.is_none(), Ordering::Relaxed);
                plan(record, &row, now)
            };
            self.store
                .update_payment(&key, &decide)
                .await
                .map(|w| w.map(|_| created.load(Ordering::Relaxed)))
        };
        match result {
            Ok(Some(true)) => RowOutcome::Created,
            Ok(Some(false)) => RowOutcome::Updated,
            Ok(None) => RowOutcome::Skipped,
            Err(error) => RowOutcome::Error(format!("{name}: {error}")),
        }
    }
}

/// What news of a completed payment (a report row or a webhook) changes: a
/// new payment (announced as completed), an updated one, or nothing.
pub(crate) fn plan(
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
    let client = ClientUpdate::new(
        payment.customer_phone.as_ref(),
        &payment.customer_name,
        &payment.customer_email,
    );
    Ok(Some(PaymentWrite {
        client,
        events: event.into_iter().collect(),
        ..PaymentWrite::payment(payment)
    }))
}
