//! The one HMAC and the one constant-time comparison of the web adapter:
//! checkout tokens, payment sessions and admin sessions are HMAC-SHA256
//! tags (checked with the `hmac` crate's own constant-time verification),
//! and secrets presented by clients (API keys, the webhook path secret) are
//! compared as SHA-256 digests with `subtle`, so that neither their length
//! nor their content leaks through timing.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// HMAC-SHA256 of `message` under `key`, ready to `finalize` or `verify_slice`.
pub(crate) fn mac(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    mac
}

/// Whether the secret a client `presented` is `known`, in constant time.
pub(crate) fn same_secret(known: &str, presented: &str) -> bool {
    Sha256::digest(known.as_bytes())
        .ct_eq(&Sha256::digest(presented.as_bytes()))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_the_same_only_when_equal_whatever_the_length() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("abc", ""));
    }
}
