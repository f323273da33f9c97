//! Where lifecycle events go once committed: the merchant's order logic,
//! outbound notifications.

use async_trait::async_trait;

use crate::model::LifecycleEvent;

/// Why a subscriber could not take an event; it will be offered again.
#[derive(Debug, thiserror::Error)]
#[error("the lifecycle event subscriber failed: {message}")]
pub struct EventSinkError {
    /// What went wrong, for the logs and the admin.
    pub message: String,
}

/// Receives lifecycle events after the change they report is committed, at least once and in order per payment.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Takes one event.
    ///
    /// # Errors
    /// [`EventSinkError`] when the subscriber could not take it; the event stays
    /// undelivered and is offered again later.
    async fn publish(&self, event: &LifecycleEvent) -> Result<(), EventSinkError>;
}
