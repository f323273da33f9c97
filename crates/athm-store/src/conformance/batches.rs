//! Batches: `update_payments` (many steps, one transaction) and
//! `record_lifecycle_deliveries`.

use std::sync::Arc;

use athm_domain::ports::{
    PaymentKey, PaymentRecord, PaymentStep, PaymentWrite, StepOutcome, Store, StoreError,
};
use athm_domain::webhook::EventStatus;
use athm_domain::{ClientUpdate, LifecycleEvent, LifecycleKind, Payment, PaymentStatus, RuleError};
use chrono::Duration;

use super::fixtures::{at, payment, phone, reference, webhook_event};

/// A step that writes `p` (ignoring what is stored), with `extra` applied to the write.
fn write(p: &Payment, extra: impl Fn(&mut PaymentWrite) + Send + Sync + 'static) -> PaymentStep {
    let p = p.clone();
    PaymentStep::new(PaymentKey::Ecommerce(p.ecommerce_id), move |_| {
        let mut w = PaymentWrite::payment(p.clone());
        extra(&mut w);
        Ok(Some(w))
    })
}

fn completed_event(p: &Payment) -> LifecycleEvent {
    LifecycleEvent {
        kind: LifecycleKind::PaymentCompleted,
        ecommerce_id: p.ecommerce_id,
        reference_number: p.reference_number.clone(),
        amount: p.total,
        occurred_at: p.updated_at,
    }
}

/// Steps run in order, each seeing what the earlier ones wrote (by ecommerce
/// id and by a reference number written earlier in the batch); a refusal or
/// a no-op writes nothing and the other steps commit; clients, outbox rows
/// and processed webhook events are all written.
pub async fn a_batch_runs_steps_in_order_each_seeing_the_last(store: Arc<dyn Store>) {
    let mut first = payment("10.00", 0);
    first.customer_phone = Some(phone(1));
    let mut second = payment("20.00", 1);
    second.reference_number = Some(reference("ref-b"));
    let webhook = webhook_event("batch-1", Some(first.ecommerce_id), 0);
    store.insert_webhook_event(&webhook).await.expect("insert");

    let client = |name: &str, email: &str| ClientUpdate {
        phone: phone(1),
        name: name.to_string(),
        email: email.to_string(),
    };
    let (ana, ana_mail) = (client("Ana", ""), client("", "ana@example.com"));
    let created_event = completed_event(&first);
    let webhook_id = webhook.id;
    let steps = vec![
        write(&first, move |w| {
            w.client = Some(ana.clone());
            w.events = vec![created_event.clone()];
            w.processed_event = Some(webhook_id);
        }),
        PaymentStep::new(PaymentKey::Ecommerce(first.ecommerce_id), move |record| {
            let mut p = record.expect("the first step's payment").payment.clone();
            p.confirm(at(5))?;
            let mut w = PaymentWrite::payment(p);
            w.client = Some(ana_mail.clone());
            Ok(Some(w))
        }),
        write(&second, |_| {}),
        PaymentStep::new(PaymentKey::Reference(reference("ref-b")), |record| {
            let mut p = record
                .expect("found by the reference written earlier")
                .payment
                .clone();
            p.message = "seen".to_string();
            Ok(Some(PaymentWrite::payment(p)))
        }),
        PaymentStep::new(PaymentKey::Ecommerce(first.ecommerce_id), |record| {
            Err(RuleError::NotOpen(record.expect("exists").payment.status))
        }),
        PaymentStep::new(PaymentKey::Ecommerce(second.ecommerce_id), |_| Ok(None)),
    ];
    let results = store.update_payments(&steps).await;
    assert_eq!(results.len(), 6);
    assert!(
        results[..4].iter().all(|r| matches!(
            r,
            Ok(StepOutcome {
                written: Some(_),
                ..
            })
        )),
        "{results:?}"
    );
    assert!(
        matches!(
            results[4],
            Err(StoreError::Rule(RuleError::NotOpen(PaymentStatus::Confirm)))
        ),
        "the refusal sees the confirmation: {:?}",
        results[4]
    );
    assert!(
        matches!(results[5], Ok(StepOutcome { written: None, .. })),
        "{:?}",
        results[5]
    );

    let first_key = PaymentKey::Ecommerce(first.ecommerce_id);
    let stored = store
        .payment(&first_key)
        .await
        .expect("load")
        .expect("created");
    assert_eq!(stored.payment.status, PaymentStatus::Confirm);
    assert_eq!(stored.payment.items, first.items, "items written once");
    let second_stored = store
        .payment(&PaymentKey::Reference(reference("ref-b")))
        .await
        .expect("load")
        .expect("created");
    assert_eq!(second_stored.payment.message, "seen");
    let merged = store
        .client(&phone(1))
        .await
        .expect("load")
        .expect("merged");
    assert_eq!(
        (merged.name.as_str(), merged.email.as_str()),
        ("Ana", "ana@example.com")
    );
    let outbox = store
        .claim_lifecycle_events(10, at(10), Duration::seconds(60))
        .await
        .expect("claim");
    let events: Vec<_> = outbox.into_iter().map(|s| s.event).collect();
    assert_eq!(events, vec![completed_event(&first)]);
    let processed = store
        .webhook_event(webhook.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        (processed.status, processed.attempts),
        (EventStatus::Processed, 1)
    );
}

