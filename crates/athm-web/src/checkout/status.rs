//! Status reads of `GET /api/status`, bounded: one findPayment per payment
//! at a time, and for [`FRESH_FOR`] after it the reads of that payment are
//! answered from the database (which that findPayment, and anything athm did
//! since — an authorization, a webhook — brought up to date). The payment
//! button polls every 2 s, so an honest page still asks ATH Móvil on each
//! poll, while a flood of reads (from one session or many) costs ATH Móvil
//! at most one call per payment per second instead of one per read, and
//! cannot get the merchant rate-limited. Each session (one payment's) may
//! read at most [`READS_PER_SESSION_PER_MINUTE`] times a minute (429 after),
//! so one page cannot keep the database busy for everyone either.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use athm_domain::{EcommerceId, Payment};

/// How long after a findPayment the reads of its payment use the database.
pub(crate) const FRESH_FOR: Duration = Duration::from_secs(1);

/// Status reads one session may make per minute: twice the button's polls.
pub(crate) const READS_PER_SESSION_PER_MINUTE: u32 = 60;

/// Above this many payments tracked, the idle ones are forgotten.
const SWEEP_ABOVE: usize = 10_000;

/// When one payment's status was last read from ATH Móvil.
type Slot = Arc<tokio::sync::Mutex<Option<Instant>>>;

/// Coalesces and briefly reuses the status reads of each payment.
#[derive(Debug, Default)]
pub(crate) struct StatusReads {
    slots: Mutex<HashMap<EcommerceId, Slot>>,
}

impl StatusReads {
    /// The status of `id`: `stored`'s when ATH Móvil was asked less than
    /// [`FRESH_FOR`] ago, else `sync`'s, run by one reader while the others
    /// of that payment wait for it. A failed sync counts too: while ATH
    /// Móvil fails (or rate-limits), waiting readers get the database's
    /// answer instead of asking again one by one.
    pub(crate) async fn read<S, SF, L, LF, E>(
        &self,
        id: &EcommerceId,
        sync: S,
        stored: L,
    ) -> Result<Payment, E>
    where
        S: FnOnce() -> SF,
        SF: Future<Output = Result<Payment, E>>,
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Payment, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            if slots.len() > SWEEP_ABOVE {
                // Nobody else holds an idle slot: forget it.
                slots.retain(|_, slot| Arc::strong_count(slot) > 1);
            }
            slots.entry(*id).or_default().clone()
        };
        let mut asked = slot.lock().await;
        if asked.is_some_and(|at| at.elapsed() < FRESH_FOR) {
            drop(asked);
            return stored().await;
        }
        let result = sync().await;
        // When the attempt ended, not began: an attempt that took seconds
        // (ATH Móvil slow, or rate-limiting and retried) still spares the
        // readers that waited for it.
        *asked = Some(Instant::now());
        result
    }

    /// Makes the next read of `id` ask ATH Móvil: after an authorization,
    /// a cancel or a phone change, whatever their outcome (an answer lost
    /// on the way may hide a completed payment that only findPayment shows).
    pub(crate) fn forget(&self, id: &EcommerceId) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}
