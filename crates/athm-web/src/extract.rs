//! Extractors whose rejections are `{"error": ...}` bodies like every other error.

use std::error::Error as _;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body; a bad one is a 400 naming the field, an oversize one a 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T> FromRequest<AppState> for Json<T>
where
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection, state.config().max_body_bytes)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection, max: usize) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // serde_path_to_error's message: "field: what is wrong".
            let detail = error
                .source()
                .map_or_else(|| error.body_text(), ToString::to_string);
            ApiError::BadRequest(strip_position(&detail))
        }
        JsonRejection::JsonSyntaxError(error) => ApiError::BadRequest(format!(
            "body: not valid JSON ({})",
            error
                .source()
                .map_or_else(|| error.body_text(), ToString::to_string)
        )),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::BadRequest("content-type: must be application/json".into())
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge { max },
        other => ApiError::BadRequest(format!("body: {}", other.body_text())),
    }
}

/// serde's "… at line 1 column 20" helps nobody reading an API error.
fn strip_position(text: &str) -> String {
    match text.find(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text.to_string(),
    }
}

/// A query string; a bad one is a 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T> FromRequestParts<AppState> for Query<T>
where
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => {
                let detail = error
                    .source()
                    .map_or_else(|| error.body_text(), ToString::to_string);
                Err(ApiError::BadRequest(format!("query: {detail}")))
            }
            Err(other) => Err(ApiError::BadRequest(format!(
                "query: {}",
                other.body_text()
            ))),
        }
    }
}
