//! Outbound notifications: an [`EventSink`] that POSTs each lifecycle event
//! as signed JSON to the merchant's URLs.
//!
//! Each delivery is one `POST` per URL with the body
//! `{"id", "kind", "ecommerce_id", "reference_number", "amount", "occurred_at"}`
//! and the header `X-Athm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
//! (also `X-Athm-Event-Id`). A URL that answers anything but 2xx, does not
//! answer within the timeout, or cannot be reached fails the delivery: the
//! outbox relay records the attempt and offers the event again later (after
//! `attempts²` seconds), to every URL. So delivery is at least once: a
//! subscriber drops copies by `id`, which is the same on every attempt.
//! Redirects are not followed. `docs/notifications.md` shows how a
//! subscriber checks the signature.
#![deny(missing_docs)]

/// The signing secret's type (its `Debug` is redacted).
pub use athm_domain::Secret;

use std::time::Duration;

use async_trait::async_trait;
use athm_domain::model::LifecycleEvent;
use athm_domain::ports::{EventSink, EventSinkError};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Athm-Signature";
/// The header that carries the event's id.
pub const EVENT_ID_HEADER: &str = "X-Athm-Event-Id";

/// Where and how lifecycle events are posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierConfig {
    /// Every URL that receives every event (`http://` or `https://`).
    pub urls: Vec<String>,
    /// The HMAC-SHA256 key of the signature (at least [`NotifierConfig::MIN_SECRET_BYTES`]).
    pub secret: Secret,
    /// How long one `POST` may take.
    pub timeout: Duration,
}

impl NotifierConfig {
    /// The shortest secret accepted.
    pub const MIN_SECRET_BYTES: usize = 32;

