//! The web adapter's settings.

use std::time::Duration;

pub use athm_domain::Secret;

use crate::net::IpNet;

/// When a received webhook event is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookProcessing {
    /// Store, process, then answer 200 (the default: simple and deterministic;
    /// a processing failure is recorded on the event and still answered 200).
    #[default]
    Inline,
    /// Store, answer 200, and process in a spawned task.
    Background,
    /// Store, answer 200, and process in the adapter's processing worker
    /// (at most a few events at once; see the `ingest` module). The answer
    /// does not wait for processing; an event still queued when the process
    /// stops stays pending and the recovery worker processes it.
    Queued,
    /// Only store and answer 200: the app's own worker processes events
    /// (see [`crate::AppState::with_webhook_hook`]).
    StoreOnly,
}

/// Settings of the web adapter.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The HMAC key that signs checkout tokens and payment sessions.
    pub checkout_secret: Secret,
    /// The merchant backend's API keys for `POST /api/checkouts`; empty disables that endpoint.
    pub api_keys: Vec<Secret>,
    /// The largest request body accepted, in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Payment initiations allowed per client address per minute (0: unlimited).
    pub initiate_per_ip_per_minute: u32,
    /// Payment initiations allowed per customer phone number per hour (0: unlimited).
    pub initiate_per_phone_per_hour: u32,
    /// How long a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How long a signed checkout token stays valid.
    pub checkout_ttl: Duration,
    /// Whether the client address is the last entry of `X-Forwarded-For`
    /// (only behind a proxy that sets it) rather than the socket's peer.
    pub trust_forwarded_for: bool,
    /// When received webhook events are processed.
    pub webhook_processing: WebhookProcessing,
    /// A secret path segment for the webhook receiver: when set, it is served
    /// at `{prefix}/webhook/{secret}` only (plain `/webhook` answers 404).
    /// ATH Móvil's webhooks are not signed; a URL nobody can guess keeps
    /// forged events out before they cost a verification call.
    pub webhook_path_secret: Option<Secret>,
    /// Addresses allowed to post webhooks (empty: any). Others get 403. The
    /// address is the socket's peer, or the proxy's `X-Forwarded-For` entry
    /// when [`WebConfig::trust_forwarded_for`] is set.
    pub webhook_allowed_sources: Vec<IpNet>,
    /// New webhook events that change money, from one sender address, verified
    /// with ATH Móvil (a findPayment or report call each) per minute as they
    /// arrive; the rest stay stored and pending for the recovery worker. Bounds
    /// what a flood of forged webhooks costs in calls. 0: no bound.
    pub webhook_verifications_per_source_per_minute: u32,
    /// Origins (`https://shop.example.com`) a checkout's `success_url` and
    /// `failure_url` may lead to ([`crate::Checkout::check_redirects`]);
    /// paths on this site are always allowed, any other URL is refused.
    pub redirect_origins: Vec<String>,
}

impl WebConfig {
    /// The default settings, with `checkout_secret` as the HMAC key:
    /// 64 KiB bodies, 10 initiations per address per minute, 5 per phone per
    /// hour, 30 s timeout, 1 h checkout tokens, no API keys, no proxy trust,
    /// webhooks processed inline at `/webhook` from any address, 120
    /// verified at once per sender address per minute.
    pub fn new(checkout_secret: impl Into<Secret>) -> Self {
        Self {
            checkout_secret: checkout_secret.into(),
            api_keys: Vec::new(),
            max_body_bytes: 64 * 1024,
            initiate_per_ip_per_minute: 10,
            initiate_per_phone_per_hour: 5,
            request_timeout: Duration::from_secs(30),
            checkout_ttl: Duration::from_secs(3600),
            trust_forwarded_for: false,
            webhook_processing: WebhookProcessing::Inline,
            webhook_path_secret: None,
            webhook_allowed_sources: Vec::new(),
            webhook_verifications_per_source_per_minute: 120,
            redirect_origins: Vec::new(),
        }
    }

