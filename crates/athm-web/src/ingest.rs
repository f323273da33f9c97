//! Group commit for webhook ingestion, and the queue that processes stored
//! events off the request path.
//!
//! **The writer.** Each request hands its prepared event to one writer task
//! and waits for the answer. The writer takes everything queued at that
//! moment (at most [`MAX_BATCH`] events) and stores it in **one**
//! transaction ([`WebhookInbox::insert_webhook_events`](athm_domain::ports::WebhookInbox::insert_webhook_events)).
//! It never waits for a batch to fill: an idle writer stores a lone event at
//! once, and while a commit is in flight the next requests queue, so under
//! load batches grow by themselves (up to the events that arrive during one
//! commit). Every request is answered only after its batch's commit has
//! returned, and by its own event's result: the store answers each event of
//! a batch on its own (when the batch's transaction fails, it stores the
//! events one by one), so a 200 still means "durably stored", and an event
//! the database refuses answers 500 (ATH Móvil delivers it again) without
//! failing the other deliveries of its batch.
//!
//! **The processing queue** ([`crate::WebhookProcessing::Queued`]): new events
//! are handed, with their parse, to a worker that takes everything queued
//! when it is free (at most [`MAX_BATCH`] events) and processes it as one
//! batch ([`WebhookProcessor::process_batch`]): the payments' changes of the
//! whole batch commit in one transaction, so under load one commit serves
//! many events, as on the writing side. Exactly-once does not depend on the
//! queue: each step runs under the payment's row lock and only applies news
//! the payment has not seen. If the process stops with events still queued, they stay pending in
//! the database and the recovery worker processes them.

use std::sync::Arc;

use athm_domain::ports::{Store, StoreError};
use athm_domain::services::{ProcessOutcome, WebhookError, WebhookProcessor};
use athm_domain::webhook::{ParsedWebhook, WebhookEvent};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::state::{WebhookHook, WebhookNotice};

/// The most events stored in one transaction.
pub const MAX_BATCH: usize = 256;
/// Requests waiting for the writer before new ones wait to be queued.
const WRITE_QUEUE: usize = 4 * MAX_BATCH;
/// Stored events waiting for processing before the receiver waits to queue more.
const PROCESS_QUEUE: usize = 4096;

/// Why a webhook event could not be stored; the delivery is answered 500.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    /// The writer task is gone (the runtime is shutting down).
    #[error("the webhook writer has stopped, so the event was not stored")]
    Stopped,
    /// The writer task ended before answering.
    #[error("the webhook writer stopped before answering, so the event may not be stored")]
    Dropped,
    /// The store did not store this event.
    #[error("the webhook event could not be stored")]
    Store(#[source] StoreError),
}

/// What the writer answers: the stored event and whether this delivery
/// created it, or why this event is not stored.
type Stored = Result<(WebhookEvent, bool), WriteError>;

struct Write {
    event: WebhookEvent,
    reply: oneshot::Sender<Stored>,
}

/// The handle on the writer task; the task ends when the handle is dropped.
pub(crate) struct Writer {
    queue: mpsc::Sender<Write>,
}

impl Writer {
    /// Starts the writer task (inside a Tokio runtime), storing through `store`.
    pub(crate) fn spawn(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        let (queue, receiver) = mpsc::channel(WRITE_QUEUE);
        tokio::spawn(write_loop(store, metrics, receiver));
        Self { queue }
    }

    /// Stores `event` with whatever else is queued; returns once the batch
    /// is committed, with this event's own result.
    pub(crate) async fn store(&self, event: WebhookEvent) -> Stored {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Write { event, reply })
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Dropped)?
    }
}

async fn write_loop(
    store: Arc<dyn Store>,
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
        let results = store.insert_webhook_events(&events).await;
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
                Some(result) => result.map_err(WriteError::Store),
                None => Err(WriteError::Dropped),
            };
            if let Err(error) = &result {
                tracing::error!(
                    event_id = %event.id,
                    error = %crate::error::chain(error),
                    "storing a webhook event failed; its delivery is answered 500"
                );
            }
            let _ = reply.send(result);
        }
    }
}

