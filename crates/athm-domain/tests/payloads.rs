//! Real-shaped ATH Móvil webhook payloads, written from the shapes in the API
//! notes, and what the parser must make of each: the normalised values, the
//! event kind, and idempotency keys equal for redeliveries of one body and
//! different for different events, or different bodies claiming one event.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use athm_domain::webhook::{EventKind, ParsedWebhook};
use athm_domain::{Amount, TransactionType};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

const ECOMMERCE_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const PAYMENT_REF: &str = "11223344-aabbccdd11223344aabbccdd11223344";

/// The real ecommerce completed event, as in the API notes.
const REAL_COMPLETED: &str = r#"{"businessName": "Test Business", "dailyTransactionId": "0002", "date": "2025-12-08 16:30:52",
 "ecommerceId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "email": "customer@example.com",
 "fee": 0.07, "isNonProfit": false, "items": [{"description": "Tip", "formattedPrice": "",
 "metadata": "demo", "name": "Tip", "price": 3.0, "quantity": 1, "sku": "", "tax": 0.0}],
 "message": "", "metadata1": "Order 1", "metadata2": "", "name": "Test Customer",
 "netAmount": 2.93, "phoneNumber": 7875551234,
 "referenceNumber": "11223344-aabbccdd11223344aabbccdd11223344", "referenceTransactionId": "",
 "status": "COMPLETED", "subTotal": 3, "tax": 0.0, "total": 3, "totalRefundedAmount": 0,
 "transactionDate": "2025-12-08 16:30:49", "transactionType": "ECOMMERCE"}"#;

/// The documented refund event.
const DOCUMENTED_REFUND: &str = r#"{"transactionType": "refund", "status": "completed", "date": "2020-01-01 12:00:00.0",
 "referenceNumber": "000000-00000000abcd", "dailyTransactionID": "0001",
 "name": "Valeria Herrero", "phoneNumber": "7871234567", "email": "email@example.com",
 "message": "This is a message.", "total": "1.00", "tax": "0.00", "subtotal": "0.00",
 "fee": "0.00", "netAmount": "0.00", "totalRefundedAmount": "0.00",
 "metadata1": "", "metadata2": "", "items": []}"#;

fn parse(body: &str) -> ParsedWebhook {
    ParsedWebhook::parse(body.as_bytes()).expect("a readable payload")
}

fn parse_json(value: &Value) -> ParsedWebhook {
    parse(&value.to_string())
}

fn real_completed() -> Value {
    serde_json::from_str(REAL_COMPLETED).expect("valid JSON")
}

/// The readable name of an idempotency key: the key less its `:` and 16
/// hex digits of the body's digest (which it must end with).
fn name_of(key: &str) -> &str {
    let (name, digest) = key.rsplit_once(':').expect("a named key");
    assert!(
        digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key} does not end with a digest"
    );
    name
}

fn cents(amount: Option<Amount>) -> String {
    amount.expect("an amount").to_string()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 instant")
        .with_timezone(&Utc)
}

/// An ecommerce event of `status` for the test payment.
fn ecommerce(status: &str) -> Value {
    json!({"transactionType": "ecommerce", "status": status, "ecommerceId": ECOMMERCE_ID,
        "date": "2025-12-08 16:40:52", "total": "3.00", "metadata1": "Order 1"})
}

/// A refund event of `total` that carries the payment's own reference number.
fn refund_naming_the_payment(daily: &str, date: &str, total: &str) -> Value {
    json!({"transactionType": "refund", "status": "completed", "date": date,
        "referenceNumber": PAYMENT_REF, "dailyTransactionID": daily, "name": "Test Customer",
        "phoneNumber": "(787) 555-1234", "total": total, "totalRefundedAmount": "0.00"})
}

