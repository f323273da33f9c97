//! The trust gate: every path that changes money asks ATH Móvil first.
//!
//! ATH Móvil's ledger is the truth and athm's tables are its mirror. A
//! webhook, a report row or a browser call is a *reason to ask*, never an
//! answer: the gate reads ATH Móvil (findPayment, the transaction report)
//! and hands the use cases ATH Móvil's own figures to write. Webhooks are
//! not signed, so an event ATH Móvil does not confirm is flagged and changes
//! nothing (it is checked again later: a refund can reach the report
//! seconds after its webhook).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::lock::Mutex as AsyncMutex;

use chrono::{DateTime, Duration, Utc};

use super::GateError;
use super::waiting::{Completion, WaitingPayments};
use crate::model::{
    Amount, AthmTransaction, EcommerceId, PaymentStatus, PhoneNumber, ReferenceNumber, Refund,
    RefundMatch, RemoteStatus, TransactionType, refund_amount,
};
use crate::ports::{
    AthmGateway, Clock, ErrorClass, GatewayError, PaymentKey, PaymentRecord, PaymentStore,
};
use crate::webhook::EventKind;

/// What the gate concluded about a piece of news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// ATH Móvil confirms it; write these figures (ATH Móvil's own).
    Trusted(Trusted),
    /// ATH Móvil contradicts it, or does not know it (yet): flag it, change nothing.
    Forged(String),
}

/// News confirmed by ATH Móvil, in ATH Móvil's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trusted {
    /// The payment as findPayment answered (with the customer data only the
    /// webhook carries), and the status the event announced.
    Payment {
        /// ATH Móvil's answer.
        remote: Box<AthmTransaction>,
        /// What the event announced: completed, cancelled or expired.
        announced: PaymentStatus,
    },
    /// A refund ATH Móvil made, on this payment; its `reference_number` is
    /// the refund's own (or `None` when no source named it), with the
    /// payment's refunded total as ATH Móvil reads it (`None` unverified).
    Refund {
        /// The payment refunded.
        key: PaymentKey,
        /// The refund, as ATH Móvil reports it.
        refund: Box<AthmTransaction>,
        /// ATH Móvil's `totalRefundedAmount` for the payment.
        refunded_total: Option<Amount>,
    },
}

/// Where a refund claim comes from: a webhook must be found in the report;
/// a report row is a read of ATH Móvil already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Webhook,
    Report,
}

/// ATH Móvil's report from a day before a date to now, read at most once
/// per check: the refund's own row and the customer's payments made
/// elsewhere are looked up in the same read.
struct ReportWindow {
    date: Option<DateTime<Utc>>,
    rows: Option<Vec<AthmTransaction>>,
}

impl ReportWindow {
    /// The window around `date` (now when `None`), not read yet.
    fn around(date: Option<DateTime<Utc>>) -> Self {
        Self { date, rows: None }
    }
}

/// The gate: a gateway to ask, the store to locate payments, a clock for report windows.
#[derive(Clone)]
pub(crate) struct TrustGate {
    gateway: Arc<dyn AthmGateway>,
    store: Arc<dyn PaymentStore>,
    clock: Arc<dyn Clock>,
    /// findPayment answers shared by the events of one batch ([`TrustGate::sharing_finds`]).
    finds: Option<Arc<Finds>>,
}

/// One batch's findPayment answers, by payment: the first event of a
/// payment asks, the others of the batch (waiting for it meanwhile) take
/// its answer. A failed call is not shared: the next event asks again.
#[derive(Default)]
struct Finds {
    slots: Mutex<HashMap<EcommerceId, FindSlot>>,
}

/// One payment's findPayment answer once asked (`Some`): the payment, or
/// `None` when ATH Móvil does not know it. Held while the call is made.
type FindSlot = Arc<AsyncMutex<Option<Option<AthmTransaction>>>>;

/// How far either side of a refund's date the report is searched for it.
const REPORT_WINDOW_HOURS: i64 = 24;

/// At most this many of one customer's payments are asked about a refund that names none.
const MAX_CANDIDATES: u64 = 10;

