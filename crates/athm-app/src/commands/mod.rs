//! The `athm` subcommands, one module each.

mod doctor;
mod refund;
mod serve;
mod sync;
mod webhooks;

pub(crate) use doctor::doctor;
pub(crate) use refund::refund;
pub(crate) use serve::{migrate, sandbox, serve};
pub(crate) use sync::sync;
pub(crate) use webhooks::{install_webhook, reprocess};
