//! `GET /healthz`: whether the service can do its job (the database answers
//! and accepts writes).
//!
//! The check writes (a write that changes no row, rolled back), and on
//! SQLite every write takes the one write turn, so checks are single-flight
//! and their verdict is reused for [`FRESH_FOR`]: a flood of unauthenticated
//! health requests cannot queue ahead of payments' writes.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// How long one check's verdict answers `/healthz`.
const FRESH_FOR: Duration = Duration::from_secs(2);

/// The last check's verdict and when it ended; one check at a time.
#[derive(Debug, Default)]
pub(crate) struct HealthCheck {
    last: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

/// 200 `{"status":"ok"}` when the store answers and accepts writes, else
/// 503 (the failure is logged).
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mut last = state.health().last.lock().await;
    let healthy = match *last {
        Some((at, healthy)) if at.elapsed() < FRESH_FOR => healthy,
        _ => {
            let healthy = match state.store().ping().await {
                Ok(()) => true,
                Err(error) => {
                    tracing::error!(%error, "health check: the database does not answer or refuses writes");
                    false
                }
            };
            *last = Some((Instant::now(), healthy));
            healthy
        }
    };
    drop(last);
    if healthy {
        (StatusCode::OK, Json(json!({ "status": "ok" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "unavailable", "error": "database: not answering or refusing writes" }),
            ),
        )
    }
}
