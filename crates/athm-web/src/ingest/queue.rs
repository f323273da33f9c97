//! Processing of stored events: [`Processing`] processes one event or a
//! batch and reports each outcome (metrics, log, the app's hook); the
//! [`Queue`] hands stored events to one worker task, which takes everything
//! queued when it is free (at most [`MAX_BATCH`] events) and processes it as
//! one batch ([`WebhookProcessor::process_batch`]).

use std::sync::Arc;

use athm_domain::services::{ProcessOutcome, WebhookError, WebhookProcessor};
use athm_domain::webhook::{ParsedWebhook, WebhookEvent};
use tokio::sync::mpsc;

use super::MAX_BATCH;
use crate::metrics::Metrics;
use crate::state::{WebhookHook, WebhookNotice};

/// Stored events waiting for processing; more wait for the recovery worker.
const PROCESS_QUEUE: usize = 4096;

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
/// dropped (with the writer task that owns it), after processing what was queued.
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

    /// Queues a stored event for processing, without waiting: storing
    /// never waits for processing. When the queue is full (processing is
    /// [`PROCESS_QUEUE`] events behind) or the worker has stopped, the event
    /// is given back: it stays pending for the recovery worker.
    pub(crate) fn push(
        &self,
        event: WebhookEvent,
        created: bool,
        parsed: Option<ParsedWebhook>,
    ) -> Result<(), mpsc::error::TrySendError<()>> {
        self.jobs
            .try_send(Job {
                event,
                created,
                parsed,
            })
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => mpsc::error::TrySendError::Full(()),
                mpsc::error::TrySendError::Closed(_) => mpsc::error::TrySendError::Closed(()),
            })
    }
}

async fn process_loop(processing: Processing, mut receiver: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        processing.process_batch(std::mem::take(&mut batch)).await;
    }
}
