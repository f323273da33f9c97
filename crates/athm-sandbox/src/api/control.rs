//! The control API under `/sandbox`: play the customer (and the business
//! in its ATH Business app), inject faults, move the clock, read the
//! ledger and the delivery log.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::answer;
use crate::clock::format_local;
use crate::config::WebhookShape;
use crate::error::{ApiError, codes};
use crate::faults::{Fault, Operation};
use crate::model::{CustomerInput, Payment, PaymentStatus, Refund};
use crate::money::json_number;
use crate::state::Shared;
use crate::webhook::Subscription;
use crate::wire::answer::payment_data;
use crate::wire::fields::{invalid, typed_phone};
use crate::wire::request::app_refund;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/payments", get(list))
        .route("/payments/{id}", get(one))
        .route("/payments/{id}/confirm", post(confirm))
        .route("/payments/{id}/decline", post(decline))
        .route("/payments/{id}/refund", post(refund))
        .route("/faults", post(set_fault).delete(clear_faults))
        .route("/clock/advance", post(advance))
        .route("/deliveries", get(deliveries))
        .route("/webhook", post(set_webhook))
        .route("/stats", get(stats))
}

#[derive(Deserialize)]
struct ListQuery {
    phone: Option<String>,
    status: Option<String>,
}

/// findPayment's data, plus the sandbox's own `state` (CANCELLED and
/// EXPIRED apart), `expiresAt` and the payment's `refunds`.
fn payment_json(s: &Shared, p: &Payment, refunds: &[Refund]) -> Value {
    let mut data = s
        .owner(&p.public_token)
        .map(|m| payment_data(p, m))
        .unwrap_or_default();
    if let Some(obj) = data.as_object_mut() {
        obj.insert("state".into(), json!(p.status));
        obj.insert("expiresAt".into(), json!(format_local(p.expires_at)));
        let refunds: Vec<Value> = refunds
            .iter()
            .filter(|r| r.ecommerce_id == p.ecommerce_id)
            .map(refund_json)
            .collect();
        obj.insert("refunds".into(), Value::Array(refunds));
    }
    data
}

/// One executed refund: its own reference number, amount, daily id, date
/// (Puerto Rico time) and message.
fn refund_json(r: &Refund) -> Value {
    json!({
        "referenceNumber": r.reference_number,
        "ecommerceId": r.ecommerce_id.to_string(),
        "paymentReferenceNumber": r.payment_reference_number,
        "amount": json_number(r.amount),
        "dailyTransactionId": r.daily_transaction_id,
        "date": format_local(r.created_at),
        "message": r.message,
    })
}

/// Payments, optionally only those offered to `phone` (or to no phone yet)
/// and in `status` (`OPEN`, `CONFIRM`, `COMPLETED`, `CANCEL`).
async fn list(State(s): State<Arc<Shared>>, Query(q): Query<ListQuery>) -> Response {
    s.ledger.expire_due(s.now());
    let phone = match q.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        None => None,
        Some(typed) => match typed_phone(typed) {
            Some(digits) => Some(digits),
            None => return invalid("Invalid phone number").into_response(),
        },
    };
    let refunds = s.ledger.refunds();
    let rows: Vec<_> = s
        .ledger
        .payments()
        .iter()
        .filter(|p| {
            q.status
                .as_deref()
                .is_none_or(|st| p.status.wire().eq_ignore_ascii_case(st))
        })
        .filter(|p| {
            phone
                .as_deref()
                .is_none_or(|ph| p.phone_number.as_deref().is_none_or(|own| own == ph))
        })
        .map(|p| payment_json(&s, p, &refunds))
        .collect();
    Json(rows).into_response()
}

async fn one(State(s): State<Arc<Shared>>, Path(id): Path<Uuid>) -> Response {
    s.ledger.expire_due(s.now());
    match s.ledger.payment(id) {
        Some(p) => Json(payment_json(&s, &p, &s.ledger.refunds_of(id))).into_response(),
        None => ApiError::bad(
            codes::ECOMMERCE_NOT_FOUND,
            "Ecommerce transaction does not exist",
        )
        .into_response(),
    }
}

