//! Lifecycle events: what subscribers (the merchant's order logic) are told.

use chrono::{DateTime, Duration, Utc};
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

impl LifecycleEvent {
    /// A stable id for this event (`evt_` + 32 hex digits), derived from its
    /// content: the same event redelivered has the same id on every
    /// instance, so a subscriber can drop the copies of an at-least-once delivery.
    pub fn event_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = format!(
            "{}|{}|{}|{}|{}",
            self.kind.as_str(),
            self.ecommerce_id,
            self.reference_number.as_ref().map_or("", |r| r.as_str()),
            self.amount,
            self.occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        let digest = Sha256::digest(text.as_bytes());
        format!("evt_{}", hex::encode(&digest[..16]))
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

/// How long after its `attempts`-th failed delivery a lifecycle event may be
/// claimed again: `attempts²` seconds, at most one hour. The outbox
/// applies it ([`crate::ports::Outbox::record_lifecycle_delivery`]) as it
/// counts the attempt, in the same transaction.
pub fn redelivery_delay(attempts: u32) -> Duration {
    let secs = i64::from(attempts).saturating_mul(i64::from(attempts));
    Duration::seconds(secs.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{amount, ecommerce_id, now};

    #[test]
    fn an_event_id_is_stable_and_differs_between_events() {
        let event = LifecycleEvent {
            kind: LifecycleKind::PaymentCompleted,
            ecommerce_id: ecommerce_id(),
            reference_number: None,
            amount: amount("25.00"),
            occurred_at: now(),
        };
        let id = event.event_id();
        assert_eq!(id, event.clone().event_id());
        assert!(id.starts_with("evt_") && id.len() == 36, "{id}");
        let refund = LifecycleEvent {
            kind: LifecycleKind::RefundSent,
            ..event.clone()
        };
        assert_ne!(refund.event_id(), id);
        let later = LifecycleEvent {
            occurred_at: now() + chrono::Duration::microseconds(1),
            ..event
        };
        assert_ne!(later.event_id(), id);
    }
}
