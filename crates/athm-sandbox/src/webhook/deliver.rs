//! Delivering one event: copies, retries with exponential backoff, the log.

use std::sync::Arc;

use serde_json::Value;

use super::{DeliveryAttempt, DeliveryOutcome, EventKind, Hub, lock};
use crate::ledger::Event;

impl Hub {
    /// Starts the deliveries of one event, if its business subscribed to it.
    pub(super) fn announce(self: Arc<Self>, event_id: u64, event: Event) {
        let (kind, payment) = match &event {
            Event::Completed(p) => (EventKind::EcommerceCompleted, p),
            Event::Cancelled(p) => (EventKind::EcommerceCancelled, p),
            Event::Expired(p) => (EventKind::EcommerceExpired, p),
            Event::Refunded(p, _) => (EventKind::Refund, p),
        };
        let Some(subscription) = self.subscription(&payment.public_token) else {
            return;
        };
        if !subscription.wants(kind) {
            return;
        }
        let Some(merchant) = self
            .merchants
            .iter()
            .find(|m| m.public_token == payment.public_token)
        else {
            return;
        };
        let settings = lock(&self.settings).clone();
        let body = super::payload::build(&event, merchant, settings.shape, self.clock.now());
        for copy in 0..settings.copies {
            let hub = self.clone();
            let url = subscription.listener_url.clone();
            let body = body.clone();
            tokio::spawn(async move { hub.deliver(event_id, kind, copy, url, body).await });
        }
    }

    async fn deliver(&self, event_id: u64, kind: EventKind, copy: u32, url: String, body: Value) {
        let attempts = self.config.max_attempts.max(1);
        let mut backoff = self.config.backoff;
        for attempt in 1..=attempts {
            let outcome = match self.client.post(&url).json(&body).send().await {
                Ok(answer) if answer.status().is_success() => DeliveryOutcome::Delivered {
                    status: answer.status().as_u16(),
                },
                Ok(answer) => DeliveryOutcome::Rejected {
                    status: answer.status().as_u16(),
                },
                Err(error) => DeliveryOutcome::Failed {
                    error: error.to_string(),
                },
            };
            let delivered = matches!(outcome, DeliveryOutcome::Delivered { .. });
            self.record(DeliveryAttempt {
                event_id,
                kind,
                copy,
                attempt,
                url: url.clone(),
                outcome,
                payload: body.clone(),
                at: self.clock.now(),
            });
            if delivered {
                return;
            }
            if attempt < attempts {
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        }
        tracing::warn!(event_id, %url, "webhook not delivered after {attempts} attempts");
    }
}
