//! The lifecycle outbox.

use std::sync::Arc;

use athm_domain::ports::{PaymentKey, PaymentRecord, PaymentWrite, Store, StoreError};
use athm_domain::{LifecycleEvent, LifecycleKind};

use super::fixtures::{amount, at, payment, reference};

/// Events come back in the order written; a delivery error is counted, a
/// success removes the event from the undelivered list.
pub async fn outbox_keeps_order_and_records_delivery(store: Arc<dyn Store>) {
    let p = payment("1499.99", 0);
    let event = |kind, secs| LifecycleEvent {
        kind,
        ecommerce_id: p.ecommerce_id,
        reference_number: Some(reference("ref-9")),
        amount: amount("1499.99"),
        occurred_at: at(secs),
    };
    let events = vec![
        event(LifecycleKind::PaymentCompleted, 1),
        event(LifecycleKind::RefundSent, 2),
        event(LifecycleKind::PaymentCancelled, 3),
    ];
    let step = {
        let (p, events) = (p.clone(), events.clone());
        move |_: Option<&PaymentRecord>| {
            let mut w = PaymentWrite::payment(p.clone());
            w.events.clone_from(&events);
            Ok(Some(w))
        }
    };
    store
        .update_payment(&PaymentKey::Ecommerce(p.ecommerce_id), &step)
        .await
        .expect("step");
    let stored = store
        .undelivered_lifecycle_events(10)
        .await
        .expect("outbox");
    let got: Vec<_> = stored.iter().map(|s| s.event.clone()).collect();
    assert_eq!(got, events);
    assert!(stored.windows(2).all(|w| w[0].id < w[1].id));
    assert!(
        stored
            .iter()
            .all(|s| s.attempts == 0 && s.last_error.is_none())
    );

    store
        .record_lifecycle_delivery(stored[0].id, Some("subscriber down".into()), at(10))
        .await
        .expect("failed delivery");
    store
        .record_lifecycle_delivery(stored[1].id, None, at(11))
        .await
        .expect("delivery");
    let left = store
        .undelivered_lifecycle_events(10)
        .await
        .expect("outbox");
    assert_eq!(left.len(), 2);
    assert_eq!((left[0].id, left[0].attempts), (stored[0].id, 1));
    assert_eq!(left[0].last_error.as_deref(), Some("subscriber down"));
    assert_eq!(left[1].id, stored[2].id);
    assert_eq!(
        store
            .undelivered_lifecycle_events(1)
            .await
            .expect("outbox")
            .len(),
        1
    );
    let err = store
        .record_lifecycle_delivery(i64::MAX, None, at(12))
        .await
        .expect_err("unknown id");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}
