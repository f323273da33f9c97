//! Payment Button endpoints: payment, findPayment, authorization,
//! updatePhoneNumber, cancel.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use chrono::TimeDelta;
use serde_json::json;
use uuid::Uuid;

use super::gate::guarded;
use super::{Conn, answer};
use crate::error::{ApiError, codes};
use crate::faults::Operation;
use crate::state::Shared;
use crate::wire::answer::{CANCELLED, PHONE_UPDATED, payment_data, success};
use crate::wire::{fields, request};

/// POST …/ecommerce/payment
pub(crate) async fn create(State(s): State<Arc<Shared>>, conn: Conn, body: Bytes) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Create, conn, async move {
        answer(create_payment(&shared, &body))
    })
    .await
}

fn create_payment(s: &Arc<Shared>, body: &[u8]) -> Result<Response, ApiError> {
    let obj = fields::object(body)?;
    let merchant = s.merchant(&fields::string(&obj, "publicToken")?)?;
    let new = request::new_payment(&obj)?;
    let now = s.now();
    let payment = s.ledger.create(&merchant.public_token, new, now);
    let ttl = TimeDelta::from_std(s.config.auth_token_ttl).unwrap_or(TimeDelta::minutes(30));
    let token = s.tokens.issue(payment.ecommerce_id, now, now + ttl);
    auto_confirm(s, payment.ecommerce_id);
    Ok(success(
        json!({"ecommerceId": payment.ecommerce_id.to_string(), "auth_token": token}),
    ))
}

fn auto_confirm(s: &Arc<Shared>, id: Uuid) {
    if let Some(auto) = s.config.auto_confirm.clone() {
        let s = s.clone();
        tokio::spawn(async move {
            tokio::time::sleep(auto.delay).await;
            if let Err(error) = s.ledger.confirm(id, auto.customer, s.now()) {
                tracing::debug!(%id, %error, "auto-confirm skipped");
            }
        });
    }
}

/// POST …/business/findPayment
pub(crate) async fn find(State(s): State<Arc<Shared>>, conn: Conn, body: Bytes) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Find, conn, async move {
        answer((|| {
            let obj = fields::object(&body)?;
            let merchant = shared.merchant(&fields::string(&obj, "publicToken")?)?;
            let id = request::ecommerce_id(&obj)?;
            let payment = shared
                .ledger
                .find(&merchant.public_token, id, shared.now())?;
            Ok(success(payment_data(&payment, merchant)))
        })())
    })
    .await
}

fn bearer(s: &Shared, headers: &HeaderMap) -> Result<Uuid, ApiError> {
    let header = headers.get(AUTHORIZATION).and_then(|h| h.to_str().ok());
    s.tokens.verify(header, s.now())
}

/// POST …/ecommerce/authorization (Bearer auth_token, empty body)
pub(crate) async fn authorize(
    State(s): State<Arc<Shared>>,
    conn: Conn,
    headers: HeaderMap,
) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Authorize, conn, async move {
        answer((|| {
            let id = bearer(&shared, &headers)?;
            let payment = shared.ledger.authorize(id, shared.now())?;
            Ok(success(payment_data(
                &payment,
                shared.owner(&payment.public_token)?,
            )))
        })())
    })
    .await
}

/// PUT …/business/updatePhoneNumber (Bearer auth_token)
pub(crate) async fn update_phone(
    State(s): State<Arc<Shared>>,
    conn: Conn,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::UpdatePhone, conn, async move {
        answer((|| {
            let id = bearer(&shared, &headers)?;
            let obj = fields::object(&body)?;
            if request::ecommerce_id(&obj)? != id {
                return Err(ApiError::unauthorized(
                    codes::AUTH_FORBIDDEN,
                    "Token does not belong to this transaction",
                ));
            }
            let phone = fields::phone(&fields::string(&obj, "phoneNumber")?)?;
            shared.ledger.update_phone(id, phone, shared.now())?;
            Ok(success(json!(PHONE_UPDATED)))
        })())
    })
    .await
}

/// POST …/business/cancel
pub(crate) async fn cancel(State(s): State<Arc<Shared>>, conn: Conn, body: Bytes) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Cancel, conn, async move {
        answer((|| {
            let obj = fields::object(&body)?;
            let merchant = shared.merchant(&fields::string(&obj, "publicToken")?)?;
            let id = request::ecommerce_id(&obj)?;
            shared
                .ledger
                .cancel(&merchant.public_token, id, shared.now())?;
            Ok(success(json!(CANCELLED)))
        })())
    })
    .await
}
