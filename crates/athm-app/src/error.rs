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
    /// The service (or its in-process sandbox) cannot listen on its address.
    #[error("cannot listen on {addr} ({setting}): {}", listen_failure(.source))]
    Listen {
        /// The address as given.
        addr: String,
        /// The variable and flag that set it.
        setting: &'static str,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// Another `athm serve` runs on this SQLite file.
    #[error(
        "the SQLite database {} is in use by another `athm serve`: stop it first, or give this one its own ATHM_DATABASE_URL / --database-url (several instances need PostgreSQL or MySQL)",
        path.display()
    )]
    DatabaseInUse {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// Serving failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Why an address cannot be listened on, and what to do about it.
fn listen_failure(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let fix = match error.kind() {
        ErrorKind::AddrInUse => {
            "the port is already in use (another athm serve, or another program): stop it or choose another port"
        }
        ErrorKind::AddrNotAvailable => {
            "this machine has no such address: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
        }
        ErrorKind::PermissionDenied => {
            "permission denied: ports below 1024 need privileges; choose one above 1024"
        }
        _ => "give host:port, such as 127.0.0.1:8000 or localhost:8000",
    };
    format!("{fix} ({error})")
}