#[test]
fn the_real_ecommerce_completed_event_is_read_exactly() {
    let parsed = parse(REAL_COMPLETED);
    let t = &parsed.transaction;

    assert_eq!(parsed.kind, EventKind::EcommerceCompleted);
    assert_eq!(t.transaction_type, TransactionType::Ecommerce);
    assert_eq!(t.ecommerce_id.expect("an id").to_string(), ECOMMERCE_ID);
    assert_eq!(
        t.reference_number.as_ref().expect("a reference").as_str(),
        PAYMENT_REF
    );
    assert_eq!(t.daily_transaction_id.as_deref(), Some("0002"));
    assert_eq!(cents(t.total), "3.00");
    assert_eq!(cents(t.subtotal), "3.00");
    assert_eq!(cents(t.tax), "0.00");
    assert_eq!(cents(t.fee), "0.07");
    assert_eq!(cents(t.net_amount), "2.93");
    assert_eq!(cents(t.total_refunded_amount), "0.00");
    assert_eq!(
        t.customer_phone.as_ref().expect("a phone").as_str(),
        "7875551234"
    );
    assert_eq!(t.customer_name, "Test Customer");
    assert_eq!(t.customer_email, "customer@example.com");
    assert_eq!(t.business_name, "Test Business");
    assert_eq!(t.metadata_1, "Order 1");
    // transactionDate wins over date; Puerto Rico time is UTC−4
    assert_eq!(t.date, Some(utc("2025-12-08T20:30:49Z")));
    assert_eq!(t.items.len(), 1);
    let item = &t.items[0];
    assert_eq!((item.name.as_str(), item.quantity), ("Tip", 1));
    assert_eq!(item.price.to_string(), "3.00");
    assert_eq!(item.metadata.as_deref(), Some("demo"));
    assert_eq!(
        name_of(&parsed.idempotency_key()),
        format!("ecommerce:{ECOMMERCE_ID}:completed")
    );
}

#[test]
fn the_documented_refund_event_is_read_exactly() {
    let parsed = parse(DOCUMENTED_REFUND);
    let t = &parsed.transaction;

    assert_eq!(parsed.kind, EventKind::Refund);
    assert_eq!(t.ecommerce_id, None);
    assert_eq!(
        t.reference_number.as_ref().expect("a reference").as_str(),
        "000000-00000000abcd"
    );
    assert_eq!(t.daily_transaction_id.as_deref(), Some("0001"));
    assert_eq!(cents(t.total), "1.00");
    assert_eq!(cents(t.fee), "0.00");
    assert_eq!(
        t.customer_phone.as_ref().expect("a phone").as_str(),
        "7871234567"
    );
    assert_eq!(t.message, "This is a message.");
    assert_eq!(t.date, Some(utc("2020-01-01T16:00:00Z")));
    assert!(t.items.is_empty());
}

#[test]
fn cancelled_and_expired_are_recognised_in_upper_and_lower_case() {
    for (status, kind) in [
        ("cancelled", EventKind::EcommerceCancelled),
        ("CANCEL", EventKind::EcommerceCancelled),
        ("CANCELLED", EventKind::EcommerceCancelled),
        ("expired", EventKind::EcommerceExpired),
        ("EXPIRED", EventKind::EcommerceExpired),
        ("completed", EventKind::EcommerceCompleted),
    ] {
        assert_eq!(parse_json(&ecommerce(status)).kind, kind, "{status}");
    }
    let mut upper = ecommerce("CANCEL");
    upper["transactionType"] = json!("ECOMMERCE");
    assert_eq!(parse_json(&upper).kind, EventKind::EcommerceCancelled);
}

