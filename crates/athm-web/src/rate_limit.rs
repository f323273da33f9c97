//! In-memory fixed-window rate limiting of payment initiation.
//!
//! Per process: several instances behind a load balancer each count on their
//! own, so the effective limit is the configured one times the instance count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked keys, expired windows are swept on the next check.
const SWEEP_ABOVE: usize = 10_000;

/// Allows `limit` hits per key in each window of `window`; 0 means unlimited.
#[derive(Debug)]
pub struct FixedWindow {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FixedWindow {
    /// A limiter of `limit` hits per `window` per key.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit for `key` at `now`; `Err(retry_after)` when over the limit.
    ///
    /// # Errors
    /// How long `key` must wait, when it is over the limit.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > SWEEP_ABOVE {
            let window = self.window;
            windows.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
        }
        let entry = windows.entry(key.to_string()).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let ends = entry.0 + self.window;
            return Err(ends.saturating_duration_since(now));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_refuses_until_the_window_ends() {
        let limiter = FixedWindow::new(2, Duration::from_secs(60));
        let start = Instant::now();
        assert!(limiter.check("a", start).is_ok());
        assert!(limiter.check("a", start).is_ok());
        let retry = limiter
            .check("a", start + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(retry, Duration::from_secs(40));
        assert!(limiter.check("b", start).is_ok(), "keys are independent");
        assert!(limiter.check("a", start + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn a_limit_of_zero_means_unlimited() {
        let limiter = FixedWindow::new(0, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..100 {
            assert!(limiter.check("a", now).is_ok());
        }
    }

    #[test]
    fn expired_windows_are_swept_when_many_keys_are_tracked() {
        let limiter = FixedWindow::new(1, Duration::from_secs(1));
        let start = Instant::now();
        for i in 0..=SWEEP_ABOVE {
            assert!(limiter.check(&i.to_string(), start).is_ok());
        }
        assert!(limiter.check("new", start + Duration::from_secs(2)).is_ok());
        let tracked = limiter.windows.lock().unwrap().len();
        assert_eq!(tracked, 1);
    }
}
