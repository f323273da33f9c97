//! The errors of the use cases.

use crate::error::{FieldError, RuleError};
use crate::model::{EcommerceId, RefundId};
use crate::ports::{GatewayError, StoreError};

/// Why a [`super::PaymentService`] operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// A value in the request was refused.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// A payment or refund rule refused the operation.
    #[error(transparent)]
    Rule(RuleError),
    /// No such payment here.
    #[error("payment {0} was not found")]
    NotFound(String),
    /// ATH Móvil refused or failed.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The refund was recorded and sent, but ATH Móvil's answer was lost: it
    /// stays pending until reconciliation finds it in the transaction report.
    #[error("refund {refund_id} of payment {ecommerce_id} is pending: {source}")]
    RefundPending {
        /// The pending refund.
        refund_id: RefundId,
        /// The payment.
        ecommerce_id: EcommerceId,
        /// What happened to the call.
        source: GatewayError,
    },
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for PaymentError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => Self::Rule(rule),
            StoreError::NotFound { key, .. } => Self::NotFound(key),
            other => Self::Store(other),
        }
    }
}

impl From<RuleError> for PaymentError {
    fn from(error: RuleError) -> Self {
        Self::Rule(error)
    }
}

/// Why storing or processing a webhook event failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The event could not be stored: the caller must not acknowledge it.
    #[error("the webhook event could not be stored: {0}")]
    Store(#[from] StoreError),
    /// Verifying the event with ATH Móvil failed; it will be retried.
    #[error("the webhook event could not be verified with ATH Móvil: {0}")]
    Verification(#[from] GatewayError),
}

/// Why a client could not be recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The phone number is not a phone number.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
