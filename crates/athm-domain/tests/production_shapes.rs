//! The production shape corpus (`tests/data/production/`, also checked
//! against the sandbox's answers field by field) read by the domain's
//! parser: every shape parses, and each quirk is normalised.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use athm_domain::webhook::{EventKind, ParsedWebhook};
use athm_domain::{AthmTransaction, RemoteStatus, TransactionType, UnlinkedTransaction};
use chrono::{DateTime, Utc};
use serde_json::Value;

fn shape(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/data/production/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn transaction(value: &Value) -> AthmTransaction {
    AthmTransaction::from_json(value).expect("a production shape parses")
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an instant")
        .with_timezone(&Utc)
}

#[test]
fn a_report_ecommerce_row_is_known_by_its_trimmed_reference_without_an_ecommerce_id() {
    let row = transaction(&shape("report_ecommerce_row"));
    assert_eq!(row.transaction_type, TransactionType::Ecommerce);
    assert_eq!(row.status, RemoteStatus::Completed);
    assert_eq!(row.ecommerce_id, None);
    assert_eq!(
        row.reference_number.as_ref().map(|r| r.as_str()),
        Some("402894d56b240610016b2e6c78a6003a"),
        "the trailing space is trimmed"
    );
    assert_eq!(row.daily_transaction_id.as_deref(), Some("33"));
    assert_eq!(
        row.customer_phone.as_ref().map(|p| p.as_str()),
        Some("7871234567")
    );
    assert_eq!(
        row.date,
        Some(utc("2021-07-08T04:35:43Z")),
        "Puerto Rico time, UTC-4"
    );
    assert_eq!(
        row.total_refunded_amount.map(|a| a.to_string()).as_deref(),
        Some("5.00")
    );
    assert_eq!(
        (
            row.total.map(|a| a.to_string()),
            row.subtotal.map(|a| a.to_string())
        ),
        (Some("5.00".into()), Some("2.00".into())),
        "subtotal and tax are display values"
    );
    assert_eq!(row.items.len(), 1);
}

#[test]
fn a_report_refund_row_names_no_payment_and_is_recorded_unlinked_under_its_own_reference() {
    let row = transaction(&shape("report_refund_row"));
    assert_eq!(row.transaction_type, TransactionType::Refund);
    assert_eq!(
        (row.ecommerce_id, row.related_reference.clone()),
        (None, None)
    );
    let unlinked =
        UnlinkedTransaction::from_row(&row, "fits no payment", utc("2026-01-01T00:00:00Z"))
            .expect("it has a reference");
    assert_eq!(
        unlinked.reference_number.as_str(),
        "402894d56b240610016b2e7a1c2f0041"
    );
    assert_eq!(unlinked.total.to_string(), "5.00");
    assert!(unlinked.is_refund());
}

#[test]
fn find_payment_answers_before_and_after_completion_parse() {
    let open = transaction(&shape("find_payment_open")["data"]);
    assert_eq!(open.status, RemoteStatus::Open);
    assert_eq!(
        (open.reference_number, open.date),
        (None, None),
        "empty until completed"
    );
    let done = transaction(&shape("find_payment_completed")["data"]);
    assert_eq!(done.status, RemoteStatus::Completed);
    assert!(done.ecommerce_id.is_some() && done.reference_number.is_some());
    let fee = done.fee.expect("a fee").to_string();
    assert_eq!(
        fee.split('.').nth(1).map(str::len),
        Some(2),
        "float noise rounded: {fee}"
    );
    let authorized = transaction(&shape("authorization_answer")["data"]);
    assert_eq!(authorized.status, RemoteStatus::Completed);
}

#[test]
fn the_refund_answer_gives_the_refund_its_own_reference_and_amount() {
    let answer = shape("refund_answer");
    let refund = transaction(&answer["data"]["refund"]);
    assert_eq!(refund.transaction_type, TransactionType::Refund);
    assert_eq!(
        refund.customer_name, "Valeria Herrero",
        "stray spaces trimmed"
    );
    assert_eq!(
        refund
            .total_refunded_amount
            .map(|a| a.to_string())
            .as_deref(),
        Some("1.00")
    );
    let original = transaction(&answer["data"]["originalTransaction"]);
    assert_ne!(refund.reference_number, original.reference_number);
}

#[test]
fn every_webhook_shape_is_an_event_of_its_kind() {
    for (name, kind) in [
        ("webhook_ecommerce_live", EventKind::EcommerceCompleted),
        (
            "webhook_ecommerce_documented",
            EventKind::EcommerceCompleted,
        ),
        ("webhook_refund_documented", EventKind::Refund),
    ] {
        let body = serde_json::to_vec(&shape(name)).expect("json");
        let parsed = ParsedWebhook::parse(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed.kind, kind, "{name}");
    }
}
