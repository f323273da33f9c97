//! The layers every route shares: tracing, metrics, JSON error bodies in
//! the caller's language, timeout and body limit.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::{ApiError, SpanishBody};
use crate::metrics;
use crate::pages::Lang;
use crate::state::AppState;

/// Wraps `router` in the shared layers (outermost first): trace, metrics,
/// JSON errors, timeout, body limit.
pub(crate) fn layered(router: Router<AppState>, state: &AppState) -> Router {
    let config = state.config();
    router
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(
            // One span and one line per request: method, route, status and latency.
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state.clone())
}

/// `router` with `Strict-Transport-Security` (one year, subdomains not
/// included) on every answer: for a service whose public URL is https, so
/// that a browser that once reached it never again speaks plain HTTP to it.
pub fn strict_transport(router: Router) -> Router {
    router.layer(SetResponseHeaderLayer::if_not_present(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    ))
}

/// The span of one request: its method and its route as declared
/// (`/athm/webhook/{secret}`), never the path as sent, which may hold the
/// webhook's path secret; no query string, headers or body. A request that
/// matched no route is logged as `unmatched`.
pub(crate) fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("http", method = %req.method(), route)
}

/// Gives the errors that do not come from a handler (unknown route, wrong
/// method, oversize body, timeout) the same `{"error": ...}` body as the
/// rest, and sends an error's Spanish body ([`SpanishBody`]) to a caller whose
/// `Accept-Language` prefers Spanish (English otherwise: the API's default).
async fn json_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let lang = Lang::accepted(req.headers()).unwrap_or(Lang::En);
    let mut response = next.run(req).await;
    if let Some(SpanishBody(spanish)) = response.extensions_mut().remove::<SpanishBody>() {
        let headers = response.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static("accept-language"));
        let code = HeaderValue::from_static(lang.code());
        headers.insert(header::CONTENT_LANGUAGE, code);
        if lang == Lang::Es {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from(spanish.to_string()));
        }
        return response;
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::TooLarge {
                max: state.config().max_body_bytes,
            }
            .into_response();
        }
        StatusCode::NOT_FOUND => format!("no route for {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("method {method} is not allowed on {path}"),
        StatusCode::SERVICE_UNAVAILABLE => format!(
            "the request took longer than {} s",
            state.config().request_timeout.as_secs_f64()
        ),
        other => other
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string(),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(json!({ "error": error }).to_string()))
}
