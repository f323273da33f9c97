//! Error answers of the ATH Móvil API and errors of the sandbox itself.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub mod codes;

/// An error answer: `{"status":"error","message":…,"errorcode":…,"data":null}`.
///
/// `message` is the code's published text ([`codes::message`]), so that
/// the sandbox never answers a kinder sentence than production; the
/// sandbox's own explanation is kept in `detail` (logged, never sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message} ({detail})")]
pub struct ApiError {
    /// HTTP status of the answer (400 business errors, 401 token errors,
    /// 500 internal errors).
    pub status: u16,
    /// `errorcode`.
    pub code: &'static str,
    /// `message`: the published text of `code`.
    pub message: String,
    /// Why the sandbox refused, in its own words (not sent).
    pub detail: String,
}

impl ApiError {
    /// An answer with `code`'s published text; `detail` fills its `%s`
    /// (days, a parameter's name) or stands in for an unpublished code.
    fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let message = match codes::message(code) {
            Some(text) if text.contains("%s") => text.replace("%s", &detail),
            Some(text) => text.to_owned(),
            None => detail.clone(),
        };
        Self {
            status,
            code,
            message,
            detail,
        }
    }

    /// A business error (HTTP 400).
    pub fn bad(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(400, code, detail)
    }

    /// An authentication error (HTTP 401).
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(401, code, detail)
    }

    /// An answer whose `message` is a published example's sentence rather
    /// than the table's text (e.g. BTRA_0006 "Required request body is
    /// missing", `token.expired` "The Token has expired on …").
    pub fn verbatim(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status,
            code,
            detail: message.clone(),
            message,
        }
    }

    /// The internal error answer (HTTP 500, BTRA_9999).
    pub fn internal() -> Self {
        Self::new(500, codes::INTERNAL, "internal error")
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
    /// The sandbox cannot listen on its address.
    #[error("the sandbox cannot listen on {addr}: {source}")]
    Bind {
        /// The address it was given.
        addr: std::net::SocketAddr,
        /// Why not (e.g. [`std::io::ErrorKind::AddrInUse`]).
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("sandbox I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The sandbox needs a Tokio runtime for its background tasks.
    #[error("the sandbox must be created inside a Tokio runtime")]
    NoRuntime,
    /// The webhook HTTP client could not be built.
    #[error("could not build the webhook HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// The ledger file could not be read.
    #[error("the sandbox ledger could not be loaded")]
    Ledger(#[from] crate::ledger::LedgerFileError),
}
