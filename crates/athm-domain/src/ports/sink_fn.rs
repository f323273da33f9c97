//! An [`EventSink`] from an async closure: register a lifecycle-event handler in a few lines.

use std::future::Future;

use async_trait::async_trait;

use super::{EventSink, EventSinkError};
use crate::model::LifecycleEvent;

impl EventSinkError {
    /// A subscriber failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// An [`EventSink`] that calls an async closure with each event; made by [`event_sink_fn`].
#[derive(Clone)]
pub struct FnEventSink<F>(F);

impl<F> std::fmt::Debug for FnEventSink<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnEventSink")
    }
}

/// Wraps an async closure as an [`EventSink`]. The closure gets each event
/// (owned) after its change is committed, at least once and in order per
/// payment; an `Err` leaves the event undelivered, to be offered again.
///
/// ```
/// use athm_domain::LifecycleKind;
/// use athm_domain::ports::{EventSinkError, event_sink_fn};
///
/// let sink = event_sink_fn(|event| async move {
///     if event.kind == LifecycleKind::PaymentCompleted {
///         println!("payment {} completed: mark the order paid", event.ecommerce_id);
///     }
///     Ok::<_, EventSinkError>(())
/// });
/// # let _ = sink;
/// ```
pub fn event_sink_fn<F, Fut>(handler: F) -> FnEventSink<F>
where
    F: Fn(LifecycleEvent) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), EventSinkError>> + Send,
{
    FnEventSink(handler)
}

#[async_trait]
impl<F, Fut> EventSink for FnEventSink<F>
where
    F: Fn(LifecycleEvent) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), EventSinkError>> + Send,
{
    async fn publish(&self, event: &LifecycleEvent) -> Result<(), EventSinkError> {
        (self.0)(event.clone()).await
    }
}
