//! Money: exact decimal dollars with two places.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problem};

/// A non-negative amount of US dollars, exact to the cent.
///
/// Parsing rounds to two places half away from zero
/// ([`RoundingStrategy::MidpointAwayFromZero`]), so ATH Móvil's float noise
/// such as `0.6000000238418579` becomes `0.60` and `0.125` becomes `0.13`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Amount(Decimal);

impl Amount {
    /// Zero dollars.
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    /// Rounds `value` to cents half away from zero; refuses negative amounts.
    ///
    /// # Errors
    /// [`FieldError`] for a negative amount.
    pub fn new(value: Decimal) -> Result<Self, FieldError> {
        Self::in_field("amount", value)
    }

    /// Like [`Amount::new`], naming `field` in the error.
    ///
    /// # Errors
    /// [`FieldError`] naming `field` for a negative amount.
    pub fn in_field(field: &'static str, value: Decimal) -> Result<Self, FieldError> {
        let mut cents = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if cents.is_sign_negative() && !cents.is_zero() {
            return Err(FieldError::new(
                field,
                Problem::Format {
                    expected: "a non-negative amount",
                },
            ));
        }
        cents.set_sign_positive(true);
        cents.rescale(2);
        Ok(Self(cents))
    }

    /// Parses a decimal string such as `"3.00"`, `"3"` or `"1e2"`, naming `field` in the error.
    ///
    /// # Errors
    /// [`FieldError`] naming `field` for text that is no amount, or a negative one.
    pub fn parse_field(field: &'static str, text: &str) -> Result<Self, FieldError> {
        Self::in_field(field, decimal(field, text)?)
    }

    /// Parses an amount a person or a merchant's system gives for money to
    /// move (a refund, a payment's total): like [`Amount::parse_field`], but
    /// a fraction of a cent (`1.234`) is refused, not rounded, so no amount
    /// is ever charged or refunded other than the one asked for. Trailing
    /// zeros are fine (`1.230`), and so is binary floating-point noise
    /// within a millionth of a dollar of a whole cent (`59.970000000000006`,
    /// what JavaScript's `3 * 19.99` gives), which is taken as that cent.
    ///
    /// # Errors
    /// [`FieldError`] naming `field` for text that is no amount, a negative
    /// one, or one with a fraction of a cent.
    ///
    /// ```
    /// use athm_domain::Amount;
    /// assert_eq!(Amount::parse_exact("amount", "1.230").unwrap().to_string(), "1.23");
    /// assert!(Amount::parse_exact("amount", "1.234").is_err());
    /// ```
    pub fn parse_exact(field: &'static str, text: &str) -> Result<Self, FieldError> {
        let value = decimal(field, text)?;
        let cents = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if (value - cents).abs() >= FLOAT_NOISE {
            return Err(FieldError::new(
                field,
                Problem::Format {
                    expected: "in dollars and cents (at most two decimal places, such as 25.00)",
                },
            ));
        }
        Self::in_field(field, value)
    }

    /// The exact value, always with two decimal places.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// Whether this is 0.00.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The sum of two amounts. Saturates at [`Decimal::MAX`] instead of
    /// panicking: amounts from unsigned webhooks and API requests are unbounded.
    pub fn plus(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }

    /// `self - other`, or `None` when that would be negative.
    pub fn minus(self, other: Amount) -> Option<Amount> {
        (self.0 >= other.0).then(|| Amount(self.0 - other.0))
    }
}

impl FromStr for Amount {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_field("amount", text)
    }
}

impl TryFrom<Decimal> for Amount {
    type Error = FieldError;

    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Amount> for Decimal {
    fn from(amount: Amount) -> Decimal {
        amount.0
    }
}

/// The most an amount may differ from a whole cent and still be taken as
/// that cent by [`Amount::parse_exact`]: binary floating-point noise.
const FLOAT_NOISE: Decimal = Decimal::from_parts(1, 0, 0, false, 6);

/// Reads decimal text (`"3.00"`, `"3"`, `"1e2"`), naming `field` when it is none.
fn decimal(field: &'static str, text: &str) -> Result<Decimal, FieldError> {
    let text = text.trim();
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| {
            FieldError::new(
                field,
                Problem::Format {
                    expected: "a decimal amount such as 25.00",
                },
            )
        })
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl std::iter::Sum for Amount {
    fn sum<I: Iterator<Item = Amount>>(iter: I) -> Self {
        iter.fold(Amount::ZERO, Amount::plus)
    }
}

/// The total of an ecommerce payment: between 1.00 and 1500.00, as ATH Móvil requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Total(Amount);

impl Total {
    /// The smallest total ATH Móvil accepts.
    pub const MIN: Decimal = Decimal::from_parts(100, 0, 0, false, 2);
    /// The largest total ATH Móvil accepts.
    pub const MAX: Decimal = Decimal::from_parts(150_000, 0, 0, false, 2);

    /// Checks that `amount` is within 1.00–1500.00.
    ///
    /// # Errors
    /// [`FieldError`] naming `total` outside that range.
    pub fn new(amount: Amount) -> Result<Self, FieldError> {
        if amount.value() < Self::MIN || amount.value() > Self::MAX {
            return Err(FieldError::new(
                "total",
                Problem::OutOfRange {
                    min: Self::MIN,
                    max: Self::MAX,
                },
            ));
        }
        Ok(Self(amount))
    }

    /// The total as an amount.
    pub fn amount(self) -> Amount {
        self.0
    }
}

impl FromStr for Total {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(Amount::parse_field("total", text)?)
    }
}

impl TryFrom<Decimal> for Total {
    type Error = FieldError;

    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(Amount::in_field("total", value)?)
    }
}

