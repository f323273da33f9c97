//! The remote ATH Móvil API, as the core needs it.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::AthmErrorCode;
use crate::model::{
    Amount, AthmTransaction, AuthToken, EcommerceId, PaymentRequest, PhoneNumber, ReferenceNumber,
    RefundMessage,
};

/// An ATH Móvil operation, named in errors and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Create a payment (`payment`).
    CreatePayment,
    /// Read a payment (`findPayment`).
    FindPayment,
    /// Authorize a confirmed payment (`authorization`).
    Authorize,
    /// Change the customer's phone (`updatePhoneNumber`).
    UpdatePhoneNumber,
    /// Cancel a payment (`cancel`).
    Cancel,
    /// Refund a payment (`refund`).
    Refund,
    /// Read the transaction report.
    TransactionReport,
    /// Subscribe the webhook listener.
    SubscribeWebhook,
}

impl Operation {
    /// ATH Móvil's name for the operation.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatePayment => "payment",
            Self::FindPayment => "findPayment",
            Self::Authorize => "authorization",
            Self::UpdatePhoneNumber => "updatePhoneNumber",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
            Self::TransactionReport => "transactionReport",
            Self::SubscribeWebhook => "webhook subscription",
        }
    }

    /// Whether the operation only reads, so that retrying it is always safe.
    pub fn is_read(self) -> bool {
        matches!(self, Self::FindPayment | Self::TransactionReport)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed call to ATH Móvil. Each variant says which operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// ATH Móvil answered with an error code; see [`AthmErrorCode::class`].
    #[error("ATH Móvil refused {operation}: {message} ({code})")]
    Refused {
        /// The operation.
        operation: Operation,
        /// The error code.
        code: AthmErrorCode,
        /// ATH Móvil's message.
        message: String,
    },
    /// HTTP 429: too many requests.
    #[error("ATH Móvil rate-limited {operation}; {}", retry_hint(*retry_after))]
    RateLimited {
        /// The operation.
        operation: Operation,
        /// How long ATH Móvil asked us to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// ATH Móvil could not be reached, or answered 5xx, and the request provably had no effect.
    #[error("ATH Móvil is unavailable for {operation}: {detail}")]
    Unavailable {
        /// The operation.
        operation: Operation,
        /// What happened.
        detail: String,
    },
    /// A write was sent but no answer came (timeout, dropped connection, 5xx):
    /// it may or may not have taken effect. Reconcile; never resend blindly.
    #[error("the outcome of {operation} is unknown ({detail}); reconcile before trying again")]
    OutcomeUnknown {
        /// The operation.
        operation: Operation,
        /// What happened.
        detail: String,
    },
    /// ATH Móvil answered something that could not be read.
    #[error("ATH Móvil's answer to {operation} could not be read: {detail}")]
    Undecodable {
        /// The operation.
        operation: Operation,
        /// What was wrong with it.
        detail: String,
    },
}

impl GatewayError {
    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        match self {
            Self::Refused { operation, .. }
            | Self::RateLimited { operation, .. }
            | Self::Unavailable { operation, .. }
            | Self::OutcomeUnknown { operation, .. }
            | Self::Undecodable { operation, .. } => *operation,
        }
    }

    /// The ATH Móvil error code, when ATH Móvil sent one.
    pub fn code(&self) -> Option<&AthmErrorCode> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the call certainly had no effect, so the caller may record it as failed.
    ///
    /// A refusal is definitive only when its code is of a definitive class
    /// ([`AthmErrorCode::write_outcome_unknown`] is false): a transient code
    /// (BTRA_0015, BTRA_0016, BTRA_9998, BTRA_9999) or a code the published
    /// table lacks leaves the outcome unknown, like a lost answer.
    pub fn is_definitive(&self) -> bool {
        match self {
            Self::Refused { code, .. } => !code.write_outcome_unknown(),
            Self::RateLimited { .. } | Self::Unavailable { .. } => true,
            Self::OutcomeUnknown { .. } | Self::Undecodable { .. } => false,
        }
    }
}

/// "retry in N seconds", or "retry later" when ATH Móvil did not say.
fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("retry in {} seconds", wait.as_secs().max(1)),
        None => "retry later".to_string(),
    }
}

/// A refund to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    /// The payment's reference number.
    pub reference_number: ReferenceNumber,
    /// How much.
    pub amount: Amount,
    /// The message for the customer.
    pub message: RefundMessage,
}

/// ATH Móvil's answer to a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReceipt {
    /// The refund itself, with its own reference number.
    pub refund: AthmTransaction,
    /// The refunded payment, with its new `totalRefundedAmount`.
    pub original: AthmTransaction,
}

