//! Webhook ingestion, one component ([`WebhookIngest`]): the group-commit
//! writer and the processing worker, started together where the router's
//! state is built ([`crate::AppState::new`]), and one way in for a delivery
//! ([`WebhookIngest::receive`]).
//!
//! ```text
//!  POST /webhook ──► prepare (parse once) ──► WebhookIngest::receive
//!                                                │
//!        writer task: every delivery queued now ─┤ one transaction
//!        (at most MAX_BATCH) ────────────────────┤ (WebhookInbox::insert_webhook_events)
//!                                                ▼
//!                      each delivery answered by its own event's result
//!                      (200 stored / duplicate, 500 not stored)
//!                                                │ by WebhookProcessing:
//!     Inline ── process, then answer ────────────┤
//!     Background ── a task per event ────────────┤
//!     Queued ── processing worker: everything ───┤ WebhookProcessor::process_batch
//!               queued when it is free           │ (the payments' changes of a
//!     StoreOnly ── the app's own worker (hook) ──┘  batch in one transaction)
//! ```
//!
//! **The writer** never waits for a batch to fill: an idle writer stores a
//! lone event at once, and while a commit is in flight the next deliveries
//! queue, so under load batches grow by themselves. A delivery is answered
//! only after its batch's commit has returned, by its own event's result:
//! the store answers each event of a batch on its own (when the batch's
//! transaction fails, it stores the events one by one), so a 200 still means
//! "durably stored", and an event the database refuses answers 500 (ATH
//! Móvil delivers it again) without failing the other deliveries of its
//! batch. What follows the commit (answering, handing the event to
//! processing) is the writer task's work too (`Handover`), so a sender
//! that gives up on its delivery mid-commit cannot leave its stored event
//! waiting for the recovery worker.
//!
//! **The processing worker** ([`crate::WebhookProcessing::Queued`]) batches
//! the same way on the processing side. Exactly-once does not depend on it:
//! each step runs under the payment's row lock and only applies news the
//! payment has not seen. If the process stops with events still queued, they
//! stay pending in the database and the recovery worker processes them.

mod queue;
mod writer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use athm_domain::WebhookEventId;
use athm_domain::ports::{StoreError, WebhookInbox};
use athm_domain::services::WebhookProcessor;
use athm_domain::webhook::{EventKind, EventStatus, ParsedWebhook, WebhookEvent};

use crate::config::{WebConfig, WebhookProcessing};
use crate::metrics::Metrics;
use crate::rate_limit::FixedWindow;
use crate::state::WebhookHook;
use queue::{Processing, Queue};
use tokio::sync::mpsc::error::TrySendError;
use writer::{Reply, Writer};

/// The most events stored, or processed, in one transaction.
pub const MAX_BATCH: usize = 256;

/// Why a delivery's event was not stored; the delivery is answered 500 so
/// that ATH Móvil delivers it again.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
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

/// A delivery durably stored: which event, of what kind, and whether this
/// delivery stored it (false for a redelivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The stored event's id.
    pub id: WebhookEventId,
    /// What the stored event announces.
    pub kind: EventKind,
    /// Whether this delivery stored it.
    pub created: bool,
}

/// Webhook ingestion: stores each delivery in a group commit, then has it
/// processed as [`WebhookProcessing`] says. Its tasks end when the last
/// clone is dropped (queued events then stay pending for the recovery
/// worker).
#[derive(Clone)]
pub struct WebhookIngest {
    writer: Arc<Writer>,
    metrics: Arc<Metrics>,
}

impl WebhookIngest {
    /// Starts the writer (and, for [`WebhookProcessing::Queued`], the
    /// processing worker) as tasks of the current Tokio runtime, processing
    /// as `config` says ([`WebConfig::webhook_processing`],
    /// [`WebConfig::webhook_verifications_per_source_per_minute`]). `hook` is
    /// told of every received event once it is stored (and processed, unless
    /// it is [`WebhookProcessing::StoreOnly`] or deferred).
    ///
    /// # Panics
    /// Outside a Tokio runtime (the tasks are spawned on it).
    pub fn start(
        webhooks: WebhookProcessor,
        inbox: Arc<dyn WebhookInbox>,
        config: &WebConfig,
        metrics: Arc<Metrics>,
        hook: Option<WebhookHook>,
    ) -> Self {
        let processing = Processing {
            webhooks,
            metrics: metrics.clone(),
            hook,
        };
        let mode = match config.webhook_processing {
            WebhookProcessing::Inline => Mode::Inline,
            WebhookProcessing::Background => Mode::Background,
            WebhookProcessing::Queued => Mode::Queued(Queue::spawn(processing.clone())),
            WebhookProcessing::StoreOnly => Mode::StoreOnly,
        };
        // Only a verifying processor calls ATH Móvil.
        let per_minute = match processing.webhooks.is_verified() {
            true => config.webhook_verifications_per_source_per_minute,
            false => 0,
        };
        let handover = Handover {
            processing,
            mode,
            verifications: FixedWindow::new(per_minute, Duration::from_secs(60)),
        };
        Self {
            writer: Arc::new(Writer::spawn(inbox, metrics.clone(), handover)),
            metrics,
        }
    }

