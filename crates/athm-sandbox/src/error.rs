//! Error answers of the ATH Móvil API and errors of the sandbox itself.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub mod codes;

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
        error_body(self.code, &self.message)
    }
}

/// `{"status":"error","message":…,"errorcode":…,"data":null}`.
fn error_body(code: &str, message: &str) -> Value {
    json!({"status": "error", "message": message, "errorcode": code, "data": null})
}

/// An error answer with `code` and its published text (a generic one for a
/// code ATH Móvil does not publish), with HTTP `status` (400 when invalid).
pub(crate) fn error_answer(status: u16, code: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let message = codes::message(code).unwrap_or("Error");
    (status, axum::Json(error_body(code, message))).into_response()
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
