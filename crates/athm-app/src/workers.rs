//! What `athm serve` does with lifecycle events: it logs them. Library users
//! register their own [`EventSink`] through `athm_web::embed::Workers`.

use async_trait::async_trait;
use athm_domain::model::LifecycleEvent;
use athm_domain::ports::{EventSink, EventSinkError};

/// Logs each lifecycle event as it is delivered.
pub(crate) struct LogSink;

#[async_trait]
impl EventSink for LogSink {
    async fn publish(&self, event: &LifecycleEvent) -> Result<(), EventSinkError> {
        tracing::info!(
            kind = event.kind.as_str(),
            ecommerce_id = %event.ecommerce_id,
            amount = %event.amount,
            "lifecycle event"
        );
        Ok(())
    }
}