    /// Stores one delivery's prepared event (with whatever else is arriving,
    /// in one transaction), then processes it as configured; returns once it
    /// is durably stored (and, [`WebhookProcessing::Inline`], processed).
    /// `parsed` is the parse of the event's body, from
    /// [`WebhookProcessor::prepare`].
    ///
    /// What follows the commit is the writer task's work, not this call's:
    /// a delivery whose sender gives up (its request dropped) while its event
    /// is being stored still has the stored event processed at once.
    ///
    /// # Errors
    /// [`IngestError`]: the event is not stored; answer 500.
    pub async fn receive(
        &self,
        event: WebhookEvent,
        parsed: Option<ParsedWebhook>,
    ) -> Result<Receipt, IngestError> {
        self.writer.store(event, parsed).await.inspect_err(|_| {
            self.metrics.webhook("unknown", "store_error");
        })
    }
}

/// What the writer task does with each stored event: answers its delivery
/// and has it processed as [`WebhookProcessing`] says.
pub(crate) struct Handover {
    processing: Processing,
    mode: Mode,
    /// Verifications per sender address per minute.
    verifications: FixedWindow,
}

/// [`WebhookProcessing`], with the processing worker when there is one.
enum Mode {
    Inline,
    Background,
    Queued(Queue),
    StoreOnly,
}

impl Handover {
    /// Answers the delivery of `event`, just stored (by this delivery when
    /// `created`), and has the event processed. Never waits for processing:
    /// storing goes on whatever processing's backlog.
    pub(crate) fn hand_over(
        &self,
        event: WebhookEvent,
        created: bool,
        parsed: Option<ParsedWebhook>,
        reply: Reply,
    ) {
        tracing::debug!(event_id = %event.id, kind = %event.kind, created, "webhook event stored");
        let receipt = Receipt {
            id: event.id,
            kind: event.kind,
            created,
        };
        // The parse is the stored payload's only when this delivery stored it.
        let parsed = if created { parsed } else { None };
        let processing = &self.processing;
        // Inline processing answers once processed; every other mode answers
        // at once. A delivery whose request was dropped meanwhile has nobody
        // to answer; its event is processed all the same.
        // Counts against the sender's budget: asked once per event.
        let over_budget = self.over_budget(&event, created);
        if matches!(self.mode, Mode::Inline) && !over_budget {
            let processing = processing.clone();
            tokio::spawn(async move {
                processing.process(event, created, parsed).await;
                let _ = reply.send(Ok(receipt));
            });
            return;
        }
        let _ = reply.send(Ok(receipt));
        if over_budget {
            processing.metrics.webhook(event.kind.as_str(), "deferred");
            tracing::debug!(event_id = %event.id, source = ?event.remote_addr, "webhook event left for the recovery worker: its sender is over its verification budget");
            return;
        }
        match &self.mode {
            Mode::Inline => {} // answered and processed above
            Mode::Background => {
                let processing = processing.clone();
                tokio::spawn(async move { processing.process(event, created, parsed).await });
            }
            // A redelivery of an event still pending is not queued again:
            // its first delivery's job (here or on another instance) or the
            // recovery worker processes it. Processing it twice would be safe
            // (the row lock and the pending check keep money exactly-once)
            // but would count a second attempt. A failed event is processed
            // again at once.
            Mode::Queued(_) if !created && event.status != EventStatus::Failed => {
                processing.metrics.webhook(event.kind.as_str(), "duplicate");
                processing.notify(event, created, None);
            }
            Mode::Queued(queue) => {
                let kind = event.kind.as_str();
                match queue.push(event, created, parsed) {
                    Ok(()) => {}
                    Err(TrySendError::Full(())) => {
                        processing.metrics.webhook(kind, "deferred");
                        tracing::debug!(
                            "the webhook processing queue is full; the event stays pending for the recovery worker"
                        );
                    }
                    Err(TrySendError::Closed(())) => tracing::warn!(
                        "the webhook processing worker has stopped; the event stays pending for the recovery worker"
                    ),
                }
            }
            Mode::StoreOnly => {
                processing.metrics.webhook(
                    event.kind.as_str(),
                    if created { "stored" } else { "duplicate" },
                );
                processing.notify(event, created, None);
            }
        }
    }

    /// Whether processing `event` now would cost a verification call its
    /// sender has no budget left for: it then waits, stored and pending, for
    /// the recovery worker. Redeliveries of a pending event are not
    /// processed again anyway; events that change no money cost no call.
    fn over_budget(&self, event: &WebhookEvent, created: bool) -> bool {
        let processes = match self.mode {
            Mode::StoreOnly => false,
            Mode::Queued(_) => created || event.status == EventStatus::Failed,
            Mode::Inline | Mode::Background => event.status != EventStatus::Processed,
        };
        processes
            && event.kind.changes_money()
            && self
                .verifications
                .check(&budget_key(event.remote_addr.as_deref()), Instant::now())
                .is_err()
    }
}

/// Whose verification budget an event from `source` spends: its address,
/// or for IPv6 its /64 (one host's usual allotment: an attacker must not
/// get a budget per address of it).
fn budget_key(source: Option<&str>) -> String {
    match source.map(str::parse::<std::net::IpAddr>) {
        Some(Ok(std::net::IpAddr::V6(v6))) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(Ok(v4)) => v4.to_string(),
        Some(Err(_)) | None => source.unwrap_or("unknown").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::budget_key;

    #[test]
    fn an_ipv6_sender_spends_its_64s_budget_and_ipv4_its_own() {
        let a = budget_key(Some("2001:db8:1:2::1"));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(budget_key(Some("2001:db8:1:2:ffff::9")), a);
        assert_ne!(budget_key(Some("2001:db8:1:3::1")), a);
        assert_eq!(budget_key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(budget_key(None), "unknown");
    }
}