#[test]
fn payment_donation_and_simulated_events_are_their_own_kinds() {
    for (kind_name, kind) in [
        ("payment", EventKind::Payment),
        ("donation", EventKind::Donation),
        ("DONATION", EventKind::Donation),
        ("simulated", EventKind::Simulated),
    ] {
        let parsed = parse_json(&json!({"transactionType": kind_name, "status": "completed",
            "date": "2025-12-08 10:00:00", "referenceNumber": "402894d5-0001",
            "dailyTransactionID": 12, "name": "Ana", "phoneNumber": "787-555-1234",
            "total": "5.00", "isNonProfit": kind == EventKind::Donation, "message": "Gracias"}));
        assert_eq!(parsed.kind, kind, "{kind_name}");
        assert_eq!(
            parsed.transaction.daily_transaction_id.as_deref(),
            Some("12")
        );
        assert_eq!(cents(parsed.transaction.total), "5.00");
    }
    let other = parse_json(&json!({"transactionType": "transfer", "status": "completed"}));
    assert_eq!(other.kind, EventKind::Unknown);
}

#[test]
fn both_spellings_of_the_daily_id_and_the_subtotal_are_read() {
    let mut a = real_completed();
    let b = {
        let mut b = real_completed();
        let o = b.as_object_mut().expect("an object");
        let daily = o.remove("dailyTransactionId").expect("present");
        o.insert("dailyTransactionID".into(), daily);
        let subtotal = o.remove("subTotal").expect("present");
        o.insert("subtotal".into(), subtotal);
        b
    };
    a["dailyTransactionId"] = json!("0002");
    let (a, b) = (parse_json(&a).transaction, parse_json(&b).transaction);
    assert_eq!(a, b);
    assert_eq!(b.daily_transaction_id.as_deref(), Some("0002"));
    assert_eq!(cents(b.subtotal), "3.00");

    let numeric = parse_json(
        &json!({"transactionType": "refund", "referenceNumber": "r-1",
        "dailyTransactionID": 107, "subTotal": "0.5"}),
    );
    assert_eq!(
        numeric.transaction.daily_transaction_id.as_deref(),
        Some("107")
    );
    assert_eq!(cents(numeric.transaction.subtotal), "0.50");
}

#[test]
fn phones_as_numbers_and_formatted_strings_become_ten_digits() {
    for phone in [
        json!(7875551234_u64),
        json!("7875551234"),
        json!("(787) 555-1234"),
        json!("787-555-1234"),
        json!("+1 787 555 1234"),
    ] {
        let mut payload = real_completed();
        payload["phoneNumber"] = phone.clone();
        let t = parse_json(&payload).transaction;
        assert_eq!(
            t.customer_phone.expect("a phone").as_str(),
            "7875551234",
            "{phone}"
        );
    }
    let mut unreadable = real_completed();
    unreadable["phoneNumber"] = json!("");
    assert_eq!(parse_json(&unreadable).transaction.customer_phone, None);
}

#[test]
fn items_sent_as_a_json_string_read_as_the_array() {
    let array = real_completed();
    let mut string = real_completed();
    string["items"] = Value::String(array["items"].to_string());
    assert_eq!(
        parse_json(&string).transaction.items,
        parse_json(&array).transaction.items
    );
}

#[test]
fn every_date_form_is_puerto_rico_time_four_hours_behind_utc() {
    for (date, expected) in [
        ("2020-01-01 12:00:00.0", "2020-01-01T16:00:00Z"),
        ("2025-12-08 16:30:52", "2025-12-08T20:30:52Z"),
        ("2025-07-01 16:30:52", "2025-07-01T20:30:52Z"),
        ("2020-01-01T12:00:00", "2020-01-01T16:00:00Z"),
        ("2020-01-01T12:00:00.5", "2020-01-01T16:00:00.5Z"),
        ("2020-01-01 12:00:00.123456", "2020-01-01T16:00:00.123456Z"),
        (
            "2020-01-01T12:00:00.123456789",
            "2020-01-01T16:00:00.123456789Z",
        ),
    ] {
        let parsed = parse_json(&json!({"transactionType": "refund", "date": date,
            "referenceNumber": "r-1"}));
        assert_eq!(parsed.transaction.date, Some(utc(expected)), "{date}");
    }
}

