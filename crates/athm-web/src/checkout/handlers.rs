//! The checkout endpoints.

use std::time::Instant;

use athm_domain::{EcommerceId, FieldError, Payment, PhoneNumber, Problem};
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::token::system_now;
use super::{
    Checkout, CheckoutRequest, SESSION_HEADER, checkout_key, session_token, sign_checkout,
    verify_checkout, verify_session,
};
use crate::auth::{ClientAddr, MerchantKey};
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::rate_limit::FixedWindow;
use crate::state::AppState;

/// The answer of `POST /api/checkouts`.
#[derive(Debug, Serialize)]
pub(crate) struct SignedCheckout {
    checkout: String,
    total: String,
}

/// `POST /api/checkouts`: the merchant's backend signs an order.
pub(crate) async fn create(
    State(state): State<AppState>,
    _key: MerchantKey,
    Json(request): Json<CheckoutRequest>,
) -> Result<axum::Json<SignedCheckout>, ApiError> {
    let checkout = Checkout::try_from(request)?;
    checkout.check_redirects(&state.config().redirect_origins)?;
    Ok(axum::Json(SignedCheckout {
        checkout: sign_checkout(state.config(), &checkout),
        total: checkout.total.to_string(),
    }))
}

/// The body of `POST /api/initiate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InitiateBody {
    checkout: Option<String>,
    #[serde(alias = "phoneNumber")]
    phone_number: Option<String>,
}

/// The answer of `POST /api/initiate`.
#[derive(Debug, Serialize)]
pub(crate) struct Initiated {
    ecommerce_id: String,
    status: &'static str,
    total: String,
    expires_at: DateTime<Utc>,
    session: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_url: Option<String>,
}

/// `POST /api/initiate`: the browser starts a payment of a signed checkout.
pub(crate) async fn initiate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<InitiateBody>,
) -> Result<axum::Json<Initiated>, ApiError> {
    limit(&state, state.per_ip(), "client", &client)?;
    let token = body
        .checkout
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| FieldError::new("checkout", Problem::Missing))?;
    let phone = match body.phone_number.as_deref().map(str::trim) {
        None | Some("") => return Err(FieldError::new("phone_number", Problem::Missing).into()),
        Some(text) => PhoneNumber::parse_field("phone_number", text)?,
    };
    let checkout = verify_checkout(state.config(), &token, system_now())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    // Whoever signed it (the library's sign_checkout too), a checkout
    // leads only to this site or a configured origin.
    checkout.check_redirects(&state.config().redirect_origins)?;
    limit_phone(&state, &phone)?;
    // One live payment per checkout: a second start while its payment is
    // open answers that payment; a paid checkout is spent.
    let result = state
        .payments()
        .start_checkout(&checkout_key(&token), checkout.payment_request(Some(phone)))
        .await;
    state
        .metrics()
        .payment_operation("payment", result.as_ref().err());
    let payment = result?;
    tracing::info!(ecommerce_id = %payment.ecommerce_id, total = %payment.total, "payment initiated");
    Ok(axum::Json(Initiated {
        ecommerce_id: payment.ecommerce_id.to_string(),
        status: payment.status.as_str(),
        total: payment.total.to_string(),
        expires_at: expires_at(&payment),
        session: session_token(state.config(), &payment.ecommerce_id),
        success_url: checkout.success_url,
        failure_url: checkout.failure_url,
    }))
}

/// Counts a payment pushed to `phone`: a phone is not to be spammed.
fn limit_phone(state: &AppState, phone: &PhoneNumber) -> Result<(), ApiError> {
    limit(state, state.per_phone(), "phone_number", phone.as_str())
}

/// Counts one request of `key` against `limiter`; over the limit, the
/// request is counted in the metrics as `what` and answered 429.
fn limit(
    state: &AppState,
    limiter: &FixedWindow,
    what: &'static str,
    key: &str,
) -> Result<(), ApiError> {
    limiter.check(key, Instant::now()).map_err(|retry_after| {
        state.metrics().rate_limited(what);
        ApiError::RateLimited { what, retry_after }
    })
}

/// A payment as the browser sees it.
#[derive(Debug, Serialize)]
pub(crate) struct PaymentView {
    ecommerce_id: String,
    status: &'static str,
    reference_number: Option<String>,
    total: String,
    expires_at: DateTime<Utc>,
}

impl From<&Payment> for PaymentView {
    fn from(payment: &Payment) -> Self {
        Self {
            ecommerce_id: payment.ecommerce_id.to_string(),
            status: payment.status.as_str(),
            reference_number: payment.reference_number.as_ref().map(ToString::to_string),
            total: payment.total.to_string(),
            expires_at: expires_at(payment),
        }
    }
}

