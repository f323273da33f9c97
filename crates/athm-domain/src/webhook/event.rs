//! A webhook event as stored: the raw payload, its key, and how processing went.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{EcommerceId, ReferenceNumber, WebhookEventId};

/// What a webhook event announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An ecommerce payment was completed.
    EcommerceCompleted,
    /// An ecommerce payment was cancelled.
    EcommerceCancelled,
    /// An ecommerce payment expired.
    EcommerceExpired,
    /// A refund was sent.
    Refund,
    /// A "Pay a Business" payment (not ecommerce) was received.
    Payment,
    /// A donation was received.
    Donation,
    /// A test event from the Business app.
    Simulated,
    /// Readable, but of a type or status we do not act on.
    Unknown,
    /// Not readable at all (kept for audit).
    Malformed,
}

impl EventKind {
    /// Whether events of this kind can change a payment or refund (and so
    /// must be confirmed with ATH Móvil): ecommerce and refund events.
    pub fn changes_money(self) -> bool {
        matches!(
            self,
            Self::EcommerceCompleted
                | Self::EcommerceCancelled
                | Self::EcommerceExpired
                | Self::Refund
        )
    }

    /// Every kind.
    pub const ALL: [EventKind; 9] = [
        Self::EcommerceCompleted,
        Self::EcommerceCancelled,
        Self::EcommerceExpired,
        Self::Refund,
        Self::Payment,
        Self::Donation,
        Self::Simulated,
        Self::Unknown,
        Self::Malformed,
    ];

    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EcommerceCompleted => "ecommerce_completed",
            Self::EcommerceCancelled => "ecommerce_cancelled",
            Self::EcommerceExpired => "ecommerce_expired",
            Self::Refund => "refund",
            Self::Payment => "payment",
            Self::Donation => "donation",
            Self::Simulated => "simulated",
            Self::Unknown => "unknown",
            Self::Malformed => "malformed",
        }
    }

    /// Reads a name written by [`EventKind::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How processing of a stored event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Stored, not processed yet (or to be retried).
    Pending,
    /// Applied (or deliberately ignored); a redelivery is a no-op.
    Processed,
    /// Processing failed; a redelivery or the recovery worker runs it again.
    Failed,
    /// Not applied because it could not be trusted or read; shown in the admin.
    Flagged,
}

impl EventStatus {
    /// Every status, in the order a filter offers them.
    pub const ALL: [EventStatus; 4] = [Self::Pending, Self::Processed, Self::Failed, Self::Flagged];

    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processed => "processed",
            Self::Failed => "failed",
            Self::Flagged => "flagged",
        }
    }

    /// Reads a name written by [`EventStatus::as_str`] (any case,
    /// surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// A webhook event as received and stored, before or after processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// Our id.
    pub id: WebhookEventId,
    /// Unique per distinct event: a redelivery has the same key.
    pub idempotency_key: String,
    /// What it announces.
    pub kind: EventKind,
    /// The payment it concerns, when it names one.
    pub ecommerce_id: Option<EcommerceId>,
    /// The reference number it carries, if any.
    pub reference_number: Option<ReferenceNumber>,
    /// The body exactly as received.
    pub payload: String,
    /// The address of the sender (the socket peer, or the client a trusted
    /// proxy names), when known: for audit of forged deliveries.
    pub remote_addr: Option<String>,
    /// How processing went.
    pub status: EventStatus,
    /// Why processing failed or the event was flagged.
    pub error: Option<String>,
    /// How many times processing was attempted.
    pub attempts: u32,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// When it was processed.
    pub processed_at: Option<DateTime<Utc>>,
}

/// How long after its `attempts`-th processing attempt, which left it
/// flagged, a webhook event is checked again: 10 s, 30 s, 2 min, 10 min,
/// 1 h and 6 h after the 1st to 6th attempt, then never again (`None`: a
/// person decides, see [`crate::ports::WebhookInbox::claim_flagged_events`]). `attempts` counts
/// every recorded attempt of the event, this one included, so a flag that
/// follows failed attempts starts further along the schedule. The inbox
/// applies it ([`crate::ports::WebhookInbox::record_event_outcome`]) as it
/// counts the attempt, in the same transaction.
pub fn flagged_recheck_delay(attempts: u32) -> Option<Duration> {
    let secs = match attempts {
        0 | 1 => 10,
        2 => 30,
        3 => 2 * 60,
        4 => 10 * 60,
        5 => 60 * 60,
        6 => 6 * 60 * 60,
        _ => return None,
    };
    Some(Duration::seconds(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flagged_event_is_checked_again_six_times_further_apart_then_left_to_a_person() {
        let minutes = |m: i64| Some(Duration::minutes(m));
        for (attempts, delay) in [
            (0, Some(Duration::seconds(10))),
            (1, Some(Duration::seconds(10))),
            (2, Some(Duration::seconds(30))),
            (3, minutes(2)),
            (4, minutes(10)),
            (5, minutes(60)),
            (6, minutes(360)),
            (7, None),
            (u32::MAX, None),
        ] {
            assert_eq!(
                flagged_recheck_delay(attempts),
                delay,
                "after attempt {attempts}"
            );
        }
    }
}
