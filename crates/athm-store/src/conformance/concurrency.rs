//! Exactly-once processing under concurrent redeliveries.

use std::sync::Arc;

use athm_domain::ports::{ListQuery, PaymentKey, PaymentRecord, PaymentWrite, Store};
use athm_domain::{ClientUpdate, LifecycleKind, Payment, PaymentStatus, RuleError};

use super::fixtures::{at, completed, ecommerce_id, webhook_event};

/// Tasks that process the same event at once.
const TASKS: usize = 32;

/// 32 tasks store and apply the same "ecommerce completed" event at once,
/// for a payment not stored yet: one payment, completed once, one lifecycle
/// event, one client, no error.
pub async fn concurrent_deliveries_complete_a_payment_once(store: Arc<dyn Store>) {
    race(store, None).await;
}

/// The same race on a payment stored OPEN first: the row lock lets only
/// one task see it open, so it is completed (and announced) once.
pub async fn concurrent_deliveries_complete_an_open_payment_once(store: Arc<dyn Store>) {
    let mut open = super::fixtures::payment("1.00", 0);
    open.customer_phone = None;
    store.insert_payment(&open).await.expect("insert");
    race(store, Some(open)).await;
}

async fn race(store: Arc<dyn Store>, open: Option<Payment>) {
    let id = open.as_ref().map_or_else(ecommerce_id, |p| p.ecommerce_id);
    let remote = completed(id, "215070443-402894c185ab1be4", "1.00");
    let key = format!("ecommerce:completed:{id}");
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let (store, remote, key, barrier) =
                (store.clone(), remote.clone(), key.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let secs = i64::try_from(n).expect("small");
                let event = webhook_event(&key, Some(id), secs);
                let (stored, _) = store.insert_webhook_event(&event).await?;
                let event_id = stored.id;
                let now = at(1000 + secs);
                let decide = move |record: Option<&PaymentRecord>| -> Result<_, RuleError> {
                    let mut payment = match record {
                        Some(r) => r.payment.clone(),
                        None => Payment::from_remote(&remote, now).expect("an ecommerce id"),
                    };
                    let lifecycle = payment.complete(&remote, now);
                    let client = ClientUpdate::new(
                        payment.customer_phone.as_ref(),
                        &payment.customer_name,
                        &payment.customer_email,
                    );
                    Ok(Some(PaymentWrite {
                        payment,
                        refunds: Vec::new(),
                        client,
                        events: lifecycle.into_iter().collect(),
                        processed_event: Some(event_id),
                    }))
                };
                store
                    .update_payment(&PaymentKey::Ecommerce(id), &decide)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("the task did not panic")
            .expect("no task fails");
    }
    let payments = store
        .list_payments(&ListQuery::default())
        .await
        .expect("list");
    assert_eq!(payments.total, 1, "exactly one payment");
    assert_eq!(payments.items[0].status, PaymentStatus::Completed);
    let outbox = store
        .claim_lifecycle_events(100, at(0), chrono::Duration::seconds(60))
        .await
        .expect("outbox");
    assert_eq!(outbox.len(), 1, "completed once: {outbox:?}");
    assert_eq!(outbox[0].event.kind, LifecycleKind::PaymentCompleted);
    let clients = store
        .list_clients(&ListQuery::default())
        .await
        .expect("clients");
    assert_eq!(clients.total, 1, "one client");
    assert_eq!(clients.items[0].name, "Ana Ruiz");
    let events = store
        .list_webhook_events(&ListQuery::default())
        .await
        .expect("events");
    assert_eq!(events.total, 1, "one stored event");
    assert_eq!(
        events.items[0].status,
        athm_domain::webhook::EventStatus::Processed
    );
}
