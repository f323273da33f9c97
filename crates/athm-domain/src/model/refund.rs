//! Refunds and the rules that decide whether one may be sent.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Amount, AthmTransaction, EcommerceId, LifecycleEvent, LifecycleKind, Payment, PaymentStatus,
    PhoneNumber, ReferenceNumber, RefundId, RefundIntent, RefundMessage,
};
use crate::error::RuleError;

/// Where a refund is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    /// Recorded before calling ATH Móvil; its outcome is not known yet.
    Pending,
    /// ATH Móvil refunded the money.
    Completed,
    /// ATH Móvil refused it; no money moved.
    Failed,
}

impl RefundStatus {
    /// Every status, in the order a filter offers them.
    pub const ALL: [RefundStatus; 3] = [Self::Pending, Self::Completed, Self::Failed];

    /// `PENDING`, `COMPLETED` or `FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }

    /// Reads a name written by [`RefundStatus::as_str`] (any case,
    /// surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Money returned to the customer of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Our id, known before ATH Móvil answers.
    pub id: RefundId,
    /// The payment refunded.
    pub ecommerce_id: EcommerceId,
    /// The caller's intent this refund was sent for (`None` for a refund
    /// made elsewhere, learned from ATH Móvil): unique per payment, so the
    /// same intent is one refund however often it arrives.
    pub intent_key: Option<RefundIntent>,
    /// Where the refund is.
    pub status: RefundStatus,
    /// ATH Móvil's reference number for the refund, once completed.
    pub reference_number: Option<ReferenceNumber>,
    /// The business's transaction count of the day.
    pub daily_transaction_id: Option<String>,
    /// How much.
    pub amount: Amount,
    /// The message sent to the customer.
    pub message: RefundMessage,
    /// The customer's name.
    pub customer_name: String,
    /// The customer's phone number.
    pub customer_phone: Option<PhoneNumber>,
    /// The customer's email.
    pub customer_email: String,
    /// When ATH Móvil made the refund.
    pub transaction_date: Option<DateTime<Utc>>,
    /// Why ATH Móvil refused it, for a failed refund.
    pub failure: Option<String>,
    /// When the refund was recorded here.
    pub created_at: DateTime<Utc>,
}

/// What [`Refund::plan`] decided for a refund intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// A new pending refund to record, then send.
    New(Refund),
    /// The intent was seen before: this is its refund, in whatever state it
    /// reached. Nothing is sent again.
    Existing(Refund),
}

impl Reservation {
    /// The refund, new or seen before.
    pub fn into_refund(self) -> Refund {
        match self {
            Self::New(refund) | Self::Existing(refund) => refund,
        }
    }
}

/// How a refund ATH Móvil reports (a refund answer, a report row, a verified
/// webhook) matches the refunds recorded for its payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundMatch {
    /// The refund with ATH Móvil's reference number is recorded already.
    Known(usize),
    /// It settles this recorded refund: a pending one of the same amount
    /// (whose answer was lost), or a completed one learned without ATH
    /// Móvil's reference number.
    Settles(usize),
    /// A refund not recorded here (made in the ATH Business app).
    New,
}

/// The amounts of `refunds` in `status`, but the one at `skip`.
fn sum(refunds: &[Refund], status: RefundStatus, skip: Option<usize>) -> Amount {
    refunds
        .iter()
        .enumerate()
        .filter(|(i, r)| r.status == status && Some(*i) != skip)
        .map(|(_, r)| r.amount)
        .sum()
}

/// The amount a refund transaction moved: `total`, or the refund answer's `refundedAmount`.
pub fn refund_amount(remote: &AthmTransaction) -> Amount {
    remote
        .total
        .or(remote.total_refunded_amount)
        .unwrap_or_default()
}

/// What ATH Móvil would still refund of `payment`, with `refunds` recorded
/// here: the total, less what ATH Móvil says is refunded (or what completed
/// here, if more is known), less the pending refunds (their outcome is not
/// known, so they count as spent and concurrent refunds never exceed the total).
/// The one rule the refund form, the API and [`Refund::plan`] all use.
pub fn refundable(payment: &Payment, refunds: &[Refund]) -> Amount {
    let sum = |status| {
        refunds
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.amount)
            .sum::<Amount>()
    };
    let refunded = payment
        .total_refunded_amount
        .max(sum(RefundStatus::Completed));
    payment
        .total
        .minus(refunded)
        .and_then(|left| left.minus(sum(RefundStatus::Pending)))
        .unwrap_or_default()
}

