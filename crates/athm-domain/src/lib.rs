//! The rules of accepting ATH Móvil payments, independent of any I/O.
//!
//! `athm-domain` holds the value types that cannot hold an invalid value
//! ([`Amount`], [`PhoneNumber`], [`EcommerceId`]…), the aggregates
//! ([`Payment`], [`Refund`], [`Client`], [`WebhookEvent`](webhook::WebhookEvent)) with their rules,
//! the parser for ATH Móvil's webhook and API payloads with all their quirks,
//! the ports the core needs ([`ports`]) and the use cases written against
//! those ports only ([`services`]). Adapters (HTTP client, SQL store, web
//! service) live in other crates and depend on this one, never the reverse.
//!
//! ```
//! use athm_domain::{Amount, PhoneNumber};
//!
//! let fee: Amount = "0.6000000238418579".parse().unwrap();
//! assert_eq!(fee.to_string(), "0.60");
//! let phone: PhoneNumber = "(787) 123-4567".parse().unwrap();
//! assert_eq!(phone.as_str(), "7871234567");
//! ```
#![deny(missing_docs)]

pub mod error;
pub mod model;
pub mod ports;
pub mod services;
pub mod webhook;

#[cfg(test)]
mod test_support;

pub use error::{FieldError, Problem, RuleError, error_chain};
pub use model::*;
