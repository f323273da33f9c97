//! `PaymentWatcher`: no approved payment is left unauthorized because its browser tab closed.

use chrono::Duration;
use std::sync::Arc;

use super::PaymentService;
use crate::model::PaymentStatus;
use crate::ports::{Clock, Store, StoreError};

/// What one round of the watcher did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchReport {
    /// Payments checked with ATH Móvil.
    pub checked: usize,
    /// Confirmed payments the watcher authorized.
    pub authorized: usize,
    /// Payments that reached a final status (completed, cancelled or expired) this round.
    pub ended: usize,
    /// Payments that could not be checked or authorized, each with its reason.
    pub errors: Vec<String>,
}

/// Follows every payment still waiting (OPEN or CONFIRM) with findPayment:
/// authorizes the ones the customer approved before they expire, and moves
/// the ones past their timeout to their final status (ATH Móvil sends no
/// expiry webhook for some integrations).
#[derive(Clone)]
pub struct PaymentWatcher {
    payments: PaymentService,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    min_age: Duration,
}

impl PaymentWatcher {
    /// A watcher that leaves payments younger than `min_age` to their browser.
    pub fn new(
        payments: PaymentService,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        min_age: Duration,
    ) -> Self {
        Self {
            payments,
            store,
            clock,
            min_age,
        }
    }

    /// Checks up to `limit` waiting payments, oldest first.
    ///
    /// # Errors
    /// Store failures while listing; per-payment failures are reported instead.
    pub async fn run_once(&self, limit: u64) -> Result<WatchReport, StoreError> {
        let mut report = WatchReport::default();
        let now = self.clock.now();
        let waiting = self
            .store
            .payments_in_status(&[PaymentStatus::Open, PaymentStatus::Confirm], None, limit)
            .await?;
        for payment in waiting
            .into_iter()
            .filter(|p| now - p.created_at >= self.min_age)
        {
            let id = payment.ecommerce_id;
            report.checked += 1;
            let synced = match self.payments.sync_status(&id).await {
                Ok(synced) => synced,
                Err(error) => {
                    report.errors.push(format!("{id}: {error}"));
                    continue;
                }
            };
            let finished = match synced.status {
                PaymentStatus::Confirm => match self.payments.authorize(&id).await {
                    Ok(_) => {
                        report.authorized += 1;
                        true
                    }
                    Err(error) => {
                        report.errors.push(format!("{id}: {error}"));
                        false
                    }
                },
                status => status.is_terminal(),
            };
            report.ended += usize::from(finished);
        }
        Ok(report)
    }
}
