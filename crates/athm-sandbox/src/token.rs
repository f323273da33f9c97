//! `auth_token`: HS256 JSON Web Tokens bound to one ecommerce id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::clock::puerto_rico_offset;
use crate::error::{ApiError, codes};

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks auth tokens with a secret drawn at start.
pub(crate) struct TokenSigner {
    secret: [u8; 32],
}

impl TokenSigner {
    pub(crate) fn new() -> Self {
        Self {
            secret: rand::random(),
        }
    }

    /// A signer with the key `hex` (as [`TokenSigner::key_hex`] wrote it);
    /// `None` when it is not 64 hex digits.
    pub(crate) fn from_hex(hex: &str) -> Option<Self> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut secret = [0u8; 32];
        for (byte, pair) in secret.iter_mut().zip(bytes.chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self { secret })
    }

    /// The key in hex, to keep it in the ledger file.
    pub(crate) fn key_hex(&self) -> String {
        self.secret.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
    }

    /// A token for `ecommerce_id` valid until `expires`.
    pub(crate) fn issue(
        &self,
        ecommerce_id: Uuid,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
        let claims = json!({
            "iss": "athm-sandbox",
            "sub": ecommerce_id.to_string(),
            "ecommerceId": ecommerce_id.to_string(),
            "iat": now.timestamp(),
            "exp": expires.timestamp(),
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The ecommerce id of a valid `Authorization` header value.
    pub(crate) fn verify(
        &self,
        header: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Uuid, ApiError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    codes::TOKEN_INVALID_HEADER,
                    "Missing or invalid Authorization header",
                )
            })?;
        let invalid = || ApiError::unauthorized(codes::AUTH_INVALID, "Invalid token");
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid())?;
        let mut mac = self.mac();
        mac.update(format!("{header}.{payload}").as_bytes());
        mac.verify_slice(&signature).map_err(|_| invalid())?;
        let decode = |part: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
        };
        let header = decode(header).ok_or_else(invalid)?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(invalid());
        }
        let claims = decode(payload).ok_or_else(invalid)?;
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(invalid)?;
        if now.timestamp() >= exp {
            // As the published example: "The Token has expired on Fri Oct
            // 28 15:21:00 AST 2022." (Puerto Rico time, AST).
            let at = DateTime::<Utc>::from_timestamp(exp, 0)
                .unwrap_or(now)
                .with_timezone(&puerto_rico_offset());
            return Err(ApiError::verbatim(
                401,
                codes::TOKEN_EXPIRED,
                format!(
                    "The Token has expired on {}.",
                    at.format("%a %b %d %H:%M:%S AST %Y")
                ),
            ));
        }
        claims
            .get("ecommerceId")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn a_token_verifies_until_it_expires() {
        let signer = TokenSigner::new();
        let id = Uuid::new_v4();
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let token = signer.issue(id, now, now + TimeDelta::seconds(60));
        let header = format!("Bearer {token}");
        assert_eq!(signer.verify(Some(&header), now), Ok(id));
        let late = signer
            .verify(Some(&header), now + TimeDelta::seconds(61))
            .unwrap_err();
        assert_eq!(late.code, codes::TOKEN_EXPIRED);
    }

    #[test]
    fn a_signer_restored_from_its_key_accepts_its_tokens() {
        let signer = TokenSigner::new();
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let id = Uuid::new_v4();
        let token = signer.issue(id, now, now + TimeDelta::seconds(60));
        let restored = TokenSigner::from_hex(&signer.key_hex()).unwrap();
        assert_eq!(
            restored.verify(Some(&format!("Bearer {token}")), now),
            Ok(id)
        );
        assert!(TokenSigner::from_hex("zz").is_none());
    }

    #[test]
    fn missing_forged_and_foreign_tokens_are_refused() {
        let signer = TokenSigner::new();
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            signer.verify(None, now).unwrap_err().code,
            codes::TOKEN_INVALID_HEADER
        );
        assert_eq!(
            signer.verify(Some("Bearer a.b.c"), now).unwrap_err().code,
            codes::AUTH_INVALID
        );
        let foreign = TokenSigner::new().issue(Uuid::new_v4(), now, now + TimeDelta::seconds(60));
        let err = signer
            .verify(Some(&format!("Bearer {foreign}")), now)
            .unwrap_err();
        assert_eq!(err.code, codes::AUTH_INVALID);
    }
}
