//! The driving HTTP adapter of athm: an axum router over the domain's use cases.
//!
//! - `POST {prefix}/webhook` (or `{prefix}/webhook/{secret}` with
//!   [`WebConfig::webhook_path_secret`]): the ATH Móvil webhook receiver ([`webhook`]).
//! - `POST {prefix}/api/checkouts`, `POST {prefix}/api/initiate`,
//!   `GET {prefix}/api/status`, `POST {prefix}/api/authorize`,
//!   `POST {prefix}/api/cancel`, `POST {prefix}/api/phone`: the checkout API,
//!   with the amount bound on the server by a signed token ([`checkout`]).
//! - `GET /healthz` and `GET /metrics` at the root.
//!
//! Every error body is `{"error": "..."}`; the mapping from domain errors to
//! statuses is in [`error`]. `docs/api.md` documents each endpoint.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use athm_domain::ports::{AthmGateway, Clock, Store, SystemClock};
//! # use athm_domain::services::{PaymentService, WebhookProcessor};
//! # async fn demo(gateway: Arc<dyn AthmGateway>, store: Arc<dyn Store>) -> std::io::Result<()> {
//! use athm_web::{AppState, WebConfig, mount};
//!
//! let clock: Arc<dyn Clock> = Arc::new(SystemClock);
//! let payments = PaymentService::new(gateway.clone(), store.clone(), clock.clone());
//! let webhooks = WebhookProcessor::new(gateway, store.clone(), store.clone(), clock);
//! let config = WebConfig::new("a random secret of at least 32 bytes").with_api_keys(["merchant-key"]);
//! let app = mount(AppState::new(payments, webhooks, store, config), "/athm");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
//! # }
//! ```
#![deny(missing_docs)]

pub mod admin;
mod auth;
pub mod button;
pub mod checkout;
mod config;
pub mod demo;
pub mod embed;
pub mod error;
mod extract;
mod health;
pub mod ingest;
mod mac;
pub mod metrics;
mod middleware;
mod net;
mod pages;
mod rate_limit;
mod serve;
mod state;
pub mod webhook;

pub use auth::{ClientAddr, MerchantKey};
pub use checkout::{
    Checkout, CheckoutRequest, SESSION_HEADER, TokenError, checkout_key, origin_of, session_token,
    sign_checkout, sign_checkout_until, verify_checkout, verify_session,
};
pub use config::{ConfigError, Secret, WebConfig, WebhookProcessing};
pub use error::ApiError;
pub use metrics::Metrics;
pub use middleware::strict_transport;
pub use net::{IpNet, IpNetError};
pub use rate_limit::FixedWindow;
pub use serve::{HEADER_READ_TIMEOUT, serve};
pub use state::{AppState, WebhookHook, WebhookNotice};

use axum::Router;
use axum::routing::{get, post};

/// The prefix [`mount`] is usually given.
pub const DEFAULT_PREFIX: &str = "/athm";

/// The webhook and checkout routes, relative to the prefix. The webhook
/// receiver is at `/webhook`, or only at `/webhook/{secret}` when the
/// config has a path secret.
fn api_routes(config: &WebConfig) -> Router<AppState> {
    let webhook = match config.webhook_path_secret {
        None => Router::new().route("/webhook", post(webhook::receive)),
        Some(_) => Router::new().route("/webhook/{secret}", post(webhook::receive_at_secret)),
    };
    webhook
        .route("/api/checkouts", post(checkout::create))
        .route("/api/initiate", post(checkout::initiate))
        .route("/api/status", get(checkout::status))
        .route("/api/authorize", post(checkout::authorize))
        .route("/api/cancel", post(checkout::cancel))
        .route("/api/phone", post(checkout::phone))
        .merge(button::routes())
}

/// The webhook and checkout routes at the root (`/webhook`, `/api/...`),
/// with every shared layer; no health or metrics routes (see [`mount`]).
pub fn router(state: AppState) -> Router {
    middleware::layered(api_routes(state.config()), &state)
}

/// The whole service: the routes of [`router`] under `prefix` (e.g.
/// [`DEFAULT_PREFIX`]; `""` or `"/"` for none), plus `GET /healthz` and
/// `GET /metrics` at the root.
pub fn mount(state: AppState, prefix: &str) -> Router {
    let root = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::render));
    let prefix = prefix.trim().trim_end_matches('/');
    let api = api_routes(state.config());
    let routes = if prefix.is_empty() {
        root.merge(api)
    } else if prefix.starts_with('/') {
        root.nest(prefix, api)
    } else {
        root.nest(&format!("/{prefix}"), api)
    };
    // An explicit fallback, so that it carries the layers (JSON 404) even when
    // the caller merges page routes into the mounted router.
    let routes = routes.fallback(|| async { axum::http::StatusCode::NOT_FOUND });
    middleware::layered(routes, &state)
}
