//! `POST /webhook`: the ATH Móvil webhook receiver.
//!
//! Hardening, by configuration: a secret path segment
//! ([`crate::WebConfig::webhook_path_secret`]: the receiver is then only at
//! `/webhook/{secret}`; anything else is 404) and a source-address
//! allow-list ([`crate::WebConfig::webhook_allowed_sources`]: others get
//! 403). Bodies nested deeper than
//! [`ParsedWebhook::MAX_DEPTH`](athm_domain::webhook::ParsedWebhook::MAX_DEPTH)
//! are stored as malformed and answered 200 like any unreadable body.
//!
//! The body is parsed once and stored durably under its idempotency key,
//! with the sender's address (the client address, see [`ClientAddr`]),
//! before anything else, in a group commit with the events arriving at the
//! same time ([`crate::ingest::WebhookIngest`]); only once that commit returns is it
//! answered 200, so a 200 always means "stored". A failure to store this
//! event answers 500 so that ATH Móvil delivers again; the other events
//! of its group commit are answered by their own results. Malformed
//! bodies are stored flagged (for audit) and answered 200, so that ATH Móvil
//! does not retry them forever. Processing is the domain's
//! [`WebhookProcessor::process`](athm_domain::services::WebhookProcessor::process):
//! a redelivery of a processed event is a no-op, of a failed or pending one
//! runs processing again.

use std::net::IpAddr;

use athm_domain::webhook::EventKind;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::auth::ClientAddr;
use crate::error::ApiError;
use crate::mac::same_secret;
use crate::state::AppState;

/// `POST /webhook/{secret}`: the receiver behind a secret path segment. A
/// wrong segment answers 404, like a route that does not exist; the
/// comparison takes the same time whatever the segment.
pub(crate) async fn receive_at_secret(
    State(state): State<AppState>,
    Path(given): Path<String>,
    source: ClientAddr,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let matches = state
        .config()
        .webhook_path_secret
        .as_ref()
        .is_some_and(|secret| same_secret(secret.expose(), &given));
    if !matches {
        state.metrics().webhook("unknown", "wrong_path");
        return Err(ApiError::NotFound("no route for this webhook path".into()));
    }
    receive(State(state), source, body).await
}

/// The sender's address to keep with its event: the client address
/// ([`ClientAddr`]: the socket's peer, or the last `X-Forwarded-For` entry
/// behind a trusted proxy), unless it is unknown.
fn known_address(source: String) -> Option<String> {
    (source != ClientAddr::UNKNOWN).then_some(source)
}

/// Stores, then (by configuration) processes one webhook event.
pub(crate) async fn receive(
    State(state): State<AppState>,
    ClientAddr(source): ClientAddr,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let allowed = &state.config().webhook_allowed_sources;
    if !allowed.is_empty() {
        let admitted = source
            .parse::<IpAddr>()
            .is_ok_and(|ip| allowed.iter().any(|net| net.contains(ip)));
        if !admitted {
            tracing::warn!(%source, "webhook refused: the source address is not allowed");
            state.metrics().webhook("unknown", "forbidden_source");
            return Err(ApiError::Forbidden(
                "source: this address may not post webhooks".into(),
            ));
        }
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge {
                max: state.config().max_body_bytes,
            }
        } else {
            ApiError::BadRequest(format!("body: {}", rejection.body_text()))
        }
    })?;
    let (mut event, parsed) = state.webhooks().prepare(&body);
    event.remote_addr = known_address(source);
    let receipt = state
        .ingest()
        .receive(event, parsed)
        .await
        .map_err(|error| ApiError::Internal(Box::new(error)))?;
    let answer = match (receipt.created, receipt.kind) {
        (false, _) => "duplicate",
        (true, EventKind::Malformed) => "malformed",
        (true, _) => "stored",
    };
    Ok(Json(json!({ "status": answer })))
}