#[test]
fn amounts_are_exact_cents_whether_strings_numbers_or_float_noise() {
    for (total, expected) in [
        (json!("3.00"), "3.00"),
        (json!(3), "3.00"),
        (json!(0.07), "0.07"),
        (json!(0.6000000238418579), "0.60"),
        (json!("0.125"), "0.13"),
        (json!(" 1499.99 "), "1499.99"),
    ] {
        let parsed = parse_json(
            &json!({"transactionType": "refund", "referenceNumber": "r-1",
            "total": total}),
        );
        assert_eq!(cents(parsed.transaction.total), expected, "{total}");
    }
    let mut empty = real_completed();
    empty["fee"] = json!("");
    assert_eq!(parse_json(&empty).transaction.fee, None);
}

#[test]
fn a_payload_without_an_ecommerce_id_is_classified_by_its_type() {
    let mut no_id = real_completed();
    no_id
        .as_object_mut()
        .expect("an object")
        .remove("ecommerceId");
    let parsed = parse_json(&no_id);
    assert_eq!(parsed.kind, EventKind::EcommerceCompleted);
    assert_eq!(parsed.transaction.ecommerce_id, None);
    assert_eq!(
        name_of(&parsed.idempotency_key()),
        format!("ecommerce:completed:{PAYMENT_REF}")
    );

    // and an ecommerceId without a transactionType is an ecommerce event
    let mut no_type = real_completed();
    no_type
        .as_object_mut()
        .expect("an object")
        .remove("transactionType");
    assert_eq!(parse_json(&no_type).kind, EventKind::EcommerceCompleted);
}

#[test]
fn unknown_extra_fields_are_ignored_but_make_another_body() {
    let mut extra = real_completed();
    extra["newField"] = json!({"nested": [1, "two", null]});
    extra["isNonProfit"] = json!(true);
    extra["businessPath"] = json!("test-business");
    let (plain, extra) = (parse(REAL_COMPLETED), parse_json(&extra));
    assert_eq!(extra.transaction, plain.transaction);
    assert_eq!(extra.kind, plain.kind);
    let (plain, extra) = (plain.idempotency_key(), extra.idempotency_key());
    assert_eq!(name_of(&extra), name_of(&plain));
    assert_ne!(extra, plain, "each body is stored and checked on its own");
}

#[test]
fn a_byte_order_mark_before_the_json_is_skipped() {
    let with_bom = format!("\u{feff}{REAL_COMPLETED}");
    let parsed = ParsedWebhook::parse(with_bom.as_bytes()).expect("readable after the BOM");
    assert_eq!(parsed.transaction, parse(REAL_COMPLETED).transaction);
    assert_eq!(
        parsed.idempotency_key(),
        parse(REAL_COMPLETED).idempotency_key()
    );
}

#[test]
fn a_redelivery_has_the_same_key_even_reformatted() {
    let compact = real_completed().to_string();
    let pretty = serde_json::to_string_pretty(&real_completed()).expect("serialisable");
    let keys = [
        parse(REAL_COMPLETED).idempotency_key(),
        parse(&compact).idempotency_key(),
        parse(&pretty).idempotency_key(),
    ];
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");

    let refund = parse(DOCUMENTED_REFUND).idempotency_key();
    assert_eq!(
        parse(&format!("\u{feff}{DOCUMENTED_REFUND}")).idempotency_key(),
        refund
    );
}

#[test]
fn a_respelled_body_names_the_same_event_under_another_key() {
    let mut lower = real_completed();
    lower["status"] = json!("completed");
    lower["transactionType"] = json!("ecommerce");
    let (real, lower) = (
        parse(REAL_COMPLETED).idempotency_key(),
        parse_json(&lower).idempotency_key(),
    );
    assert_eq!(name_of(&lower), name_of(&real));
    assert_ne!(lower, real);

    let (upper, spelled) = (
        parse_json(&ecommerce("CANCEL")).idempotency_key(),
        parse_json(&ecommerce("cancelled")).idempotency_key(),
    );
    assert_eq!(name_of(&upper), name_of(&spelled));
    assert_ne!(upper, spelled);
}

