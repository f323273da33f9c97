//! Tolerant reading of ATH Móvil JSON: alternative spellings, strings or
//! numbers, empty strings for absent values.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{Amount, PhoneNumber, parse_athm_time};
use crate::error::FieldError;

/// The first of `names` present in `object` with a value that is not null or `""`.
pub(crate) fn field<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|name| match object.get(*name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(value) => Some(value),
    })
}

/// A value as trimmed text: strings as they are, numbers and booleans written out.
pub(crate) fn text(value: Option<&Value>) -> String {
    let text = match value {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Number(n)) => return n.to_string(),
        Some(Value::Bool(b)) => return b.to_string(),
        _ => return String::new(),
    };
    clean(text)
}

/// The most characters a text field of ATH Móvil's keeps here: ATH Móvil's
/// own limits are far lower (names, 50-character messages, 40-character
/// metadata), and every database column takes this many.
pub(crate) const MAX_TEXT_CHARS: usize = 255;

/// Text as every store can keep it: control characters (a NUL, which
/// PostgreSQL refuses) dropped and at most [`MAX_TEXT_CHARS`] characters.
/// Unsigned webhooks can carry anything; a field no database accepts would
/// fail its event forever.
fn clean(text: &str) -> String {
    let kept: String = text.chars().filter(|c| !c.is_control()).collect();
    kept.trim()
        .chars()
        .take(MAX_TEXT_CHARS)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Non-empty text, or `None`.
pub(crate) fn opt_text(value: Option<&Value>) -> Option<String> {
    Some(text(value)).filter(|t| !t.is_empty())
}

/// An amount from a string (`"3.00"`) or a JSON number (`3`, `0.6000000238418579`).
/// The number's decimal text is parsed, never an `f64`.
pub(crate) fn amount(
    field_name: &'static str,
    value: Option<&Value>,
) -> Result<Option<Amount>, FieldError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Amount::parse_field(field_name, s).map(Some),
        Some(Value::Number(n)) => Amount::parse_field(field_name, &n.to_string()).map(Some),
        Some(_) => Err(FieldError::new(
            field_name,
            crate::Problem::Format {
                expected: "a number or a numeric string",
            },
        )),
    }
}

/// A phone number from a string in any spelling or a JSON number; `None` when unreadable.
pub(crate) fn phone(value: Option<&Value>) -> Option<PhoneNumber> {
    opt_text(value).and_then(|t| t.parse().ok())
}

/// A date in any of ATH Móvil's forms; `None` when absent or unreadable.
pub(crate) fn date(value: Option<&Value>) -> Option<DateTime<Utc>> {
    opt_text(value).and_then(|t| parse_athm_time(&t))
}