/// A step that fails on writing (a reference number another payment holds)
/// gets its own error; the batch's other steps still commit.
pub async fn a_failing_step_does_not_sink_its_batch(store: Arc<dyn Store>) {
    let mut holder = payment("1.00", 0);
    holder.reference_number = Some(reference("ref-taken"));
    store.insert_payment(&holder).await.expect("insert");
    let mut clash = payment("2.00", 1);
    clash.reference_number = Some(reference("ref-taken"));
    let fine = payment("3.00", 2);
    let results = store
        .update_payments(&[write(&fine, |_| {}), write(&clash, |_| {})])
        .await;
    assert!(
        matches!(
            results[0],
            Ok(StepOutcome {
                written: Some(_),
                ..
            })
        ),
        "{:?}",
        results[0]
    );
    assert!(
        matches!(&results[1], Err(StoreError::Duplicate { key, .. }) if key == "ref-taken"),
        "{:?}",
        results[1]
    );
    for (p, exists) in [(&fine, true), (&clash, false)] {
        let found = store
            .payment(&PaymentKey::Ecommerce(p.ecommerce_id))
            .await
            .expect("load");
        assert_eq!(found.is_some(), exists, "{}", p.total);
    }
}

/// More steps than one transaction takes (300) are all applied, with their
/// items, clients (some phones shared) and outbox rows, in order.
pub async fn a_large_batch_applies_every_step(store: Arc<dyn Store>) {
    let payments: Vec<Payment> = (0..300)
        .map(|i| {
            let mut p = payment(&format!("{}.{:02}", 1 + i / 100, i % 100), i);
            p.reference_number = Some(reference(&format!("ref-{i}")));
            p
        })
        .collect();
    let steps: Vec<PaymentStep> = payments
        .iter()
        .zip(0u16..)
        .map(|(p, i)| {
            let event = completed_event(p);
            write(p, move |w| {
                w.client = Some(ClientUpdate {
                    phone: phone(i % 50),
                    name: format!("Client {i}"),
                    email: String::new(),
                });
                w.events = vec![event.clone()];
            })
        })
        .collect();
    let results = store.update_payments(&steps).await;
    assert!(results.iter().all(|r| matches!(
        r,
        Ok(StepOutcome {
            written: Some(_),
            ..
        })
    )));
    for p in [&payments[0], &payments[255], &payments[256], &payments[299]] {
        let stored = store
            .payment(&PaymentKey::Ecommerce(p.ecommerce_id))
            .await
            .expect("load")
            .expect("stored");
        assert_eq!(&stored.payment, p);
    }
    let client = store
        .client(&phone(7))
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(
        client.name, "Client 257",
        "the latest name wins across transactions"
    );
    let outbox = store
        .claim_lifecycle_events(1000, at(1000), Duration::seconds(60))
        .await
        .expect("claim");
    let got: Vec<_> = outbox.iter().map(|s| s.event.ecommerce_id).collect();
    let want: Vec<_> = payments.iter().map(|p| p.ecommerce_id).collect();
    assert_eq!(got, want, "outbox rows in step order");

    let ids: Vec<i64> = outbox.iter().map(|s| s.id).collect();
    store
        .record_lifecycle_deliveries(&ids, at(1001))
        .await
        .expect("deliveries");
    assert!(
        store
            .claim_lifecycle_events(1000, at(5000), Duration::seconds(60))
            .await
            .expect("claim")
            .is_empty(),
        "delivered events are never offered again"
    );
    let err = store
        .record_lifecycle_deliveries(&[ids[0], i64::MAX], at(1002))
        .await
        .expect_err("unknown id");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

/// A step that is refused while a later step of the batch reads its payment
/// as it was: nothing of the refused step is seen.
pub async fn a_refused_step_leaves_nothing_for_later_steps(store: Arc<dyn Store>) {
    let p = payment("5.00", 0);
    store.insert_payment(&p).await.expect("insert");
    let key = PaymentKey::Ecommerce(p.ecommerce_id);
    let steps = vec![
        PaymentStep::new(key.clone(), |_| {
            Err(RuleError::NotOpen(PaymentStatus::Open))
        }),
        PaymentStep::new(key.clone(), |record: Option<&PaymentRecord>| {
            let p = &record.expect("exists").payment;
            assert_eq!(p.status, PaymentStatus::Open, "untouched by the refusal");
            Ok(None)
        }),
    ];
    let results = store.update_payments(&steps).await;
    assert!(matches!(results[0], Err(StoreError::Rule(_))));
    assert!(matches!(results[1], Ok(StepOutcome { written: None, .. })));
}
