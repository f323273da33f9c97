//! POST /transactions/webhook/post

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::gate::guarded;
use super::{Conn, answer};
use crate::error::ApiError;
use crate::faults::Operation;
use crate::state::Shared;
use crate::webhook::Subscription;
use crate::wire::answer::success;
use crate::wire::fields::{self, Object, invalid};

/// Subscribes the business's listener URL to the chosen events.
pub(crate) async fn subscribe(State(s): State<Arc<Shared>>, conn: Conn, body: Bytes) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Subscribe, conn, async move {
        answer((|| {
            let obj = fields::object(&body)?;
            let merchant = shared.merchant_with_secret(
                &fields::string(&obj, "publicToken")?,
                &fields::string(&obj, "privateToken")?,
            )?;
            let url = fields::string(&obj, "listenerURL")?;
            check_url(&url, shared.config.allow_http_listener)?;
            let subscription = Subscription {
                listener_url: url,
                refund_sent_event: flag(&obj, "refundSentEvent")?,
                ecommerce_payment_received_event: flag(&obj, "ecommercePaymentReceivedEvent")?,
                ecommerce_payment_cancelled_event: flag(&obj, "ecommercePaymentCancelledEvent")?,
                ecommerce_payment_expired_event: flag(&obj, "ecommercePaymentExpiredEvent")?,
                payment_received_event: flag(&obj, "paymentReceivedEvent")?,
                donation_received_event: flag(&obj, "donationReceivedEvent")?,
            };
            shared
                .hub
                .subscribe(&merchant.public_token, subscription.clone());
            let data = serde_json::to_value(&subscription).map_err(|_| ApiError::internal())?;
            Ok(success(data))
        })())
    })
    .await
}

/// Production demands HTTPS; plain HTTP only when the sandbox allows it.
fn check_url(url: &str, allow_http: bool) -> Result<(), ApiError> {
    let lower = url.trim().to_ascii_lowercase();
    let https = lower.starts_with("https://") && lower.len() > "https://".len();
    let http = allow_http && lower.starts_with("http://") && lower.len() > "http://".len();
    if https || http {
        Ok(())
    } else {
        Err(invalid("listenerURL must be an HTTPS URL"))
    }
}

/// A boolean event flag (`true`, `"true"`); absent means false.
fn flag(obj: &Object, name: &str) -> Result<bool, ApiError> {
    match fields::get(obj, name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(invalid(format!("Invalid format: {name}"))),
    }
}
