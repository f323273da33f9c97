//! What every handler shares: the use cases, the store, the settings,
//! the metrics and the rate limiters.

use std::sync::Arc;
use std::time::Duration;

use athm_domain::ports::Store;
use athm_domain::services::{PaymentService, ProcessOutcome, WebhookProcessor};
use athm_domain::webhook::WebhookEvent;

use crate::checkout::{READS_PER_SESSION_PER_MINUTE, StatusReads};
use crate::config::WebConfig;
use crate::health::HealthCheck;
use crate::ingest::WebhookIngest;
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
    per_session: Arc<FixedWindow>,
    status_reads: Arc<StatusReads>,
    health: Arc<HealthCheck>,
    /// Webhook ingestion (the group-commit writer and the processing worker).
    ingest: WebhookIngest,
}

impl AppState {
    /// The state of a router over these use cases and this store. Starts
    /// webhook ingestion ([`WebhookIngest`]) on the current Tokio runtime.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
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
        let metrics = Arc::new(Metrics::default());
        let ingest = WebhookIngest::start(
            webhooks.clone(),
            store.clone(),
            &config,
            metrics.clone(),
            None,
        );
        Self {
            payments,
            webhooks,
            store,
            config: Arc::new(config),
            metrics,
            per_ip: Arc::new(per_ip),
            per_phone: Arc::new(per_phone),
            per_session: Arc::new(FixedWindow::new(
                READS_PER_SESSION_PER_MINUTE,
                Duration::from_secs(60),
            )),
            status_reads: Arc::default(),
            health: Arc::default(),
            ingest,
        }
    }

    /// The same state, calling `hook` after each received webhook event:
    /// webhook ingestion starts again with the hook (the tasks started
    /// without it end).
    pub fn with_webhook_hook(mut self, hook: WebhookHook) -> Self {
        self.ingest = WebhookIngest::start(
            self.webhooks.clone(),
            self.store.clone(),
            &self.config,
            self.metrics.clone(),
            Some(hook),
        );
        self
    }

    /// The bounded status reads of `GET /api/status`.
    pub(crate) fn status_reads(&self) -> &StatusReads {
        &self.status_reads
    }

    /// The single-flight check behind `/healthz`.
    pub(crate) fn health(&self) -> &HealthCheck {
        &self.health
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

    /// The status-read limiter, per payment session.
    pub(crate) fn per_session(&self) -> &FixedWindow {
        &self.per_session
    }

    /// Webhook ingestion.
    pub fn ingest(&self) -> &WebhookIngest {
        &self.ingest
    }
}
