//! Stateless checkout tokens: `base64url(JSON) "." base64url(HMAC-SHA256)`.
//!
//! The JSON holds the validated [`Checkout`], an expiry (`exp`, Unix
//! seconds) and a random `nonce`, so each token is its own checkout. The MAC covers the encoded payload with a `checkout.` prefix,
//! so a session MAC can never pass for a checkout MAC.

use athm_domain::CheckoutKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::Mac as _;
use serde::{Deserialize, Serialize};

use super::{Checkout, mac};
use crate::config::WebConfig;

/// Why a checkout token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not two base64url parts, or a payload that is not a checkout.
    #[error("checkout: not a checkout token")]
    Malformed,
    /// The signature does not match: the token was altered or signed with another key.
    #[error("checkout: the signature does not match (the checkout was altered)")]
    BadSignature,
    /// The token is past its expiry.
    #[error("checkout: expired; reload the page to get a new one")]
    Expired,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    checkout: Checkout,
    exp: i64,
    /// Random: two identical orders signed in the same second are two
    /// checkouts ([`checkout_key`]), never one customer's payment answered
    /// to another.
    #[serde(default)]
    nonce: String,
}

fn signature(config: &WebConfig, payload: &str) -> hmac::Hmac<sha2::Sha256> {
    let message = format!("checkout.{payload}");
    mac(
        config.checkout_secret.expose().as_bytes(),
        message.as_bytes(),
    )
}

/// Signs `checkout` into a token valid for `config.checkout_ttl` from now.
pub fn sign_checkout(config: &WebConfig, checkout: &Checkout) -> String {
    let ttl = chrono::Duration::from_std(config.checkout_ttl).unwrap_or(chrono::Duration::MAX);
    let expires_at = system_now()
        .checked_add_signed(ttl)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    sign_checkout_until(config, checkout, expires_at)
}

/// Signs `checkout` into a token valid until `expires_at`.
pub fn sign_checkout_until(
    config: &WebConfig,
    checkout: &Checkout,
    expires_at: DateTime<Utc>,
) -> String {
    let payload = Payload {
        checkout: checkout.clone(),
        exp: expires_at.timestamp(),
        nonce: uuid::Uuid::new_v4().simple().to_string(),
    };
    // Serialising plain data with string keys cannot fail.
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let tag = URL_SAFE_NO_PAD.encode(signature(config, &payload).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// Checks a token's signature, then its expiry at `now`, and returns its checkout.
///
/// # Errors
/// [`TokenError`]: malformed, altered or expired.
pub fn verify_checkout(
    config: &WebConfig,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Checkout, TokenError> {
    let (payload, tag) = token.trim().split_once('.').ok_or(TokenError::Malformed)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| TokenError::Malformed)?;
    signature(config, payload)
        .verify_slice(&tag)
        .map_err(|_| TokenError::BadSignature)?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
    if now.timestamp() >= payload.exp {
        return Err(TokenError::Expired);
    }
    Ok(payload.checkout)
}

/// The checkout a (verified) token signs, as the domain tells checkouts
/// apart ([`PaymentService::start_checkout`]): the SHA-256 of its signed
/// payload, which holds the order and its expiry, so each token the merchant
/// signs is its own checkout.
///
/// [`PaymentService::start_checkout`]: athm_domain::services::PaymentService::start_checkout
pub fn checkout_key(token: &str) -> CheckoutKey {
    let token = token.trim();
    let payload = token.split_once('.').map_or(token, |(payload, _)| payload);
    CheckoutKey::digest(payload.as_bytes())
}

/// The wall clock (the domain's `SystemClock`, without a port: tokens are a web concern).
pub(crate) fn system_now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests;
