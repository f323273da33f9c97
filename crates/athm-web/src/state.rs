//! What every handler shares: the use cases, the store, the settings,
//! the metrics and the rate limiters.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use athm_domain::ports::Store;
use athm_domain::services::{PaymentService, ProcessOutcome, WebhookProcessor};
use athm_domain::webhook::WebhookEvent;

use crate::config::WebConfig;
use crate::ingest::{Processing, Queue, Writer};
use crate::metrics::Metrics;
use crate::rate_limit::FixedWindow;

/// What the web adapter tells the app about a received webhook event, once
/// it is durably stored (and, unless processing is
/// [`crate::WebhookProcessing::StoreOnly`], processed).
#[derive(Debug, Clone)]
pub struct WebhookNotice {
    /// The event as stored (as it was before this delivery's processing).
    pub event: WebhookEvent,
    /// Whether this delivery stored it (false for a redelivery).
    pub created: bool,
    /// What processing did; `None` when it was not processed or processing failed
    /// (the failure is recorded on the event, for the recovery worker).
    pub outcome: Option<ProcessOutcome>,
}

/// Called after each received webhook event: the app may nudge its
/// `OutboxRelay` or hand the event to its own worker. It must not block.
pub type WebhookHook = Arc<dyn Fn(WebhookNotice) + Send + Sync>;

/// The shared state of the router. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    payments: PaymentService,
    webhooks: WebhookProcessor,
    store: Arc<dyn Store>,
    config: Arc<WebConfig>,
    metrics: Arc<Metrics>,
    per_ip: Arc<FixedWindow>,
    per_phone: Arc<FixedWindow>,
    hook: Option<WebhookHook>,
    /// The webhook group-commit writer, started at the first webhook.
    writer: Arc<OnceLock<Writer>>,
    /// The webhook processing worker ([`crate::WebhookProcessing::Queued`]), started at first use.
    queue: Arc<OnceLock<Queue>>,
}

impl AppState {
    /// The state of a router over these use cases and this store.
    pub fn new(
        payments: PaymentService,
        webhooks: WebhookProcessor,
        store: Arc<dyn Store>,
        config: WebConfig,
    ) -> Self {
        let per_ip = FixedWindow::new(config.initiate_per_ip_per_minute, Duration::from_secs(60));
        let per_phone = FixedWindow::new(
            config.initiate_per_phone_per_hour,
            Duration::from_secs(3600),
        );
        Self {
            payments,
            webhooks,
            store,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            per_ip: Arc::new(per_ip),
            per_phone: Arc::new(per_phone),
            hook: None,
            writer: Arc::new(OnceLock::new()),
            queue: Arc::new(OnceLock::new()),
        }
    }

    /// The same state, calling `hook` after each received webhook event.
    pub fn with_webhook_hook(mut self, hook: WebhookHook) -> Self {
        self.hook = Some(hook);
        // A worker started before (it would not call the hook) is not shared.
        self.queue = Arc::new(OnceLock::new());
        self
    }

    /// The payment use cases.
    pub fn payments(&self) -> &PaymentService {
        &self.payments
    }

    /// The webhook use cases.
    pub fn webhooks(&self) -> &WebhookProcessor {
        &self.webhooks
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &WebConfig {
        &self.config
    }

    /// The metrics registry (the app may render it elsewhere).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub(crate) fn per_ip(&self) -> &FixedWindow {
        &self.per_ip
    }

    pub(crate) fn per_phone(&self) -> &FixedWindow {
        &self.per_phone
    }

    /// The webhook writer (group commit); started on first use, inside the runtime.
    pub(crate) fn writer(&self) -> &Writer {
        self.writer
            .get_or_init(|| Writer::spawn(self.store.clone(), self.metrics.clone()))
    }

    /// The webhook processing worker; started on first use, inside the runtime.
    pub(crate) fn queue(&self) -> &Queue {
        self.queue.get_or_init(|| Queue::spawn(self.processing()))
    }

    /// What processing a webhook event needs.
    pub(crate) fn processing(&self) -> Processing {
        Processing {
            webhooks: self.webhooks.clone(),
            metrics: self.metrics.clone(),
            hook: self.hook.clone(),
        }
    }
}
