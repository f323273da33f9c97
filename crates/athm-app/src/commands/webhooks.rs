//! `athm install-webhook` and `athm webhooks reprocess`.

use std::process::ExitCode;

use athm_domain::ports::{AthmGateway, WebhookSubscription};

use crate::startup::{gateway, services};
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

/// Processes every pending, failed or flagged webhook event again, each
/// checked with ATH Móvil first (the same trust gate as `athm serve`).
pub(crate) async fn reprocess(settings: Settings) -> Result<ExitCode, AppError> {
    let webhooks = services(&settings).await?.webhooks;
    let done = webhooks.reprocess_all(u64::MAX).await?;
    println!("Processed: {}", done.processed);
    println!(
        "Still flagged (ATH Móvil does not confirm them): {}",
        done.flagged
    );
    println!("Failed: {}", done.failed);
    Ok(if done.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
