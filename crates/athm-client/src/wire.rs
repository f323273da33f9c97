//! The bytes on the wire: request bodies as ATH Móvil spells them, and a
//! tolerant reading of every answer shape.

use std::time::Duration;

use athm_domain::ports::{AthmErrorCode, RefundOrder, RefundReceipt, WebhookSubscription};
use athm_domain::{AthmTransaction, AuthToken, EcommerceId, Item, PaymentRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::retry::Failure;

/// `POST …/ecommerce/payment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatePaymentBody<'a> {
    pub public_token: &'a str,
    pub timeout: String,
    pub total: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    #[serde(rename = "metadata1")]
    pub metadata_1: &'a str,
    #[serde(rename = "metadata2")]
    pub metadata_2: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<&'a str>,
    pub items: Vec<ItemBody<'a>>,
}

/// One item of a payment.
#[derive(Debug, Serialize)]
pub(crate) struct ItemBody<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub quantity: String,
    pub price: String,
    pub tax: Option<String>,
    pub metadata: Option<&'a str>,
}

impl<'a> CreatePaymentBody<'a> {
    pub fn new(public_token: &'a str, request: &'a PaymentRequest) -> Self {
        Self {
            public_token,
            timeout: request.timeout.secs().to_string(),
            total: request.total.to_string(),
            subtotal: request.subtotal.map(|a| a.to_string()),
            tax: request.tax.map(|a| a.to_string()),
            metadata_1: request.metadata_1.as_str(),
            metadata_2: request.metadata_2.as_str(),
            phone_number: request.phone_number.as_ref().map(|p| p.as_str()),
            items: request.items.iter().map(ItemBody::new).collect(),
        }
    }
}

impl<'a> ItemBody<'a> {
    fn new(item: &'a Item) -> Self {
        Self {
            name: &item.name,
            description: &item.description,
            quantity: item.quantity.to_string(),
            price: item.price.to_string(),
            tax: item.tax.map(|a| a.to_string()),
            metadata: item.metadata.as_deref(),
        }
    }
}

/// `findPayment` and `cancel`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EcommerceBody<'a> {
    pub ecommerce_id: String,
    pub public_token: &'a str,
}

/// `updatePhoneNumber`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdatePhoneBody<'a> {
    pub ecommerce_id: String,
    pub phone_number: &'a str,
}

/// `refund`. Holds the private token: never log it (its `Debug` is not derived).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundBody<'a> {
    pub public_token: &'a str,
    pub private_token: &'a str,
    pub reference_number: &'a str,
    pub amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

impl<'a> RefundBody<'a> {
    pub fn new(public_token: &'a str, private_token: &'a str, order: &'a RefundOrder) -> Self {
        let message = order.message.as_str();
        Self {
            public_token,
            private_token,
            reference_number: order.reference_number.as_str(),
            amount: order.amount.to_string(),
            message: (!message.is_empty()).then_some(message),
        }
    }
}

/// The transaction report. Holds the private token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportBody<'a> {
    pub public_token: &'a str,
    pub private_token: &'a str,
    pub from_date: String,
    pub to_date: String,
}

impl<'a> ReportBody<'a> {
    pub fn new(
        public_token: &'a str,
        private_token: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Self {
        Self {
            public_token,
            private_token,
            from_date: athm_domain::format_athm_time(from),
            to_date: athm_domain::format_athm_time(to),
        }
    }
}

/// The webhook subscription. Holds the private token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionBody<'a> {
    pub public_token: &'a str,
    pub private_token: &'a str,
    #[serde(rename = "listenerURL")]
    pub listener_url: &'a str,
    pub payment_received_event: bool,
    pub refund_sent_event: bool,
    pub donation_received_event: bool,
    pub ecommerce_payment_received_event: bool,
    pub ecommerce_payment_cancelled_event: bool,
    pub ecommerce_payment_expired_event: bool,
}

