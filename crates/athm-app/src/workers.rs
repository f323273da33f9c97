//! What `athm serve` does with lifecycle events: it logs them and, with
//! `ATHM_NOTIFY_URLS`, posts them signed to the merchant's URLs. Library
//! users register their own [`EventSink`] through `athm_web::embed::Workers`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use athm_domain::model::LifecycleEvent;
use athm_domain::ports::{EventSink, EventSinkError};
use athm_notifier::{NotifierConfig, WebhookNotifier};

use crate::{AppError, Settings};

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

/// Logs each event, then posts it to the notify URLs (a failure is logged at warn by the notifier).
struct LogAndNotify {
    notifier: WebhookNotifier,
}

#[async_trait]
impl EventSink for LogAndNotify {
    async fn publish(&self, event: &LifecycleEvent) -> Result<(), EventSinkError> {
        LogSink.publish(event).await?;
        self.notifier.publish(event).await
    }
}

/// The sink of `athm serve`, and how long the relay should claim events for it.
///
/// # Errors
/// [`AppError::Config`] for notify URLs without a valid secret, or an invalid URL.
pub(crate) fn sink(settings: &Settings) -> Result<(Arc<dyn EventSink>, Duration), AppError> {
    let urls: Vec<String> = settings
        .notify_urls
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Ok((Arc::new(LogSink), Duration::from_secs(30)));
    }
    let secret = settings.notify_secret.clone().ok_or_else(|| {
        AppError::Config("ATHM_NOTIFY_SECRET is required with ATHM_NOTIFY_URLS".into())
    })?;
    let timeout = Duration::from_secs(settings.notify_timeout_secs.max(1));
    // A round stops offering events at half its lease, so a lease of four
    // times what one event may take never lets another instance offer an
    // event still being posted; it stays short, so that the events claimed
    // by an instance that died are offered again soon.
    let per_event = timeout * u32::try_from(urls.len()).unwrap_or(u32::MAX);
    let lease = Duration::from_secs(10).max(per_event * 4);
    let config = NotifierConfig {
        timeout,
        ..NotifierConfig::new(urls, secret)
    };
    let notifier = WebhookNotifier::new(config)
        .map_err(|e| AppError::Config(format!("ATHM_NOTIFY_URLS / ATHM_NOTIFY_SECRET: {e}")))?;
    Ok((Arc::new(LogAndNotify { notifier }), lease))
}
