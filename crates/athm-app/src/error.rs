//! The app's errors: each says what to fix.

use athm_domain::FieldError;
use athm_domain::ports::{GatewayError, StoreError};
use athm_domain::services::{GateError, PaymentError, WebhookError};

/// Why a command or the service failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// A setting or argument is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// A value was refused.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// ATH Móvil failed.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// A payment operation failed.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// A webhook event could not be stored or processed.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// Reconciliation could not read ATH Móvil or the database.
    #[error(transparent)]
    Reconcile(#[from] GateError),
    /// The sandbox could not start.
    #[error("the ATH Móvil sandbox failed: {0}")]
    Sandbox(#[from] athm_sandbox::SandboxError),
    /// Listening or serving failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}
