//! The ATH Móvil HTTP client: the driven adapter that implements
//! [`athm_domain::ports::AthmGateway`] over reqwest (TLS by rustls).
//!
//! - [`ClientConfig`] holds the tokens (the private one in a [`Secret`] whose
//!   `Debug` is redacted), the two base URLs (production by default, a
//!   sandbox in tests), timeouts, the [`RetryPolicy`] and the report window.
//! - Every call goes through one `send` helper: JSON headers, user agent,
//!   timeout, retries and a tolerant decoding of the answer (BOM, `data`
//!   envelope or bare array, error bodies whatever the HTTP status).
//! - Retries are decided by the pure functions of [`retry`]: reads and
//!   requests that never left are retried with backoff and jitter; a write
//!   whose request may have arrived (a refund above all) is never resent and
//!   fails with [`GatewayError::OutcomeUnknown`](athm_domain::ports::GatewayError::OutcomeUnknown).
//! - The transaction report is read in windows that halve on BTRA_0026,
//!   "no records" is an empty list, rows are merged without duplicates.
//!
//! ```no_run
//! use std::time::Duration;
//! use athm_client::{AthmClient, ClientConfig};
//! use athm_domain::ports::AthmGateway;
//! use athm_domain::PaymentRequest;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ClientConfig::new("public-token", "private-token");
//! let client = AthmClient::new(config)?;
//! let request = PaymentRequest::new("25.00".parse()?);
//! let (ecommerce_id, auth_token) = client.create_payment(&request).await?;
//! let confirmed = client
//!     .wait_for_confirmation(&ecommerce_id, Duration::from_secs(600), Duration::from_secs(2))
//!     .await?;
//! println!("customer confirmed: {:?}", confirmed.status);
//! let completed = client.authorize(&auth_token).await?;
//! println!("reference number: {:?}", completed.reference_number);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod config;
mod gateway;
mod report;
pub mod retry;
mod wait;
mod wire;

pub use athm_domain::Secret;
pub use client::{AthmClient, BuildError};
pub use config::{ClientConfig, DEFAULT_PAYMENTS_BASE_URL, DEFAULT_WWW_BASE_URL, RetryPolicy};
pub use wait::WaitError;
