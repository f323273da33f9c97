//! POST …/ecommerce/refund

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

use super::gate::guarded;
use super::{Conn, answer};
use crate::faults::Operation;
use crate::state::Shared;
use crate::wire::answer::{refund_data, success};
use crate::wire::{fields, request};

/// Refunds part or all of a completed payment, by reference number.
pub(crate) async fn refund(State(s): State<Arc<Shared>>, conn: Conn, body: Bytes) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Refund, conn, async move {
        answer((|| {
            let obj = fields::object(&body)?;
            let merchant = shared.merchant_with_secret(
                &fields::string(&obj, "publicToken")?,
                &fields::string(&obj, "privateToken")?,
            )?;
            let request = request::refund(&obj)?;
            let (refund, payment) =
                shared
                    .ledger
                    .refund(&merchant.public_token, request, shared.now())?;
            Ok(success(refund_data(&refund, &payment)))
        })())
    })
    .await
}
