//! What an [`AthmClient`](crate::AthmClient) is built from.

use std::time::Duration;

use athm_domain::Secret;

/// Production base URL of the Payment Button API.
pub const DEFAULT_PAYMENTS_BASE_URL: &str = "https://payments.athmovil.com";
/// Production base URL of the transaction report and webhook subscription.
pub const DEFAULT_WWW_BASE_URL: &str = "https://www.athmovil.com";

/// How failed calls are retried (reads and never-sent requests only; see [`crate::retry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled after each failure.
    pub base_delay: Duration,
    /// The longest backoff between two attempts.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one ends the call with
    /// [`GatewayError::RateLimited`](athm_domain::ports::GatewayError::RateLimited).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms doubling up to 5 s, `Retry-After` up to 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// Everything an [`AthmClient`](crate::AthmClient) needs.
///
/// `Debug` redacts the private token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The business's `publicToken`.
    pub public_token: String,
    /// The business's `privateToken` (refunds, report, webhook subscription).
    pub private_token: Secret,
    /// Base URL of the Payment Button API, without a trailing slash.
    pub payments_base_url: String,
    /// Base URL of the transaction report and webhook subscription.
    pub www_base_url: String,
    /// Timeout of one attempt, from sending to the end of the answer.
    pub timeout: Duration,
    /// Timeout of establishing a connection.
    pub connect_timeout: Duration,
    /// The retry policy.
    pub retry: RetryPolicy,
    /// Longest range asked of the transaction report in one request; halved
    /// whenever ATH Móvil answers BTRA_0026 (range too long).
    pub report_window: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl ClientConfig {
    /// A configuration for the production hosts with default timeouts and retries.
    pub fn new(public_token: impl Into<String>, private_token: impl Into<Secret>) -> Self {
        Self {
            public_token: public_token.into().trim().to_string(),
            private_token: private_token.into(),
            payments_base_url: DEFAULT_PAYMENTS_BASE_URL.to_string(),
            www_base_url: DEFAULT_WWW_BASE_URL.to_string(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            report_window: Duration::from_secs(30 * 24 * 3600),
            user_agent: concat!("athm-client/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }

    /// Points both APIs at one base URL (a sandbox serving every path).
    pub fn with_base_url(self, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into();
        Self {
            payments_base_url: base_url.clone(),
            www_base_url: base_url,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_production_and_debug_redacts_the_private_token() {
        let config = ClientConfig::new("pub", "very-private");
        assert_eq!(config.payments_base_url, DEFAULT_PAYMENTS_BASE_URL);
        assert_eq!(config.www_base_url, DEFAULT_WWW_BASE_URL);
        assert!(!format!("{config:?}").contains("very-private"));
    }

    #[test]
    fn one_base_url_serves_both_apis() {
        let config = ClientConfig::new("pub", "priv").with_base_url("http://127.0.0.1:9");
        assert_eq!(config.payments_base_url, "http://127.0.0.1:9");
        assert_eq!(config.www_base_url, "http://127.0.0.1:9");
    }
}
