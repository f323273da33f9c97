//! `PaymentService`: the checkout and refund use cases.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::PaymentError;
use crate::error::RuleError;
use crate::model::{
    Amount, AthmTransaction, AuthToken, CheckoutKey, EcommerceId, LifecycleEvent, Payment,
    PaymentRequest, PaymentStatus, PhoneNumber, Refund, RefundId, RefundIntent, RefundMessage,
    RefundStatus, RemoteStatus, Reservation,
};
use crate::ports::{
    AthmGateway, Clock, PaymentKey, PaymentRecord, PaymentStore, PaymentWrite, RefundOrder,
    StoreError,
};

/// Creates, follows, authorizes, cancels and refunds payments.
#[derive(Clone)]
pub struct PaymentService {
    gateway: Arc<dyn AthmGateway>,
    store: Arc<dyn PaymentStore>,
    clock: Arc<dyn Clock>,
}

impl PaymentService {
    /// A service over these ports.
    pub fn new(
        gateway: Arc<dyn AthmGateway>,
        store: Arc<dyn PaymentStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            gateway,
            store,
            clock,
        }
    }

    /// Creates the payment at ATH Móvil and records it OPEN with its auth token.
    ///
    /// # Errors
    /// [`PaymentError::Invalid`] when the subtotal or the tax is over ATH
    /// Móvil's amount format ([`PaymentRequest::validate`]); gateway and store failures.
    pub async fn initiate(
        &self,
        request: PaymentRequest,
    ) -> Result<(Payment, AuthToken), PaymentError> {
        request.validate()?;
        let (ecommerce_id, auth_token) = self.gateway.create_payment(&request).await?;
        let payment = Payment::open(&request, ecommerce_id, auth_token.clone(), self.clock.now());
        self.store.insert_payment(&payment).await?;
        Ok((payment, auth_token))
    }

    /// Starts the payment of checkout `key` (one signed order), one live
    /// payment at a time. The attempt is claimed in the store *before*
    /// ATH Móvil is asked, so of two starts at once only one creates a
    /// payment (the other is told the checkout is being started), and the
    /// payment is recorded with its claim in one transaction. While the
    /// checkout's payment is OPEN or CONFIRM, a start for the same phone
    /// answers it (nothing is sent to ATH Móvil) and one for another phone
    /// is refused; once it is COMPLETED the checkout is spent; after a
    /// cancelled or expired payment, or a start that stopped midway (its
    /// claim older than [`Self::CHECKOUT_CLAIM_LEASE_SECS`]), a new payment
    /// starts.
    ///
    /// # Errors
    /// [`RuleError::CheckoutPaid`], [`RuleError::CheckoutStarting`],
    /// [`RuleError::CheckoutOtherPhone`]; those of [`PaymentService::initiate`].
    pub async fn start_checkout(
        &self,
        key: &CheckoutKey,
        request: PaymentRequest,
    ) -> Result<Payment, PaymentError> {
        request.validate()?;
        let now = self.clock.now();
        let (attempt, over_stale) = match self.store.checkout_attempt(key).await? {
            None => (0, false),
            Some(last) => match last.payment {
                Some(record) => match record.payment.status {
                    PaymentStatus::Open | PaymentStatus::Confirm => {
                        return if record.payment.customer_phone == request.phone_number {
                            Ok(record.payment)
                        } else {
                            Err(RuleError::CheckoutOtherPhone.into())
                        };
                    }
                    PaymentStatus::Completed => return Err(RuleError::CheckoutPaid.into()),
                    PaymentStatus::Cancel | PaymentStatus::Expired => (last.attempt + 1, false),
                },
                None if (now - last.claimed_at).num_seconds() < Self::CHECKOUT_CLAIM_LEASE_SECS => {
                    return Err(RuleError::CheckoutStarting.into());
                }
                None => (last.attempt + 1, true),
            },
        };
        match self
            .store
            .claim_checkout(key, attempt, over_stale, now)
            .await
        {
            Err(StoreError::Duplicate { .. }) => return Err(RuleError::CheckoutStarting.into()),
            claimed => claimed?,
        }
        let created = self.gateway.create_payment(&request).await;
        let (ecommerce_id, auth_token) = match created {
            Ok(created) => created,
            Err(error) => {
                // No payment to wait for: the next start may claim again (a
                // payment whose creation answer was lost is unknown here, so
                // it can never be authorized: it expires). Should the release
                // fail too, the claim's lease ends it; ATH Móvil's answer is
                // the one the customer needs.
                self.store.release_checkout(key, attempt).await.ok();
                return Err(error.into());
            }
        };
        let payment = Payment::open(&request, ecommerce_id, auth_token, now);
        match self
            .store
            .insert_checkout_payment(key, attempt, &payment)
            .await
        {
            Ok(()) => Ok(payment),
            // A later start took this claim over as stale (this start was
            // slow, not dead): that start's payment is the checkout's. This
            // one is recorded nowhere, so it can never be authorized; it is
            // cancelled at ATH Móvil too so that the customer's app drops it.
            Err(StoreError::NotFound { .. }) => {
                self.gateway.cancel(&payment.ecommerce_id).await?;
                Err(RuleError::CheckoutStarting.into())
            }
            Err(error) => Err(error.into()),
        }
    }

    /// How long a checkout's claimed attempt without a payment holds off
    /// other starts: longer than creating a payment takes, with retries and
    /// waits for a connection. A start slower than this loses its claim to
    /// the next one and cancels its own payment, so the lease only decides
    /// how soon a dead start stops blocking the checkout.
    pub const CHECKOUT_CLAIM_LEASE_SECS: i64 = 120;

    /// The payment as recorded here, without asking ATH Móvil (a read that
    /// [`PaymentService::sync_status`] made a moment ago is still true).
    ///
    /// # Errors
    /// [`PaymentError::NotFound`] for a payment not recorded here; store failures.
    pub async fn stored(&self, ecommerce_id: &EcommerceId) -> Result<Payment, PaymentError> {
        Ok(self.load(ecommerce_id).await?.payment)
    }

    /// Asks ATH Móvil for the payment's status, without changing anything here.
    ///
    /// # Errors
    /// Gateway failures.
    pub async fn find_status(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<RemoteStatus, PaymentError> {
        Ok(self.gateway.find_payment(ecommerce_id).await?.status)
    }

    /// Brings the stored payment in line with ATH Móvil (findPayment).
    ///
    /// # Errors
    /// [`PaymentError::NotFound`] for a payment unknown here; gateway and store failures.
    pub async fn sync_status(&self, ecommerce_id: &EcommerceId) -> Result<Payment, PaymentError> {
        self.load(ecommerce_id).await?;
        let remote = self.gateway.find_payment(ecommerce_id).await?;
        self.change(ecommerce_id, move |payment, now| {
            Ok(payment.apply_remote(&remote, now))
        })
        .await
    }

    /// Authorizes a payment the customer confirmed; returns it COMPLETED with its reference number.
    ///
    /// # Errors
    /// [`RuleError::NoAuthToken`] for payments not initiated here; ATH Móvil's
    /// BTRA_0032 (not confirmed) or BTRA_0039 (too late) as gateway errors.
    pub async fn authorize(&self, ecommerce_id: &EcommerceId) -> Result<Payment, PaymentError> {
        let record = self.load(ecommerce_id).await?;
        if record.payment.status == PaymentStatus::Completed {
            return Ok(record.payment);
        }
        let auth_token = record.payment.auth_token.ok_or(RuleError::NoAuthToken)?;
        let remote = self.gateway.authorize(&auth_token).await?;
        self.change(ecommerce_id, move |payment, now| {
            Ok(payment.complete(&remote, now))
        })
        .await
    }

    /// Cancels a payment that is not completed. Cancelling an ended payment changes nothing.
    ///
    /// # Errors
    /// [`RuleError::Transition`] for a completed payment; gateway and store failures.
    pub async fn cancel(&self, ecommerce_id: &EcommerceId) -> Result<Payment, PaymentError> {
        let record = self.load(ecommerce_id).await?;
        match record.payment.status {
            PaymentStatus::Completed => Err(RuleError::Transition {
                from: PaymentStatus::Completed,
                to: PaymentStatus::Cancel,
            }
            .into()),
            PaymentStatus::Cancel | PaymentStatus::Expired => Ok(record.payment),
            PaymentStatus::Open | PaymentStatus::Confirm => {
                self.gateway.cancel(ecommerce_id).await?;
                self.change(ecommerce_id, |payment, now| {
                    payment.end(PaymentStatus::Cancel, now)
                })
                .await
            }
        }
    }

    /// Sends an OPEN payment to another customer phone.
    ///
    /// # Errors
    /// [`RuleError::NotOpen`] once the customer acted; gateway and store failures.
    pub async fn update_phone_number(
        &self,
        ecommerce_id: &EcommerceId,
        phone: PhoneNumber,
    ) -> Result<Payment, PaymentError> {
        let record = self.load(ecommerce_id).await?;
        record
            .payment
            .clone()
            .change_phone(phone.clone(), self.clock.now())?;
        let auth_token = record.payment.auth_token.ok_or(RuleError::NoAuthToken)?;
        self.gateway
            .update_phone_number(ecommerce_id, &phone, &auth_token)
            .await?;
        self.change(ecommerce_id, move |payment, now| {
            payment.change_phone(phone.clone(), now).map(|()| None)
        })
        .await
    }

    /// Refunds `amount` of a completed payment (all that is left when
    /// `None`), once per `intent`.
    ///
    /// The refund is first reserved as pending under the payment's lock,
    /// with its intent, so concurrent refunds never exceed the total and the
    /// same intent arriving twice (a double click, a retried request) is the
    /// same refund: it is answered with the first one's outcome and never
    /// sent again. Then ATH Móvil is called once, with no lock held; then
    /// the outcome is recorded. A lost answer, a 5xx or an unknown error code
    /// leaves the refund pending until a read of ATH Móvil settles it
    /// ([`super::Reconciler::settle_pending_refunds`]).
    ///
    /// # Errors
    /// [`PaymentError::Rule`] for each refund rule (and an intent reused for
    /// another amount); [`PaymentError::RefundPending`] while the outcome is
    /// unknown; [`PaymentError::RefundRefused`] when ATH Móvil refused it.
    pub async fn refund(
        &self,
        ecommerce_id: &EcommerceId,
        amount: Option<Amount>,
        message: RefundMessage,
        intent: RefundIntent,
    ) -> Result<Refund, PaymentError> {
        let now = self.clock.now();
        let asked = intent.clone();
        let reserve = move |record: Option<&PaymentRecord>| {
            let Some(record) = record else {
                return Ok(None);
            };
            let plan = Refund::plan(
                &record.payment,
                &record.refunds,
                amount,
                message.clone(),
                intent.clone(),
                now,
            )?;
            Ok(match plan {
                Reservation::New(refund) => Some(PaymentWrite {
                    refunds: vec![refund],
                    ..PaymentWrite::payment(record.payment.clone())
                }),
                // Seen before: nothing to write; its first outcome is read back.
                Reservation::Existing(_) => None,
            })
        };
        let key = PaymentKey::Ecommerce(*ecommerce_id);
        let step = self.store.update_payment(&key, &reserve).await?;
        let Some(reserved) = step.written else {
            let record = step.before.ok_or_else(|| not_found(ecommerce_id))?;
            let first = record
                .refunds
                .into_iter()
                .find(|r| r.intent_key.as_ref() == Some(&asked))
                .ok_or_else(|| not_found(ecommerce_id))?;
            return outcome(first);
        };
        let (Some(refund), Some(reference_number)) =
            (reserved.refunds.first(), reserved.payment.reference_number)
        else {
            return Err(RuleError::NoReferenceNumber.into());
        };
        let order = RefundOrder {
            reference_number,
            amount: refund.amount,
            message: refund.message.clone(),
        };
        let refund_id = refund.id;
        match self.gateway.refund(&order).await {
            Ok(receipt) => {
                let (answer, original) = (receipt.refund, receipt.original);
                self.settle_refund(ecommerce_id, refund_id, move |payment, refunds, i, now| {
                    settle_answered(payment, refunds, i, &answer, &original, now)
                })
                .await
            }
            Err(error) if error.is_definitive() => {
                let reason = error.to_string();
                self.settle_refund(ecommerce_id, refund_id, move |_, refunds, i, _| {
                    if refunds[i].status == RefundStatus::Pending {
                        refunds[i].failed(reason.clone());
                    }
                    None
                })
                .await?;
                Err(PaymentError::RefundRefused {
                    refund_id,
                    reason: error.to_string(),
                    source: Some(error),
                })
            }
            Err(source) => Err(PaymentError::RefundPending {
                refund_id,
                ecommerce_id: *ecommerce_id,
                source: Some(source),
            }),
        }
    }

    /// Reads ATH Móvil's transaction report between two instants.
    ///
    /// # Errors
    /// Gateway failures.
    pub async fn fetch_transaction_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AthmTransaction>, PaymentError> {
        Ok(self.gateway.transaction_report(from, to).await?)
    }

    async fn load(&self, ecommerce_id: &EcommerceId) -> Result<PaymentRecord, PaymentError> {
        self.store
            .payment(&PaymentKey::Ecommerce(*ecommerce_id))
            .await?
            .ok_or_else(|| not_found(ecommerce_id))
    }

    /// One atomic step on a stored payment: `apply` mutates it and may
    /// announce a lifecycle event; nothing is written when nothing changed.
    async fn change<F>(&self, ecommerce_id: &EcommerceId, apply: F) -> Result<Payment, PaymentError>
    where
        F: Fn(&mut Payment, DateTime<Utc>) -> Result<Option<LifecycleEvent>, RuleError>
            + Send
            + Sync
            + 'static,
    {
        let now = self.clock.now();
        let decide = move |record: Option<&PaymentRecord>| {
            let Some(record) = record else {
                return Ok(None);
            };
            let mut payment = record.payment.clone();
            let event = apply(&mut payment, now)?;
            if payment == record.payment && event.is_none() {
                return Ok(None);
            }
            let client = payment
                .customer()
                .filter(|_| payment.status == PaymentStatus::Completed);
            Ok(Some(PaymentWrite {
                client,
                events: event.into_iter().collect(),
                ..PaymentWrite::payment(payment)
            }))
        };
        let step = self
            .store
            .update_payment(&PaymentKey::Ecommerce(*ecommerce_id), &decide)
            .await?;
        step.record()
            .map(|record| record.payment)
            .ok_or_else(|| not_found(ecommerce_id))
    }

    /// Records the outcome of a refund call on the refund `refund_id`:
    /// `settle` changes the payment and its refunds (the index of
    /// `refund_id` given) and may announce a lifecycle event.
    async fn settle_refund<F>(
        &self,
        ecommerce_id: &EcommerceId,
        refund_id: RefundId,
        settle: F,
    ) -> Result<Refund, PaymentError>
    where
        F: Fn(&mut Payment, &mut [Refund], usize, DateTime<Utc>) -> Option<LifecycleEvent>
            + Send
            + Sync
            + 'static,
    {
        let now = self.clock.now();
        let decide = move |record: Option<&PaymentRecord>| {
            let Some(record) = record else {
                return Ok(None);
            };
            let Some(i) = record.refunds.iter().position(|r| r.id == refund_id) else {
                return Ok(None);
            };
            let mut payment = record.payment.clone();
            let mut refunds = record.refunds.clone();
            let event = settle(&mut payment, &mut refunds, i, now);
            if refunds == record.refunds && payment == record.payment && event.is_none() {
                return Ok(None);
            }
            // The refund itself always (the caller reads it back), others when changed.
            let changed: Vec<Refund> = refunds
                .into_iter()
                .zip(&record.refunds)
                .filter(|(new, old)| new.id == refund_id || new != *old)
                .map(|(new, _)| new)
                .collect();
            Ok(Some(PaymentWrite {
                refunds: changed,
                events: event.into_iter().collect(),
                ..PaymentWrite::payment(payment)
            }))
        };
        let key = PaymentKey::Ecommerce(*ecommerce_id);
        let step = self.store.update_payment(&key, &decide).await?;
        let refunds = step
            .record()
            .ok_or_else(|| not_found(ecommerce_id))?
            .refunds;
        refunds
            .into_iter()
            .find(|r| r.id == refund_id)
            .ok_or_else(|| PaymentError::NotFound(format!("refund {refund_id}")))
    }
}

