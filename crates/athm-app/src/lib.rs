//! The composition root of athm: settings, wiring and the `athm` commands.
//!
//! `main` parses the [`Cli`] and calls [`run`]; tests build an
//! [`Application`] from [`Settings`] on port 0 and drive it over HTTP.
#![deny(missing_docs)]

mod cli;
mod commands;
mod error;
mod faces;
mod sandbox;
mod serve_lock;
mod settings;
mod startup;
pub mod telemetry;
mod web;
mod workers;

pub use cli::{Cli, Command, WebhooksCommand, run};
pub use error::AppError;
pub use settings::Settings;
pub use startup::Application;
