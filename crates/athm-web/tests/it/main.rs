//! The web adapter driven over HTTP, with the real store (SQLite in memory)
//! and the real ATH Móvil client against a started sandbox.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod admin;
mod checkout;
mod hardening;
mod helpers;
mod ingest;
mod inputs;
mod language;
mod ops;
mod webhook;