impl From<Total> for Decimal {
    fn from(total: Total) -> Decimal {
        total.0.value()
    }
}

impl fmt::Display for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn an_exact_amount_refuses_a_fraction_of_a_cent() {
        for text in ["1.234", "0.001", "1.2349", "1e-3", "1.00001"] {
            let error = Amount::parse_exact("amount", text).unwrap_err();
            assert!(
                error.to_string().contains("two decimal places"),
                "{text}: {error}"
            );
        }
        for (text, cents) in [
            ("1.23", "1.23"),
            ("1.230", "1.23"),
            ("7", "7.00"),
            ("1e2", "100.00"),
            ("59.970000000000006", "59.97"),
            ("0.30000000000000004", "0.30"),
        ] {
            assert_eq!(
                Amount::parse_exact("amount", text).unwrap().to_string(),
                cents
            );
        }
        assert!(Amount::parse_exact("amount", "-1.00").is_err());
        assert!(Amount::parse_exact("amount", "one").is_err());
    }

    #[test]
    fn float_noise_rounds_to_cents() {
        assert_eq!(
            "0.6000000238418579".parse::<Amount>().unwrap().value(),
            dec!(0.60)
        );
    }

    #[test]
    fn midpoints_round_away_from_zero_not_to_even() {
        assert_eq!("0.125".parse::<Amount>().unwrap().value(), dec!(0.13));
        assert_eq!("0.135".parse::<Amount>().unwrap().value(), dec!(0.14));
        assert_eq!("2.5".parse::<Amount>().unwrap().to_string(), "2.50");
    }

    #[test]
    fn negative_amounts_are_refused_with_the_field() {
        let err = Amount::parse_field("fee", "-1.00").unwrap_err();
        assert_eq!(err.field, "fee");
    }

    #[test]
    fn garbage_is_refused() {
        assert!("abc".parse::<Amount>().is_err());
        assert!("".parse::<Amount>().is_err());
    }

    #[test]
    fn totals_are_bounded_to_ath_movil_limits() {
        assert!("0.99".parse::<Total>().is_err());
        assert!("1.00".parse::<Total>().is_ok());
        assert!("1500.00".parse::<Total>().is_ok());
        assert!("1500.01".parse::<Total>().is_err());
        assert_eq!("1500.001".parse::<Total>().unwrap().to_string(), "1500.00");
    }

    #[test]
    fn serde_round_trips_exactly() {
        let a: Amount = serde_json::from_str("\"1499.99\"").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"1499.99\"");
    }

    #[test]
    fn sums_saturate_instead_of_panicking_on_absurd_amounts() {
        let huge: Amount = "79228162514264337593543950335".parse().unwrap();
        assert_eq!(huge.plus(huge).value(), Decimal::MAX);
        assert_eq!(
            [huge, huge, huge].into_iter().sum::<Amount>().value(),
            Decimal::MAX
        );
    }

    proptest! {
        #[test]
        fn parsing_any_cents_is_exact(cents in 0u64..10_000_000u64) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            let amount: Amount = text.parse().unwrap();
            prop_assert_eq!(amount.to_string(), text);
        }

        #[test]
        fn sum_then_difference_gives_back_the_operand(a in 0u64..1_000_000, b in 0u64..1_000_000) {
            let a = Amount::new(Decimal::new(a as i64, 2)).unwrap();
            let b = Amount::new(Decimal::new(b as i64, 2)).unwrap();
            prop_assert_eq!(a.plus(b).minus(b), Some(a));
            prop_assert_eq!(b.minus(a.plus(b).plus(Amount::new(Decimal::new(1, 2)).unwrap())), None);
        }

        #[test]
        fn rounding_never_moves_more_than_half_a_cent(units in 0i64..1_000_000_000, scale in 0u32..8) {
            let raw = Decimal::new(units, scale);
            let rounded = Amount::new(raw).unwrap().value();
            prop_assert!((rounded - raw).abs() <= Decimal::new(5, 3));
            prop_assert_eq!(rounded.scale(), 2);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in ".{0,40}") {
            let _ = text.parse::<Amount>();
        }

        #[test]
        fn json_numbers_read_as_their_nearest_cent(cents in 0u64..100_000_000, noise in -4i64..=4) {
            // a float such as 0.6000000238418579: the cents plus noise far below half a cent
            let exact = Decimal::new(cents as i64, 2);
            let noisy = exact + Decimal::new(noise, 9);
            let amount = Amount::new(noisy).unwrap_or_default();
            prop_assert_eq!(amount.value(), exact);
            prop_assert_eq!(amount.to_string().parse::<Amount>().unwrap(), amount);
        }

        #[test]
        fn sums_are_exact_in_any_order(parts in prop::collection::vec(0u64..200_000, 0..20)) {
            let amounts: Vec<Amount> = parts.iter().map(|c| Amount::new(Decimal::new(*c as i64, 2)).unwrap()).collect();
            let forward: Amount = amounts.iter().copied().sum();
            let backward: Amount = amounts.iter().rev().copied().sum();
            prop_assert_eq!(forward, backward);
            prop_assert_eq!(forward.value(), Decimal::new(parts.iter().sum::<u64>() as i64, 2));
        }

        #[test]
        fn a_request_with_absurd_subtotal_and_tax_is_refused_not_a_panic(a in any::<u64>(), b in any::<u64>()) {
            let mut request = crate::model::PaymentRequest::new("25.00".parse().unwrap());
            request.subtotal = Some(Amount::new(Decimal::from(a) * Decimal::from(u32::MAX)).unwrap());
            request.tax = Some(Amount::new(Decimal::from(b) * Decimal::from(u32::MAX)).unwrap());
            let _ = request.validate();
        }
    }
}
