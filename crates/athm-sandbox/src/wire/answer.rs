//! The answers the API writes, with production's spellings.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::clock::{format_local, format_local_tenths};
use crate::config::Merchant;
use crate::model::{Item, Payment, Refund};
use crate::money::json_number;

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

/// The `data` of findPayment, authorization, cancel and updatePhoneNumber.
pub(crate) fn payment_data(p: &Payment, merchant: &Merchant) -> Value {
    let customer = p.customer.as_ref();
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
        "fee": json_number(p.fee),
        "netAmount": json_number(p.net_amount),
        "totalRefundedAmount": json_number(p.total_refunded),
        "metadata1": p.metadata1,
        "metadata2": p.metadata2,
        "items": p.items.iter().map(item_numbers).collect::<Vec<_>>(),
        "isNonProfit": merchant.is_non_profit,
        "phoneNumber": p.customer.as_ref().map(|c| c.phone_number.clone())
            .or_else(|| p.phone_number.clone()).unwrap_or_default(),
        "name": customer.map(|c| c.name.clone()).unwrap_or_default(),
        "email": customer.map(|c| c.email.clone()).unwrap_or_default(),
    })
}

/// The `data` of a refund answer.
pub(crate) fn refund_data(refund: &Refund, p: &Payment, merchant: &Merchant) -> Value {
    let customer = p
        .customer
        .clone()
        .unwrap_or_else(|| crate::model::Customer {
            name: String::new(),
            email: String::new(),
            phone_number: String::new(),
        });
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
            "phoneNumber": formatted_phone(&customer.phone_number),
            "email": customer.email,
            "message": refund.message,
        },
        "originalTransaction": {
            "transactionType": "PAYMENT",
            "status": "COMPLETED",
            "referenceNumber": refund.payment_reference_number,
            "ecommerceId": p.ecommerce_id.to_string(),
            "date": p.completed_at.map(format_local_tenths).unwrap_or_default(),
            "dailyTransactionID": p.daily_transaction_id.unwrap_or_default(),
            "name": customer.name,
            "phoneNumber": formatted_phone(&customer.phone_number),
            "email": customer.email,
            "businessName": merchant.business_name,
            "total": json_number(p.total),
            "tax": json_number(p.tax.unwrap_or_default()),
            "subtotal": json_number(p.subtotal.unwrap_or_default()),
            "fee": json_number(p.fee),
            "netAmount": json_number(p.net_amount),
            "totalRefundedAmount": json_number(p.total_refunded),
            "metadata1": p.metadata1,
            "metadata2": p.metadata2,
        },
    })
}