#[test]
fn a_forged_body_never_takes_the_genuine_delivery_s_key() {
    let mut forged = real_completed();
    forged["total"] = json!(3000);
    let (genuine, forged) = (
        parse(REAL_COMPLETED).idempotency_key(),
        parse_json(&forged).idempotency_key(),
    );
    assert_eq!(name_of(&forged), name_of(&genuine));
    assert_ne!(forged, genuine);
}

#[test]
fn different_events_of_one_payment_have_different_keys() {
    let keys: Vec<String> = ["completed", "cancelled", "expired"]
        .into_iter()
        .map(|s| parse_json(&ecommerce(s)).idempotency_key())
        .collect();
    assert_ne!(keys[0], keys[1]);
    assert_ne!(keys[1], keys[2]);
    assert_ne!(keys[0], keys[2]);
}

#[test]
fn two_partial_refunds_carrying_the_payment_s_reference_number_have_different_keys() {
    let first = refund_naming_the_payment("0003", "2025-12-09 10:00:00.0", "1.00");
    let second = refund_naming_the_payment("0004", "2025-12-09 11:15:30.0", "1.00");
    let (first_key, second_key) = (
        parse_json(&first).idempotency_key(),
        parse_json(&second).idempotency_key(),
    );
    assert_ne!(first_key, second_key);
    // each one redelivered keeps its key
    assert_eq!(parse_json(&first).idempotency_key(), first_key);
    assert_eq!(
        parse(&format!("\u{feff}{first}")).idempotency_key(),
        first_key
    );
    // and neither collides with the payment's own completion event
    assert_ne!(first_key, parse(REAL_COMPLETED).idempotency_key());

    // same reference and amount on another day, or another amount, is another refund
    let other_amount = refund_naming_the_payment("0003", "2025-12-09 10:00:00.0", "2.00");
    assert_ne!(parse_json(&other_amount).idempotency_key(), first_key);
}

#[test]
fn events_without_identifiers_are_keyed_by_their_content() {
    let a = json!({"transactionType": "simulated", "status": "completed", "total": "1.00"});
    let b = json!({"transactionType": "simulated", "status": "completed", "total": "2.00"});
    assert_eq!(
        parse_json(&a).idempotency_key(),
        parse_json(&a).idempotency_key()
    );
    assert_ne!(
        parse_json(&a).idempotency_key(),
        parse_json(&b).idempotency_key()
    );
    assert!(parse_json(&a).idempotency_key().starts_with("sha256:"));
}

#[test]
fn text_fields_drop_control_characters_and_keep_255_characters_at_most() {
    let mut body = real_completed();
    // an unsigned body can carry anything: a NUL (which PostgreSQL refuses),
    // other control characters, text far past any column
    body["name"] = json!("Test\u{0}Cus\u{7}tomer\r\n");
    body["email"] = json!("\u{0}");
    body["message"] = json!("é".repeat(300));
    body["metadata1"] = json!(format!("{}\u{0}xyz", "m".repeat(254)));
    body["items"][0]["name"] = json!("Ti\u{0}p");
    body["items"][0]["description"] = json!("d".repeat(1000));

    let t = parse_json(&body).transaction;

    assert_eq!(t.customer_name, "TestCustomer");
    assert_eq!(t.customer_email, "");
    // 255 characters, not bytes: "é" is two bytes
    assert_eq!(t.message, "é".repeat(255));
    // control characters are dropped before counting
    assert_eq!(t.metadata_1, format!("{}x", "m".repeat(254)));
    assert_eq!(t.items[0].name, "Tip");
    assert_eq!(t.items[0].description, "d".repeat(255));
    // numbers are written out as they are, and text within bounds is kept
    assert_eq!(t.business_name, "Test Business");
    assert_eq!(t.daily_transaction_id.as_deref(), Some("0002"));
}
