//! Values the cases build on: payments, webhook events, ATH Móvil
//! transactions and unlinked ones, with exact amounts and microsecond times.

use athm_domain::ports::Store;
use athm_domain::webhook::{EventKind, EventStatus, WebhookEvent};
use athm_domain::{
    Amount, AthmTransaction, AuthToken, EcommerceId, Item, Metadata, Payment, PaymentStatus,
    PaymentTimeout, PhoneNumber, ReferenceNumber, TransactionType, UnlinkedTransaction,
    WebhookEventId,
};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

/// 2025-01-01T00:00:00Z plus `secs` seconds and 123456 µs.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_735_689_600 + secs, 123_456_000)
        .single()
        .expect("a valid fixture time")
}

/// An amount from text such as `"1499.99"`.
pub fn amount(text: &str) -> Amount {
    text.parse().expect("a valid fixture amount")
}

/// A phone number `787-555-NNNN`.
pub fn phone(n: u16) -> PhoneNumber {
    format!("787555{:04}", n % 10_000)
        .parse()
        .expect("a valid fixture phone")
}

/// A reference number.
pub fn reference(text: &str) -> ReferenceNumber {
    text.parse().expect("a valid fixture reference number")
}

/// A fresh ecommerce id.
pub fn ecommerce_id() -> EcommerceId {
    EcommerceId::new(Uuid::new_v4())
}

/// An OPEN payment of `total` created at `at(secs)`, with one item and an auth token.
pub fn payment(total: &str, secs: i64) -> Payment {
    Payment {
        ecommerce_id: ecommerce_id(),
        status: PaymentStatus::Open,
        reference_number: None,
        daily_transaction_id: None,
        total: amount(total),
        subtotal: Some(amount(total)),
        tax: Some(Amount::ZERO),
        fee: None,
        net_amount: None,
        total_refunded_amount: Amount::ZERO,
        customer_name: String::new(),
        customer_phone: None,
        customer_email: String::new(),
        metadata_1: Metadata::parse_field("metadata1", "order-1").expect("metadata"),
        metadata_2: Metadata::default(),
        message: String::new(),
        business_name: "Tienda".to_string(),
        items: vec![Item {
            name: "Widget".to_string(),
            description: "A widget".to_string(),
            quantity: 1,
            price: amount(total),
            tax: None,
            metadata: Some("sku-1".to_string()),
        }],
        timeout: PaymentTimeout::default(),
        auth_token: Some(AuthToken::new("eyJ.secret.token")),
        created_at: at(secs),
        updated_at: at(secs),
        transaction_date: None,
    }
}

/// A pending webhook event with `key`, about `ecommerce_id`, received at `at(secs)`.
pub fn webhook_event(key: &str, ecommerce_id: Option<EcommerceId>, secs: i64) -> WebhookEvent {
    WebhookEvent {
        id: WebhookEventId::random(),
        idempotency_key: key.to_string(),
        kind: EventKind::EcommerceCompleted,
        ecommerce_id,
        reference_number: None,
        payload: format!("{{\"key\":\"{key}\"}}"),
        remote_addr: None,
        status: EventStatus::Pending,
        error: None,
        attempts: 0,
        received_at: at(secs),
        processed_at: None,
    }
}

/// The completed ecommerce transaction ATH Móvil would report for `id`.
pub fn completed(id: EcommerceId, reference: &str, total: &str) -> AthmTransaction {
    AthmTransaction::from_json(&serde_json::json!({
        "transactionType": "ECOMMERCE",
        "status": "COMPLETED",
        "ecommerceId": id.to_string(),
        "referenceNumber": reference,
        "dailyTransactionId": "0007",
        "date": "2025-01-01 08:00:00",
        "total": total,
        "fee": "0.06",
        "netAmount": "0.94",
        "name": "Ana Ruiz",
        "phoneNumber": "787-555-0001",
        "email": "ana@example.com",
        "metadata1": "order-1",
        "items": [{"name": "Widget", "description": "A widget", "quantity": 1, "price": total}]
    }))
    .expect("a valid fixture transaction")
}

/// Stores `events` in one batch ([`WebhookInbox::insert_webhook_events`](athm_domain::ports::WebhookInbox::insert_webhook_events)); panics
/// naming the first event that was not stored.
pub async fn insert_all(store: &dyn Store, events: &[WebhookEvent]) -> Vec<(WebhookEvent, bool)> {
    store
        .insert_webhook_events(events)
        .await
        .into_iter()
        .zip(events)
        .map(|(result, event)| {
            result.unwrap_or_else(|e| {
                panic!(
                    "webhook event {} was not stored: {e}",
                    event.idempotency_key
                )
            })
        })
        .collect()
}

/// A completed `kind` (`"PAYMENT"`, `"REFUND"`…) of `total` that is none of
/// the payments or refunds here, made at `at(secs)` and first read then.
pub fn unlinked(reference_number: &str, kind: &str, total: &str, secs: i64) -> UnlinkedTransaction {
    UnlinkedTransaction {
        reference_number: reference(reference_number),
        transaction_type: TransactionType::parse(kind),
        date: Some(at(secs)),
        total: amount(total),
        fee: Some(amount("0.06")),
        net_amount: None,
        total_refunded_amount: Amount::ZERO,
        customer_name: "Ana Ruiz".to_string(),
        customer_phone: Some(phone(1)),
        customer_email: "ana@example.com".to_string(),
        metadata_1: String::new(),
        metadata_2: String::new(),
        message: String::new(),
        reason: "not a payment of athm".to_string(),
        first_seen_at: at(secs + 600),
        updated_at: at(secs + 600),
    }
}
