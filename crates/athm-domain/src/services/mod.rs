//! The use cases, written against the ports only.
//!
//! Each service holds the ports it needs as `Arc<dyn Port>`, decides with
//! the pure rules of [`crate::model`], and asks the [`crate::ports::Store`]
//! for one atomic step per change. No transaction is held across a call to
//! ATH Móvil: a refund is recorded as pending and committed before the
//! gateway is called, and its outcome is recorded in a second step.

mod bundle;
mod client;
mod error;
mod gate;
mod outbox;
mod payment;
mod reconcile;
mod waiting;
mod watcher;
mod webhook;

#[cfg(test)]
mod tests;

pub use bundle::Services;
pub use client::ClientService;
pub use error::{ClientError, GateError, PaymentError, WebhookError};
pub use outbox::OutboxRelay;
pub use payment::PaymentService;
pub use reconcile::{ReconcileSummary, Reconciler, RowOutcome};
pub use watcher::{PaymentWatcher, WatchReport};
pub use webhook::{ProcessOutcome, Reprocessed, WebhookProcessor};

use crate::ports::{StepResult, StoreError};

/// The next result of a batch of steps; a store that answered fewer results
/// than it was given steps fails the rest instead of shifting them.
fn next_step(results: &mut impl Iterator<Item = StepResult>) -> StepResult {
    results.next().unwrap_or_else(|| {
        Err(StoreError::Corrupt(
            "the store answered fewer steps than it was given".into(),
        ))
    })
}
