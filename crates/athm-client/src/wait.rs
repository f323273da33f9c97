//! Waiting for the customer: poll `findPayment` until the payment is
//! confirmed, completed, cancelled or expired, or time runs out.

use std::time::Duration;

use athm_domain::ports::{AthmGateway, GatewayError};
use athm_domain::{AthmTransaction, EcommerceId, RemoteStatus};
use tokio::time::Instant;

use crate::client::AthmClient;

/// Why [`AthmClient::wait_for_confirmation`] did not end with a confirmation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The payment was cancelled or expired (findPayment says CANCEL for
    /// both) before the customer confirmed it; the final transaction is kept.
    #[error("the payment ended as {} before the customer confirmed it", .0.status)]
    Ended(Box<AthmTransaction>),
    /// Time ran out while the payment was still waiting.
    #[error("the customer did not confirm the payment within {waited:?} (last status: {last:?})")]
    TimedOut {
        /// How long we waited.
        waited: Duration,
        /// The last status seen, if any poll succeeded.
        last: Option<RemoteStatus>,
    },
    /// findPayment failed definitively (not found, bad token, undecodable…).
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

impl AthmClient {
    /// Polls `findPayment` every `interval` until the payment is CONFIRM or
    /// COMPLETED and returns it.
    ///
    /// Transient failures (unavailable, rate limited) are polled through
    /// until `timeout`.
    ///
    /// # Errors
    /// [`WaitError::Ended`] when the payment is cancelled or expired,
    /// [`WaitError::TimedOut`] after `timeout`, [`WaitError::Gateway`] when
    /// findPayment is refused or its answer cannot be read.
    pub async fn wait_for_confirmation(
        &self,
        ecommerce_id: &EcommerceId,
        timeout: Duration,
        interval: Duration,
    ) -> Result<AthmTransaction, WaitError> {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut last = None;
        loop {
            match tokio::time::timeout_at(deadline, self.find_payment(ecommerce_id)).await {
                Ok(Ok(transaction)) => match transaction.status {
                    RemoteStatus::Confirm | RemoteStatus::Completed => return Ok(transaction),
                    RemoteStatus::Cancelled | RemoteStatus::Expired => {
                        return Err(WaitError::Ended(Box::new(transaction)));
                    }
                    other => last = Some(other),
                },
                Ok(Err(
                    error @ (GatewayError::Unavailable { .. } | GatewayError::RateLimited { .. }),
                )) => {
                    tracing::debug!(%error, "findPayment failed for now; still waiting");
                }
                Ok(Err(error)) => return Err(error.into()),
                Err(_elapsed) => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(WaitError::TimedOut {
                    waited: now - started,
                    last,
                });
            }
            tokio::time::sleep_until((now + interval).min(deadline)).await;
        }
    }
}