/// ATH Móvil answered refund `i`: it is completed with ATH Móvil's reference
/// number, and the payment follows ATH Móvil's refunded total. A refund
/// webhook may have settled another pending refund of the same amount with
/// this very reference before the answer came: that one's outcome is then
/// unknown again (it waits for its own read), and the refund is announced once.
fn settle_answered(
    payment: &mut Payment,
    refunds: &mut [Refund],
    i: usize,
    answer: &AthmTransaction,
    original: &AthmTransaction,
    now: DateTime<Utc>,
) -> Option<LifecycleEvent> {
    if let Some(reported) = original.total_refunded_amount {
        payment.follow_refunded_total(reported, now);
    }
    let mut announced = false;
    if let Some(reference) = &answer.reference_number {
        for (j, other) in refunds.iter_mut().enumerate() {
            if j != i && other.reference_number.as_ref() == Some(reference) {
                other.status = RefundStatus::Pending;
                other.reference_number = None;
                other.daily_transaction_id = None;
                other.transaction_date = None;
                announced = true;
            }
        }
    }
    let refund = &mut refunds[i];
    let first = refund.status == RefundStatus::Pending;
    refund.completed(answer);
    (first && !announced).then(|| refund.lifecycle(now))
}

/// A refund intent seen before, answered with its outcome so far.
fn outcome(refund: Refund) -> Result<Refund, PaymentError> {
    match refund.status {
        RefundStatus::Completed => Ok(refund),
        RefundStatus::Pending => Err(PaymentError::RefundPending {
            refund_id: refund.id,
            ecommerce_id: refund.ecommerce_id,
            source: None,
        }),
        RefundStatus::Failed => Err(PaymentError::RefundRefused {
            refund_id: refund.id,
            reason: refund.failure.unwrap_or_default(),
            source: None,
        }),
    }
}

fn not_found(ecommerce_id: &EcommerceId) -> PaymentError {
    PaymentError::NotFound(ecommerce_id.to_string())
}
