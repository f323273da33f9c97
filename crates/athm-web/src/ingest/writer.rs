//! The group-commit writer: each delivery hands its prepared event to one
//! task, which stores everything queued at that moment (at most
//! [`MAX_BATCH`] events) in one transaction
//! ([`WebhookInbox::insert_webhook_events`]) and answers each delivery by its
//! own event's result.

use std::sync::Arc;

use athm_domain::ports::WebhookInbox;
use athm_domain::webhook::WebhookEvent;
use tokio::sync::{mpsc, oneshot};

use super::{IngestError, MAX_BATCH};
use crate::metrics::Metrics;

/// Deliveries waiting for the writer before new ones wait to be queued.
const WRITE_QUEUE: usize = 4 * MAX_BATCH;

/// What the writer answers: the stored event and whether this delivery
/// created it, or why this event is not stored.
type Stored = Result<(WebhookEvent, bool), IngestError>;

struct Write {
    event: WebhookEvent,
    reply: oneshot::Sender<Stored>,
}

/// The handle on the writer task; the task ends when the handle is dropped.
pub(crate) struct Writer {
    queue: mpsc::Sender<Write>,
}

impl Writer {
    /// Starts the writer task (inside a Tokio runtime), storing through `inbox`.
    pub(crate) fn spawn(inbox: Arc<dyn WebhookInbox>, metrics: Arc<Metrics>) -> Self {
        let (queue, receiver) = mpsc::channel(WRITE_QUEUE);
        tokio::spawn(write_loop(inbox, metrics, receiver));
        Self { queue }
    }

    /// Stores `event` with whatever else is queued; returns once the batch
    /// is committed, with this event's own result.
    pub(crate) async fn store(&self, event: WebhookEvent) -> Stored {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Write { event, reply })
            .await
            .map_err(|_| IngestError::Stopped)?;
        answer.await.map_err(|_| IngestError::Dropped)?
    }
}

async fn write_loop(
    inbox: Arc<dyn WebhookInbox>,
    metrics: Arc<Metrics>,
    mut receiver: mpsc::Receiver<Write>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (events, replies): (Vec<_>, Vec<_>) = batch
            .drain(..)
            .map(|write: Write| (write.event, write.reply))
            .unzip();
        metrics.webhook_batch(events.len());
        let results = inbox.insert_webhook_events(&events).await;
        if results.len() != events.len() {
            tracing::error!(
                events = events.len(),
                results = results.len(),
                "the store answered a batch of webhook events with the wrong number of results; they are answered 500"
            );
        }
        let mut results = results.into_iter();
        for (event, reply) in events.iter().zip(replies) {
            let result = match results.next() {
                Some(result) => result.map_err(IngestError::Store),
                None => Err(IngestError::Dropped),
            };
            if let Err(error) = &result {
                tracing::error!(
                    event_id = %event.id,
                    error = %crate::error::chain(error),
                    "storing a webhook event failed; its delivery is answered 500"
                );
            }
            // A delivery whose request was dropped meanwhile has nobody to answer.
            let _ = reply.send(result);
        }
    }
}
