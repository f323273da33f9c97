//! The fault gate every API operation passes through.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::conn::KillSwitch;
use crate::error::{ApiError, error_answer};
use crate::faults::{Fault, Operation};
use crate::state::Shared;

/// The kill switch of the request's connection, when served by the
/// sandbox's own listener (absent when the router is mounted elsewhere).
pub(crate) struct Conn(Option<KillSwitch>);

impl<S: Send + Sync> FromRequestParts<S> for Conn {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Conn(
            parts
                .extensions
                .get::<ConnectInfo<KillSwitch>>()
                .map(|c| c.0.clone()),
        ))
    }
}

/// Runs `effect` (the operation's normal work and answer) under the fault
/// armed on `operation`, if any.
pub(crate) async fn guarded(
    shared: &Shared,
    operation: Operation,
    conn: Conn,
    effect: impl Future<Output = Response>,
) -> Response {
    let Some(fault) = shared.faults.take(operation) else {
        return effect.await;
    };
    tracing::info!(?operation, ?fault, "sandbox fault");
    match fault {
        Fault::Latency { millis } => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            effect.await
        }
        Fault::Hang => {
            shared.hang().await;
            unavailable()
        }
        Fault::InternalError => ApiError::internal().into_response(),
        Fault::Unavailable => unavailable(),
        Fault::RateLimited { retry_after_secs } => {
            let mut answer = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            answer
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            answer
        }
        Fault::MalformedBody => (
            StatusCode::OK,
            [(CONTENT_TYPE, "application/json")],
            r#"{"status":"success","data":{"ecommerceId":"#,
        )
            .into_response(),
        Fault::Bom => with_bom(effect.await).await,
        Fault::DropConnection => sever(shared, conn).await,
        Fault::AnswerLost => {
            drop(effect.await);
            sever(shared, conn).await
        }
        Fault::AnswerHangs => {
            drop(effect.await);
            shared.hang().await;
            unavailable()
        }
        Fault::ErrorCode {
            code,
            http_status,
            apply,
        } => {
            if apply {
                drop(effect.await);
            }
            error_answer(http_status, &code)
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONTENT_TYPE, "text/html")],
        "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
    )
        .into_response()
}

/// Closes the connection without an answer; hangs instead when the
/// connection cannot be reached (router mounted in another server).
async fn sever(shared: &Shared, conn: Conn) -> Response {
    match conn.0 {
        Some(switch) => switch.kill(),
        None => shared.hang().await,
    }
    unavailable()
}

async fn with_bom(answer: Response) -> Response {
    let (mut parts, body) = answer.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let mut prefixed = b"\xEF\xBB\xBF".to_vec();
    prefixed.extend_from_slice(&bytes);
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(prefixed))
}