impl Refund {
    /// Decides the refund `intent` asks for: `amount` of `payment` (all that
    /// is left when `None`), given its other `refunds`. The same intent seen
    /// before is that refund ([`Reservation::Existing`]), never a second one.
    ///
    /// # Errors
    /// Each refund rule ([`RuleError`]); [`RuleError::IntentReused`] when the
    /// intent was used for another amount.
    pub fn plan(
        payment: &Payment,
        refunds: &[Refund],
        amount: Option<Amount>,
        message: RefundMessage,
        intent: RefundIntent,
        now: DateTime<Utc>,
    ) -> Result<Reservation, RuleError> {
        if let Some(existing) = refunds
            .iter()
            .find(|r| r.intent_key.as_ref() == Some(&intent))
        {
            if amount.is_some_and(|a| a != existing.amount) {
                return Err(RuleError::IntentReused {
                    intent: intent.to_string(),
                    amount: existing.amount.value(),
                });
            }
            return Ok(Reservation::Existing(existing.clone()));
        }
        if payment.status != PaymentStatus::Completed {
            return Err(RuleError::NotCompleted(payment.status));
        }
        if payment.reference_number.is_none() {
            return Err(RuleError::NoReferenceNumber);
        }
        let refundable = refundable(payment, refunds);
        if refundable.is_zero() {
            return Err(RuleError::FullyRefunded);
        }
        let amount = amount.unwrap_or(refundable);
        if amount.is_zero() {
            return Err(RuleError::NonPositiveRefund);
        }
        if amount > refundable {
            return Err(RuleError::RefundExceeds {
                requested: amount.value(),
                refundable: refundable.value(),
            });
        }
        Ok(Reservation::New(Refund {
            intent_key: Some(intent),
            message,
            ..Refund::blank(payment, amount, now)
        }))
    }

    /// A completed refund ATH Móvil told us about (a verified webhook or a
    /// report row) that was not sent from here.
    pub fn from_remote(payment: &Payment, remote: &AthmTransaction, now: DateTime<Utc>) -> Refund {
        let mut refund = Refund {
            message: remote.message.parse().unwrap_or_default(),
            ..Refund::blank(payment, refund_amount(remote), now)
        };
        refund.completed(remote);
        refund
    }

    /// How `remote`, a refund ATH Móvil reports, matches `refunds`: by its
    /// reference number first; else it settles a refund of the same amount
    /// (and, when the news carries one, the same message) still waiting for
    /// ATH Móvil's word, oldest first. A failed refund never matches, and
    /// news without a reference of its own matches none.
    pub fn match_remote(refunds: &[Refund], remote: &AthmTransaction) -> RefundMatch {
        let amount = refund_amount(remote);
        if let Some(reference) = &remote.reference_number
            && let Some(i) = refunds
                .iter()
                .position(|r| r.reference_number.as_ref() == Some(reference))
        {
            return RefundMatch::Known(i);
        }
        // News that names no refund of its own cannot say which refund it
        // is: it never settles a particular one (only the payment's total
        // follows ATH Móvil).
        if remote.reference_number.is_none() {
            return RefundMatch::New;
        }
        // A refund whose message is not this one's was sent by someone else
        // (the ATH Business app), whatever its amount.
        let same_message =
            |r: &Refund| remote.message.is_empty() || remote.message == r.message.as_str();
        let unreferenced = |r: &Refund| {
            r.amount == amount
                && same_message(r)
                && match r.status {
                    RefundStatus::Pending => true,
                    RefundStatus::Completed => r.reference_number.is_none(),
                    RefundStatus::Failed => false,
                }
        };
        refunds
            .iter()
            .position(unreferenced)
            .map_or(RefundMatch::New, RefundMatch::Settles)
    }

    /// Whether ATH Móvil's refunded total `reported` for the payment leaves
    /// room for `remote` beside the refunds completed here: a refund that
    /// would make the completed refunds exceed what ATH Móvil says is
    /// refunded is not this payment's (or not real).
    pub fn is_covered(refunds: &[Refund], remote: &AthmTransaction, reported: Amount) -> bool {
        let completed = |skip: Option<usize>| sum(refunds, RefundStatus::Completed, skip);
        match Self::match_remote(refunds, remote) {
            // Named by no reference of its own, a new refund is not recorded
            // (only the payment's total follows ATH Móvil): nothing to cover.
            RefundMatch::New if remote.reference_number.is_none() => true,
            RefundMatch::Known(_) => true,
            RefundMatch::Settles(i) => completed(Some(i)).plus(refund_amount(remote)) <= reported,
            RefundMatch::New => completed(None).plus(refund_amount(remote)) <= reported,
        }
    }

