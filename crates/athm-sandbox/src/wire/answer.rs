//! The answers the API writes, with production's spellings.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::clock::{format_local, format_local_tenths};
use crate::config::Merchant;
use crate::model::{Customer, Item, Payment, Refund};
use crate::money::{json_float_noise, json_number};

/// `{"status":"success","data":…}` with HTTP 200.
pub(crate) fn success(data: Value) -> Response {
    Json(json!({"status": "success", "data": data})).into_response()
}

/// `"(787) 123-4567"` from ten digits.
pub(crate) fn formatted_phone(digits: &str) -> String {
    if digits.len() == 10 && digits.is_ascii() {
        format!("({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        digits.to_owned()
    }
}

/// `"0006"`.
pub(crate) fn daily_id(n: u32) -> String {
    format!("{n:04}")
}

/// An item as findPayment and observed webhooks write it.
pub(crate) fn item_numbers(item: &Item) -> Value {
    json!({
        "name": item.name, "description": item.description, "quantity": item.quantity,
        "price": json_number(item.price),
        "tax": item.tax.map_or(json!(0), json_number),
        "metadata": item.metadata, "formattedPrice": "", "sku": "",
    })
}

/// The `data` of findPayment and authorization, as the published answers:
/// no customer name, phone or email; `subTotal` with a capital T; `""` for
/// the reference, date and daily id until completion; the fee with
/// production's float noise.
pub(crate) fn payment_data(p: &Payment, merchant: &Merchant) -> Value {
    json!({
        "ecommerceStatus": p.status.wire(),
        "ecommerceId": p.ecommerce_id.to_string(),
        "referenceNumber": p.reference_number.clone().unwrap_or_default(),
        "businessCustomerId": p.business_customer_id.clone().unwrap_or_default(),
        "transactionDate": p.completed_at.map(format_local).unwrap_or_default(),
        "dailyTransactionId": p.daily_transaction_id.map(daily_id).unwrap_or_default(),
        "businessName": merchant.business_name,
        "businessPath": merchant.business_path,
        "industry": merchant.industry,
        "subTotal": json_number(p.subtotal.unwrap_or_default()),
        "tax": json_number(p.tax.unwrap_or_default()),
        "total": json_number(p.total),
        "fee": json_float_noise(p.fee),
        "netAmount": json_number(p.net_amount),
        "totalRefundedAmount": json_number(p.total_refunded),
        "metadata1": p.metadata1,
        "metadata2": p.metadata2,
        "items": p.items.iter().map(item_numbers).collect::<Vec<_>>(),
        "isNonProfit": merchant.is_non_profit,
    })
}

/// The `data` of cancel (production answers a sentence, not the payment).
pub(crate) const CANCELLED: &str = "Payment Cancelled.";
/// The `data` of updatePhoneNumber.
pub(crate) const PHONE_UPDATED: &str = "Update Phone Number";

/// The `data` of a refund answer, as the published example: the refund
/// (number `dailyTransactionID`, a stray leading space in the name, the phone
/// formatted) and the original transaction (typed `PAYMENT`, no
/// `ecommerceId`, `items` empty).
pub(crate) fn refund_data(refund: &Refund, p: &Payment) -> Value {
    let customer = p.customer.clone().unwrap_or_else(|| Customer {
        name: String::new(),
        email: String::new(),
        phone_number: String::new(),
    });
    let phone = formatted_phone(&customer.phone_number);
    json!({
        "refund": {
            "transactionType": "REFUND",
            "status": "COMPLETED",
            "refundedAmount": json_number(refund.amount),
            "date": format_local_tenths(refund.created_at),
            "referenceNumber": refund.reference_number,
            "dailyTransactionID": refund.daily_transaction_id,
            // Production's names carry a stray leading space.
            "name": format!(" {}", customer.name),
            "phoneNumber": phone,
            "email": customer.email,
        },
        "originalTransaction": {
            "transactionType": "PAYMENT",
            "status": "COMPLETED",
            "date": p.completed_at.map(format_local_tenths).unwrap_or_default(),
            "referenceNumber": refund.payment_reference_number,
            "dailyTransactionID": p.daily_transaction_id.unwrap_or_default(),
            "name": customer.name,
            "phoneNumber": phone,
            "email": customer.email,
            "message": "",
            "total": json_number(p.total),
            "tax": json_number(p.tax.unwrap_or_default()),
            "subtotal": json_number(p.subtotal.unwrap_or_default()),
            "fee": json_number(p.fee),
            "netAmount": json_number(p.net_amount),
            "totalRefundedAmount": json_number(p.total_refunded),
            "metadata1": p.metadata1,
            "metadata2": p.metadata2,
            "items": [],
        },
    })
}
