//! Payment sessions: proof that a browser started a payment.
//!
//! A session is `base64url(HMAC-SHA256(secret, "session:" + ecommerce_id))`:
//! stateless, bound to one payment, unforgeable without the secret.

use athm_domain::EcommerceId;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac as _;

use super::mac;
use crate::config::WebConfig;

/// The header that carries the session on status, authorize, cancel and phone calls.
pub const SESSION_HEADER: &str = "x-athm-session";

fn session_mac(config: &WebConfig, ecommerce_id: &EcommerceId) -> hmac::Hmac<sha2::Sha256> {
    let message = format!("session:{ecommerce_id}");
    mac(
        config.checkout_secret.expose().as_bytes(),
        message.as_bytes(),
    )
}

/// The session token of a payment.
pub fn session_token(config: &WebConfig, ecommerce_id: &EcommerceId) -> String {
    URL_SAFE_NO_PAD.encode(session_mac(config, ecommerce_id).finalize().into_bytes())
}

/// Whether `presented` is the session of this payment (compared in constant time).
pub fn verify_session(config: &WebConfig, ecommerce_id: &EcommerceId, presented: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(presented.trim())
        .is_ok_and(|tag| session_mac(config, ecommerce_id).verify_slice(&tag).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> EcommerceId {
        EcommerceId::new(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn a_session_is_valid_for_its_payment_only() {
        let config = WebConfig::new("secret");
        let session = session_token(&config, &id(1));
        assert!(verify_session(&config, &id(1), &session));
        assert!(!verify_session(&config, &id(2), &session));
        assert!(!verify_session(&WebConfig::new("other"), &id(1), &session));
        assert!(!verify_session(&config, &id(1), "not base64!"));
        assert!(!verify_session(&config, &id(1), ""));
    }

    #[test]
    fn a_session_is_the_documented_hmac() {
        let config = WebConfig::new("key");
        let expected = mac(b"key", format!("session:{}", id(7)).as_bytes())
            .finalize()
            .into_bytes();
        assert_eq!(
            session_token(&config, &id(7)),
            URL_SAFE_NO_PAD.encode(expected)
        );
    }
}