    /// Whether `remote`, a refund that names no payment, could be this
    /// payment's at all: ATH Móvil's refunded total `reported` holds it
    /// beside the refunds completed here (whichever pending ones happened,
    /// the payment it refunds passes this). Two payments that could hold it
    /// make it a question for a person, even when only one [`Self::fits`].
    pub fn could_be_of(refunds: &[Refund], remote: &AthmTransaction, reported: Amount) -> bool {
        match Self::match_remote(refunds, remote) {
            RefundMatch::Known(_) => true,
            RefundMatch::Settles(_) => Self::is_covered(refunds, remote, reported),
            RefundMatch::New => {
                sum(refunds, RefundStatus::Completed, None).plus(refund_amount(remote)) <= reported
            }
        }
    }

    /// Whether `remote`, a refund that names no payment, may be this
    /// payment's, by ATH Móvil's refunded total `reported` alone: it settles
    /// a pending refund here that the total covers ([`Self::is_covered`]);
    /// or the total has room for it beside the completed refunds and every
    /// pending one (their outcome is unknown: room that athm's own lost
    /// answer left is no room for another refund); or it is exactly what
    /// the total holds beyond the refunds recorded here, whichever pending
    /// ones happened. A refund that may be two payments' is no one's: a
    /// person links it.
    pub fn fits(refunds: &[Refund], remote: &AthmTransaction, reported: Amount) -> bool {
        match Self::match_remote(refunds, remote) {
            RefundMatch::Known(_) => true,
            RefundMatch::Settles(_) => Self::is_covered(refunds, remote, reported),
            RefundMatch::New => {
                let completed = sum(refunds, RefundStatus::Completed, None);
                let pending: Vec<Amount> = refunds
                    .iter()
                    .filter(|r| r.status == RefundStatus::Pending)
                    .map(|r| r.amount)
                    .collect();
                let amount = refund_amount(remote);
                let all_pending: Amount = pending.iter().copied().sum();
                if completed.plus(all_pending).plus(amount) <= reported {
                    return true;
                }
                // Each pending refund happened or not: 2^n totals (n is a
                // handful; past 8, only "none" and "all" are weighed).
                let subsets: u32 = if pending.len() <= 8 {
                    1 << pending.len()
                } else {
                    2
                };
                (0..subsets).any(|mask| {
                    let happened: Amount = if pending.len() <= 8 {
                        pending
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, a)| *a)
                            .sum()
                    } else if mask == 0 {
                        Amount::ZERO
                    } else {
                        pending.iter().copied().sum()
                    };
                    completed.plus(happened).plus(amount) == reported
                })
            }
        }
    }

    /// A pending refund of `amount` of `payment`, with no intent or message yet.
    fn blank(payment: &Payment, amount: Amount, now: DateTime<Utc>) -> Refund {
        Refund {
            id: RefundId::random(),
            ecommerce_id: payment.ecommerce_id,
            intent_key: None,
            status: RefundStatus::Pending,
            reference_number: None,
            daily_transaction_id: None,
            amount,
            message: RefundMessage::default(),
            customer_name: payment.customer_name.clone(),
            customer_phone: payment.customer_phone.clone(),
            customer_email: payment.customer_email.clone(),
            transaction_date: None,
            failure: None,
            created_at: now,
        }
    }

    /// ATH Móvil made the refund: record its reference, date and customer data.
    pub fn completed(&mut self, remote: &AthmTransaction) {
        self.status = RefundStatus::Completed;
        self.reference_number = remote
            .reference_number
            .clone()
            .or(self.reference_number.take());
        self.daily_transaction_id = remote
            .daily_transaction_id
            .clone()
            .or(self.daily_transaction_id.take());
        self.transaction_date = remote.date.or(self.transaction_date);
        if !remote.customer_name.is_empty() {
            self.customer_name.clone_from(&remote.customer_name);
        }
        if remote.customer_phone.is_some() {
            self.customer_phone.clone_from(&remote.customer_phone);
        }
        if !remote.customer_email.is_empty() {
            self.customer_email.clone_from(&remote.customer_email);
        }
    }

    /// ATH Móvil refused the refund: no money moved.
    pub fn failed(&mut self, reason: impl Into<String>) {
        self.status = RefundStatus::Failed;
        self.failure = Some(reason.into());
    }

    /// The lifecycle event announcing this refund.
    pub fn lifecycle(&self, now: DateTime<Utc>) -> LifecycleEvent {
        LifecycleEvent {
            kind: LifecycleKind::RefundSent,
            ecommerce_id: self.ecommerce_id,
            reference_number: self.reference_number.clone(),
            amount: self.amount,
            occurred_at: now,
        }
    }
}
