//! Webhook payloads in the two shapes seen for ATH Móvil: the documented one
//! (lower-case kinds, amounts as strings) and the observed ecommerce one
//! (upper-case kinds, amounts as numbers, phone as a number).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::clock::{format_local, format_local_tenths};
use crate::config::{Merchant, WebhookShape};
use crate::ledger::Event;
use crate::model::{Payment, Refund};
use crate::money::{fixed2, json_number};
use crate::wire::answer::{daily_id, item_numbers};

/// The JSON posted for `event`.
pub(super) fn build(
    event: &Event,
    merchant: &Merchant,
    shape: WebhookShape,
    now: DateTime<Utc>,
) -> Value {
    match (event, shape) {
        (Event::Refunded(p, r), WebhookShape::Documented) => documented_refund(p, r),
        (Event::Refunded(p, r), WebhookShape::Observed) => observed_refund(p, r, merchant),
        (Event::Completed(p), shape) => {
            ecommerce(p, merchant, shape, ("completed", "COMPLETED"), now)
        }
        (Event::Cancelled(p), shape) => ecommerce(p, merchant, shape, ("cancelled", "CANCEL"), now),
        (Event::Expired(p), shape) => ecommerce(p, merchant, shape, ("expired", "EXPIRED"), now),
    }
}

struct Who {
    name: String,
    email: String,
    phone: String,
}

fn who(p: &Payment) -> Who {
    let customer = p.customer.as_ref();
    Who {
        name: customer.map(|c| c.name.clone()).unwrap_or_default(),
        email: customer.map(|c| c.email.clone()).unwrap_or_default(),
        phone: customer
            .map(|c| c.phone_number.clone())
            .or_else(|| p.phone_number.clone())
            .unwrap_or_default(),
    }
}

/// A phone as a JSON number when it is ten digits, else `""`.
fn phone_number(phone: &str) -> Value {
    phone
        .parse::<u64>()
        .map_or_else(|_| json!(""), |n| json!(n))
}

fn ecommerce(
    p: &Payment,
    merchant: &Merchant,
    shape: WebhookShape,
    (documented, observed): (&str, &str),
    now: DateTime<Utc>,
) -> Value {
    let who = who(p);
    let date = p.completed_at.unwrap_or(now);
    match shape {
        WebhookShape::Documented => json!({
            "transactionType": "ecommerce",
            "status": documented,
            "date": format_local_tenths(date),
            "ecommerceId": p.ecommerce_id.to_string(),
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
            "items": p.items.iter().map(|i| json!({
                "name": i.name, "description": i.description,
                "quantity": i.quantity.to_string(), "price": fixed2(i.price),
                "tax": fixed2(i.tax.unwrap_or_default()), "metadata": i.metadata.clone().unwrap_or_default(),
            })).collect::<Vec<_>>(),
            "businessName": merchant.business_name,
        }),
        WebhookShape::Observed => json!({
            "businessName": merchant.business_name,
            "dailyTransactionId": p.daily_transaction_id.map(daily_id).unwrap_or_default(),
            "date": format_local(now),
            "ecommerceId": p.ecommerce_id.to_string(),
            "email": who.email,
            "fee": json_number(p.fee),
            "isNonProfit": merchant.is_non_profit,
            "items": p.items.iter().map(item_numbers).collect::<Vec<_>>(),
            "message": "",
            "metadata1": p.metadata1, "metadata2": p.metadata2,
            "name": who.name,
            "netAmount": json_number(p.net_amount),
            "phoneNumber": phone_number(&who.phone),
            "referenceNumber": p.reference_number.clone().unwrap_or_default(),
            "referenceTransactionId": "",
            "status": observed,
            "subTotal": json_number(p.subtotal.unwrap_or_default()),
            "tax": json_number(p.tax.unwrap_or_default()),
            "total": json_number(p.total),
            "totalRefundedAmount": json_number(p.total_refunded),
            "transactionDate": p.completed_at.map(format_local).unwrap_or_default(),
            "transactionType": "ECOMMERCE",
        }),
    }
}

fn documented_refund(p: &Payment, r: &Refund) -> Value {
    let who = who(p);
    json!({
        "transactionType": "refund",
        "status": "completed",
        "date": format_local_tenths(r.created_at),
        "referenceNumber": r.reference_number,
        "dailyTransactionID": daily_id(r.daily_transaction_id),
        "name": who.name, "phoneNumber": who.phone, "email": who.email,
        "message": r.message,
        "total": fixed2(r.amount),
        "tax": fixed2(Decimal::ZERO),
        "subtotal": fixed2(Decimal::ZERO),
        "fee": fixed2(Decimal::ZERO),
        "netAmount": fixed2(r.amount),
        "totalRefundedAmount": fixed2(p.total_refunded),
        "metadata1": p.metadata1, "metadata2": p.metadata2,
        "items": [],
    })
}

/// Observed refunds carry the original payment's reference number.
fn observed_refund(p: &Payment, r: &Refund, merchant: &Merchant) -> Value {
    let who = who(p);
    json!({
        "businessName": merchant.business_name,
        "dailyTransactionId": daily_id(r.daily_transaction_id),
        "date": format_local(r.created_at),
        "email": who.email,
        "fee": 0,
        "isNonProfit": merchant.is_non_profit,
        "message": r.message,
        "metadata1": p.metadata1, "metadata2": p.metadata2,
        "name": who.name,
        "netAmount": json_number(r.amount),
        "phoneNumber": phone_number(&who.phone),
        "referenceNumber": r.payment_reference_number,
        "referenceTransactionId": r.reference_number,
        "status": "COMPLETED",
        "subTotal": 0,
        "tax": 0,
        "total": json_number(r.amount),
        "totalRefundedAmount": json_number(p.total_refunded),
        "transactionType": "REFUND",
    })
}
