use chrono::TimeZone;

use super::*;

fn config() -> WebConfig {
    WebConfig::new("test-secret")
}

fn checkout() -> Checkout {
    let mut checkout = Checkout::new("25.00".parse().unwrap());
    checkout.metadata1 = athm_domain::Metadata::parse_field("metadata1", "Order 1").unwrap();
    checkout.success_url = Some("https://shop.example/ok".into());
    checkout
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

#[test]
fn a_signed_checkout_verifies_until_it_expires() {
    let token = sign_checkout_until(&config(), &checkout(), at(1_000));
    assert_eq!(verify_checkout(&config(), &token, at(999)), Ok(checkout()));
    assert_eq!(
        verify_checkout(&config(), &token, at(1_000)),
        Err(TokenError::Expired)
    );
}

#[test]
fn sign_checkout_uses_the_configured_lifetime() {
    let token = sign_checkout(&config(), &checkout());
    let now = system_now();
    assert!(verify_checkout(&config(), &token, now).is_ok());
    assert_eq!(
        verify_checkout(&config(), &token, now + chrono::Duration::hours(2)),
        Err(TokenError::Expired)
    );
}

#[test]
fn a_changed_amount_breaks_the_signature() {
    let token = sign_checkout_until(&config(), &checkout(), at(1_000));
    let (payload, tag) = token.split_once('.').unwrap();
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let cheaper = json.replace("25.00", "1.00");
    assert_ne!(json, cheaper);
    let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(cheaper));
    assert_eq!(
        verify_checkout(&config(), &forged, at(0)),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn a_token_from_another_key_or_a_truncated_one_is_refused() {
    let token = sign_checkout_until(&config(), &checkout(), at(1_000));
    let other = WebConfig::new("other-secret");
    assert_eq!(
        verify_checkout(&other, &token, at(0)),
        Err(TokenError::BadSignature)
    );
    assert!(verify_checkout(&config(), &token[..token.len() - 2], at(0)).is_err());
    let mut flipped = token.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(
        verify_checkout(&config(), &flipped, at(0)),
        Err(TokenError::BadSignature)
    );
    for junk in ["", "abc", "a.b.c", "!!.??"] {
        assert!(verify_checkout(&config(), junk, at(0)).is_err(), "{junk}");
    }
}

#[test]
fn errors_name_the_checkout_field() {
    for error in [
        TokenError::Malformed,
        TokenError::BadSignature,
        TokenError::Expired,
    ] {
        assert!(error.to_string().starts_with("checkout: "));
    }
}

#[test]
fn a_session_mac_is_never_a_checkout_mac() {
    let id = athm_domain::EcommerceId::new(uuid::Uuid::from_u128(9));
    let session = crate::checkout::session_token(&config(), &id);
    let payload = URL_SAFE_NO_PAD.encode(r#"{"checkout":{"total":"1.00"},"exp":9999999999}"#);
    assert!(verify_checkout(&config(), &format!("{payload}.{session}"), at(0)).is_err());
}

#[test]
fn each_signing_is_its_own_checkout_even_for_the_same_order_and_instant() {
    let first = sign_checkout_until(&config(), &checkout(), at(1_000));
    let second = sign_checkout_until(&config(), &checkout(), at(1_000));
    assert_ne!(checkout_key(&first), checkout_key(&second));
    assert_eq!(checkout_key(&first), checkout_key(&format!(" {first}\n")));
}
