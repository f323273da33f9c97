//! What the sandbox remembers: payments, their items, customers and refunds.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a payment is in its life cycle. `Cancelled` and `Expired` are both
/// `CANCEL` in findPayment; webhooks tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Created, waiting for the customer.
    Open,
    /// The customer approved; waiting for the merchant's authorization.
    Confirm,
    /// Authorized: funds moved.
    Completed,
    /// Cancelled by the merchant or declined by the customer.
    Cancelled,
    /// Not completed within its timeout.
    Expired,
}

impl PaymentStatus {
    /// The `ecommerceStatus` spelling of findPayment.
    pub fn wire(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Confirm => "CONFIRM",
            Self::Completed => "COMPLETED",
            Self::Cancelled | Self::Expired => "CANCEL",
        }
    }
}

/// One line of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `quantity`.
    pub quantity: u32,
    /// `price`.
    pub price: Decimal,
    /// `tax`, may be absent.
    pub tax: Option<Decimal>,
    /// `metadata`, may be absent.
    pub metadata: Option<String>,
}

/// The customer who approved a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Full name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Ten digits.
    pub phone_number: String,
}

/// Who the customer is when confirming; gaps are filled with a default
/// customer (Valeria Herrero, the payment's phone or 7871234567).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInput {
    /// Full name.
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Ten digits.
    pub phone_number: Option<String>,
}

/// One ecommerce payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// `ecommerceId`.
    pub ecommerce_id: Uuid,
    /// Public token of the business that created it.
    pub public_token: String,
    /// Life-cycle state.
    pub status: PaymentStatus,
    /// `total`.
    pub total: Decimal,
    /// `subtotal`, when sent.
    pub subtotal: Option<Decimal>,
    /// `tax`, when sent.
    pub tax: Option<Decimal>,
    /// `metadata1`.
    pub metadata1: String,
    /// `metadata2`.
    pub metadata2: String,
    /// Phone the payment is offered to, when known.
    pub phone_number: Option<String>,
    /// Items.
    pub items: Vec<Item>,
    /// Seconds the customer has to approve and the merchant to authorize.
    pub timeout_secs: u32,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Instant after which the payment expires.
    pub expires_at: DateTime<Utc>,
    /// The customer, once confirmed.
    pub customer: Option<Customer>,
    /// `businessCustomerId`, once confirmed.
    pub business_customer_id: Option<String>,
    /// `referenceNumber`, once completed.
    pub reference_number: Option<String>,
    /// `dailyTransactionId`, once completed.
    pub daily_transaction_id: Option<u32>,
    /// Completion instant.
    pub completed_at: Option<DateTime<Utc>>,
    /// `fee`, once completed.
    pub fee: Decimal,
    /// `netAmount` = total − fee, once completed.
    pub net_amount: Decimal,
    /// `totalRefundedAmount`.
    pub total_refunded: Decimal,
}

impl Payment {
    /// What may still be refunded.
    pub fn refundable(&self) -> Decimal {
        self.total - self.total_refunded
    }
}

/// One executed refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// The refund's own reference number.
    pub reference_number: String,
    /// The refunded payment.
    pub ecommerce_id: Uuid,
    /// The refunded payment's reference number.
    pub payment_reference_number: String,
    /// Public token of the business.
    pub public_token: String,
    /// Amount refunded.
    pub amount: Decimal,
    /// Message to the customer.
    pub message: String,
    /// Execution instant.
    pub created_at: DateTime<Utc>,
    /// Daily transaction number.
    pub daily_transaction_id: u32,
}
