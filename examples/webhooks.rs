//! Webhook processing without HTTP: feed raw ATH Móvil payloads to the
//! domain's `WebhookProcessor`, exactly as the web receiver does, and hear
//! about the resulting lifecycle events through an `EventSink`. Useful when
//! the bodies reach you some other way (a queue, a serverless function, a
//! replay from logs). Webhooks are not signed, so the processor checks each
//! event with ATH Móvil (here the local sandbox) before it changes money.
//!
//! Run it with `cargo run --example webhooks`.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::sync::{Arc, Mutex};

use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{
    AthmGateway, EventSinkError, PaymentKey, RefundOrder, Store, SystemClock, event_sink_fn,
};
use athm_domain::services::{OutboxRelay, ProcessOutcome, WebhookProcessor};
use athm_domain::webhook::{EventKind, EventStatus, ParsedWebhook};
use athm_domain::{LifecycleKind, PaymentRequest, PaymentStatus, RefundMessage};
use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Sandbox, SandboxConfig};
use athm_store::SqlStore;

/// An "ecommerce payment completed" event as ATH Móvil sends it in production
/// (upper-case kinds, numbers for amounts, the phone as a number).
fn completed(ecommerce_id: &str, reference: &str) -> String {
    format!(
        r#"{{"businessName": "Test Business", "dailyTransactionId": "0002",
 "date": "2025-12-08 16:30:52", "ecommerceId": "{ecommerce_id}",
 "email": "customer@example.com", "fee": 0.07, "isNonProfit": false,
 "items": [{{"description": "Tip", "metadata": "demo", "name": "Tip", "price": 3.0, "quantity": 1, "tax": 0.0}}],
 "message": "", "metadata1": "Order 1", "metadata2": "", "name": "Test Customer",
 "netAmount": 2.93, "phoneNumber": 7875551234,
 "referenceNumber": "{reference}", "referenceTransactionId": "",
 "status": "COMPLETED", "subTotal": 3, "tax": 0.0, "total": 3, "totalRefundedAmount": 0,
 "transactionDate": "2025-12-08 16:30:49", "transactionType": "ECOMMERCE"}}"#
    )
}

/// A refund event as documented (lower-case kinds, amounts as strings,
/// the refund's own reference number and the customer's phone).
fn refund(reference: &str, phone: &str) -> String {
    format!(
        r#"{{"transactionType": "refund", "status": "completed",
 "date": "2025-12-08 17:00:00.0", "referenceNumber": "{reference}",
 "dailyTransactionID": "0003", "name": "Test Customer", "phoneNumber": "{phone}",
 "total": "1.00", "totalRefundedAmount": "1.00"}}"#
    )
}

/// A "Pay a Business" payment (not ecommerce): stored, not acted upon.
const PAY_A_BUSINESS: &str = r#"{"transactionType": "payment", "status": "completed",
 "date": "2025-12-08 18:00:00.0", "referenceNumber": "99887766-aabbccdd11223344aabbccdd99887766",
 "dailyTransactionID": "0004", "name": "Someone", "phoneNumber": "7871234567", "total": "5.00"}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = SqlStore::connect("sqlite::memory:").await?;
    store.migrate().await?;
    let store: Arc<dyn Store> = Arc::new(store);
    // ATH Móvil: here the local sandbox, where a customer pays $3.00.
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await?;
    let config =
        ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(sandbox.base_url());
    let gateway: Arc<dyn AthmGateway> = Arc::new(AthmClient::new(config)?);
    let (id, auth_token) = gateway
        .create_payment(&PaymentRequest::new("3.00".parse()?))
        .await?;
    // The customer who approves is the one the completed event below names.
    let customer = CustomerInput {
        name: Some("Test Customer".into()),
        email: Some("customer@example.com".into()),
        phone_number: Some("7875551234".into()),
    };
    sandbox.handle().confirm(id.uuid(), customer)?;
    let paid = gateway.authorize(&auth_token).await?;
    let reference = paid
        .reference_number
        .ok_or("a completed payment has a reference")?;
    let processor = WebhookProcessor::new(
        gateway.clone(),
        store.clone(),
        store.clone(),
        Arc::new(SystemClock),
    );
    let completed_body = completed(&id.to_string(), reference.as_str());

    // Parsing alone: the kind and the idempotency key that makes redeliveries harmless.
    let parsed = ParsedWebhook::parse(completed_body.as_bytes())?;
    assert_eq!(parsed.kind, EventKind::EcommerceCompleted);
    println!("parsed: {} (key {})", parsed.kind, parsed.idempotency_key());

    // 1. Store first (this is when a receiver may answer 200), then process.
    let (event, created) = processor.store_event(completed_body.as_bytes()).await?;
    assert!(created);
    assert_eq!(processor.process(&event).await?, ProcessOutcome::Applied);
    let record = store
        .payment(&PaymentKey::Ecommerce(id))
        .await?
        .ok_or("the completed event recorded the payment")?;
    assert_eq!(record.payment.status, PaymentStatus::Completed);
    assert_eq!(record.payment.total.to_string(), "3.00");
    println!("completed event applied: payment {id} is COMPLETED");

    // 2. A redelivery of the same event is recognised and changes nothing.
    let (again, created) = processor.store_event(completed_body.as_bytes()).await?;
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

    // 4. Anyone who learns the webhook URL can post a "completed" event:
    // ATH Móvil does not know this payment, so it is flagged and changes nothing.
    let forged = completed("00000000-0000-4000-8000-000000000000", reference.as_str());
    let (forged, _) = processor.store_event(forged.as_bytes()).await?;
    assert!(matches!(
        processor.process(&forged).await?,
        ProcessOutcome::Flagged(_)
    ));
    println!("forged event flagged");

    // 5. A refund made elsewhere (the ATH Business app, not this store) is
    // recorded on the payment once ATH Móvil's report shows it.
    let receipt = gateway
        .refund(&RefundOrder {
            reference_number: reference.clone(),
            amount: "1.00".parse()?,
            message: RefundMessage::default(),
        })
        .await?;
    let refund_reference = receipt
        .refund
        .reference_number
        .ok_or("a refund reference")?;
    // ATH Móvil's report has whole seconds: a refund is in it from the next one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let customer = record
        .payment
        .customer_phone
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let (refund, _) = processor
        .store_event(refund(refund_reference.as_str(), &customer).as_bytes())
        .await?;
    assert_eq!(processor.process(&refund).await?, ProcessOutcome::Applied);
    let record = store
        .payment(&PaymentKey::Ecommerce(id))
        .await?
        .ok_or("still there")?;
    assert_eq!(record.payment.total_refunded_amount.to_string(), "1.00");
    assert_eq!(record.refunds.len(), 1);
    println!("refund event applied: 1.00 refunded");

    // 6. Events of kinds athm does not act on are stored and marked processed.
    let (other, _) = processor.store_event(PAY_A_BUSINESS.as_bytes()).await?;
    assert_eq!(processor.process(&other).await?, ProcessOutcome::Ignored);

    // 7. The lifecycle events, committed with each change, reach your handler.
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