impl TrustGate {
    pub(crate) fn new(
        gateway: Arc<dyn AthmGateway>,
        store: Arc<dyn PaymentStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            gateway,
            store,
            clock,
            finds: None,
        }
    }

    /// The same gate for one batch of events: one findPayment per payment,
    /// its answer shared by the batch's events of that payment (their calls
    /// would be at the same moment anyway), so a burst about one payment
    /// costs one call.
    pub(crate) fn sharing_finds(&self) -> Self {
        Self {
            finds: Some(Arc::default()),
            ..self.clone()
        }
    }

    /// Checks an event of `kind` announcing `tx` with ATH Móvil.
    ///
    /// # Errors
    /// A gateway or store failure that says nothing about the event: it
    /// stays unprocessed and is checked again later.
    pub(crate) async fn check_event(
        &self,
        kind: EventKind,
        tx: &AthmTransaction,
    ) -> Result<Verdict, GateError> {
        match kind {
            EventKind::EcommerceCompleted => {
                self.check_ecommerce(PaymentStatus::Completed, tx).await
            }
            EventKind::EcommerceCancelled => self.check_ecommerce(PaymentStatus::Cancel, tx).await,
            EventKind::EcommerceExpired => self.check_ecommerce(PaymentStatus::Expired, tx).await,
            EventKind::Refund => self.check_refund(tx, Source::Webhook).await,
            _ => Ok(Verdict::Forged(
                "events of this kind change no payment".into(),
            )),
        }
    }

    async fn check_ecommerce(
        &self,
        announced: PaymentStatus,
        tx: &AthmTransaction,
    ) -> Result<Verdict, GateError> {
        let ecommerce_id = match tx.ecommerce_id {
            Some(id) => id,
            None => match self.unnamed_completion(announced, tx).await? {
                Unnamed::Known(id) => id,
                Unnamed::Confirmed(verdict) => return Ok(verdict),
                Unnamed::Unknown => {
                    return Ok(Verdict::Forged(
                        "an ecommerce event without ecommerceId that names no payment here".into(),
                    ));
                }
            },
        };
        let Some(remote) = self.find_payment(&ecommerce_id).await? else {
            return Ok(Verdict::Forged(format!(
                "ATH Móvil does not know payment {ecommerce_id}"
            )));
        };
        let agrees = match announced {
            PaymentStatus::Completed => remote.status == RemoteStatus::Completed,
            _ => matches!(
                remote.status,
                RemoteStatus::Cancelled | RemoteStatus::Expired
            ),
        };
        if !agrees {
            return Ok(Verdict::Forged(format!(
                "the event says {} but findPayment says {}",
                tx.status, remote.status
            )));
        }
        Ok(Verdict::Trusted(Trusted::Payment {
            remote: Box::new(with_customer(remote, tx)),
            announced,
        }))
    }

    /// The payment an ecommerce event without ecommerceId (the documented
    /// lower-case shape) is about: the one its reference number names here,
    /// else, for a completion, the waiting payment findPayment says it is.
    async fn unnamed_completion(
        &self,
        announced: PaymentStatus,
        tx: &AthmTransaction,
    ) -> Result<Unnamed, GateError> {
        let Some(reference) = &tx.reference_number else {
            return Ok(Unnamed::Unknown);
        };
        let key = PaymentKey::Reference(reference.clone());
        if let Some(record) = self.store.payment(&key).await? {
            return Ok(Unnamed::Known(record.payment.ecommerce_id));
        }
        if announced != PaymentStatus::Completed {
            return Ok(Unnamed::Unknown);
        }
        let mut waiting = WaitingPayments::around(std::slice::from_ref(tx));
        Ok(match waiting.find(self.store.as_ref(), self, tx).await? {
            Completion::Found { remote, .. } => {
                Unnamed::Confirmed(Verdict::Trusted(Trusted::Payment { remote, announced }))
            }
            Completion::Elsewhere | Completion::TooMany(_) => Unnamed::Unknown,
        })
    }

    /// Checks a refund claim: which payment it refunds, that ATH Móvil made
    /// it (a webhook must be in the report under its own reference number),
    /// and that ATH Móvil's refunded total for that payment covers it.
    ///
    /// # Errors
    /// Gateway and store failures (check again later).
    pub(crate) async fn check_refund(
        &self,
        tx: &AthmTransaction,
        source: Source,
    ) -> Result<Verdict, GateError> {
        let amount = refund_amount(tx);
        if amount.is_zero() {
            return Ok(Verdict::Forged("a refund of 0.00 changes nothing".into()));
        }
        let mut window = ReportWindow::around(tx.date);
        let Some(Located { record, own, named }) = self.locate(tx, source, &mut window).await?
        else {
            return Ok(Verdict::Forged(format!(
                "no payment here matches this refund of {amount}"
            )));
        };
        let second_opinion = named && source == Source::Webhook;
        self.check_refund_on(record, own, tx, source, second_opinion, &mut window)
            .await
    }

    /// Checks that refund `reference`, a report row athm could not link,
    /// refunded payment `id`, as a person says: the row is in ATH Móvil's
    /// report around `date`, went to the payment's customer, names no other
    /// payment, and ATH Móvil's refunded total for the payment covers it.
    ///
    /// # Errors
    /// Gateway and store failures.
    pub(crate) async fn check_link(
        &self,
        reference: &ReferenceNumber,
        date: Option<DateTime<Utc>>,
        id: EcommerceId,
    ) -> Result<Verdict, GateError> {
        let Some(record) = self.store.payment(&PaymentKey::Ecommerce(id)).await? else {
            return Ok(Verdict::Forged(format!("there is no payment {id} here")));
        };
        let mut window = ReportWindow::around(date);
        let Some(row) = self.report_row(reference, &mut window).await? else {
            return Ok(Verdict::Forged(format!(
                "refund {reference} is not in ATH Móvil's transaction report around that date"
            )));
        };
        if let (Some(paid), Some(refunded)) = (&record.payment.customer_phone, &row.customer_phone)
            && paid != refunded
        {
            return Ok(Verdict::Forged(format!(
                "the report says refund {reference} went to another customer than payment {id}'s"
            )));
        }
        // The person's choice stands in for the report's silence.
        self.check_refund_on(
            record,
            Some(reference.clone()),
            &row,
            Source::Report,
            false,
            &mut window,
        )
        .await
    }

    /// [`Self::check_refund`] once the payment is known: `own` is the
    /// refund's own reference number, when known; with `second_opinion`
    /// (the payment was named by the news alone), the report's row must
    /// also fit that payment alone ([`Self::second_opinion`]).
    async fn check_refund_on(
        &self,
        record: PaymentRecord,
        own: Option<ReferenceNumber>,
        tx: &AthmTransaction,
        source: Source,
        second_opinion: bool,
        window: &mut ReportWindow,
    ) -> Result<Verdict, GateError> {
        let amount = refund_amount(tx);
        let claim = AthmTransaction {
            reference_number: own.clone(),
            ..tx.clone()
        };
        let id = record.payment.ecommerce_id;
        if let Some(reference) = &own
            && let Some(other) = self
                .store
                .payment(&PaymentKey::Refund(reference.clone()))
                .await?
            && other.payment.ecommerce_id != id
        {
            return Ok(Verdict::Forged(format!(
                "refund {reference} is recorded on payment {}",
                other.payment.ecommerce_id
            )));
        }
        if let RefundMatch::Known(_) = Refund::match_remote(&record.refunds, &claim) {
            // Recorded already from an ATH Móvil read: nothing to ask, nothing to change.
            return Ok(Verdict::Trusted(Trusted::Refund {
                key: PaymentKey::Ecommerce(id),
                refund: Box::new(claim),
                refunded_total: None,
            }));
        }
        if source == Source::Report && names_another_payment(tx, &record.payment, own.as_ref()) {
            return Ok(Verdict::Forged(format!(
                "the report row names another payment than {id}"
            )));
        }
        let refund = match (&own, source) {
            (Some(reference), Source::Webhook) => {
                let Some(row) = self.report_row(reference, window).await? else {
                    return Ok(Verdict::Forged(format!(
                        "refund {reference} is not in ATH Móvil's transaction report (yet)"
                    )));
                };
                if refund_amount(&row) != amount {
                    return Ok(Verdict::Forged(format!(
                        "the event says refund {reference} is {amount} but the report says {}",
                        refund_amount(&row)
                    )));
                }
                if names_another_payment(&row, &record.payment, Some(reference)) {
                    return Ok(Verdict::Forged(format!(
                        "the report says refund {reference} is another payment's"
                    )));
                }
                if let (Some(paid), Some(refunded)) =
                    (&record.payment.customer_phone, &row.customer_phone)
                    && paid != refunded
                {
                    return Ok(Verdict::Forged(format!(
                        "the report says refund {reference} went to another customer"
                    )));
                }
                if second_opinion
                    && let Some(objection) = self.second_opinion(&row, id, window).await?
                {
                    return Ok(Verdict::Forged(objection));
                }
                with_customer(row, tx)
            }
            _ => claim,
        };
        let Some(remote) = self.find_payment(&id).await? else {
            return Ok(Verdict::Forged(format!(
                "ATH Móvil does not know payment {id}"
            )));
        };
        let reported = remote.total_refunded_amount.unwrap_or_default();
        if !Refund::is_covered(&record.refunds, &refund, reported) {
            return Ok(Verdict::Forged(format!(
                "ATH Móvil's refunded total for payment {id} is {reported}, which does not cover this refund of {}",
                refund_amount(&refund)
            )));
        }
        Ok(Verdict::Trusted(Trusted::Refund {
            key: PaymentKey::Ecommerce(id),
            refund: Box::new(refund),
            refunded_total: Some(reported),
        }))
    }

    /// Which payment the report's refund `row` is, when a webhook says it
    /// is payment `id`'s. A webhook's word is no evidence (anyone can send
    /// one): unless the row itself names a payment, the row must fit payment
    /// `id` alone among the payments here, as it would with no webhook
    /// ([`Self::locate`]). Two payments of one customer with room for the
    /// same amount cannot be told apart from ATH Móvil's report: a person
    /// links the refund. The objection, if any.
    async fn second_opinion(
        &self,
        row: &AthmTransaction,
        id: EcommerceId,
        window: &mut ReportWindow,
    ) -> Result<Option<String>, GateError> {
        if row.ecommerce_id.is_some() || row.related_reference.is_some() {
            // The row names its payment (checked by the caller).
            return Ok(None);
        }
        let reference = row
            .reference_number
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        Ok(match self.locate(row, Source::Webhook, window).await? {
            Some(located) if located.record.payment.ecommerce_id == id => None,
            Some(located) => Some(format!(
                "ATH Móvil's report makes refund {reference} payment {}'s, not {id}'s",
                located.record.payment.ecommerce_id
            )),
            None => Some(format!(
                "ATH Móvil's report names no payment for refund {reference} and it fits no single payment here: a person links it"
            )),
        })
    }

    /// The payment a refund claim is about, and the refund's own reference
    /// number (`None` when the claim names only the payment).
    ///
    /// Of the two reference numbers a refund may carry (`referenceNumber`,
    /// `referenceTransactionId`), the one that is a payment's here names the
    /// payment and the other is the refund's own. A claim naming no known
    /// payment is matched by a refund recorded under its reference; else
    /// among the payments with a pending refund of its amount and that
    /// customer's completed payments, by the one (of the same customer)
    /// whose refunded total at ATH Móvil could hold it
    /// ([`Refund::could_be_of`]) when that one also [`Refund::fits`].
    /// Anything but exactly one is no match.
    async fn locate(
        &self,
        tx: &AthmTransaction,
        source: Source,
        window: &mut ReportWindow,
    ) -> Result<Option<Located>, GateError> {
        let references = [&tx.reference_number, &tx.related_reference];
        for (i, reference) in references.iter().enumerate() {
            let Some(reference) = reference else { continue };
            let key = PaymentKey::Reference(reference.clone());
            if let Some(record) = self.store.payment(&key).await? {
                let own = references[1 - i].clone().filter(|r| r != reference);
                return Ok(Some(Located {
                    record,
                    own,
                    named: true,
                }));
            }
        }
        let Some(own) = tx.reference_number.clone() else {
            return Ok(None);
        };
        let key = PaymentKey::Refund(own.clone());
        if let Some(record) = self.store.payment(&key).await? {
            return Ok(Some(Located {
                record,
                own: Some(own),
                named: false,
            }));
        }
        let amount = refund_amount(tx);
        let mut candidates: Vec<EcommerceId> = Vec::new();
        for refund in self.store.pending_refunds().await? {
            if refund.amount == amount && !candidates.contains(&refund.ecommerce_id) {
                candidates.push(refund.ecommerce_id);
            }
        }
        if let Some(phone) = &tx.customer_phone {
            let page = self.store.customer_payments(phone, MAX_CANDIDATES).await?;
            if page.total > MAX_CANDIDATES {
                // Too many of this customer's payments to weigh: any one
                // that fits might not be the only one.
                return Ok(None);
            }
            for payment in page.items {
                if !candidates.contains(&payment.ecommerce_id) {
                    candidates.push(payment.ecommerce_id);
                }
            }
        }
        let mut could_be = Vec::new();
        for id in candidates {
            let Some(record) = self.store.payment(&PaymentKey::Ecommerce(id)).await? else {
                continue;
            };
            let same_customer = match (&tx.customer_phone, &record.payment.customer_phone) {
                (Some(said), Some(known)) => said == known,
                _ => true,
            };
            if !same_customer {
                continue;
            }
            let Some(remote) = self.find_payment(&id).await? else {
                continue;
            };
            let reported = remote.total_refunded_amount.unwrap_or_default();
            if Refund::could_be_of(&record.refunds, tx, reported) {
                could_be.push((Refund::fits(&record.refunds, tx, reported), record));
            }
        }
        // Two payments it could be (the same customer, room on both) is a
        // question for a person, never a guess; so is one whose room may be
        // its own lost refund's, and one beside a payment of the customer's
        // made elsewhere that could be the one refunded.
        let [(true, record)] = could_be.as_slice() else {
            return Ok(None);
        };
        if self.paid_elsewhere(tx, source, window).await? {
            return Ok(None);
        }
        Ok(Some(Located {
            record: record.clone(),
            own: Some(own),
            named: false,
        }))
    }

    /// Whether the customer of `tx`, a refund that names no payment, paid
    /// enough for it elsewhere (the ATH Business app, another integration):
    /// a payment recorded unlinked here, or (news of a refund) a completed
    /// payment row of the report from a day before the refund that is no
    /// payment here. Such a payment may be the one refunded, and ATH
    /// Móvil's report cannot say. (A sync records the report's payments
    /// made elsewhere as unlinked as it reads them, before their refunds.)
    async fn paid_elsewhere(
        &self,
        tx: &AthmTransaction,
        source: Source,
        window: &mut ReportWindow,
    ) -> Result<bool, GateError> {
        let amount = refund_amount(tx);
        let same_customer = |phone: Option<&PhoneNumber>| match (&tx.customer_phone, phone) {
            (Some(said), Some(known)) => said == known,
            _ => true,
        };
        if let Some(phone) = &tx.customer_phone {
            let unlinked = self.store.customer_unlinked(phone, MAX_CANDIDATES).await?;
            if unlinked.total > MAX_CANDIDATES
                || unlinked
                    .items
                    .iter()
                    .any(|u| !u.is_refund() && u.total >= amount)
            {
                return Ok(true);
            }
        }
        if source == Source::Report {
            return Ok(false);
        }
        for row in self.report_window(window).await? {
            let paid = row.transaction_type != TransactionType::Refund
                && row.status == RemoteStatus::Completed
                && row.total.is_some_and(|total| total >= amount)
                && same_customer(row.customer_phone.as_ref());
            if !paid {
                continue;
            }
            let here = match (&row.ecommerce_id, &row.reference_number) {
                (Some(id), _) => self.store.payment(&PaymentKey::Ecommerce(*id)).await?,
                (None, Some(reference)) => {
                    self.store
                        .payment(&PaymentKey::Reference(reference.clone()))
                        .await?
                }
                (None, None) => None,
            };
            if here.is_none() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The REFUND row with `reference` in the report from a day before
    /// `date` to now (never past now: ATH Móvil refuses future dates; and a
    /// news `date` may be its payment's, older than the refund).
    async fn report_row(
        &self,
        reference: &ReferenceNumber,
        window: &mut ReportWindow,
    ) -> Result<Option<AthmTransaction>, GateError> {
        let rows = self.report_window(window).await?;
        Ok(rows
            .iter()
            .find(|row| {
                row.transaction_type == TransactionType::Refund
                    && row.reference_number.as_ref() == Some(reference)
            })
            .cloned())
    }

    /// ATH Móvil's report from a day before `date` to now (never past now:
    /// ATH Móvil refuses future dates; and a news `date` may be its
    /// payment's, older than the refund).
    async fn report_window<'w>(
        &self,
        window: &'w mut ReportWindow,
    ) -> Result<&'w [AthmTransaction], GateError> {
        if window.rows.is_none() {
            let now = self.clock.now();
            let center = window.date.map_or(now, |d| d.min(now));
            let from = center - Duration::hours(REPORT_WINDOW_HOURS);
            window.rows = Some(self.gateway.transaction_report(from, now).await?);
        }
        Ok(window.rows.as_deref().unwrap_or_default())
    }

    /// findPayment; `None` when ATH Móvil does not know the payment.
    pub(crate) async fn find_payment(
        &self,
        id: &EcommerceId,
    ) -> Result<Option<AthmTransaction>, GateError> {
        let Some(finds) = &self.finds else {
            return self.ask_find_payment(id).await;
        };
        let slot = finds
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(*id)
            .or_default()
            .clone();
        let mut answer = slot.lock().await;
        if let Some(known) = answer.as_ref() {
            return Ok(known.clone());
        }
        let asked = self.ask_find_payment(id).await?;
        *answer = Some(asked.clone());
        Ok(asked)
    }

    /// findPayment, asked now.
    async fn ask_find_payment(
        &self,
        id: &EcommerceId,
    ) -> Result<Option<AthmTransaction>, GateError> {
        match self.gateway.find_payment(id).await {
            Ok(remote) => Ok(Some(remote)),
            Err(GatewayError::Refused { code, .. }) if code.class() == ErrorClass::NotFound => {
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// The payment a refund claim is about, as [`TrustGate::locate`] found it.
struct Located {
    /// The payment, with its refunds.
    record: PaymentRecord,
    /// The refund's own reference number, when known.
    own: Option<ReferenceNumber>,
    /// Whether the claim named the payment (by one of its reference
    /// numbers) rather than the refund's record or ATH Móvil's totals.
    named: bool,
}

/// What an ecommerce event without ecommerceId names here.
enum Unnamed {
    /// The payment its reference number names.
    Known(EcommerceId),
    /// A waiting payment findPayment confirmed: the verdict is given.
    Confirmed(Verdict),
    /// No payment here.
    Unknown,
}

/// Whether a report row names a payment (its `ecommerceId`, or a
/// `referenceTransactionId` that is neither the refund's `own` reference
/// nor `payment`'s) other than `payment`. Rows as documented name none;
/// when one does, it is ATH Móvil's word.
fn names_another_payment(
    row: &AthmTransaction,
    payment: &crate::model::Payment,
    own: Option<&ReferenceNumber>,
) -> bool {
    let by_id = row
        .ecommerce_id
        .is_some_and(|id| id != payment.ecommerce_id);
    let by_reference = row
        .related_reference
        .as_ref()
        .is_some_and(|r| Some(r) != own && Some(r) != payment.reference_number.as_ref());
    by_id || by_reference
}

/// ATH Móvil's figures, with the customer data only the news carries where
/// ATH Móvil's answer has none. Money fields always come from ATH Móvil.
pub(crate) fn with_customer(
    mut remote: AthmTransaction,
    news: &AthmTransaction,
) -> AthmTransaction {
    for (mine, theirs) in [
        (&mut remote.customer_name, &news.customer_name),
        (&mut remote.customer_email, &news.customer_email),
        (&mut remote.message, &news.message),
        (&mut remote.business_name, &news.business_name),
    ] {
        if mine.is_empty() {
            mine.clone_from(theirs);
        }
    }
    if remote.customer_phone.is_none() {
        remote.customer_phone.clone_from(&news.customer_phone);
    }
    if remote.items.is_empty() {
        remote.items.clone_from(&news.items);
    }
    remote
}

impl Trusted {
    /// The news taken at its word, for a processor whose verification is
    /// switched off (load tests only): its own figures stand in for ATH Móvil's.
    pub(crate) fn unverified(kind: EventKind, tx: &AthmTransaction) -> Option<Trusted> {
        let announced = match kind {
            EventKind::EcommerceCompleted => PaymentStatus::Completed,
            EventKind::EcommerceCancelled => PaymentStatus::Cancel,
            EventKind::EcommerceExpired => PaymentStatus::Expired,
            EventKind::Refund => {
                let payment = tx.reference_number.clone()?;
                let own = tx.related_reference.clone().filter(|r| *r != payment);
                return Some(Trusted::Refund {
                    key: PaymentKey::Reference(payment),
                    refund: Box::new(AthmTransaction {
                        reference_number: own,
                        ..tx.clone()
                    }),
                    refunded_total: tx.total_refunded_amount,
                });
            }
            _ => return None,
        };
        Some(Trusted::Payment {
            remote: Box::new(tx.clone()),
            announced,
        })
    }
}
