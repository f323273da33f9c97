//! Identifiers: ATH Móvil's ecommerce ids and reference numbers, our own ids,
//! and the auth token that must stay secret.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldError, Problem};

/// The id ATH Móvil gives an ecommerce payment when it is created (a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EcommerceId(Uuid);

impl EcommerceId {
    /// Wraps a UUID.
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The UUID.
    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl FromStr for EcommerceId {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text.trim())
            .map(Self)
            .map_err(|_| FieldError::new("ecommerceId", Problem::Format { expected: "a UUID" }))
    }
}

impl TryFrom<String> for EcommerceId {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<EcommerceId> for String {
    fn from(id: EcommerceId) -> String {
        id.0.to_string()
    }
}

impl fmt::Display for EcommerceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The reference number ATH Móvil gives a completed transaction,
/// such as `215070443-402894c185ab1be40185acfe61c2000b`. Stray spaces are trimmed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReferenceNumber(String);

impl ReferenceNumber {
    /// The longest reference number accepted.
    pub const MAX_LEN: usize = 64;

    /// The reference number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ReferenceNumber {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new("referenceNumber", Problem::Missing));
        }
        if text.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                "referenceNumber",
                Problem::TooLong { max: Self::MAX_LEN },
            ));
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(FieldError::new(
                "referenceNumber",
                Problem::Format {
                    expected: "letters, digits and dashes",
                },
            ));
        }
        Ok(Self(text.to_string()))
    }
}

impl TryFrom<String> for ReferenceNumber {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ReferenceNumber> for String {
    fn from(reference: ReferenceNumber) -> String {
        reference.0
    }
}

impl fmt::Display for ReferenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Our own id for a refund, known before ATH Móvil answers (a pending refund has no reference number yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RefundId(pub Uuid);

impl RefundId {
    /// A new random id.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for RefundId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The caller's name for one refund decision (an idempotency key): the
/// admin's reviewed form, one `athm refund` invocation, an API caller's key.
/// The same intent sent twice is one refund, answered with the first outcome.
/// 1 to 128 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RefundIntent(String);

impl RefundIntent {
    /// The longest key accepted.
    pub const MAX_LEN: usize = 128;

    /// A fresh random intent, for a caller that sends each refund once.
    pub fn random() -> Self {
        Self(Uuid::new_v4().to_string())
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RefundIntent {
    type Err = FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new("idempotency_key", Problem::Missing));
        }
        if text.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                "idempotency_key",
                Problem::TooLong { max: Self::MAX_LEN },
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::new(
                "idempotency_key",
                Problem::Format {
                    expected: "printable ASCII without spaces",
                },
            ));
        }
        Ok(Self(text.to_string()))
    }
}

impl TryFrom<String> for RefundIntent {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<RefundIntent> for String {
    fn from(intent: RefundIntent) -> Self {
        intent.0
    }
}

impl fmt::Display for RefundIntent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What identifies one checkout (a signed order the merchant handed to the
/// browser) across its payment attempts, so that it starts one live payment
/// at a time and none once paid. The web adapter derives it from the
/// checkout token's signed payload ([`CheckoutKey::digest`]): 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckoutKey(String);

impl CheckoutKey {
    /// The key of a checkout known by `data` (such as its signed payload):
    /// its SHA-256, in 64 hex digits.
    pub fn digest(data: &[u8]) -> Self {
        use sha2::Digest as _;
        Self(hex::encode(sha2::Sha256::digest(data)))
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CheckoutKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Our own id for a stored webhook event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WebhookEventId(pub Uuid);

impl WebhookEventId {
    /// A new random id.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for WebhookEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The short-lived JWT ATH Móvil returns when a payment is created; it
/// authorizes the payment. A secret: `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps the token text.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token, for the `Authorization: Bearer` header and the store only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_numbers_lose_stray_spaces() {
        let r: ReferenceNumber = " 215070443-402894c185ab1be40185acfe61c2000b "
            .parse()
            .unwrap();
        assert_eq!(r.as_str(), "215070443-402894c185ab1be40185acfe61c2000b");
    }

    #[test]
    fn empty_and_odd_reference_numbers_are_refused() {
        assert!("".parse::<ReferenceNumber>().is_err());
        assert!("  ".parse::<ReferenceNumber>().is_err());
        assert!("abc def".parse::<ReferenceNumber>().is_err());
        assert!("x".repeat(65).parse::<ReferenceNumber>().is_err());
    }

    #[test]
    fn ecommerce_ids_are_uuids() {
        assert!(
            "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
                .parse::<EcommerceId>()
                .is_ok()
        );
        assert_eq!(
            "nope".parse::<EcommerceId>().unwrap_err().field,
            "ecommerceId"
        );
    }

    #[test]
    fn auth_tokens_never_show_in_debug() {
        let token = AuthToken::new("eyJhbGciOi.secret.sig");
        assert!(!format!("{token:?}").contains("secret"));
    }
}
