//! A local imitation of the ATH Móvil HTTP APIs.
//!
//! ATH Móvil has no test environment, so this crate plays it: the Payment
//! Button API, the transaction report and the webhook subscription, on the
//! same paths, with the same bodies, answers, error codes and quirks as the
//! documents in `docs/ath-movil.md` describe. It adds what a test needs
//! and production lacks: a customer simulator (JSON control API and a small
//! HTML "phone" page), webhook deliveries with retries and duplicates, an
//! injectable clock and faults on demand.
//!
//! It depends on no other crate of the workspace on purpose: it is a second,
//! independent reading of the ATH Móvil documents.
//!
//! ```no_run
//! # async fn demo() -> Result<(), athm_sandbox::SandboxError> {
//! use athm_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! println!("ATH Móvil sandbox on {}", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod api;
mod clock;
mod config;
mod conn;
mod error;
mod faults;
mod ledger;
mod model;
mod money;
mod server;
mod state;
mod token;
mod webhook;
mod wire;

pub use clock::{Clock, SystemClock, puerto_rico_offset};
pub use config::{
    AutoConfirm, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, FeeRule, Merchant, SandboxConfig,
    WebhookConfig, WebhookShape,
};
pub use error::{ApiError, SandboxError, codes};
pub use faults::{Fault, Faults, Operation};
pub use ledger::LedgerFileError;
pub use model::{Customer, CustomerInput, Item, Payment, PaymentStatus, Refund};
pub use money::ROUNDING;
pub use server::{RunningSandbox, Sandbox};
pub use webhook::{DeliveryAttempt, DeliveryOutcome, EventKind, Subscription};