/// What processing needs, without the rest of the router's state.
#[derive(Clone)]
pub(crate) struct Processing {
    pub(crate) webhooks: WebhookProcessor,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) hook: Option<WebhookHook>,
}

impl Processing {
    /// Processes a stored event; a failure is logged and left on the event for a retry.
    pub(crate) async fn process(
        &self,
        event: WebhookEvent,
        created: bool,
        parsed: Option<ParsedWebhook>,
    ) {
        let result = self.webhooks.process_parsed(&event, parsed).await;
        self.report(event, created, result);
    }

    /// Processes stored events as one batch ([`WebhookProcessor::process_batch`]).
    async fn process_batch(&self, jobs: Vec<Job>) {
        let (events, created): (Vec<_>, Vec<_>) = jobs
            .into_iter()
            .map(|job| ((job.event, job.parsed), job.created))
            .unzip();
        let outcomes = self.webhooks.process_batch(events).await;
        for ((event, result), created) in outcomes.into_iter().zip(created) {
            self.report(event, created, result);
        }
    }

    /// Counts, logs and tells the hook how an event's processing went.
    fn report(
        &self,
        event: WebhookEvent,
        created: bool,
        result: Result<ProcessOutcome, WebhookError>,
    ) {
        let outcome = match &result {
            Ok(ProcessOutcome::Applied) => "applied",
            Ok(ProcessOutcome::Unchanged) => "unchanged",
            Ok(ProcessOutcome::Ignored) => "ignored",
            Ok(ProcessOutcome::AlreadyProcessed) => "already_processed",
            Ok(ProcessOutcome::Flagged(_)) => "flagged",
            Err(_) => "failed",
        };
        self.metrics.webhook(event.kind.as_str(), outcome);
        match &result {
            Ok(ProcessOutcome::Flagged(reason)) => {
                tracing::warn!(event_id = %event.id, %reason, "webhook event flagged");
            }
            Ok(done) => {
                tracing::debug!(event_id = %event.id, outcome = ?done, "webhook event processed")
            }
            Err(error) => tracing::error!(
                event_id = %event.id,
                %error,
                "webhook event processing failed; it stays failed for a retry"
            ),
        }
        self.notify(event, created, result.ok());
    }

    /// Tells the app's hook about a received event.
    pub(crate) fn notify(
        &self,
        event: WebhookEvent,
        created: bool,
        outcome: Option<ProcessOutcome>,
    ) {
        if let Some(hook) = &self.hook {
            hook(WebhookNotice {
                event,
                created,
                outcome,
            });
        }
    }
}

struct Job {
    event: WebhookEvent,
    created: bool,
    parsed: Option<ParsedWebhook>,
}

/// The handle on the processing worker; the worker ends when the handle is
/// dropped, after processing what was queued.
pub(crate) struct Queue {
    jobs: mpsc::Sender<Job>,
}

impl Queue {
    /// Starts the processing worker (inside a Tokio runtime).
    pub(crate) fn spawn(processing: Processing) -> Self {
        let (jobs, receiver) = mpsc::channel(PROCESS_QUEUE);
        tokio::spawn(process_loop(processing, receiver));
        Self { jobs }
    }

    /// Queues a stored event for processing; waits only when the queue is full.
    /// Returns false when the worker has stopped (the event then stays
    /// pending for the recovery worker).
    pub(crate) async fn push(
        &self,
        event: WebhookEvent,
        created: bool,
        parsed: Option<ParsedWebhook>,
    ) -> bool {
        self.jobs
            .send(Job {
                event,
                created,
                parsed,
            })
            .await
            .is_ok()
    }
}

async fn process_loop(processing: Processing, mut receiver: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        processing.process_batch(std::mem::take(&mut batch)).await;
    }
}
