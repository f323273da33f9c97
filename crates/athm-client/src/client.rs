//! The client itself: construction, and the one `send` helper through which
//! every request goes (headers, timeout, retries, decoding).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use athm_domain::AuthToken;
use athm_domain::ports::{Clock, GatewayError, Operation, SystemClock};
use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::Serialize;
use serde_json::Value;

use crate::config::ClientConfig;
use crate::retry::{self, Decision, Failure};
use crate::wire::{self, Body};

/// Why an [`AthmClient`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A base URL is not an absolute `http`/`https` URL.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The user agent is not a valid header value.
    #[error("invalid user agent {0:?}")]
    InvalidUserAgent(String),
    /// The HTTP client (TLS backend) could not be set up.
    #[error("the HTTP client could not be built")]
    Http(#[source] reqwest::Error),
}

/// The ATH Móvil client: implements [`athm_domain::ports::AthmGateway`].
///
/// Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct AthmClient {
    http: reqwest::Client,
    pub(crate) config: Arc<ClientConfig>,
    payments: Url,
    www: Url,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for AthmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AthmClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn base_url(url: &str) -> Result<Url, BuildError> {
    let invalid = |reason: String| BuildError::InvalidBaseUrl {
        url: url.to_string(),
        reason,
    };
    let parsed = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return Err(invalid("not an http(s) URL".to_string()));
    }
    Ok(parsed)
}

/// The method, host (payments or www) and path of each operation.
fn route(operation: Operation) -> (Method, bool, &'static str) {
    match operation {
        Operation::CreatePayment => (
            Method::POST,
            true,
            "/api/business-transaction/ecommerce/payment",
        ),
        Operation::FindPayment => (
            Method::POST,
            true,
            "/api/business-transaction/ecommerce/business/findPayment",
        ),
        Operation::Authorize => (
            Method::POST,
            true,
            "/api/business-transaction/ecommerce/authorization",
        ),
        Operation::UpdatePhoneNumber => (
            Method::PUT,
            true,
            "/api/business-transaction/ecommerce/business/updatePhoneNumber",
        ),
        Operation::Cancel => (
            Method::POST,
            true,
            "/api/business-transaction/ecommerce/business/cancel",
        ),
        Operation::Refund => (
            Method::POST,
            true,
            "/api/business-transaction/ecommerce/refund",
        ),
        Operation::TransactionReport => (Method::GET, false, "/transactions/v4/transactionReport"),
        Operation::SubscribeWebhook => (Method::POST, false, "/transactions/webhook/post"),
    }
}

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(text).ok()?.to_utc();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// A short description of a transport error and its causes, without the URL.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Classifies an error from sending: only a failed connection proves the
/// request never left.
fn send_failure(error: reqwest::Error) -> Failure {
    if error.is_connect() || error.is_builder() {
        Failure::NotSent {
            detail: describe(error),
        }
    } else if error.is_timeout() {
        Failure::NoAnswer {
            detail: format!("no answer in time after sending ({})", describe(error)),
        }
    } else {
        Failure::NoAnswer {
            detail: format!("the connection failed after sending ({})", describe(error)),
        }
    }
}

