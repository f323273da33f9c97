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
    /// `PENDING`, `COMPLETED` or `FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }

    /// Reads a name written by [`RefundStatus::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Completed, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
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

impl Refund {
    /// Decides whether `payment` may be refunded `amount` (all that is left
    /// when `None`), given its other `refunds`; pending ones count as spent so
    /// concurrent refunds can never exceed the total. Returns the pending refund to record.
    pub fn plan(
        payment: &Payment,
        refunds: &[Refund],
        amount: Option<Amount>,
        message: RefundMessage,
        now: DateTime<Utc>,
    ) -> Result<Refund, RuleError> {
        if payment.status != PaymentStatus::Completed {
            return Err(RuleError::NotCompleted(payment.status));
        }
        if payment.reference_number.is_none() {
            return Err(RuleError::NoReferenceNumber);
        }
        let pending: Amount = refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Pending)
            .map(|r| r.amount)
            .sum();
        let refundable = payment
            .refundable_amount()
            .minus(pending)
            .unwrap_or_default();
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
        Ok(Refund {
            id: RefundId::random(),
            ecommerce_id: payment.ecommerce_id,
            intent_key: None,
            status: RefundStatus::Pending,
            reference_number: None,
            daily_transaction_id: None,
            amount,
            message,
            customer_name: payment.customer_name.clone(),
            customer_phone: payment.customer_phone.clone(),
            customer_email: payment.customer_email.clone(),
            transaction_date: None,
            failure: None,
            created_at: now,
        })
    }

    /// A completed refund ATH Móvil told us about (a webhook or report row) that we did not send.
    pub fn from_remote(payment: &Payment, remote: &AthmTransaction, now: DateTime<Utc>) -> Refund {
        let mut refund = Refund {
            id: RefundId::random(),
            ecommerce_id: payment.ecommerce_id,
            intent_key: None,
            status: RefundStatus::Pending,
            reference_number: None,
            daily_transaction_id: None,
            amount: remote
                .total
                .or(remote.total_refunded_amount)
                .unwrap_or_default(),
            message: RefundMessage::default(),
            customer_name: payment.customer_name.clone(),
            customer_phone: payment.customer_phone.clone(),
            customer_email: payment.customer_email.clone(),
            transaction_date: None,
            failure: None,
            created_at: now,
        };
        refund.message = remote.message.parse().unwrap_or_default();
        refund.completed(remote);
        refund
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
