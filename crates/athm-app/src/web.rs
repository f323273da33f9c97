//! The web adapter's configuration, from the settings.

use athm_web::{WebConfig, WebhookProcessing};
use rand::Rng;

use crate::{AppError, Settings};

/// The web settings; without a configured checkout secret, a random one (valid for this process only).
///
/// # Errors
/// [`AppError::Config`] for a checkout secret too short to sign with.
pub(crate) fn config(settings: &Settings) -> Result<WebConfig, AppError> {
    let secret = settings.checkout_secret.as_ref().map_or_else(
        || {
            tracing::warn!("ATHM_CHECKOUT_SECRET is not set: using a random key, valid until this process stops");
            let bytes: [u8; 32] = rand::rng().random();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        },
        |s| s.expose().to_string(),
    );
    let config = WebConfig {
        initiate_per_ip_per_minute: settings.initiate_per_ip_per_minute,
        initiate_per_phone_per_hour: settings.initiate_per_phone_per_hour,
        trust_forwarded_for: settings.trust_forwarded_for,
        webhook_path_secret: settings
            .webhook_path_secret
            .clone()
            .filter(|s| !s.is_empty()),
        webhook_allowed_sources: settings.webhook_allowed_sources.clone(),
        webhook_verifications_per_source_per_minute: settings
            .webhook_verifications_per_source_per_minute,
        redirect_origins: redirect_origins(settings),
        webhook_processing: if settings.process_webhooks_inline {
            WebhookProcessing::Inline
        } else {
            WebhookProcessing::Queued
        },
        ..WebConfig::new(secret).with_api_keys(settings.api_keys.iter().cloned())
    };
    config.validate().map_err(|e| {
        let variable = if e.0.starts_with("webhook_path_secret") {
            "ATHM_WEBHOOK_PATH_SECRET"
        } else if e.0.starts_with("redirect_origins") {
            "ATHM_REDIRECT_ORIGINS"
        } else {
            "ATHM_CHECKOUT_SECRET"
        };
        AppError::Config(format!("{variable}: {e}"))
    })?;
    Ok(config)
}

/// The configured redirect origins, and the public URL's own (a checkout may
/// always lead back to the site athm serves).
fn redirect_origins(settings: &Settings) -> Vec<String> {
    let public = settings
        .public_url
        .as_deref()
        .and_then(athm_web::origin_of)
        .map(str::to_string);
    settings
        .redirect_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_string())
        .chain(public)
        .collect()
}
