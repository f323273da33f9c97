//! One transaction as ATH Móvil describes it — in a webhook, a findPayment or
//! authorization answer, a refund answer or a transaction report row —
//! normalised from every spelling seen in practice.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient::{amount, date, field, opt_text, phone, text};
use super::{Amount, EcommerceId, Item, PhoneNumber, ReferenceNumber};
use crate::error::{FieldError, Problem};

/// The kind of transaction (`transactionType`), case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransactionType {
    /// A payment through the Payment Button API.
    Ecommerce,
    /// Money returned to a customer.
    Refund,
    /// "Pay a Business" in the app, outside ecommerce.
    Payment,
    /// A donation to a non-profit.
    Donation,
    /// A test event sent from the Business app.
    Simulated,
    /// Any other type, upper-cased.
    Other(String),
}

impl TransactionType {
    /// Reads `ecommerce`, `ECOMMERCE`… in any case.
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_uppercase().as_str() {
            "ECOMMERCE" => Self::Ecommerce,
            "REFUND" => Self::Refund,
            "PAYMENT" => Self::Payment,
            "DONATION" => Self::Donation,
            "SIMULATED" => Self::Simulated,
            other => Self::Other(other.to_string()),
        }
    }

    /// The lower-case name, as used in idempotency keys.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ecommerce => "ecommerce",
            Self::Refund => "refund",
            Self::Payment => "payment",
            Self::Donation => "donation",
            Self::Simulated => "simulated",
            Self::Other(other) => other,
        }
    }
}

/// A status as ATH Móvil writes it: `COMPLETED`/`completed`, `CANCEL`/`cancelled`/`cancel`…
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RemoteStatus {
    /// Created, waiting for the customer.
    Open,
    /// The customer approved in the app.
    Confirm,
    /// Funds moved.
    Completed,
    /// Cancelled (findPayment also says CANCEL for an expired payment).
    Cancelled,
    /// Expired (webhooks only).
    Expired,
    /// Anything else, upper-cased (empty when absent).
    Other(String),
}

impl RemoteStatus {
    /// Reads a status in any case and spelling.
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_uppercase().as_str() {
            "OPEN" => Self::Open,
            "CONFIRM" | "CONFIRMED" => Self::Confirm,
            "COMPLETED" | "COMPLETE" => Self::Completed,
            "CANCEL" | "CANCELLED" | "CANCELED" => Self::Cancelled,
            "EXPIRED" | "EXPIRE" => Self::Expired,
            other => Self::Other(other.to_string()),
        }
    }

    /// The canonical lower-case name, as used in idempotency keys.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Open => "open",
            Self::Confirm => "confirm",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Other(other) => other,
        }
    }
}

impl fmt::Display for RemoteStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transaction as ATH Móvil reported it, normalised. Text fields are trimmed
/// and empty when absent; amounts are exact cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AthmTransaction {
    /// `transactionType`; ecommerce when absent but an `ecommerceId` is present.
    pub transaction_type: TransactionType,
    /// `status` or `ecommerceStatus`.
    pub status: RemoteStatus,
    /// `ecommerceId`, for ecommerce transactions.
    pub ecommerce_id: Option<EcommerceId>,
    /// `referenceNumber`, absent until completion.
    pub reference_number: Option<ReferenceNumber>,
    /// `referenceTransactionId`: the other transaction a refund concerns (its
    /// payment, in report rows), when ATH Móvil names one.
    pub related_reference: Option<ReferenceNumber>,
    /// `dailyTransactionId` / `dailyTransactionID`.
    pub daily_transaction_id: Option<String>,
    /// `transactionDate`, else `date`.
    pub date: Option<DateTime<Utc>>,
    /// `total`.
    pub total: Option<Amount>,
    /// `subtotal` / `subTotal`.
    pub subtotal: Option<Amount>,
    /// `tax`.
    pub tax: Option<Amount>,
    /// `fee`.
    pub fee: Option<Amount>,
    /// `netAmount`.
    pub net_amount: Option<Amount>,
    /// `totalRefundedAmount` / `totalRefundAmount` (report) / `refundedAmount` (refund answer).
    pub total_refunded_amount: Option<Amount>,
    /// `name`, trimmed.
    pub customer_name: String,
    /// `phoneNumber` in any spelling.
    pub customer_phone: Option<PhoneNumber>,
    /// `email`.
    pub customer_email: String,
    /// `message`.
    pub message: String,
    /// `metadata1`.
    pub metadata_1: String,
    /// `metadata2`.
    pub metadata_2: String,
    /// `businessName`.
    pub business_name: String,
    /// `items`, as an array or a JSON-encoded string.
    pub items: Vec<Item>,
}

