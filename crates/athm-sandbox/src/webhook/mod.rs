//! Webhooks: subscriptions, the dispatcher that turns ledger events into
//! deliveries, and the delivery log.

mod deliver;
mod payload;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

use crate::clock::SandboxClock;
use crate::config::{Merchant, WebhookConfig, WebhookShape};
use crate::ledger::Event;

/// The kinds of events the sandbox delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Ecommerce payment completed.
    EcommerceCompleted,
    /// Ecommerce payment cancelled (merchant) or declined (customer).
    EcommerceCancelled,
    /// Ecommerce payment expired.
    EcommerceExpired,
    /// Refund sent.
    Refund,
}

/// A webhook subscription of one business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// `listenerURL`.
    #[serde(rename = "listenerURL")]
    pub listener_url: String,
    /// `refundSentEvent`.
    pub refund_sent_event: bool,
    /// `ecommercePaymentReceivedEvent`.
    pub ecommerce_payment_received_event: bool,
    /// `ecommercePaymentCancelledEvent`.
    pub ecommerce_payment_cancelled_event: bool,
    /// `ecommercePaymentExpiredEvent`.
    pub ecommerce_payment_expired_event: bool,
    /// `paymentReceivedEvent` (kept, never raised: no app payments here).
    pub payment_received_event: bool,
    /// `donationReceivedEvent` (kept, never raised).
    pub donation_received_event: bool,
}

impl Subscription {
    /// Every event, to `listener_url`.
    pub fn all(listener_url: impl Into<String>) -> Self {
        Self {
            listener_url: listener_url.into(),
            refund_sent_event: true,
            ecommerce_payment_received_event: true,
            ecommerce_payment_cancelled_event: true,
            ecommerce_payment_expired_event: true,
            payment_received_event: true,
            donation_received_event: true,
        }
    }

    fn wants(&self, kind: EventKind) -> bool {
        match kind {
            EventKind::EcommerceCompleted => self.ecommerce_payment_received_event,
            EventKind::EcommerceCancelled => self.ecommerce_payment_cancelled_event,
            EventKind::EcommerceExpired => self.ecommerce_payment_expired_event,
            EventKind::Refund => self.refund_sent_event,
        }
    }
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The listener answered 2xx.
    Delivered {
        /// HTTP status.
        status: u16,
    },
    /// The listener answered something else.
    Rejected {
        /// HTTP status.
        status: u16,
    },
    /// No answer (connection refused, timeout…).
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// One attempt to deliver one copy of one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// Sequence number of the event (1, 2, …).
    pub event_id: u64,
    /// Kind of event.
    pub kind: EventKind,
    /// Which copy (0-based) when events are delivered several times.
    pub copy: u32,
    /// Attempt number of this copy (1-based).
    pub attempt: u32,
    /// Listener URL.
    pub url: String,
    /// Result.
    pub outcome: DeliveryOutcome,
    /// The JSON posted.
    pub payload: Value,
    /// When the attempt ended (sandbox clock).
    pub at: DateTime<Utc>,
}

impl DeliveryAttempt {
    /// Whether the listener accepted it.
    pub fn delivered(&self) -> bool {
        matches!(self.outcome, DeliveryOutcome::Delivered { .. })
    }
}

/// Mutable webhook settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) shape: WebhookShape,
    pub(crate) copies: u32,
}

/// Subscriptions, settings and the delivery log.
pub(crate) struct Hub {
    subscriptions: Mutex<HashMap<String, Subscription>>,
    settings: Mutex<Settings>,
    log: Mutex<Vec<DeliveryAttempt>>,
    log_changed: tokio::sync::Notify,
    config: WebhookConfig,
    merchants: Vec<Merchant>,
    client: reqwest::Client,
    clock: Arc<SandboxClock>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    pub(crate) fn new(
        config: WebhookConfig,
        merchants: Vec<Merchant>,
        clock: Arc<SandboxClock>,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(config.timeout).build()?;
        let settings = Settings {
            shape: config.shape,
            copies: config.copies.max(1),
        };
        Ok(Self {
            subscriptions: Mutex::default(),
            settings: Mutex::new(settings),
            log: Mutex::default(),
            log_changed: tokio::sync::Notify::new(),
            config,
            merchants,
            client,
            clock,
        })
    }

    pub(crate) fn subscribe(&self, public_token: &str, subscription: Subscription) {
        lock(&self.subscriptions).insert(public_token.to_owned(), subscription);
    }

    pub(crate) fn subscription(&self, public_token: &str) -> Option<Subscription> {
        lock(&self.subscriptions).get(public_token).cloned()
    }

    pub(crate) fn set_shape(&self, shape: WebhookShape) {
        lock(&self.settings).shape = shape;
    }

    pub(crate) fn set_copies(&self, copies: u32) {
        lock(&self.settings).copies = copies.max(1);
    }

    pub(crate) fn log(&self) -> Vec<DeliveryAttempt> {
        lock(&self.log).clone()
    }

    fn record(&self, attempt: DeliveryAttempt) {
        lock(&self.log).push(attempt);
        self.log_changed.notify_waiters();
    }

    /// Waits until `done` holds for the log or `timeout` passes; returns the log.
    pub(crate) async fn wait_for(
        &self,
        timeout: std::time::Duration,
        done: impl Fn(&[DeliveryAttempt]) -> bool,
    ) -> Vec<DeliveryAttempt> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.log_changed.notified();
            let log = self.log();
            if done(&log) || tokio::time::Instant::now() >= deadline {
                return log;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// Turns ledger events into deliveries until shutdown.
    pub(crate) async fn dispatch(
        self: Arc<Self>,
        mut events: UnboundedReceiver<Event>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut next_id = 0u64;
        loop {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = shutdown.wait_for(|stop| *stop) => None,
            };
            let Some(event) = event else { return };
            next_id += 1;
            self.clone().announce(next_id, event);
        }
    }
}
