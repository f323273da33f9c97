//! Error answers of the ATH Móvil API and errors of the sandbox itself.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The error codes the sandbox answers with.
pub mod codes {
    /// Amount under the minimum (1.00), or negative.
    pub const AMOUNT_UNDER_MINIMUM: &str = "BTRA_0001";
    /// Amount over the limit (1500.00), or a refund over what is left to refund.
    pub const AMOUNT_OVER_LIMIT: &str = "BTRA_0004";
    /// Invalid format or missing body/field.
    pub const INVALID_FORMAT: &str = "BTRA_0006";
    /// Business not active.
    pub const BUSINESS_NOT_ACTIVE: &str = "BTRA_0010";
    /// Amount is zero.
    pub const AMOUNT_ZERO: &str = "BTRA_0013";
    /// Unknown public token or wrong private token.
    pub const INVALID_TOKEN: &str = "BTRA_0017";
    /// Report: the business has no transactions at all.
    pub const REPORT_NO_RECORDS: &str = "BTRA_0022";
    /// Report: `fromDate` is not a valid date.
    pub const REPORT_BAD_FROM: &str = "BTRA_0023";
    /// Report: `toDate` is not a valid date.
    pub const REPORT_BAD_TO: &str = "BTRA_0024";
    /// Report: `fromDate` after `toDate`.
    pub const REPORT_FROM_AFTER_TO: &str = "BTRA_0025";
    /// Report: range longer than the maximum number of days.
    pub const REPORT_RANGE_TOO_LONG: &str = "BTRA_0026";
    /// `ecommerceId` does not exist (for this business).
    pub const ECOMMERCE_NOT_FOUND: &str = "BTRA_0031";
    /// The payment is not in CONFIRM.
    pub const NOT_CONFIRMED: &str = "BTRA_0032";
    /// Cannot confirm (or change) a cancelled, expired or finished payment.
    pub const NOT_OPEN: &str = "BTRA_0037";
    /// Metadata over 40 characters.
    pub const METADATA_TOO_LONG: &str = "BTRA_0038";
    /// The valid time to execute has expired.
    pub const TIME_EXPIRED: &str = "BTRA_0039";
    /// Refund message over 50 characters.
    pub const MESSAGE_TOO_LONG: &str = "BTRA_0040";
    /// The phone number is already assigned to the payment.
    pub const PHONE_ALREADY_ASSIGNED: &str = "BTRA_0041";
    /// Report: no transactions in the range.
    pub const REPORT_NONE_IN_RANGE: &str = "BTRA_0046";
    /// Report: dates in the future.
    pub const REPORT_FUTURE_DATES: &str = "BTRA_0048";
    /// Reference number does not exist.
    pub const REFERENCE_NOT_FOUND: &str = "BTRA_0053";
    /// Invalid auth token (bad signature or malformed).
    pub const AUTH_INVALID: &str = "BTRA_0401";
    /// Auth token for another payment.
    pub const AUTH_FORBIDDEN: &str = "BTRA_0403";
    /// Internal error.
    pub const INTERNAL: &str = "BTRA_9999";
    /// Missing `Authorization: Bearer` header.
    pub const TOKEN_INVALID_HEADER: &str = "token.invalid.header";
    /// Expired auth token.
    pub const TOKEN_EXPIRED: &str = "token.expired";
    /// Communication error (503 fault).
    pub const COMMUNICATION: &str = "BTRA_9998";
}

/// An error answer: `{"status":"error","message":…,"errorcode":…,"data":null}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status of the answer (400 business errors, 401 token errors,
    /// 500 internal errors).
    pub status: u16,
    /// `errorcode`.
    pub code: &'static str,
    /// `message`.
    pub message: String,
}

impl ApiError {
    /// A business error (HTTP 400).
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code,
            message: message.into(),
        }
    }

    /// An authentication error (HTTP 401).
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: 401,
            code,
            message: message.into(),
        }
    }

    /// The internal error answer (HTTP 500, BTRA_9999).
    pub fn internal() -> Self {
        Self {
            status: 500,
            code: codes::INTERNAL,
            message: "Internal error".to_owned(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({"status": "error", "message": self.message, "errorcode": self.code, "data": null})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(self.body())).into_response()
    }
}

/// Failures of the sandbox itself (not API answers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding or serving failed.
    #[error("sandbox I/O failed")]
    Io(#[from] std::io::Error),
    /// The sandbox needs a Tokio runtime for its background tasks.
    #[error("the sandbox must be created inside a Tokio runtime")]
    NoRuntime,
    /// The webhook HTTP client could not be built.
    #[error("could not build the webhook HTTP client")]
    HttpClient(#[source] reqwest::Error),
}