impl AthmClient {
    /// Builds a client from `config` (TLS by rustls; the system clock).
    ///
    /// # Errors
    /// [`BuildError`] when a base URL or the user agent is invalid, or the
    /// HTTP client cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, BuildError> {
        let payments = base_url(&config.payments_base_url)?;
        let www = base_url(&config.www_base_url)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| BuildError::InvalidUserAgent(config.user_agent.clone()))?;
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(user_agent)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(BuildError::Http)?;
        Ok(Self {
            http,
            config: Arc::new(config),
            payments,
            www,
            clock: Arc::new(SystemClock),
        })
    }

    /// Replaces the clock that decides what "now" is (report clamping,
    /// `Retry-After` dates); for tests whose sandbox runs on a moved clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// The configuration the client was built from.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn url(&self, operation: Operation) -> (Method, Url) {
        let (method, payments, path) = route(operation);
        let mut url = if payments {
            self.payments.clone()
        } else {
            self.www.clone()
        };
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        (method, url)
    }

    /// Sends one request for `operation`, retrying as [`retry::decide`] says,
    /// and returns the answer's payload.
    pub(crate) async fn send<B: Serialize + ?Sized>(
        &self,
        operation: Operation,
        body: Option<&B>,
        bearer: Option<&AuthToken>,
    ) -> Result<Value, GatewayError> {
        self.send_decoded(operation, body, bearer, |status, retry_after, body| {
            wire::decode(status, retry_after, &body.into_vec())
        })
        .await
    }

    /// [`Self::send`], with the answer read by `decode` (status, `Retry-After`,
    /// body) instead of [`wire::decode`]; its failures are retried the same way.
    pub(crate) async fn send_decoded<B, T, D>(
        &self,
        operation: Operation,
        body: Option<&B>,
        bearer: Option<&AuthToken>,
        decode: D,
    ) -> Result<T, GatewayError>
    where
        B: Serialize + ?Sized,
        D: Fn(u16, Option<Duration>, Body) -> Result<T, Failure>,
    {
        let body = match body.map(serde_json::to_vec).transpose() {
            Ok(body) => body,
            Err(e) => {
                return Err(GatewayError::Unavailable {
                    operation,
                    detail: format!("the request could not be encoded: {e}"),
                });
            }
        };
        let mut attempts = 0;
        loop {
            attempts += 1;
            let failure = match self
                .attempt(operation, body.as_deref(), bearer, &decode)
                .await
            {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let jitter = rand::random::<f64>();
            match retry::decide(&self.config.retry, operation, &failure, attempts, jitter) {
                Decision::RetryAfter(wait) => {
                    tracing::warn!(%operation, attempts, ?wait, ?failure, "retrying ATH Móvil call");
                    tokio::time::sleep(wait).await;
                }
                Decision::GiveUp => {
                    let error = retry::to_error(operation, failure);
                    // A refusal in ATH Móvil's own words (a payment it does
                    // not know, an empty report) is an answer the caller
                    // judges; only a call that got none is a warning.
                    if matches!(error, GatewayError::Refused { .. }) {
                        tracing::debug!(%operation, attempts, %error, "ATH Móvil refused the call");
                    } else {
                        tracing::warn!(%operation, attempts, %error, "ATH Móvil call failed");
                    }
                    return Err(error);
                }
            }
        }
    }

    async fn attempt<T>(
        &self,
        operation: Operation,
        body: Option<&[u8]>,
        bearer: Option<&AuthToken>,
        decode: &impl Fn(u16, Option<Duration>, Body) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let (method, url) = self.url(operation);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.body(body.to_vec());
        }
        if let Some(token) = bearer {
            request = request.bearer_auth(token.expose());
        }
        let mut response = request.send().await.map_err(send_failure)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers(), self.clock.now());
        // Kept as the chunks arrived: `Response::bytes` would hold the chunks
        // and their joined copy at once, and a report decoder frees each
        // chunk once it has read it.
        let mut bytes = Body::default();
        while let Some(chunk) = response.chunk().await.map_err(|e| Failure::NoAnswer {
            detail: format!("the answer was cut off ({})", describe(e)),
        })? {
            bytes.push(&chunk);
        }
        drop(response);
        tracing::debug!(%operation, status, len = bytes.len(), "ATH Móvil answered");
        decode(status, retry_after, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_the_base_and_the_documented_paths() {
        let mut config = ClientConfig::new("pub", "priv").with_base_url("http://127.0.0.1:8080/");
        config.www_base_url = "https://www.example.com/prefix".into();
        let client = AthmClient::new(config).unwrap();
        let table = [
            (
                Operation::CreatePayment,
                "POST",
                "http://127.0.0.1:8080/api/business-transaction/ecommerce/payment",
            ),
            (
                Operation::UpdatePhoneNumber,
                "PUT",
                "http://127.0.0.1:8080/api/business-transaction/ecommerce/business/updatePhoneNumber",
            ),
            (
                Operation::TransactionReport,
                "GET",
                "https://www.example.com/prefix/transactions/v4/transactionReport",
            ),
            (
                Operation::SubscribeWebhook,
                "POST",
                "https://www.example.com/prefix/transactions/webhook/post",
            ),
        ];
        for (operation, method, url) in table {
            let (m, u) = client.url(operation);
            assert_eq!((m.as_str(), u.as_str()), (method, url));
        }
    }

    #[test]
    fn bad_base_urls_are_refused_and_debug_hides_the_private_token() {
        let config = ClientConfig::new("pub", "priv-secret").with_base_url("ftp://x");
        assert!(matches!(
            AthmClient::new(config),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        let client = AthmClient::new(ClientConfig::new("pub", "priv-secret")).unwrap();
        assert!(!format!("{client:?}").contains("priv-secret"));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .unwrap()
            .to_utc();
        let table = [
            ("3", Some(Duration::from_secs(3))),
            (
                "Wed, 21 Oct 2015 07:28:00 GMT",
                Some(Duration::from_secs(60)),
            ),
            ("Wed, 21 Oct 2015 07:20:00 GMT", Some(Duration::ZERO)),
            ("soon", None),
        ];
        for (text, expected) in table {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(text).unwrap());
            assert_eq!(retry_after(&headers, now), expected, "{text}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