    /// Checks what would make the service unsafe or unusable; the app should
    /// call it at startup.
    ///
    /// # Errors
    /// [`ConfigError`] naming the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.checkout_secret.expose().len() < Self::MIN_SECRET_BYTES {
            return Err(ConfigError(
                "checkout_secret: must be at least 32 bytes (checkout tokens and sessions are signed with it)",
            ));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError("max_body_bytes: must be greater than 0"));
        }
        if self.request_timeout.is_zero() {
            return Err(ConfigError("request_timeout: must be greater than 0"));
        }
        let origin_only = |o: &String| {
            let lower = o.to_ascii_lowercase();
            (lower.starts_with("https://") || lower.starts_with("http://"))
                && crate::checkout::origin_of(o) == Some(o.as_str())
        };
        if !self.redirect_origins.iter().all(origin_only) {
            return Err(ConfigError(
                "redirect_origins: each must be an origin such as https://shop.example.com (scheme and host, no path)",
            ));
        }
        if let Some(secret) = &self.webhook_path_secret {
            let text = secret.expose();
            if text.len() < Self::MIN_PATH_SECRET_BYTES {
                return Err(ConfigError(
                    "webhook_path_secret: must be at least 16 characters (it is the webhook URL's only secret)",
                ));
            }
            if !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
            {
                return Err(ConfigError(
                    "webhook_path_secret: only letters, digits, '-', '_', '.' and '~' (it is a URL path segment)",
                ));
            }
        }
        Ok(())
    }

    /// The shortest `checkout_secret` [`WebConfig::validate`] accepts.
    pub const MIN_SECRET_BYTES: usize = 32;

    /// The shortest `webhook_path_secret` [`WebConfig::validate`] accepts.
    pub const MIN_PATH_SECRET_BYTES: usize = 16;

    /// The webhook receiver's path under the prefix: `/webhook`, or
    /// `/webhook/{secret}` with a [`WebConfig::webhook_path_secret`].
    pub fn webhook_path(&self) -> String {
        match &self.webhook_path_secret {
            Some(secret) => format!("/webhook/{}", secret.expose()),
            None => "/webhook".to_string(),
        }
    }

    /// The same settings with these merchant API keys.
    pub fn with_api_keys<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Secret>,
    {
        self.api_keys = keys.into_iter().map(Into::into).collect();
        self
    }
}

/// A setting that would make the service unsafe or unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub &'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_secret_is_refused() {
        assert!(WebConfig::new("short").validate().is_err());
        assert!(WebConfig::new("x".repeat(32)).validate().is_ok());
        let mut config = WebConfig::new("x".repeat(32));
        config.max_body_bytes = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .0
                .starts_with("max_body_bytes")
        );
    }

    #[test]
    fn a_webhook_path_secret_must_be_long_and_url_safe() {
        let with = |secret: &str| WebConfig {
            webhook_path_secret: Some(Secret::new(secret)),
            ..WebConfig::new("x".repeat(32))
        };
        assert!(with("short").validate().is_err());
        assert!(with("has/a/slash-in-it-0123").validate().is_err());
        assert!(with("has space in it 0123456").validate().is_err());
        let good = with("Ab3-_.~defghijklmnop");
        assert!(good.validate().is_ok());
        assert_eq!(good.webhook_path(), "/webhook/Ab3-_.~defghijklmnop");
        assert_eq!(WebConfig::new("x".repeat(32)).webhook_path(), "/webhook");
        assert!(!format!("{good:?}").contains("Ab3-_"), "redacted in Debug");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = WebConfig::new("hmac-key-123").with_api_keys(["api-key-456"]);
        let debug = format!("{config:?}");
        assert!(!debug.contains("hmac-key-123"));
        assert!(!debug.contains("api-key-456"));
        assert!(debug.contains("redacted"));
    }
}
