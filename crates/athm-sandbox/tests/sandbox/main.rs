//! The sandbox spoken to over real HTTP, as a client of ATH Móvil would.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]
#![allow(clippy::unwrap_used)]

mod checkout;
mod faults;
mod helpers;
mod ledger;
mod refunds;
mod report;
mod shapes;
mod tokens;
mod validation;
mod webhooks;
