//! Reading single fields of a JSON object leniently (strings or numbers),
//! answering BTRA_0006 when a field is unusable.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::error::{ApiError, codes};
use crate::money::parse_amount;

/// A JSON object body.
pub(crate) type Object = Map<String, Value>;

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad(codes::INVALID_FORMAT, message)
}

/// Parses a body that must be a JSON object.
pub(crate) fn object(body: &[u8]) -> Result<Object, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid("Invalid format"))?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ApiError::verbatim(
            400,
            codes::INVALID_FORMAT,
            "Required request body is missing",
        ));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("Invalid format")),
    }
}

/// A field, treating `null` as absent.
pub(crate) fn get<'a>(obj: &'a Object, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// A string field that may also arrive as a number.
pub(crate) fn opt_string(obj: &Object, name: &str) -> Result<Option<String>, ApiError> {
    match get(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(invalid(format!("Invalid format: {name}"))),
    }
}

/// A required, non-empty string field.
pub(crate) fn string(obj: &Object, name: &str) -> Result<String, ApiError> {
    opt_string(obj, name)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("Missing field: {name}")))
}

/// An amount field (string or number, at most two decimals).
pub(crate) fn opt_amount(obj: &Object, name: &str) -> Result<Option<Decimal>, ApiError> {
    match get(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => parse_amount(v)
            .map(Some)
            .ok_or_else(|| invalid(format!("Invalid format: {name}"))),
    }
}

/// A whole number field (string or number).
pub(crate) fn opt_integer(obj: &Object, name: &str) -> Result<Option<i64>, ApiError> {
    let bad = || invalid(format!("Invalid format: {name}"));
    match get(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

/// A phone number: exactly ten digits.
pub(crate) fn phone(value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.len() == 10 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(invalid("Invalid phone number: ten digits expected"))
    }
}

/// A phone typed by a person on the sandbox's customer side (the phone
/// page, the control API), in any form the payment button accepts:
/// `787-555-1234`, `(787) 555-1234`, `7875551234`, `+1 787 555 1234`.
/// `None` unless it comes down to ten digits (after an optional leading 1).
pub(crate) fn typed_phone(value: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_digit() || " -().+".contains(c);
    if !value.chars().all(allowed) {
        return None;
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.len() {
        11 if digits.starts_with('1') => digits[1..].to_owned(),
        10 => digits,
        _ => return None,
    };
    Some(digits)
}

/// `metadata1`/`metadata2`: at most 40 characters (BTRA_0038).
pub(crate) fn metadata(obj: &Object, name: &str) -> Result<String, ApiError> {
    let value = opt_string(obj, name)?.unwrap_or_default();
    if value.chars().count() > 40 {
        return Err(ApiError::bad(
            codes::METADATA_TOO_LONG,
            format!("{name} exceeds 40 characters"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::typed_phone;

    #[test]
    fn every_phone_form_of_the_button_comes_down_to_ten_digits() {
        for typed in [
            "787-555-1234",
            "(787) 555-1234",
            "7875551234",
            "+1 787 555 1234",
            " 787 555 1234 ",
            "17875551234",
        ] {
            assert_eq!(typed_phone(typed).as_deref(), Some("7875551234"), "{typed}");
        }
        for bad in ["555-1234", "+44 20 7946 0958", "787555123x", ""] {
            assert_eq!(typed_phone(bad), None, "{bad}");
        }
    }
}
