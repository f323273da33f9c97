//! Who is calling: the merchant's backend (API key) or a browser (its address).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use crate::config::WebConfig;
use crate::error::ApiError;
use crate::mac::same_secret;
use crate::state::AppState;

/// Proof that the request carries one of the merchant's API keys
/// (`Authorization: Bearer <key>`).
#[derive(Debug, Clone, Copy)]
pub struct MerchantKey;

impl FromRequestParts<AppState> for MerchantKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let keys = &state.config().api_keys;
        if keys.iter().all(|k| k.is_empty()) {
            return Err(ApiError::Forbidden(
                "authorization: the checkout API is disabled (no API keys are configured)".into(),
            ));
        }
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized("authorization: a Bearer API key is required".into())
            })?;
        // Every key is compared (no early exit), each in constant time.
        let known = keys
            .iter()
            .filter(|k| !k.is_empty())
            .fold(false, |found, key| {
                found | same_secret(key.expose(), presented)
            });
        if known {
            Ok(Self)
        } else {
            Err(ApiError::Unauthorized(
                "authorization: unknown API key".into(),
            ))
        }
    }
}

/// The client's address, as a rate-limit key: the socket's peer, or the
/// last `X-Forwarded-For` entry when the config trusts a proxy (the entry
/// that proxy added; earlier ones are the client's to forge). `unknown`
/// when neither is available (a router driven without `ConnectInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The address given when neither a trusted proxy nor the socket names one.
    pub const UNKNOWN: &'static str = "unknown";
}

impl ClientAddr {
    /// The client's address of a request, read as `config` says (the
    /// trusted proxy's `X-Forwarded-For` entry, else the socket's peer).
    pub(crate) fn of(parts: &Parts, config: &WebConfig) -> Self {
        if config.trust_forwarded_for
            && let Some(last) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty())
        {
            return Self(last.to_string());
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| Self::UNKNOWN.to_string(), |c| c.0.ip().to_string());
        Self(peer)
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, state.config()))
    }
}
