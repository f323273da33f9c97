//! The `athm` subcommands, one module each.

mod doctor;
mod healthcheck;
mod refund;
mod sandbox;
mod serve;
mod sync;
mod webhooks;

pub(crate) use doctor::doctor;
pub(crate) use healthcheck::healthcheck;
pub(crate) use refund::refund;
pub(crate) use sandbox::sandbox;
pub(crate) use serve::{migrate, serve};
pub(crate) use sync::sync;
pub(crate) use webhooks::{install_webhook, reprocess};