fn expires_at(payment: &Payment) -> DateTime<Utc> {
    payment.created_at + chrono::Duration::seconds(i64::from(payment.timeout.secs()))
}

/// A body or query naming one payment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymentRef {
    #[serde(alias = "ecommerceId")]
    ecommerce_id: Option<String>,
}

/// The body of `POST /api/phone`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneBody {
    #[serde(alias = "ecommerceId")]
    ecommerce_id: Option<String>,
    #[serde(alias = "phoneNumber")]
    phone_number: Option<String>,
}

/// The payment named by `id`, once the caller proved it started it.
fn authorized_id(
    state: &AppState,
    id: Option<&str>,
    headers: &HeaderMap,
) -> Result<EcommerceId, ApiError> {
    let id = match id.map(str::trim) {
        None | Some("") => return Err(FieldError::new("ecommerce_id", Problem::Missing).into()),
        Some(id) => id
            .parse::<EcommerceId>()
            .map_err(|e| FieldError::new("ecommerce_id", e.problem))?,
    };
    let session = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::Forbidden("X-Athm-Session: missing".into()))?;
    if !verify_session(state.config(), &id, session) {
        return Err(ApiError::Forbidden(
            "X-Athm-Session: not the session of this payment".into(),
        ));
    }
    Ok(id)
}

fn observed<T>(
    state: &AppState,
    operation: &'static str,
    result: Result<T, athm_domain::services::PaymentError>,
) -> Result<T, ApiError> {
    state
        .metrics()
        .payment_operation(operation, result.as_ref().err());
    Ok(result?)
}

/// After an authorization, cancel or phone change that reached ATH Móvil
/// and failed (an answer lost, a 5xx, a refusal), the next status read asks
/// ATH Móvil: what happened there is not in the database. A success is
/// (its step wrote it), and a refusal before the call changed nothing, so
/// neither lets a caller force a findPayment.
fn forget_if_unknown<T>(
    state: &AppState,
    id: &EcommerceId,
    result: &Result<T, athm_domain::services::PaymentError>,
) {
    if let Err(athm_domain::services::PaymentError::Gateway(_)) = result {
        state.status_reads().forget(id);
    }
}

/// `GET /api/status?ecommerce_id=…`: the payment, synced with ATH Móvil
/// (at most once a second per payment, see [`StatusReads`](super::StatusReads)).
pub(crate) async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PaymentRef>,
) -> Result<axum::Json<PaymentView>, ApiError> {
    let id = authorized_id(&state, query.ecommerce_id.as_deref(), &headers)?;
    limit(&state, state.per_session(), "session", &id.to_string())?;
    let sync = || async {
        let result = state.payments().sync_status(&id).await;
        observed(&state, "findPayment", result)
    };
    let stored = || async {
        let result = state.payments().stored(&id).await;
        Ok::<_, ApiError>(result?)
    };
    let payment = state.status_reads().read(&id, sync, stored).await?;
    Ok(axum::Json(PaymentView::from(&payment)))
}

/// `POST /api/authorize`: completes a payment the customer confirmed.
pub(crate) async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<PaymentRef>,
) -> Result<axum::Json<PaymentView>, ApiError> {
    let id = authorized_id(&state, body.ecommerce_id.as_deref(), &headers)?;
    let result = state.payments().authorize(&id).await;
    forget_if_unknown(&state, &id, &result);
    let payment = observed(&state, "authorization", result)?;
    tracing::info!(ecommerce_id = %id, status = %payment.status, "payment authorized");
    Ok(axum::Json(PaymentView::from(&payment)))
}

/// `POST /api/cancel`: cancels a payment that is not completed.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<PaymentRef>,
) -> Result<axum::Json<PaymentView>, ApiError> {
    let id = authorized_id(&state, body.ecommerce_id.as_deref(), &headers)?;
    let result = state.payments().cancel(&id).await;
    forget_if_unknown(&state, &id, &result);
    let payment = observed(&state, "cancel", result)?;
    Ok(axum::Json(PaymentView::from(&payment)))
}

/// `POST /api/phone`: pushes an OPEN payment to another phone.
pub(crate) async fn phone(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<PhoneBody>,
) -> Result<axum::Json<PaymentView>, ApiError> {
    let id = authorized_id(&state, body.ecommerce_id.as_deref(), &headers)?;
    let phone = match body.phone_number.as_deref().map(str::trim) {
        None | Some("") => return Err(FieldError::new("phone_number", Problem::Missing).into()),
        Some(text) => PhoneNumber::parse_field("phone_number", text)?,
    };
    limit_phone(&state, &phone)?;
    let result = state.payments().update_phone_number(&id, phone).await;
    forget_if_unknown(&state, &id, &result);
    let payment = observed(&state, "updatePhoneNumber", result)?;
    Ok(axum::Json(PaymentView::from(&payment)))
}