impl AthmTransaction {
    /// Normalises a JSON object from any ATH Móvil source. Unknown fields are
    /// ignored; a field that is present but unreadable (a bad amount or id) is an error.
    ///
    /// # Errors
    /// [`FieldError`] naming the unreadable field, or when `value` is no object.
    pub fn from_json(value: &Value) -> Result<Self, FieldError> {
        let object = value.as_object().ok_or_else(|| {
            FieldError::new(
                "payload",
                Problem::Format {
                    expected: "a JSON object",
                },
            )
        })?;
        let ecommerce_id = opt_text(field(object, &["ecommerceId", "ecommerceID"]))
            .map(|t| t.parse())
            .transpose()?;
        let transaction_type = match opt_text(field(object, &["transactionType"])) {
            Some(t) => TransactionType::parse(&t),
            None if ecommerce_id.is_some() => TransactionType::Ecommerce,
            None => TransactionType::Other(String::new()),
        };
        Ok(Self {
            transaction_type,
            status: RemoteStatus::parse(&text(field(object, &["ecommerceStatus", "status"]))),
            ecommerce_id,
            reference_number: opt_text(field(object, &["referenceNumber"]))
                .map(|t| t.parse())
                .transpose()?,
            related_reference: opt_text(field(object, &["referenceTransactionId"]))
                .and_then(|t| t.parse().ok()),
            daily_transaction_id: opt_text(field(
                object,
                &["dailyTransactionId", "dailyTransactionID"],
            )),
            date: date(field(object, &["transactionDate", "date"])),
            total: amount("total", field(object, &["total"]))?,
            subtotal: amount("subtotal", field(object, &["subtotal", "subTotal"]))?,
            tax: amount("tax", field(object, &["tax"]))?,
            fee: amount("fee", field(object, &["fee"]))?,
            net_amount: amount("netAmount", field(object, &["netAmount"]))?,
            total_refunded_amount: amount(
                "totalRefundedAmount",
                field(
                    object,
                    &["totalRefundedAmount", "totalRefundAmount", "refundedAmount"],
                ),
            )?,
            customer_name: text(field(object, &["name"])),
            customer_phone: phone(field(object, &["phoneNumber", "phone"])),
            customer_email: text(field(object, &["email"])),
            message: text(field(object, &["message"])),
            metadata_1: text(field(object, &["metadata1"])),
            metadata_2: text(field(object, &["metadata2"])),
            business_name: text(field(object, &["businessName"])),
            items: Item::list_from_json(object.get("items"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn find_payment_answer_is_normalised() {
        let t = AthmTransaction::from_json(&json!({
            "ecommerceStatus": "COMPLETED", "ecommerceId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "referenceNumber": "215070443-402894c185ab1be40185acfe61c2000b", "transactionDate": "2023-01-13 16:17:06",
            "dailyTransactionId": "0006", "subTotal": 0, "tax": 0.00, "total": 1, "fee": 0.6000000238418579,
            "netAmount": 0.40, "totalRefundedAmount": 0}))
        .unwrap();
        assert_eq!(t.transaction_type, TransactionType::Ecommerce);
        assert_eq!(t.status, RemoteStatus::Completed);
        assert_eq!(t.fee.unwrap().to_string(), "0.60");
        assert_eq!(t.subtotal.unwrap().to_string(), "0.00");
        assert_eq!(t.daily_transaction_id.as_deref(), Some("0006"));
    }

    #[test]
    fn empty_strings_before_completion_are_absent() {
        let t = AthmTransaction::from_json(&json!({"ecommerceStatus": "OPEN", "ecommerceId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "referenceNumber": "", "transactionDate": "", "dailyTransactionId": ""}))
        .unwrap();
        assert_eq!(
            (t.reference_number, t.date, t.daily_transaction_id),
            (None, None, None)
        );
        assert_eq!(t.status, RemoteStatus::Open);
    }

    #[test]
    fn report_spellings_are_read() {
        let t = AthmTransaction::from_json(
            &json!({"transactionType": "ECOMMERCE", "status": "COMPLETED",
            "referenceNumber": " 1234-abcd ", "totalRefundAmount": "1.50", "total": "3.00"}),
        )
        .unwrap();
        assert_eq!(t.reference_number.unwrap().as_str(), "1234-abcd");
        assert_eq!(t.total_refunded_amount.unwrap().to_string(), "1.50");
    }

    #[test]
    fn statuses_in_every_case_mean_the_same() {
        for s in ["cancelled", "CANCEL", "cancel", "Canceled"] {
            assert_eq!(RemoteStatus::parse(s), RemoteStatus::Cancelled, "{s}");
        }
        assert_eq!(RemoteStatus::parse("expired"), RemoteStatus::Expired);
    }

    #[test]
    fn unreadable_amounts_and_ids_are_errors_naming_the_field() {
        assert_eq!(
            AthmTransaction::from_json(&json!({"total": "lots"}))
                .unwrap_err()
                .field,
            "total"
        );
        assert_eq!(
            AthmTransaction::from_json(&json!({"ecommerceId": "x"}))
                .unwrap_err()
                .field,
            "ecommerceId"
        );
        assert!(AthmTransaction::from_json(&json!([1, 2])).is_err());
    }
}