/// Which events to send to which listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    /// The HTTPS URL ATH Móvil will POST to.
    pub listener_url: String,
    /// "Pay a Business" payments.
    pub payment_received: bool,
    /// Refunds.
    pub refund_sent: bool,
    /// Donations.
    pub donation_received: bool,
    /// Completed ecommerce payments.
    pub ecommerce_payment_received: bool,
    /// Cancelled ecommerce payments.
    pub ecommerce_payment_cancelled: bool,
    /// Expired ecommerce payments.
    pub ecommerce_payment_expired: bool,
}

impl WebhookSubscription {
    /// Every event, to `listener_url`.
    pub fn all(listener_url: impl Into<String>) -> Self {
        Self {
            listener_url: listener_url.into(),
            payment_received: true,
            refund_sent: true,
            donation_received: true,
            ecommerce_payment_received: true,
            ecommerce_payment_cancelled: true,
            ecommerce_payment_expired: true,
        }
    }
}

/// The ATH Móvil Payment Button API, transaction report and webhook subscription.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AthmGateway: Send + Sync {
    /// Creates a payment and returns its ecommerce id and auth token.
    ///
    /// # Errors
    /// [`GatewayError::Refused`] for invalid requests; [`GatewayError::OutcomeUnknown`]
    /// when the answer was lost (an orphan OPEN payment simply expires).
    async fn create_payment(
        &self,
        request: &PaymentRequest,
    ) -> Result<(EcommerceId, AuthToken), GatewayError>;

    /// Reads a payment (`findPayment`).
    ///
    /// # Errors
    /// [`GatewayError::Refused`] with a not-found code for unknown ids.
    async fn find_payment(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<AthmTransaction, GatewayError>;

    /// Authorizes a confirmed payment; answers the completed transaction.
    ///
    /// # Errors
    /// [`GatewayError::Refused`] with BTRA_0032 (not CONFIRM) or BTRA_0039 (too late).
    async fn authorize(&self, auth_token: &AuthToken) -> Result<AthmTransaction, GatewayError>;

    /// Changes the phone an OPEN payment is pushed to.
    ///
    /// # Errors
    /// [`GatewayError::Refused`] when the payment is no longer OPEN.
    async fn update_phone_number(
        &self,
        ecommerce_id: &EcommerceId,
        phone: &PhoneNumber,
        auth_token: &AuthToken,
    ) -> Result<(), GatewayError>;

    /// Cancels a payment that is not completed.
    ///
    /// # Errors
    /// [`GatewayError::Refused`] when ATH Móvil will not cancel it.
    async fn cancel(&self, ecommerce_id: &EcommerceId) -> Result<(), GatewayError>;

    /// Sends a refund. Never retried by the adapter once it may have reached ATH Móvil.
    ///
    /// # Errors
    /// [`GatewayError::OutcomeUnknown`] when the answer was lost: reconcile, never resend.
    async fn refund(&self, order: &RefundOrder) -> Result<RefundReceipt, GatewayError>;

    /// Reads every transaction between two instants, splitting the range into
    /// windows as ATH Móvil requires; "no records" is an empty list.
    ///
    /// # Errors
    /// [`GatewayError::Refused`] with a report code for invalid ranges.
    async fn transaction_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AthmTransaction>, GatewayError>;

    /// Subscribes a webhook listener.
    ///
    /// # Errors
    /// [`GatewayError::Refused`] for a listener ATH Móvil will not accept.
    async fn subscribe_webhook(
        &self,
        subscription: &WebhookSubscription,
    ) -> Result<(), GatewayError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(operation: Operation, code: &str) -> GatewayError {
        GatewayError::Refused {
            operation,
            code: AthmErrorCode::new(code),
            message: String::new(),
        }
    }

    #[test]
    fn a_write_refused_with_a_transient_or_undocumented_code_is_not_definitive() {
        let writes = [
            Operation::Authorize,
            Operation::Cancel,
            Operation::Refund,
            Operation::UpdatePhoneNumber,
        ];
        for operation in writes {
            for code in [
                "BTRA_0015",
                "BTRA_0016",
                "BTRA_9998",
                "BTRA_9999",
                "BTRA_7777",
            ] {
                assert!(
                    !refused(operation, code).is_definitive(),
                    "{operation} {code}"
                );
            }
            for code in ["BTRA_0053", "BTRA_0032", "BTRA_0004", "BTRA_0017"] {
                assert!(
                    refused(operation, code).is_definitive(),
                    "{operation} {code}"
                );
            }
        }
    }
}
