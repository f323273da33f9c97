//! `athm install-webhook` and `athm webhooks reprocess`.

use std::process::ExitCode;
use std::sync::Arc;

use athm_domain::ports::{AthmGateway, SystemClock, WebhookSubscription};
use athm_domain::services::WebhookProcessor;

use crate::startup::{gateway, store};
use crate::{AppError, Settings};

/// Subscribes `url` (or the configured webhook URL) for every event. ATH Móvil requires HTTPS.
pub(crate) async fn install_webhook(
    settings: Settings,
    url: Option<String>,
) -> Result<ExitCode, AppError> {
    let url = url
        .or_else(|| settings.effective_webhook_url())
        .ok_or_else(|| {
            AppError::Config(
                "give the webhook URL, or set ATHM_WEBHOOK_URL or ATHM_PUBLIC_URL".into(),
            )
        })?;
    if !url.starts_with("https://") {
        return Err(AppError::Config(format!(
            "ATH Móvil only delivers webhooks to HTTPS URLs with a valid certificate; got {url}"
        )));
    }
    gateway(&settings, None)?
        .subscribe_webhook(&WebhookSubscription::all(url.clone()))
        .await?;
    println!("ATH Móvil will send every event to {url}.");
    Ok(ExitCode::SUCCESS)
}

/// Processes every pending or failed webhook event again.
pub(crate) async fn reprocess(settings: Settings) -> Result<ExitCode, AppError> {
    let webhooks = WebhookProcessor::new(store(&settings).await?, Arc::new(SystemClock));
    let everything = chrono::Duration::zero();
    let (processed, failed) = webhooks.process_pending(u64::MAX, everything).await?;
    println!("Processed: {processed}");
    println!("Failed: {failed}");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