    /// Posting to `urls`, signed with `secret`, 10 s per request.
    pub fn new(urls: Vec<String>, secret: impl Into<Secret>) -> Self {
        Self {
            urls,
            secret: secret.into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// A notifier configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotifierError(String);

/// Posts lifecycle events to the configured URLs, signed (see the module docs).
#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    http: reqwest::Client,
    config: NotifierConfig,
}

/// The JSON body of a notification.
#[derive(Debug, Serialize)]
struct Notification<'a> {
    id: String,
    kind: &'static str,
    ecommerce_id: String,
    reference_number: Option<&'a str>,
    amount: String,
    occurred_at: String,
}

impl WebhookNotifier {
    /// A notifier for `config`.
    ///
    /// # Errors
    /// [`NotifierError`] for no URLs, a URL that is not `http(s)://`, a
    /// secret shorter than 32 bytes, a zero timeout, or an HTTP client that
    /// cannot be built.
    pub fn new(config: NotifierConfig) -> Result<Self, NotifierError> {
        if config.urls.is_empty() {
            return Err(NotifierError("notify URLs: at least one is needed".into()));
        }
        if let Some(bad) = config.urls.iter().find(|u| {
            reqwest::Url::parse(u).map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
        }) {
            return Err(NotifierError(format!(
                "notify URLs: {} is not an http:// or https:// URL",
                redact(bad)
            )));
        }
        if config.secret.expose().len() < NotifierConfig::MIN_SECRET_BYTES {
            return Err(NotifierError(format!(
                "notify secret: must be at least {} bytes (subscribers check the signature with it)",
                NotifierConfig::MIN_SECRET_BYTES
            )));
        }
        if config.timeout.is_zero() {
            return Err(NotifierError(
                "notify timeout: must be greater than 0".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("athm-notifier/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifierError(format!("the HTTP client cannot be built: {e}")))?;
        Ok(Self { http, config })
    }

    /// The JSON body posted for `event`.
    pub fn body(event: &LifecycleEvent) -> String {
        let notification = Notification {
            id: event.event_id(),
            kind: event.kind.as_str(),
            ecommerce_id: event.ecommerce_id.to_string(),
            reference_number: event.reference_number.as_ref().map(|r| r.as_str()),
            amount: event.amount.to_string(),
            occurred_at: event
                .occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        };
        serde_json::to_string(&notification).unwrap_or_default()
    }

    async fn post(&self, url: &str, body: &str, event_id: &str) -> Result<(), String> {
        let timestamp = unix_now();
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                sign(&self.config.secret, timestamp, body.as_bytes()),
            )
            .header(EVENT_ID_HEADER, event_id)
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    format!(
                        "{} did not answer within {:?}",
                        redact(url),
                        self.config.timeout
                    )
                } else {
                    format!("{} could not be reached ({})", redact(url), without_url(&e))
                }
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{} answered {status}", redact(url)))
        }
    }
}

#[async_trait]
impl EventSink for WebhookNotifier {
    async fn publish(&self, event: &LifecycleEvent) -> Result<(), EventSinkError> {
        let body = Self::body(event);
        let id = event.event_id();
        let mut failures = Vec::new();
        for url in &self.config.urls {
            if let Err(failure) = self.post(url, &body, &id).await {
                tracing::warn!(
                    event_id = %id,
                    kind = event.kind.as_str(),
                    ecommerce_id = %event.ecommerce_id,
                    %failure,
                    "lifecycle notification failed; it will be sent again"
                );
                failures.push(failure);
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(EventSinkError {
                message: failures.join("; "),
            })
        }
    }
}

/// The `X-Athm-Signature` value for `body` sent at `timestamp` (unix seconds):
/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
fn mac(secret: &Secret, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Why a signature was refused by [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=…,v1=…`.
    #[error("the signature header is malformed")]
    Malformed,
    /// The timestamp is further from now than the tolerance (a replay, or a wrong clock).
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    /// No `v1` value matches the body.
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks an `X-Athm-Signature` header against the raw `body`, as a Rust
/// subscriber would: the timestamp within `tolerance_secs` of `now_unix`,
/// and a `v1` equal (compared in constant time) to the HMAC of `"<t>.<body>"`.
///
/// # Errors
/// [`SignatureError`] saying why the signature is refused.
pub fn verify(
    secret: &Secret,
    header: &str,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => {
                signatures.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?)
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_unix - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    // hmac's own verification compares in constant time.
    if signatures
        .iter()
        .any(|s| mac(secret, timestamp, body).verify_slice(s).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `url` without user info, query or fragment (they may hold tokens), for messages.
fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => "<an invalid URL>".to_string(),
    }
}

/// A reqwest error's message without the URL it embeds (already redacted by the caller).
fn without_url(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    if text.is_empty() {
        "connection failed".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("whsec-0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(&secret(), 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="), "{header}");
        assert_eq!(header.len(), "t=1700000000,v1=".len() + 64);
        assert_eq!(verify(&secret(), &header, body, 1_700_000_100, 300), Ok(()));
        assert_eq!(
            verify(&secret(), &header, br#"{"id":"evt_2"}"#, 1_700_000_000, 300),
            Err(SignatureError::Mismatch)
        );
        let other = Secret::new("another-secret-0123456789abcdef0123");
        assert_eq!(
            verify(&other, &header, body, 1_700_000_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&secret(), &header, body, 1_700_000_301, 300),
            Err(SignatureError::Stale)
        );
        let moved = header.replace("t=1700000000", "t=1700000001");
        assert_eq!(
            verify(&secret(), &moved, body, 1_700_000_000, 300),
            Err(SignatureError::Mismatch),
            "the timestamp is signed too"
        );
        for bad in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz"] {
            assert_eq!(
                verify(&secret(), bad, body, 1, 300),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_known_vector_matches_pythons_hmac() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'key',b'1.body',hashlib.sha256).hexdigest())"
        assert_eq!(
            sign(&Secret::new("key"), 1, b"body"),
            "t=1,v1=91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
        );
    }

    #[test]
    fn bad_configurations_are_refused() {
        let good = NotifierConfig::new(vec!["https://shop.example/hook".into()], secret());
        assert!(WebhookNotifier::new(good.clone()).is_ok());
        for config in [
            NotifierConfig {
                urls: vec![],
                ..good.clone()
            },
            NotifierConfig {
                urls: vec!["ftp://x/y".into()],
                ..good.clone()
            },
            NotifierConfig {
                urls: vec!["not a url".into()],
                ..good.clone()
            },
            NotifierConfig {
                secret: Secret::new("short"),
                ..good.clone()
            },
            NotifierConfig {
                timeout: Duration::ZERO,
                ..good.clone()
            },
        ] {
            assert!(WebhookNotifier::new(config).is_err());
        }
    }

    #[test]
    fn urls_lose_credentials_and_queries_in_messages() {
        assert_eq!(
            redact("https://user:pw@shop.example/hook?token=abc#x"),
            "https://shop.example/hook"
        );
    }
}
