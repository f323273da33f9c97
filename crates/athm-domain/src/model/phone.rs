//! Phone numbers as ATH Móvil identifies customers: ten digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problem};

/// A ten-digit North American phone number, normalised from
/// `"787-123-4567"`, `"(787) 123-4567"`, `"+1 787 123 4567"` or a JSON number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Normalises `text` to ten digits, naming `field` in the error.
    ///
    /// # Errors
    /// [`FieldError`] naming `field` when `text` is not a ten-digit phone number.
    pub fn parse_field(field: &'static str, text: &str) -> Result<Self, FieldError> {
        let refuse = || {
            FieldError::new(
                field,
                Problem::Format {
                    expected: "a 10-digit phone number such as 787-123-4567",
                },
            )
        };
        if text
            .chars()
            .any(|c| !(c.is_ascii_digit() || " ()-.+".contains(c)))
        {
            return Err(refuse());
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let digits = match digits.len() {
            10 => digits,
            11 if digits.starts_with('1') => digits[1..].to_string(),
            _ => return Err(refuse()),
        };
        Ok(Self(digits))
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PhoneNumber {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_field("phoneNumber", text)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> String {
        phone.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_spelling_normalises_to_ten_digits() {
        for text in [
            "7871234567",
            "787-123-4567",
            "(787) 123-4567",
            "+1 787 123 4567",
            "17871234567",
        ] {
            assert_eq!(
                text.parse::<PhoneNumber>().unwrap().as_str(),
                "7871234567",
                "{text}"
            );
        }
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        for text in [
            "",
            "787123456",
            "787123456789",
            "787-ABC-4567",
            "27871234567",
        ] {
            let err = text.parse::<PhoneNumber>().unwrap_err();
            assert_eq!(err.field, "phoneNumber", "{text}");
        }
    }
}
