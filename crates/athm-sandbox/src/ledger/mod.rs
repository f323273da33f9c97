//! The sandbox's books: every payment and refund, behind one lock, and the
//! events their changes raise for the webhook dispatcher.

mod file;
mod payments;
mod refunds;
mod report;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use crate::clock::local;
use crate::config::FeeRule;
use crate::model::{Payment, PaymentStatus, Refund};

pub use file::LedgerFileError;
pub(crate) use file::{Snapshot, load};
pub(crate) use report::ReportRange;

/// A change that webhooks announce.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// Authorized by the merchant.
    Completed(Payment),
    /// Cancelled by the merchant or declined by the customer.
    Cancelled(Payment),
    /// Timed out.
    Expired(Payment),
    /// A refund was executed (payment after the refund).
    Refunded(Payment, Refund),
}

#[derive(Default)]
pub(crate) struct Books {
    payments: HashMap<Uuid, Payment>,
    order: Vec<Uuid>,
    refunds: Vec<Refund>,
    daily: HashMap<(String, NaiveDate), u32>,
    /// Something changed since the books were last written to the file.
    changed: bool,
}

/// Where the books are kept between runs, and the auth-token key kept with them.
pub(crate) struct LedgerFile {
    pub(crate) path: PathBuf,
    pub(crate) token_key: String,
}

/// All payments and refunds.
pub(crate) struct Ledger {
    books: Mutex<Books>,
    events: UnboundedSender<Event>,
    fee: FeeRule,
    file: Option<LedgerFile>,
}

impl Ledger {
    /// A ledger holding `books` (empty, or loaded from `file`), written back
    /// to `file` after each change when there is one.
    pub(crate) fn new(
        fee: FeeRule,
        events: UnboundedSender<Event>,
        books: Books,
        file: Option<LedgerFile>,
    ) -> Self {
        Self {
            books: Mutex::new(books),
            events,
            fee,
            file,
        }
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the books to the ledger file if they changed. A failed write
    /// is logged, not fatal: the sandbox keeps serving from memory.
    fn commit(&self, books: &mut Books) {
        if !books.changed {
            return;
        }
        books.changed = false;
        if let Some(file) = &self.file
            && let Err(error) = file::save(&file.path, &Snapshot::of(books, &file.token_key))
        {
            tracing::warn!(error = %error, "the sandbox ledger file was not written");
        }
    }

    fn emit(&self, event: Event) {
        // The dispatcher is gone only after shutdown; nothing to announce then.
        let _ = self.events.send(event);
    }

    /// Expires every payment whose time is up; returns how many.
    pub(crate) fn expire_due(&self, now: DateTime<Utc>) -> usize {
        let mut books = self.books();
        let due: Vec<Uuid> = books
            .order
            .iter()
            .filter(|id| books.payments.get(id).is_some_and(|p| is_due(p, now)))
            .copied()
            .collect();
        for id in &due {
            self.settle(&mut books, *id, now);
        }
        self.commit(&mut books);
        due.len()
    }

    /// Expires one payment if its time is up.
    fn settle(&self, books: &mut Books, id: Uuid, now: DateTime<Utc>) {
        if let Some(p) = books.payments.get_mut(&id)
            && is_due(p, now)
        {
            p.status = PaymentStatus::Expired;
            books.changed = true;
            self.emit(Event::Expired(p.clone()));
        }
    }

    /// Every payment, oldest first.
    pub(crate) fn payments(&self) -> Vec<Payment> {
        let books = self.books();
        books
            .order
            .iter()
            .filter_map(|id| books.payments.get(id).cloned())
            .collect()
    }

    /// One payment.
    pub(crate) fn payment(&self, id: Uuid) -> Option<Payment> {
        self.books().payments.get(&id).cloned()
    }

    /// Every executed refund, oldest first.
    pub(crate) fn refunds(&self) -> Vec<Refund> {
        self.books().refunds.clone()
    }
}

fn is_due(p: &Payment, now: DateTime<Utc>) -> bool {
    matches!(p.status, PaymentStatus::Open | PaymentStatus::Confirm) && now >= p.expires_at
}

impl Books {
    /// No payment at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The next daily transaction number of a business, counted per
    /// Puerto Rico calendar day.
    fn next_daily_id(&mut self, public_token: &str, now: DateTime<Utc>) -> u32 {
        let counter = self
            .daily
            .entry((public_token.to_owned(), local(now).date()))
            .or_insert(0);
        *counter += 1;
        let next = *counter;
        self.changed = true;
        next
    }
}

/// A reference number in production's format: nine digits, a dash, 32 hex
/// digits (`215070443-402894c185ab1be40185acfe61c2000b`).
pub(crate) fn new_reference_number() -> String {
    let mut rng = rand::rng();
    let mut reference = format!("{}-", rng.random_range(100_000_000u32..1_000_000_000));
    for _ in 0..16 {
        let byte: u8 = rng.random();
        let _ = write!(reference, "{byte:02x}");
    }
    reference
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_numbers_have_the_production_format() {
        let reference = new_reference_number();
        let (digits, hex) = reference.split_once('-').unwrap();
        assert_eq!(digits.len(), 9);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
