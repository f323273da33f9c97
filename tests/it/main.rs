//! The workspace integration suite: the real app, the sandbox and a real database, over real HTTP.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod admin;
mod adversary;
mod bad_input;
mod checkout;
mod cli;
mod db;
mod docs_commands;
mod fuzz_smoke;
mod gateway_faults;
mod helpers;
mod money;
mod notify;
mod refund_races;
mod refunds;
mod services;
mod startup_errors;
mod sync;
mod unknown_outcome;
mod unlinked;
mod watcher;
mod webhook_isolation;
mod webhooks;
