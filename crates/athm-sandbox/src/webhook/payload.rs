//! Webhook payloads in the two shapes ATH Móvil sends: the live ecommerce
//! one (upper-case kinds, amounts as numbers, phone as a number, with
//! `ecommerceId`) and the documented one of the Business Webhooks README
//! (lower-case kinds, amounts as strings, no `ecommerceId`). Refunds always
//! have the documented shape: no other refund event has been published.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::clock::{format_local, format_local_tenths};
use crate::config::{Merchant, WebhookShape};
use crate::ledger::Event;
use crate::model::{Item, Payment, Refund};
use crate::money::{fixed2, json_double, json_number};
use crate::wire::answer::daily_id;

/// The JSON posted for `event`.
pub(super) fn build(
    event: &Event,
    merchant: &Merchant,
    shape: WebhookShape,
    now: DateTime<Utc>,
) -> Value {
    match (event, shape) {
        // The live refund event has been seen carrying the payment's
        // reference number; the documented one carries the refund's own.
        (Event::Refunded(p, r), WebhookShape::Documented) => {
            documented_refund(p, r, &r.reference_number)
        }
        (Event::Refunded(p, r), WebhookShape::Observed) => {
            documented_refund(p, r, &r.payment_reference_number)
        }
        (Event::Completed(p), WebhookShape::Documented) => documented(p, "completed", now),
        (Event::Cancelled(p), WebhookShape::Documented) => documented(p, "cancelled", now),
        (Event::Expired(p), WebhookShape::Documented) => documented(p, "expired", now),
        (Event::Completed(p), WebhookShape::Observed) => live(p, merchant, "COMPLETED", now),
        (Event::Cancelled(p), WebhookShape::Observed) => live(p, merchant, "CANCEL", now),
        (Event::Expired(p), WebhookShape::Observed) => live(p, merchant, "EXPIRED", now),
    }
}

struct Who {
    name: String,
    email: String,
    phone: String,
}

/// The customer, once one approved; `""` before (cancelled and expired
/// events name nobody).
fn who(p: &Payment) -> Who {
    let customer = p.customer.as_ref();
    Who {
        name: customer.map(|c| c.name.clone()).unwrap_or_default(),
        email: customer.map(|c| c.email.clone()).unwrap_or_default(),
        phone: customer.map(|c| c.phone_number.clone()).unwrap_or_default(),
    }
}

/// A phone as a JSON number when it is ten digits, else `""`.
fn phone_number(phone: &str) -> Value {
    phone
        .parse::<u64>()
        .map_or_else(|_| json!(""), |n| json!(n))
}

/// An item as the documented events write it: every value a string.
fn documented_item(i: &Item) -> Value {
    json!({
        "quantity": i.quantity.to_string(),
        "tax": fixed2(i.tax.unwrap_or_default()),
        "metadata": i.metadata.clone().unwrap_or_default(),
        "name": i.name,
        "description": i.description,
        "price": fixed2(i.price),
    })
}

/// An item as the live ecommerce event writes it.
fn live_item(i: &Item) -> Value {
    json!({
        "description": i.description,
        "formattedPrice": "",
        "metadata": i.metadata,
        "name": i.name,
        "price": json_double(i.price),
        "quantity": i.quantity,
        "sku": "",
        "tax": json_double(i.tax.unwrap_or_default()),
    })
}

/// The Business Webhooks README's ecommerce event: no `ecommerceId`, no
/// `businessName`.
fn documented(p: &Payment, status: &str, now: DateTime<Utc>) -> Value {
    let who = who(p);
    json!({
        "transactionType": "ecommerce",
        "status": status,
        "date": format_local_tenths(p.completed_at.unwrap_or(now)),
        "referenceNumber": p.reference_number.clone().unwrap_or_default(),
        "dailyTransactionID": p.daily_transaction_id.map(daily_id).unwrap_or_default(),
        "name": who.name, "phoneNumber": who.phone, "email": who.email,
        "message": "",
        "total": fixed2(p.total),
        "tax": fixed2(p.tax.unwrap_or_default()),
        "subtotal": fixed2(p.subtotal.unwrap_or_default()),
        "fee": fixed2(p.fee),
        "netAmount": fixed2(p.net_amount),
        "totalRefundedAmount": fixed2(p.total_refunded),
        "metadata1": p.metadata1, "metadata2": p.metadata2,
        "items": p.items.iter().map(documented_item).collect::<Vec<_>>(),
    })
}

/// The live ecommerce event, field for field as captured.
fn live(p: &Payment, merchant: &Merchant, status: &str, now: DateTime<Utc>) -> Value {
    let who = who(p);
    json!({
        "businessName": merchant.business_name,
        "dailyTransactionId": p.daily_transaction_id.map(daily_id).unwrap_or_default(),
        "date": format_local(now),
        "ecommerceId": p.ecommerce_id.to_string(),
        "email": who.email,
        "fee": json_number(p.fee),
        "isNonProfit": merchant.is_non_profit,
        "items": p.items.iter().map(live_item).collect::<Vec<_>>(),
        "message": "",
        "metadata1": p.metadata1, "metadata2": p.metadata2,
        "name": who.name,
        "netAmount": json_number(p.net_amount),
        "phoneNumber": phone_number(&who.phone),
        "referenceNumber": p.reference_number.clone().unwrap_or_default(),
        "referenceTransactionId": "",
        "status": status,
        "subTotal": json_number(p.subtotal.unwrap_or_default()),
        "tax": json_double(p.tax.unwrap_or_default()),
        "total": json_number(p.total),
        "totalRefundedAmount": json_number(p.total_refunded),
        "transactionDate": p.completed_at.map(format_local).unwrap_or_default(),
        "transactionType": "ECOMMERCE",
    })
}

/// The Business Webhooks README's refund event: no `ecommerceId`, the
/// customer, the refund's amount; `reference` is the refund's own or the
/// payment's (see [`build`]).
fn documented_refund(p: &Payment, r: &Refund, reference: &str) -> Value {
    let who = who(p);
    json!({
        "transactionType": "refund",
        "status": "completed",
        "date": format_local_tenths(r.created_at),
        "referenceNumber": reference,
        "dailyTransactionID": daily_id(r.daily_transaction_id),
        "name": who.name, "phoneNumber": who.phone, "email": who.email,
        "message": r.message,
        "total": fixed2(r.amount),
        "tax": fixed2(Decimal::ZERO),
        "subtotal": fixed2(Decimal::ZERO),
        "fee": fixed2(Decimal::ZERO),
        "netAmount": fixed2(r.amount),
        "totalRefundedAmount": fixed2(p.total_refunded),
        "metadata1": "", "metadata2": "",
        "items": [],
    })
}
