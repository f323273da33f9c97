//! A secret string whose `Debug` never shows it.

use std::fmt;

/// A secret such as ATH Móvil's `privateToken`, an API key or an HMAC key:
/// every crate of athm holds secrets in this one type.
///
/// `Debug` prints `Secret(<redacted>)`; there is no `Display`, so the secret
/// cannot end up in a log line or an error message by accident. Only
/// [`Secret::expose`] gives the text, for the request body.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps the secret text (surrounding whitespace is dropped).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().trim().to_string())
    }

    /// The secret text, for the one place that needs it (a request body, an HMAC).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(secret: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(secret))
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::new(" very-private-token ");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(secret.expose(), "very-private-token");
    }
}