impl<'a> SubscriptionBody<'a> {
    pub fn new(public_token: &'a str, private_token: &'a str, s: &'a WebhookSubscription) -> Self {
        Self {
            public_token,
            private_token,
            listener_url: &s.listener_url,
            payment_received_event: s.payment_received,
            refund_sent_event: s.refund_sent,
            donation_received_event: s.donation_received,
            ecommerce_payment_received_event: s.ecommerce_payment_received,
            ecommerce_payment_cancelled_event: s.ecommerce_payment_cancelled,
            ecommerce_payment_expired_event: s.ecommerce_payment_expired,
        }
    }
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Reads one HTTP answer into its payload (`data`, a bare object or a bare
/// array), or the failure it reports. The HTTP status counts only where the
/// body does not speak for itself.
pub(crate) fn decode(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Value, Failure> {
    if status == 429 {
        return Err(Failure::RateLimited { retry_after });
    }
    let body = body.strip_prefix(BOM).unwrap_or(body);
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    if let Ok(Value::Object(object)) = &parsed
        && let Some(failure) = error_answer(object)
    {
        return Err(failure);
    }
    if status >= 500 {
        return Err(Failure::ServerError { status });
    }
    let value = parsed.map_err(|e| Failure::Undecodable {
        detail: format!("HTTP {status}, not JSON ({e})"),
    })?;
    if !(200..300).contains(&status) {
        return Err(Failure::Undecodable {
            detail: format!("HTTP {status} with an answer that is not an ATH Móvil error"),
        });
    }
    Ok(match value {
        Value::Object(mut object) if object.contains_key("data") => {
            object.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    })
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `{"status":"error","message":…,"errorcode":…}`, in any case.
fn error_answer(object: &Map<String, Value>) -> Option<Failure> {
    let status = object.get("status").and_then(Value::as_str).unwrap_or("");
    let code = text_of(object.get("errorcode").or_else(|| object.get("errorCode")));
    if !status.eq_ignore_ascii_case("error") && code.is_none() {
        return None;
    }
    if status.eq_ignore_ascii_case("success") {
        return None;
    }
    let message = text_of(object.get("message")).unwrap_or_default();
    match code {
        Some(code) => Some(Failure::Refused {
            code: AthmErrorCode::new(code),
            message,
        }),
        None => Some(Failure::Undecodable {
            detail: format!("an error answer without errorcode: {message}"),
        }),
    }
}

fn undecodable(detail: impl Into<String>) -> Failure {
    Failure::Undecodable {
        detail: detail.into(),
    }
}

/// One transaction from a payload.
pub(crate) fn transaction(value: &Value) -> Result<AthmTransaction, Failure> {
    AthmTransaction::from_json(value).map_err(|e| undecodable(format!("transaction: {e}")))
}

/// The create-payment answer: `{ecommerceId, auth_token}`.
pub(crate) fn created(value: &Value) -> Result<(EcommerceId, AuthToken), Failure> {
    let id = text_of(
        value
            .get("ecommerceId")
            .or_else(|| value.get("ecommerceID")),
    )
    .ok_or_else(|| undecodable("no ecommerceId in the answer"))?
    .parse()
    .map_err(|e| undecodable(format!("{e}")))?;
    let token = text_of(value.get("auth_token").or_else(|| value.get("authToken")))
        .ok_or_else(|| undecodable("no auth_token in the answer"))?;
    Ok((id, AuthToken::new(token)))
}

/// The refund answer: `{refund, originalTransaction}`.
pub(crate) fn refund_receipt(value: &Value) -> Result<RefundReceipt, Failure> {
    let part = |name: &str| {
        value
            .get(name)
            .ok_or_else(|| undecodable(format!("no {name} in the refund answer")))
            .and_then(transaction)
    };
    Ok(RefundReceipt {
        refund: part("refund")?,
        original: part("originalTransaction")?,
    })
}

/// The report answer: a bare array, `{data: […]}` (already unwrapped), or null.
pub(crate) fn report_rows(value: &Value) -> Result<Vec<AthmTransaction>, Failure> {
    match value {
        Value::Array(rows) => rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                AthmTransaction::from_json(row)
                    .map_err(|e| undecodable(format!("report row {i}: {e}")))
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(undecodable("the report is not a JSON array")),
    }
}

#[cfg(test)]
mod tests;
