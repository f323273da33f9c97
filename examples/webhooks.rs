//! Webhook processing without HTTP: feed raw ATH Móvil payloads to the
//! domain's `WebhookProcessor`, exactly as the web receiver does, and hear
//! about the resulting lifecycle events through an `EventSink`. Useful when
//! the bodies reach you some other way (a queue, a serverless function, a
//! replay from logs).
//!
//! Run it with `cargo run --example webhooks`.

use std::sync::{Arc, Mutex};

use athm_domain::ports::{EventSinkError, PaymentKey, Store, SystemClock, event_sink_fn};
use athm_domain::services::{OutboxRelay, ProcessOutcome, WebhookProcessor};
use athm_domain::webhook::{EventKind, EventStatus, ParsedWebhook};
use athm_domain::{EcommerceId, LifecycleKind, PaymentStatus};
use athm_store::SqlStore;

/// An "ecommerce payment completed" event as ATH Móvil sends it in production
/// (upper-case kinds, numbers for amounts, the phone as a number).
const COMPLETED: &str = r#"{"businessName": "Test Business", "dailyTransactionId": "0002",
 "date": "2025-12-08 16:30:52", "ecommerceId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
 "email": "customer@example.com", "fee": 0.07, "isNonProfit": false,
 "items": [{"description": "Tip", "metadata": "demo", "name": "Tip", "price": 3.0, "quantity": 1, "tax": 0.0}],
 "message": "", "metadata1": "Order 1", "metadata2": "", "name": "Test Customer",
 "netAmount": 2.93, "phoneNumber": 7875551234,
 "referenceNumber": "11223344-aabbccdd11223344aabbccdd11223344", "referenceTransactionId": "",
 "status": "COMPLETED", "subTotal": 3, "tax": 0.0, "total": 3, "totalRefundedAmount": 0,
 "transactionDate": "2025-12-08 16:30:49", "transactionType": "ECOMMERCE"}"#;

/// A refund event as documented (lower-case kinds, amounts as strings); its
/// reference number is the payment's own.
const REFUND: &str = r#"{"transactionType": "refund", "status": "completed",
 "date": "2025-12-08 17:00:00.0", "referenceNumber": "11223344-aabbccdd11223344aabbccdd11223344",
 "dailyTransactionID": "0003", "name": "Test Customer", "phoneNumber": "(787) 555-1234",
 "total": "1.00", "totalRefundedAmount": "0.00"}"#;

/// A "Pay a Business" payment (not ecommerce): stored, not acted upon.
const PAY_A_BUSINESS: &str = r#"{"transactionType": "payment", "status": "completed",
 "date": "2025-12-08 18:00:00.0", "referenceNumber": "99887766-aabbccdd11223344aabbccdd99887766",
 "dailyTransactionID": "0004", "name": "Someone", "phoneNumber": "7871234567", "total": "5.00"}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = SqlStore::connect("sqlite::memory:").await?;
    store.migrate().await?;
    let store: Arc<dyn Store> = Arc::new(store);
    let processor = WebhookProcessor::new(store.clone(), Arc::new(SystemClock));

    // Parsing alone: the kind and the idempotency key that makes redeliveries harmless.
    let parsed = ParsedWebhook::parse(COMPLETED.as_bytes())?;
    assert_eq!(parsed.kind, EventKind::EcommerceCompleted);
    println!("parsed: {} (key {})", parsed.kind, parsed.idempotency_key());

    // 1. Store first (this is when a receiver may answer 200), then process.
    let (event, created) = processor.store_event(COMPLETED.as_bytes()).await?;
    assert!(created);
    assert_eq!(processor.process(&event).await?, ProcessOutcome::Applied);
    let id: EcommerceId = "a1b2c3d4-e5f6-7890-abcd-ef1234567890".parse()?;
    let record = store
        .payment(&PaymentKey::Ecommerce(id))
        .await?
        .ok_or("the completed event recorded the payment")?;
    assert_eq!(record.payment.status, PaymentStatus::Completed);
    assert_eq!(record.payment.total.to_string(), "3.00");
    println!("completed event applied: payment {id} is COMPLETED");

    // 2. A redelivery of the same event is recognised and changes nothing.
    let (again, created) = processor.store_event(COMPLETED.as_bytes()).await?;
    assert!(!created, "a redelivery is not stored twice");
    assert_eq!(again.id, event.id);
    assert_eq!(
        processor.process(&again).await?,
        ProcessOutcome::AlreadyProcessed
    );
    println!("redelivery ignored");

    // 3. A malformed body is stored flagged, for a person to look at.
    let (broken, _) = processor.store_event(b"{not json").await?;
    assert_eq!(broken.kind, EventKind::Malformed);
    assert!(matches!(
        processor.process(&broken).await?,
        ProcessOutcome::Flagged(_)
    ));
    let broken = store.webhook_event(broken.id).await?.ok_or("stored")?;
    assert_eq!(broken.status, EventStatus::Flagged);
    println!("malformed body stored and flagged");

    // 4. A refund made elsewhere (the ATH Business app) is recorded on the payment.
    let (refund, _) = processor.store_event(REFUND.as_bytes()).await?;
    assert_eq!(processor.process(&refund).await?, ProcessOutcome::Applied);
    let record = store
        .payment(&PaymentKey::Ecommerce(id))
        .await?
        .ok_or("still there")?;
    assert_eq!(record.payment.total_refunded_amount.to_string(), "1.00");
    assert_eq!(record.refunds.len(), 1);
    println!("refund event applied: 1.00 refunded");

    // 5. Events of kinds athm does not act on are stored and marked processed.
    let (other, _) = processor.store_event(PAY_A_BUSINESS.as_bytes()).await?;
    assert_eq!(processor.process(&other).await?, ProcessOutcome::Ignored);

    // 6. The lifecycle events, committed with each change, reach your handler.
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let heard = heard.clone();
        event_sink_fn(move |event| {
            let heard = heard.clone();
            async move {
                heard
                    .lock()
                    .map_err(|_| EventSinkError::new("poisoned"))?
                    .push(event.kind);
                Ok(())
            }
        })
    };
    let relay = OutboxRelay::new(store.clone(), Arc::new(sink), Arc::new(SystemClock));
    assert_eq!(relay.deliver_pending(100).await?, 2);
    assert_eq!(
        relay.deliver_pending(100).await?,
        0,
        "each is delivered once"
    );
    let heard = heard.lock().map_err(|_| "poisoned")?.clone();
    assert_eq!(
        heard,
        vec![LifecycleKind::PaymentCompleted, LifecycleKind::RefundSent]
    );
    println!("ok: lifecycle events delivered: {heard:?}");
    Ok(())
}
