//! The sandbox spoken to over real HTTP, as a client of ATH Móvil would.
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
