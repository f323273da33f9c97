//! Text the databases accept, whatever a sender posted.
//!
//! PostgreSQL refuses a NUL character in any text column, and every backend
//! refuses (PostgreSQL, MySQL/MariaDB in strict mode) or keeps whole (SQLite)
//! text longer than its `VARCHAR`. A webhook event is built from a body
//! anyone can post, so before a row reaches the database:
//!
//! - NUL characters in free text (the payload, the error, the sender's
//!   address) are written as the six characters `\u0000`, which is what a
//!   NUL means in JSON. The same text is stored on every backend and read
//!   back as stored; a body holding the literal text `\u0000` reads back
//!   the same as one holding a NUL byte (such a body is not valid JSON, so
//!   it was stored as malformed anyway);
//! - an idempotency key that is too long or holds a NUL is replaced by a
//!   readable prefix and the SHA-256 of the whole key: still one key per
//!   distinct event, so a redelivery of such an event is still a duplicate;
//! - other text is cut to its column's width, at a character boundary.
//!
//! Widths are counted in bytes, never fewer than the characters the
//! databases count.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

/// `webhook_events.idempotency_key` is `VARCHAR(255)`.
pub(crate) const KEY_LEN: usize = 255;
/// `webhook_events.remote_addr` is `VARCHAR(255)`.
pub(crate) const REMOTE_ADDR_LEN: usize = 255;
/// The longest error kept (a `TEXT` column holds 65,535 bytes on MySQL).
pub(crate) const ERROR_LEN: usize = 16 * 1024;
/// The readable part of a hashed idempotency key.
const KEY_PREFIX_LEN: usize = 160;

/// `text` with each NUL character written as `\u0000`.
pub(crate) fn without_nul(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\\u0000"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Free text for a column of `max` bytes: NUL characters escaped, then cut.
pub(crate) fn column_text(text: &str, max: usize) -> String {
    prefix(&without_nul(text), max).to_string()
}

/// The idempotency key as stored: the key itself when it fits its column
/// and holds no NUL; otherwise its first characters (NUL escaped) and
/// `#sha256:` with the hash of the whole key, 232 bytes at most.
pub(crate) fn stored_key(key: &str) -> Cow<'_, str> {
    if key.len() <= KEY_LEN && !key.contains('\0') {
        return Cow::Borrowed(key);
    }
    let readable = without_nul(key);
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    Cow::Owned(format!(
        "{}#sha256:{hash}",
        prefix(&readable, KEY_PREFIX_LEN)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_written_as_their_json_escape() {
        assert_eq!(without_nul("a\0b\0"), "a\\u0000b\\u0000");
        assert!(matches!(without_nul("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn text_is_cut_to_its_column_at_a_character_boundary() {
        assert_eq!(column_text("ñandú", 3), "ña");
        assert_eq!(column_text("a\0", 4), "a\\u0");
        assert_eq!(column_text("short", 255), "short");
    }

    #[test]
    fn a_key_that_fits_is_kept_and_others_are_hashed_deterministically() {
        assert_eq!(stored_key("ecommerce:1:COMPLETED"), "ecommerce:1:COMPLETED");
        let long = format!("ecommerce:1:{}", "é".repeat(300));
        let stored = stored_key(&long);
        assert!(stored.len() <= KEY_LEN, "{}", stored.len());
        assert!(stored.starts_with("ecommerce:1:é"));
        assert_eq!(stored, stored_key(&long), "the same key every time");
        let other = format!("ecommerce:1:{}x", "é".repeat(300));
        assert_ne!(
            stored,
            stored_key(&other),
            "a different key for a different event"
        );
        let nul = stored_key("ecommerce:1:COMP\0");
        assert!(!nul.contains('\0') && nul.starts_with("ecommerce:1:COMP\\u0000#sha256:"));
        assert_ne!(nul, stored_key("ecommerce:1:COMP\\u0000"));
    }
}
