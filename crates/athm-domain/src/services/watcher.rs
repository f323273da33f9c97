//! `PaymentWatcher`: no approved payment is left unauthorized because its browser tab closed.

use chrono::Duration;
use std::sync::Arc;

use super::PaymentService;
use crate::model::{Payment, PaymentStatus, PaymentTimeout};
use crate::ports::{Clock, PaymentCursor, PaymentStore, StoreError};

/// The statuses of a payment the customer may still approve.
const WAITING: [PaymentStatus; 2] = [PaymentStatus::Open, PaymentStatus::Confirm];

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
    /// How long the round took, by the watcher's clock.
    pub took: Duration,
}

/// Follows every payment still waiting (OPEN or CONFIRM) with findPayment:
/// authorizes the ones the customer approved before they expire, and moves
/// the ones past their timeout to their final status (ATH Móvil sends no
/// expiry webhook for some integrations).
///
/// # Every waiting payment, every round
/// A round ([`PaymentWatcher::run_once`]) walks **all** the waiting
/// payments, oldest first, a page at a time ([`PaymentStore::payments_in_status`]
/// after the last payment of the page before), and checks each one
/// [`PaymentWatcher::CHECK_PARALLELISM`] at a time. However many wait, none
/// waits for others to end before its turn. Payments younger than `min_age`
/// come last in that order: the round stops at the first one, and the next
/// round reaches it.
///
/// # How many waiting payments it keeps up with
/// A payment is checked once per round, so at least once every *period*:
/// the pause between rounds plus the round itself. A round over `n`
/// payments takes about `n × latency / CHECK_PARALLELISM`, `latency` being
/// one findPayment call and its store step; measured in the integration
/// suite with the sandbox answering findPayment in 100 ms, 120 payments
/// took 2.2 s (13 s one at a time), 18 ms a payment. The watcher checks
/// every payment before it expires while `min_age + period` stays under
/// the shortest timeout (120 s, [`PaymentTimeout::MIN_SECS`]): with a 5 s
/// pause and 2 s `min_age`, a round may take 113 s, which at that pace is
/// about 6,000 waiting payments at 100 ms a call, 2,000 at 300 ms. An
/// approval is acted on within one period of the customer's tap, so the
/// shorter the period, the later in its window a customer can approve and
/// still be paid.
///
/// Beyond that nothing is skipped, but the period grows with the backlog:
/// a payment with a 120 s timeout may then be approved and expire between
/// two checks. [`PaymentWatcher::keeps_up`] tells from a round's report;
/// `athm_web::embed::Workers` logs a warning when it does not.
///
/// Clones share nothing but their ports; each instance of a deployment
/// walks every waiting payment (checks are safe to repeat).
#[derive(Clone)]
pub struct PaymentWatcher {
    payments: PaymentService,
    store: Arc<dyn PaymentStore>,
    clock: Arc<dyn Clock>,
    min_age: Duration,
}

/// What checking one payment came to.
enum Checked {
    /// Still waiting at ATH Móvil.
    Waiting,
    /// Ended at ATH Móvil (completed elsewhere, cancelled or expired).
    Ended,
    /// Confirmed, and authorized now.
    Authorized,
    /// The check or the authorization failed, for this reason.
    Failed(String),
}

impl PaymentWatcher {
    /// How many payments a round checks at once (findPayment calls in flight).
    pub const CHECK_PARALLELISM: usize = 8;

    /// A watcher that leaves payments younger than `min_age` to their browser.
    pub fn new(
        payments: PaymentService,
        store: Arc<dyn PaymentStore>,
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

    /// Checks every waiting payment at least `min_age` old, oldest first,
    /// reading them from the store `page_size` at a time.
    ///
    /// # Errors
    /// Store failures while listing (the round stops there); per-payment
    /// failures are reported instead.
    pub async fn run_once(&self, page_size: u64) -> Result<WatchReport, StoreError> {
        let started = self.clock.now();
        let page_size = page_size.max(1);
        let full = usize::try_from(page_size).unwrap_or(usize::MAX);
        let mut report = WatchReport::default();
        let mut after = None;
        loop {
            let page = self
                .store
                .payments_in_status(&WAITING, after, page_size)
                .await?;
            let read = page.len();
            let next = page.last().map(PaymentCursor::of);
            if let (Some(before), Some(last)) = (after, next)
                && (last == before || last.created_at < before.created_at)
            {
                // An adapter that ignores the cursor would loop forever.
                report.errors.push(format!(
                    "the store listed waiting payments that are not after {} (created {}): round stopped",
                    before.ecommerce_id, before.created_at
                ));
                break;
            }
            after = next;
            let due: Vec<Payment> = page
                .into_iter()
                .take_while(|p| started - p.created_at >= self.min_age)
                .collect();
            let reached_the_young = due.len() < read;
            self.check_all(due, &mut report).await;
            if read < full || reached_the_young {
                break;
            }
        }
        report.took = self.clock.now() - started;
        Ok(report)
    }

    /// Whether rounds like the one `report` describes, `interval` apart,
    /// check every waiting payment before the shortest timeout ends: a
    /// payment is first checked within `min_age + interval + took` of its
    /// creation, and again every `interval + took`.
    pub fn keeps_up(&self, report: &WatchReport, interval: Duration) -> bool {
        let shortest = Duration::seconds(i64::from(PaymentTimeout::MIN_SECS));
        self.min_age
            .checked_add(&interval)
            .and_then(|d| d.checked_add(&report.took))
            .is_some_and(|period| period < shortest)
    }

    /// Checks `due`, [`Self::CHECK_PARALLELISM`] at a time, into `report`.
    async fn check_all(&self, due: Vec<Payment>, report: &mut WatchReport) {
        use futures_util::stream::{self, StreamExt};
        let outcomes: Vec<Checked> = stream::iter(due)
            .map(|payment| self.check(payment))
            .buffered(Self::CHECK_PARALLELISM)
            .collect()
            .await;
        for outcome in outcomes {
            report.checked += 1;
            match outcome {
                Checked::Waiting => {}
                Checked::Ended => report.ended += 1,
                Checked::Authorized => {
                    report.authorized += 1;
                    report.ended += 1;
                }
                Checked::Failed(reason) => report.errors.push(reason),
            }
        }
    }

    /// Asks ATH Móvil about one payment; authorizes it when the customer confirmed.
    async fn check(&self, payment: Payment) -> Checked {
        let id = payment.ecommerce_id;
        let synced = match self.payments.sync_status(&id).await {
            Ok(synced) => synced,
            Err(error) => return Checked::Failed(format!("{id}: {error}")),
        };
        match synced.status {
            PaymentStatus::Confirm => match self.payments.authorize(&id).await {
                Ok(_) => Checked::Authorized,
                Err(error) => Checked::Failed(format!("{id}: {error}")),
            },
            status if status.is_terminal() => Checked::Ended,
            _ => Checked::Waiting,
        }
    }
}
