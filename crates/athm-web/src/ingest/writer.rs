//! The group-commit writer: each delivery hands its prepared event to one
//! task, which stores everything queued at that moment (at most
//! [`MAX_BATCH`] events) in one transaction
//! ([`WebhookInbox::insert_webhook_events`]) and answers each delivery by its
//! own event's result.

use std::sync::Arc;

use athm_domain::ports::WebhookInbox;
use athm_domain::webhook::{ParsedWebhook, WebhookEvent};
use tokio::sync::{mpsc, oneshot};

use super::{Handover, IngestError, MAX_BATCH, Receipt};
use crate::metrics::Metrics;

/// Deliveries waiting for the writer before new ones wait to be queued.
const WRITE_QUEUE: usize = 4 * MAX_BATCH;

/// Where the writer answers a delivery: its event's receipt, or why the
/// event is not stored.
pub(crate) type Reply = oneshot::Sender<Result<Receipt, IngestError>>;

struct Write {
    event: WebhookEvent,
    parsed: Option<ParsedWebhook>,
    reply: Reply,
}

/// The handle on the writer task; the task ends when the handle is dropped.
pub(crate) struct Writer {
    queue: mpsc::Sender<Write>,
}

impl Writer {
    /// Starts the writer task (inside a Tokio runtime), storing through
    /// `inbox` and handing each stored event to `handover`.
    pub(crate) fn spawn(
        inbox: Arc<dyn WebhookInbox>,
        metrics: Arc<Metrics>,
        handover: Handover,
    ) -> Self {
        let (queue, receiver) = mpsc::channel(WRITE_QUEUE);
        tokio::spawn(write_loop(inbox, metrics, handover, receiver));
        Self { queue }
    }

    /// Stores `event` with whatever else is queued; returns once the batch
    /// is committed (and the event handed over), with this event's own result.
    pub(crate) async fn store(
        &self,
        event: WebhookEvent,
        parsed: Option<ParsedWebhook>,
    ) -> Result<Receipt, IngestError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Write {
                event,
                parsed,
                reply,
            })
            .await
            .map_err(|_| IngestError::Stopped)?;
        answer.await.map_err(|_| IngestError::Dropped)?
    }
}

async fn write_loop(
    inbox: Arc<dyn WebhookInbox>,
    metrics: Arc<Metrics>,
    handover: Handover,
    mut receiver: mpsc::Receiver<Write>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (events, writes): (Vec<_>, Vec<_>) = batch
            .drain(..)
            .map(|write: Write| (write.event, (write.parsed, write.reply)))
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
        for (event, (parsed, reply)) in events.into_iter().zip(writes) {
            match results.next() {
                Some(Ok((stored, created))) => {
                    handover.hand_over(stored, created, parsed, reply);
                }
                failed => {
                    let error = match failed {
                        Some(Err(error)) => IngestError::Store(error),
                        _ => IngestError::Dropped,
                    };
                    tracing::error!(
                        event_id = %event.id,
                        error = %crate::error::chain(&error),
                        "storing a webhook event failed; its delivery is answered 500"
                    );
                    // A delivery whose request was dropped meanwhile has nobody to answer.
                    let _ = reply.send(Err(error));
                }
            }
        }
    }
}
