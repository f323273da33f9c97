//! `GET /healthz`: whether the service can do its job (the database answers and accepts writes).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// 200 `{"status":"ok"}` when the store answers and accepts writes, else 503 (the failure is logged).
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer or refuses writes");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "unavailable", "error": "database: not answering or refusing writes" }),
                ),
            )
        }
    }
}
