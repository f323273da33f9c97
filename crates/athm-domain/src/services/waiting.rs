//! Which payment a completed report row is, when the row names no ecommerceId.
//!
//! ATH Móvil's transaction report knows a payment only by its reference
//! number, which athm learns when the payment completes. A row whose
//! reference is unknown here is either a payment that completed at ATH Móvil
//! while it still waits here (the webhook and the authorization answer were
//! both lost), or a payment made elsewhere (the ATH Business app, another
//! integration). The payments still waiting here that the row could be
//! ([`Payment::could_be`]) are asked with findPayment: the one whose answer
//! carries the row's reference is it. Nothing is guessed.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::GateError;
use super::gate::{TrustGate, with_customer};
use crate::model::{AthmTransaction, EcommerceId, Payment, PaymentStatus, RemoteStatus};
use crate::ports::{PaymentCursor, PaymentStore, StoreError};

/// What the payments waiting here say about one completed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Completion {
    /// This payment, as findPayment answered (with the row's customer data).
    Found {
        /// The payment here.
        id: EcommerceId,
        /// ATH Móvil's answer for it.
        remote: Box<AthmTransaction>,
    },
    /// No payment here is the row: it was made elsewhere.
    Elsewhere,
    /// More payments fit than are asked about one row: a person decides.
    TooMany(usize),
}

/// The payments not completed here, created around the rows being
/// reconciled; read from the store once, on first need.
pub(crate) struct WaitingPayments {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    loaded: Option<Vec<Payment>>,
}

/// At most this many candidates are asked about one row (one findPayment each).
pub(crate) const MAX_ASKED: usize = 5;

/// Page size while reading the waiting payments.
const PAGE: u64 = 1_000;

/// Every status but COMPLETED: a payment may have completed at ATH Móvil
/// after athm cancelled or expired it here.
const NOT_COMPLETED: [PaymentStatus; 4] = [
    PaymentStatus::Open,
    PaymentStatus::Confirm,
    PaymentStatus::Cancel,
    PaymentStatus::Expired,
];

impl WaitingPayments {
    /// The payments that `rows` may complete: created from the longest
    /// timeout (plus drift) before the oldest row to the newest row.
    pub(crate) fn around(rows: &[AthmTransaction]) -> Self {
        let dates = rows.iter().filter_map(|r| r.date);
        let margin = Duration::minutes(20);
        let (from, to) = match (dates.clone().min(), dates.max()) {
            (Some(oldest), Some(newest)) => (oldest - margin, newest + margin),
            _ => (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MIN_UTC),
        };
        Self {
            from,
            to,
            loaded: None,
        }
    }

    /// Which payment here the completed `row` is (see the module's doc).
    ///
    /// # Errors
    /// Store and gateway failures: the row is tried again on the next run.
    pub(crate) async fn find(
        &mut self,
        store: &dyn PaymentStore,
        gate: &TrustGate,
        row: &AthmTransaction,
    ) -> Result<Completion, GateError> {
        let candidates: Vec<EcommerceId> = self
            .payments(store)
            .await?
            .iter()
            .filter(|p| p.could_be(row))
            .map(|p| p.ecommerce_id)
            .collect();
        if candidates.len() > MAX_ASKED {
            return Ok(Completion::TooMany(candidates.len()));
        }
        for id in candidates {
            let Some(remote) = gate.find_payment(&id).await? else {
                continue;
            };
            if remote.status == RemoteStatus::Completed
                && remote.reference_number.is_some()
                && remote.reference_number == row.reference_number
            {
                return Ok(Completion::Found {
                    id,
                    remote: Box::new(with_customer(remote, row)),
                });
            }
        }
        Ok(Completion::Elsewhere)
    }

    async fn payments(&mut self, store: &dyn PaymentStore) -> Result<&[Payment], StoreError> {
        if self.loaded.is_none() {
            self.loaded = Some(self.read(store).await?);
        }
        Ok(self.loaded.as_deref().unwrap_or_default())
    }

    async fn read(&self, store: &dyn PaymentStore) -> Result<Vec<Payment>, StoreError> {
        let mut payments = Vec::new();
        if self.from >= self.to {
            return Ok(payments);
        }
        let mut after = Some(PaymentCursor {
            created_at: self.from,
            ecommerce_id: EcommerceId::new(Uuid::nil()),
        });
        loop {
            let page = store
                .payments_in_status(&NOT_COMPLETED, after, PAGE)
                .await?;
            let full = page.len() as u64 == PAGE;
            let next = page.last().map(PaymentCursor::of);
            let mut past_the_end = false;
            for payment in page {
                if payment.created_at > self.to {
                    past_the_end = true;
                    break;
                }
                payments.push(payment);
            }
            // A store that ignores the cursor would repeat its first page forever.
            if !full || past_the_end || next == after {
                return Ok(payments);
            }
            after = next;
        }
    }
}
