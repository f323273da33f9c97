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
    /// The refund was recorded and sent, but its outcome is not known (the
    /// answer was lost, or said nothing definite): it stays pending, and is
    /// never sent again, until a read of ATH Móvil settles it.
    #[error(
        "refund {refund_id} of payment {ecommerce_id} is pending: its outcome at ATH Móvil is not known yet; it will not be sent again"
    )]
    RefundPending {
        /// The pending refund.
        refund_id: RefundId,
        /// The payment.
        ecommerce_id: EcommerceId,
        /// What happened to the call (`None` when this is a repeated intent).
        #[source]
        source: Option<GatewayError>,
    },
    /// ATH Móvil refused the refund: no money moved.
    #[error("ATH Móvil refused refund {refund_id}: {reason}")]
    RefundRefused {
        /// The failed refund.
        refund_id: RefundId,
        /// ATH Móvil's reason, as recorded on the refund.
        reason: String,
        /// The refusal (`None` when this is a repeated intent).
        #[source]
        source: Option<GatewayError>,
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

/// Why the trust gate could not decide whether ATH Móvil confirms some
/// news: ask again later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// ATH Móvil could not be asked.
    #[error("ATH Móvil could not be asked")]
    Gateway(#[from] GatewayError),
    /// The store could not be read.
    #[error("the store could not be read")]
    Store(#[from] StoreError),
}

impl From<GateError> for WebhookError {
    fn from(error: GateError) -> Self {
        match error {
            GateError::Gateway(error) => Self::Verification(error),
            GateError::Store(error) => Self::Store(error),
        }
    }
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
