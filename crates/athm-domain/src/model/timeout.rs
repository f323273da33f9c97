//! How long the customer has to approve a payment.

use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problem};

/// Seconds before an unconfirmed payment expires: 120–600, default 600.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct PaymentTimeout(u32);

impl PaymentTimeout {
    /// The shortest timeout ATH Móvil accepts, in seconds.
    pub const MIN_SECS: u32 = 120;
    /// The longest timeout ATH Móvil accepts, in seconds (and the default).
    pub const MAX_SECS: u32 = 600;

    /// Checks that `secs` is within 120–600.
    ///
    /// # Errors
    /// [`FieldError`] naming `timeout` outside that range.
    pub fn new(secs: u32) -> Result<Self, FieldError> {
        if !(Self::MIN_SECS..=Self::MAX_SECS).contains(&secs) {
            return Err(FieldError::new(
                "timeout",
                Problem::OutOfRange {
                    min: Decimal::from(Self::MIN_SECS),
                    max: Decimal::from(Self::MAX_SECS),
                },
            ));
        }
        Ok(Self(secs))
    }

    /// The timeout in seconds.
    pub fn secs(self) -> u32 {
        self.0
    }

    /// The timeout as a duration.
    pub fn duration(self) -> Duration {
        Duration::from_secs(u64::from(self.0))
    }
}

impl Default for PaymentTimeout {
    fn default() -> Self {
        Self(Self::MAX_SECS)
    }
}

impl TryFrom<u32> for PaymentTimeout {
    type Error = FieldError;

    fn try_from(secs: u32) -> Result<Self, Self::Error> {
        Self::new(secs)
    }
}

impl From<PaymentTimeout> for u32 {
    fn from(timeout: PaymentTimeout) -> u32 {
        timeout.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_is_bounded_and_defaults_to_ten_minutes() {
        assert_eq!(PaymentTimeout::default().secs(), 600);
        assert!(PaymentTimeout::new(119).is_err());
        assert!(PaymentTimeout::new(120).is_ok());
        assert!(PaymentTimeout::new(601).is_err());
    }
}
