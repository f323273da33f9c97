//! Money: exact decimals with two places, parsed from strings or JSON numbers
//! and written back as JSON numbers or fixed two-place strings.

use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Number, Value};

/// The rounding used for every computed amount (fees): half away from zero.
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// Rounds to cents with [`ROUNDING`].
pub(crate) fn round2(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, ROUNDING)
}

/// Parses an amount sent as a string (`"25.00"`) or a JSON number (`25`).
/// `None` when it is neither or has more than two decimal places.
pub(crate) fn parse_amount(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let parsed = Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()?
        .normalize();
    (parsed.scale() <= 2).then_some(parsed)
}

/// An amount as a JSON number: integers without a fraction (`3`), others
/// with their shortest exact form (`0.07`), as production writes them.
pub(crate) fn json_number(amount: Decimal) -> Value {
    let amount = round2(amount).normalize();
    if amount.is_integer()
        && let Some(i) = amount.to_i64()
    {
        return Value::Number(Number::from(i));
    }
    Number::from_str(&amount.to_string())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// An amount as a JSON number always written with a fraction (`5.0`,
/// `0.73`), as the transaction report (a Java `double`) writes them.
pub(crate) fn json_double(amount: Decimal) -> Value {
    let amount = round2(amount).normalize();
    let text = if amount.is_integer() {
        format!("{amount}.0")
    } else {
        amount.to_string()
    };
    Number::from_str(&text)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// An amount as production's findPayment writes its `fee`: a 32-bit float
/// widened to 64 bits, noise included (`0.6` becomes `0.6000000238418579`).
/// Only the wire form passes through floats; the ledger keeps decimals.
pub(crate) fn json_float_noise(amount: Decimal) -> Value {
    let narrow = round2(amount).to_f32().unwrap_or(0.0);
    Number::from_f64(f64::from(narrow))
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// An amount as a fixed two-place string (`"1.00"`), the documented shape.
pub(crate) fn fixed2(amount: Decimal) -> String {
    let mut amount = round2(amount);
    amount.rescale(2);
    amount.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_parse_from_strings_and_numbers() {
        assert_eq!(parse_amount(&json!("25.00")), Some(Decimal::new(25, 0)));
        assert_eq!(parse_amount(&json!(24.99)), Some(Decimal::new(2499, 2)));
        assert_eq!(parse_amount(&json!(3)), Some(Decimal::new(3, 0)));
        assert_eq!(parse_amount(&json!("1.005")), None);
        assert_eq!(parse_amount(&json!("abc")), None);
        assert_eq!(parse_amount(&json!(true)), None);
    }

    #[test]
    fn amounts_print_as_numbers_and_fixed_strings() {
        assert_eq!(json_number(Decimal::new(300, 2)), json!(3));
        assert_eq!(json_number(Decimal::new(7, 2)).to_string(), "0.07");
        assert_eq!(fixed2(Decimal::new(1, 0)), "1.00");
        assert_eq!(json_double(Decimal::new(5, 0)).to_string(), "5.0");
        assert_eq!(json_double(Decimal::new(73, 2)).to_string(), "0.73");
    }

    #[test]
    fn the_find_payment_fee_carries_production_float_noise() {
        assert_eq!(
            json_float_noise(Decimal::new(6, 1)).to_string(),
            "0.6000000238418579"
        );
        assert_eq!(json_float_noise(Decimal::ZERO).to_string(), "0.0");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round2(Decimal::new(125, 3)), Decimal::new(13, 2));
        assert_eq!(round2(Decimal::new(-125, 3)), Decimal::new(-13, 2));
    }
}
