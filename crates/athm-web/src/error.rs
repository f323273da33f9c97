//! Every failure of the HTTP API, mapped once to a status and a client-safe
//! `{"error": "..."}` body.
//!
//! | error | status |
//! |---|---|
//! | [`FieldError`] (a refused value; the message names the field) | 400 |
//! | missing or wrong API key | 401 |
//! | wrong or missing payment session | 403 |
//! | unknown payment | 404 |
//! | [`RuleError`] (the payment's state forbids the operation) | 409 |
//! | body too large | 413 |
//! | rate limited (with `Retry-After`) | 429 |
//! | store failure (logged, generic message) | 500 |
//! | [`GatewayError::Refused`] / `Undecodable` (ATH Móvil's message and code) | 502 |
//! | ATH Móvil unavailable, rate limited or outcome unknown; timeouts | 503 |

use std::time::Duration;

use athm_domain::ports::{GatewayError, StoreError};
use athm_domain::services::{PaymentError, WebhookError};
use athm_domain::{FieldError, RuleError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a request failed; each variant has one status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A value in the request was refused (400); the message names the field.
    #[error("{0}")]
    BadRequest(String),
    /// The merchant API key is missing or wrong (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller may not act on this payment (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such payment (404).
    #[error("{0}")]
    NotFound(String),
    /// A payment rule refused the operation (409).
    #[error(transparent)]
    Rule(RuleError),
    /// The request body is larger than allowed (413).
    #[error("body: the request body is larger than {max} bytes")]
    TooLarge {
        /// The limit, in bytes.
        max: usize,
    },
    /// Too many requests (429).
    #[error("{what}: too many payment attempts; retry in {} seconds", retry_after.as_secs().max(1))]
    RateLimited {
        /// What was limited (`client`, `phone_number`).
        what: &'static str,
        /// When to try again.
        retry_after: Duration,
    },
    /// ATH Móvil failed or refused (502 or 503).
    #[error(transparent)]
    Gateway(GatewayError),
    /// A dependency is unavailable or the request timed out (503).
    #[error("{0}")]
    Unavailable(String),
    /// Something failed inside (500); the detail is logged, never returned.
    #[error("internal error: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Rule(_) => StatusCode::CONFLICT,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Gateway(GatewayError::Refused { .. } | GatewayError::Undecodable { .. }) => {
                StatusCode::BAD_GATEWAY
            }
            Self::Gateway(_) | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client sees: never a store detail or a secret.
    fn public_message(&self) -> String {
        match self {
            Self::Gateway(GatewayError::Refused { message, .. }) => {
                format!("ATH Móvil refused the operation: {message}")
            }
            Self::Gateway(GatewayError::Undecodable { operation, .. }) => {
                format!("ATH Móvil's answer to {operation} could not be read")
            }
            Self::Gateway(GatewayError::OutcomeUnknown { operation, .. }) => {
                format!("ATH Móvil did not answer {operation}; check the payment's status")
            }
            Self::Gateway(error) => format!(
                "ATH Móvil is unavailable for {}; try again later",
                error.operation()
            ),
            Self::Internal(_) => "internal error; the details are in the server log".into(),
            other => other.to_string(),
        }
    }
}

/// The full chain of an error, for the logs.
pub(crate) use athm_domain::error_chain as chain;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %chain(&self), "request failed");
        }
        let mut body = json!({ "error": self.public_message() });
        if let Self::Gateway(GatewayError::Refused { code, .. }) = &self {
            body["code"] = json!(code.as_str());
        }
        let retry_after = match &self {
            Self::RateLimited { retry_after, .. } => Some(retry_after.as_secs().max(1)),
            Self::Gateway(GatewayError::RateLimited { retry_after, .. }) => {
                retry_after.map(|d| d.as_secs().max(1))
            }
            _ => None,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Self::Unauthorized(_) = self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl From<RuleError> for ApiError {
    fn from(error: RuleError) -> Self {
        Self::Rule(error)
    }
}

impl From<GatewayError> for ApiError {
    fn from(error: GatewayError) -> Self {
        Self::Gateway(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => Self::Rule(rule),
            StoreError::NotFound { .. } => Self::NotFound(error.to_string()),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<PaymentError> for ApiError {
    fn from(error: PaymentError) -> Self {
        match error {
            PaymentError::Invalid(field) => field.into(),
            PaymentError::Rule(rule) => Self::Rule(rule),
            PaymentError::NotFound(id) => {
                Self::NotFound(format!("ecommerce_id: payment {id} was not found"))
            }
            PaymentError::Gateway(gateway) => Self::Gateway(gateway),
            PaymentError::Store(store) => store.into(),
            other @ PaymentError::RefundPending { .. } => Self::Unavailable(other.to_string()),
            PaymentError::RefundRefused {
                source: Some(gateway),
                ..
            } => Self::Gateway(gateway),
            other @ PaymentError::RefundRefused { .. } => Self::BadRequest(other.to_string()),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        match error {
            WebhookError::Store(store) => Self::Internal(Box::new(store)),
            WebhookError::Verification(gateway) => Self::Gateway(gateway),
            other => Self::Internal(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests;
