//! Time, as a port, so that rules about timeouts are testable.

use chrono::{DateTime, Utc};

/// Tells the current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        // chrono's `clock` feature would pull in OS bindings; SystemTime is std.
        DateTime::<Utc>::from(std::time::SystemTime::now())
    }
}
