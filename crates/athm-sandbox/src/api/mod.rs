//! The HTTP surface: ATH Móvil's paths, the control API and the phone page.

mod control;
mod gate;
mod payment;
mod phone;
mod refund;
mod report;
mod subscribe;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};

use crate::error::ApiError;
use crate::state::Shared;

pub(crate) use gate::Conn;

const ECOMMERCE: &str = "/api/business-transaction/ecommerce";

/// Every route of the sandbox.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(&format!("{ECOMMERCE}/payment"), post(payment::create))
        .route(
            &format!("{ECOMMERCE}/business/findPayment"),
            post(payment::find),
        )
        .route(
            &format!("{ECOMMERCE}/authorization"),
            post(payment::authorize),
        )
        .route(
            &format!("{ECOMMERCE}/business/updatePhoneNumber"),
            put(payment::update_phone),
        )
        .route(
            &format!("{ECOMMERCE}/business/cancel"),
            post(payment::cancel),
        )
        .route(&format!("{ECOMMERCE}/refund"), post(refund::refund))
        .route("/transactions/v4/transactionReport", get(report::report))
        .route("/transactions/webhook/post", post(subscribe::subscribe))
        .route("/sandbox/phone", get(phone::page))
        .nest("/sandbox", control::routes())
        .with_state(shared)
}

/// The answer of a handler body, success or error.
pub(crate) fn answer(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}