/// The customer approves; the body (optional) names them.
async fn confirm(State(s): State<Arc<Shared>>, Path(id): Path<Uuid>, body: Bytes) -> Response {
    answer((|| {
        let who: CustomerInput = if body.iter().all(u8::is_ascii_whitespace) {
            CustomerInput::default()
        } else {
            serde_json::from_slice(&body).map_err(|_| invalid("Invalid format"))?
        };
        let p = s.ledger.confirm(id, who, s.now())?;
        Ok(Json(payment_json(&s, &p, &[])).into_response())
    })())
}

async fn decline(State(s): State<Arc<Shared>>, Path(id): Path<Uuid>) -> Response {
    answer(
        s.ledger
            .decline(id, s.now())
            .map(|p| Json(payment_json(&s, &p, &[])).into_response()),
    )
}

/// The business refunds the payment in the ATH Business app (not through
/// the API): `{"amount":"1.00","message":"…"}`, both optional (no amount:
/// all that is left). Answers the refund and the payment's new refunded total.
async fn refund(State(s): State<Arc<Shared>>, Path(id): Path<Uuid>, body: Bytes) -> Response {
    answer((|| {
        let request = app_refund(&body)?;
        let (refund, payment) = s.ledger.refund_in_app(id, request, s.now())?;
        let mut answer = refund_json(&refund);
        if let Some(obj) = answer.as_object_mut() {
            obj.insert(
                "totalRefundedAmount".into(),
                json_number(payment.total_refunded),
            );
        }
        Ok(Json(answer).into_response())
    })())
}

#[derive(Deserialize)]
struct FaultRequest {
    operation: Operation,
    fault: Fault,
    times: Option<u32>,
}

/// `{"operation":"refund","fault":{"kind":"internal_error"},"times":1}`
async fn set_fault(State(s): State<Arc<Shared>>, Json(req): Json<FaultRequest>) -> Response {
    if let Fault::ErrorCode { http_status, .. } = &req.fault
        && !(200..=599).contains(http_status)
    {
        return invalid("http_status must be between 200 and 599").into_response();
    }
    let answer = json!({"operation": req.operation, "fault": req.fault, "times": req.times});
    s.faults.set(req.operation, req.fault, req.times);
    Json(answer).into_response()
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> Response {
    s.faults.clear_all();
    Json(json!({"cleared": true})).into_response()
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

/// Moves the sandbox clock forward and expires what is due.
async fn advance(State(s): State<Arc<Shared>>, Json(req): Json<Advance>) -> Response {
    s.clock.advance(Duration::from_secs(req.seconds));
    let expired = s.ledger.expire_due(s.now());
    Json(json!({"now": format_local(s.now()), "expired": expired})).into_response()
}

async fn deliveries(State(s): State<Arc<Shared>>) -> Response {
    Json(s.hub.log()).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookRequest {
    url: String,
    public_token: Option<String>,
    shape: Option<WebhookShape>,
    copies: Option<u32>,
}

/// Subscribes a listener from code (any scheme), optionally setting the
/// payload shape and the number of copies.
async fn set_webhook(State(s): State<Arc<Shared>>, Json(req): Json<WebhookRequest>) -> Response {
    for m in &s.config.merchants {
        if req
            .public_token
            .as_deref()
            .is_none_or(|t| t == m.public_token)
        {
            s.hub
                .subscribe(&m.public_token, Subscription::all(req.url.clone()));
        }
    }
    if let Some(shape) = req.shape {
        s.hub.set_shape(shape);
    }
    if let Some(copies) = req.copies {
        s.hub.set_copies(copies);
    }
    Json(json!({"url": req.url})).into_response()
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    let payments = s.ledger.payments();
    let count = |status: PaymentStatus| payments.iter().filter(|p| p.status == status).count();
    Json(json!({
        "payments": payments.len(),
        "open": count(PaymentStatus::Open),
        "confirmed": count(PaymentStatus::Confirm),
        "completed": count(PaymentStatus::Completed),
        "cancelled": count(PaymentStatus::Cancelled),
        "expired": count(PaymentStatus::Expired),
        "refundsExecuted": s.ledger.refunds().len(),
        "deliveryAttempts": s.hub.log().len(),
    }))
    .into_response()
}
