//! Bounded free text that ATH Móvil limits: metadata and refund messages.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problem};

fn bounded(field: &'static str, text: &str, max: usize) -> Result<String, FieldError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(FieldError::new(field, Problem::TooLong { max }));
    }
    Ok(text.to_string())
}

/// A payment's `metadata1` or `metadata2`: at most 40 characters (BTRA_0038).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Metadata(String);

impl Metadata {
    /// The most characters ATH Móvil accepts.
    pub const MAX_CHARS: usize = 40;

    /// Checks the length of `text`, naming `field` in the error.
    ///
    /// # Errors
    /// [`FieldError`] naming `field` when `text` is longer than [`Self::MAX_CHARS`].
    pub fn parse_field(field: &'static str, text: &str) -> Result<Self, FieldError> {
        bounded(field, text, Self::MAX_CHARS).map(Self)
    }

    /// Keeps the first 40 characters of text ATH Móvil itself reported.
    pub fn lossy(text: &str) -> Self {
        Self(text.trim().chars().take(Self::MAX_CHARS).collect())
    }

    /// The text (possibly empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Metadata {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse_field("metadata", &text)
    }
}

impl From<Metadata> for String {
    fn from(metadata: Metadata) -> String {
        metadata.0
    }
}

impl fmt::Display for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The message sent with a refund: at most 50 characters (BTRA_0040).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RefundMessage(String);

impl RefundMessage {
    /// The most characters ATH Móvil accepts.
    pub const MAX_CHARS: usize = 50;

    /// The text (possibly empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RefundMessage {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.as_str().parse()
    }
}

impl std::str::FromStr for RefundMessage {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        bounded("message", text, Self::MAX_CHARS).map(Self)
    }
}

impl From<RefundMessage> for String {
    fn from(message: RefundMessage) -> String {
        message.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_limited_to_forty_characters() {
        assert!(Metadata::parse_field("metadata1", &"ñ".repeat(40)).is_ok());
        let err = Metadata::parse_field("metadata1", &"a".repeat(41)).unwrap_err();
        assert_eq!(err.field, "metadata1");
        assert_eq!(err.problem, Problem::TooLong { max: 40 });
    }

    #[test]
    fn refund_messages_are_limited_to_fifty_characters() {
        assert!("a".repeat(50).parse::<RefundMessage>().is_ok());
        assert_eq!(
            "a".repeat(51).parse::<RefundMessage>().unwrap_err().field,
            "message"
        );
    }
}
