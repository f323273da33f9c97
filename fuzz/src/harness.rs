//! The fuzz targets' bodies, shared (through `#[path]`) by the cargo-fuzz
//! binaries in `fuzz/fuzz_targets/` and by the bounded smoke test the
//! workspace runs on stable (`tests/it/fuzz_smoke.rs`): the same functions,
//! fed by libFuzzer there and by the corpus plus pseudo-random inputs here.
//! Each panics on a broken property; libFuzzer reports the input.

#![allow(dead_code)]

use std::sync::Arc;

use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{AthmGateway, Clock, Store, SystemClock};
use athm_domain::services::{PaymentService, WebhookProcessor};
use athm_domain::webhook::{EventKind, EventStatus, ParsedWebhook};
use athm_store::SqlStore;
use athm_web::{AppState, IpNet, Secret, WebConfig, mount};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

/// The path secret of the hardened router.
pub const PATH_SECRET: &str = "fuzz-path-secret-0123456789";

/// Parses `data` as a webhook body: never panics; a readable body gets a
/// key and an event; an unreadable one is stored flagged as malformed.
pub fn parse(data: &[u8]) {
    let now = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    match ParsedWebhook::parse(data) {
        Ok(parsed) => {
            let key = parsed.idempotency_key();
            assert!(!key.is_empty(), "an empty idempotency key");
            let event = parsed.to_event(data, now);
            assert_eq!(event.idempotency_key, key);
            assert_eq!(event.status, EventStatus::Pending);
            // Parsing is deterministic: the same bytes, the same key.
            let again = ParsedWebhook::parse(data).expect("parsed once, parses again");
            assert_eq!(again.idempotency_key(), key);
        }
        Err(error) => {
            let event = ParsedWebhook::malformed_event(data, &error, now);
            assert_eq!(event.kind, EventKind::Malformed);
            assert_eq!(event.status, EventStatus::Flagged);
        }
    }
}

/// The webhook endpoint of two routers (plain, and hardened with a path
/// secret, a source allow-list and proxy trust) over in-memory SQLite.
pub struct Endpoint {
    runtime: tokio::runtime::Runtime,
    plain: axum::Router,
    hardened: axum::Router,
}

impl Endpoint {
    /// Builds the routers; no network: the gateway points at a closed port
    /// and webhook processing does not verify with ATH Móvil.
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let (plain, hardened) = runtime.block_on(async {
            let plain = router(WebConfig::new("fuzz-checkout-secret-0123456789abcdef")).await;
            let hardened = router(WebConfig {
                webhook_path_secret: Some(Secret::new(PATH_SECRET)),
                webhook_allowed_sources: vec!["203.0.113.0/24".parse::<IpNet>().expect("a range")],
                trust_forwarded_for: true,
                max_body_bytes: 4096,
                ..WebConfig::new("fuzz-checkout-secret-0123456789abcdef")
            })
            .await;
            (plain, hardened)
        });
        Self {
            runtime,
            plain,
            hardened,
        }
    }

    /// One request built from `data`: byte 0 picks the router, method and
    /// path; byte 1 the length of an `X-Forwarded-For` value that follows;
    /// byte 2 the content type; the rest is the body. The answer must be
    /// 200 or a 4xx, never a 5xx or a panic.
    pub fn run(&self, data: &[u8]) {
        let selector = data.first().copied().unwrap_or(0);
        let forwarded_len = usize::from(data.get(1).copied().unwrap_or(0) % 48);
        let forwarded = data.get(3..3 + forwarded_len).unwrap_or_default();
        let content_type = data.get(2).copied().unwrap_or(0);
        let body = data.get(3 + forwarded_len..).unwrap_or_default().to_vec();

        let router = if selector & 1 == 0 {
            &self.plain
        } else {
            &self.hardened
        };
        let path = match (selector >> 1) % 5 {
            0 => "/athm/webhook".to_string(),
            1 => format!("/athm/webhook/{PATH_SECRET}"),
            2 => "/athm/webhook/wrong-secret".to_string(),
            3 => format!(
                "/athm/webhook/{}",
                String::from_utf8_lossy(forwarded).escape_default()
            ),
            _ => "/athm/api/status".to_string(),
        };
        let method = if selector & 0x80 == 0 {
            Method::POST
        } else {
            Method::GET
        };
        let mut request = Request::builder().method(method).uri(path.as_str());
        if let Ok(value) = axum::http::HeaderValue::from_bytes(forwarded) {
            request = request.header("x-forwarded-for", value);
        }
        request = request.header(
            "content-type",
            match content_type % 3 {
                0 => "application/json",
                1 => "text/plain",
                _ => "application/x-www-form-urlencoded",
            },
        );
        let Ok(request) = request.body(Body::from(body)) else {
            return; // a URI the fuzzer made unparseable: not a request
        };
        let status = self.runtime.block_on(async {
            router
                .clone()
                .oneshot(request)
                .await
                .expect("the router is infallible")
                .status()
        });
        assert!(
            status == StatusCode::OK || status.is_client_error(),
            "{path}: answered {status}"
        );
    }
}

async fn router(config: WebConfig) -> axum::Router {
    let store = SqlStore::connect("sqlite::memory:").await.expect("sqlite");
    store.migrate().await.expect("migrations");
    let store: Arc<dyn Store> = Arc::new(store);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let client = ClientConfig::new("public", "private").with_base_url("http://127.0.0.1:9");
    let gateway: Arc<dyn AthmGateway> = Arc::new(AthmClient::new(client).expect("a client"));
    let payments = PaymentService::new(gateway.clone(), store.clone(), clock.clone());
    // The endpoint's robustness is fuzzed, not ATH Móvil's answers: events
    // are taken at their word, so every readable body reaches the store's steps.
    let webhooks = WebhookProcessor::new(gateway, store.clone(), store.clone(), clock).unverified();
    mount(AppState::new(payments, webhooks, store, config), "/athm")
}
