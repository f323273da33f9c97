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
//!
//! ATH Móvil's failures and the internal error are worded in English and in
//! Spanish: the English body is the response's, the Spanish one rides along
//! in a `SpanishBody` extension, and the shared layers send it instead when
//! the caller's `Accept-Language` prefers Spanish. A refusal is told with
//! ATH Móvil's published text for its code ([`AthmErrorCode::message`]).

use std::time::Duration;

use athm_domain::Language;
use athm_domain::ports::{AthmErrorCode, GatewayError, StoreError};
use athm_domain::services::{PaymentError, WebhookError};
use athm_domain::{FieldError, RuleError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

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

    /// The message a client sees in `language`: never a store detail or a
    /// secret. Only ATH Móvil's failures and the internal error have a
    /// Spanish wording; the other messages name fields and are in English.
    fn public_message(&self, language: Language) -> String {
        match (self, language) {
            (Self::Gateway(error), _) => gateway_message(error, language),
            (Self::Internal(_), Language::En) => {
                "internal error; the details are in the server log".into()
            }
            (Self::Internal(_), Language::Es) => {
                "error interno; los detalles están en el registro del servidor".into()
            }
            (other, _) => other.to_string(),
        }
    }
}

/// What to tell a person about a failed call to ATH Móvil, in `language`:
/// for a refusal, ATH Móvil's published text for its code (its own message
/// for a code it does not publish); never a transport detail.
pub(crate) fn gateway_message(error: &GatewayError, language: Language) -> String {
    let operation = error.operation();
    match (error, language) {
        (GatewayError::Refused { code, message, .. }, _) => {
            let text = refusal_text(code, message, language);
            match language {
                Language::En => format!("ATH Móvil refused the operation: {text}"),
                Language::Es => format!("ATH Móvil rechazó la operación: {text}"),
            }
        }
        (GatewayError::Undecodable { .. }, Language::En) => {
            format!("ATH Móvil's answer to {operation} could not be read")
        }
        (GatewayError::Undecodable { .. }, Language::Es) => {
            format!("no se pudo leer la respuesta de ATH Móvil a {operation}")
        }
        (GatewayError::OutcomeUnknown { .. }, Language::En) => {
            format!("ATH Móvil did not answer {operation}; check the payment's status")
        }
        (GatewayError::OutcomeUnknown { .. }, Language::Es) => {
            format!("ATH Móvil no respondió a {operation}; verifique el estado del pago")
        }
        (_, Language::En) => format!("ATH Móvil is unavailable for {operation}; try again later"),
        (_, Language::Es) => {
            format!("ATH Móvil no está disponible para {operation}; intente más tarde")
        }
    }
}

/// A failed call to ATH Móvil told briefly, for a page that already says
/// what failed: a refusal's published text and code (`El ReferenceNumber no
/// existe (BTRA_0053)`), else as [`gateway_message`] tells it.
pub(crate) fn gateway_reason(error: &GatewayError, language: Language) -> String {
    match error {
        GatewayError::Refused { code, message, .. } => {
            format!("{} ({code})", refusal_text(code, message, language))
        }
        other => gateway_message(other, language),
    }
}

/// ATH Móvil's published text for `code` in `language`, or `message` (its
/// answer's own text) for a code it does not publish.
fn refusal_text<'a>(code: &AthmErrorCode, message: &'a str, language: Language) -> &'a str {
    if code.is_documented() || message.trim().is_empty() {
        code.message(language)
    } else {
        message
    }
}

/// The Spanish body of an error answer, carried in the response's
/// extensions for the shared layers to send when the caller prefers Spanish.
#[derive(Debug, Clone)]
pub(crate) struct SpanishBody(pub(crate) Value);

/// The full chain of an error, for the logs.
pub(crate) use athm_domain::error_chain as chain;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %chain(&self), "request failed");
        }
        let mut body = json!({ "error": self.public_message(Language::En) });
        let mut spanish = json!({ "error": self.public_message(Language::Es) });
        if let Self::Gateway(GatewayError::Refused { code, .. }) = &self {
            body["code"] = json!(code.as_str());
            spanish["code"] = json!(code.as_str());
        }
        let retry_after = match &self {
            Self::RateLimited { retry_after, .. } => Some(retry_after.as_secs().max(1)),
            Self::Gateway(GatewayError::RateLimited { retry_after, .. }) => {
                retry_after.map(|d| d.as_secs().max(1))
            }
            _ => None,
        };
        let worded_twice = spanish != body;
        let mut response = (status, Json(body)).into_response();
        if worded_twice {
            response.extensions_mut().insert(SpanishBody(spanish));
        }
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
