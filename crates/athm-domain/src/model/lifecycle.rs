//! Lifecycle events: what subscribers (the merchant's order logic) are told.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Amount, EcommerceId, ReferenceNumber};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleKind {
    /// The payment was completed (sent once, on the first completion).
    PaymentCompleted,
    /// The payment was cancelled.
    PaymentCancelled,
    /// The payment expired before the customer approved it.
    PaymentExpired,
    /// Money was refunded to the customer.
    RefundSent,
}

impl LifecycleKind {
    /// The snake_case name (`payment_completed`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentCompleted => "payment_completed",
            Self::PaymentCancelled => "payment_cancelled",
            Self::PaymentExpired => "payment_expired",
            Self::RefundSent => "refund_sent",
        }
    }

    /// Reads a name written by [`LifecycleKind::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::PaymentCompleted,
            Self::PaymentCancelled,
            Self::PaymentExpired,
            Self::RefundSent,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One lifecycle event of one payment, written in the same transaction as the change it reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// What happened.
    pub kind: LifecycleKind,
    /// The payment it happened to.
    pub ecommerce_id: EcommerceId,
    /// The payment's reference number (the refund's, for [`LifecycleKind::RefundSent`]).
    pub reference_number: Option<ReferenceNumber>,
    /// The payment's total, or the amount refunded.
    pub amount: Amount,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}
