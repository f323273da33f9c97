//! The client against the ATH Móvil sandbox, over real HTTP on loopback.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod checkout;
mod errors;
mod faults;
mod helpers;
mod refunds;
mod report;
mod webhook;
