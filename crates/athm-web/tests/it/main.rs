//! The web adapter driven over HTTP, with the real store (SQLite in memory)
//! and the real ATH Móvil client against a started sandbox.

mod admin;
mod checkout;
mod hardening;
mod helpers;
mod ingest;
mod inputs;
mod language;
mod ops;
mod webhook;
