//! Time: an injectable clock and Puerto Rico local time.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};

/// A source of the current time. The sandbox adds its own adjustable offset
/// on top (see [`crate::Sandbox::advance_clock`]).
pub trait Clock: Send + Sync + Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(SystemTime::now())
    }
}

/// Puerto Rico's offset: UTC−4 all year (no daylight saving time).
pub fn puerto_rico_offset() -> FixedOffset {
    FixedOffset::west_opt(4 * 3600).unwrap_or_else(|| unreachable!("4 hours is a valid UTC offset"))
}

/// A base clock plus an offset that tests advance.
#[derive(Debug)]
pub(crate) struct SandboxClock {
    base: std::sync::Arc<dyn Clock>,
    offset_ms: AtomicI64,
}

impl SandboxClock {
    pub(crate) fn new(base: std::sync::Arc<dyn Clock>) -> Self {
        Self {
            base,
            offset_ms: AtomicI64::new(0),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.base.now() + TimeDelta::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    pub(crate) fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

/// Local Puerto Rico wall time of an instant.
pub(crate) fn local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&puerto_rico_offset()).naive_local()
}

/// `YYYY-MM-DD HH:MM:SS` in Puerto Rico time, the format of `transactionDate`.
pub(crate) fn format_local(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYY-MM-DD HH:MM:SS.0` in Puerto Rico time, the documented refund `date`.
pub(crate) fn format_local_tenths(at: DateTime<Utc>) -> String {
    format!("{}.0", format_local(at))
}
