//! The client against the ATH Móvil sandbox, over real HTTP on loopback.

mod checkout;
mod errors;
mod faults;
mod helpers;
mod notifier;
mod refunds;
mod report;
mod webhook;
