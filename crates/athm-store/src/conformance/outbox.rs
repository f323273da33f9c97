//! The lifecycle outbox: order, delivery records, claims and backoff.

use std::collections::HashSet;
use std::sync::Arc;

use athm_domain::ports::{
    PaymentKey, PaymentRecord, PaymentWrite, Store, StoreError, StoredLifecycleEvent,
};
use athm_domain::{EcommerceId, LifecycleEvent, LifecycleKind};
use chrono::Duration;

use super::fixtures::{amount, at, payment, reference};

/// The lease the cases claim with.
fn lease() -> Duration {
    Duration::seconds(60)
}

/// Stores a payment with these lifecycle events (occurring at `at(1)`, `at(2)`…); returns its id.
async fn with_events(
    store: &dyn Store,
    kinds: &[LifecycleKind],
) -> (EcommerceId, Vec<LifecycleEvent>) {
    let p = payment("1499.99", 0);
    let events: Vec<_> = kinds
        .iter()
        .zip(1..)
        .map(|(kind, secs)| LifecycleEvent {
            kind: *kind,
            ecommerce_id: p.ecommerce_id,
            reference_number: Some(reference("ref-9")),
            amount: amount("1499.99"),
            occurred_at: at(secs),
        })
        .collect();
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
    (p.ecommerce_id, events)
}

const THREE: [LifecycleKind; 3] = [
    LifecycleKind::PaymentCompleted,
    LifecycleKind::RefundSent,
    LifecycleKind::PaymentCancelled,
];

fn ids(events: &[StoredLifecycleEvent]) -> Vec<i64> {
    events.iter().map(|s| s.id).collect()
}

/// Events come back in the order written; a delivery error is counted and
/// backs the event off `attempts²` seconds, with the payment's later events
/// behind it; a success removes the event from the outbox.
pub async fn outbox_keeps_order_and_records_delivery(store: Arc<dyn Store>) {
    let (_, events) = with_events(store.as_ref(), &THREE).await;
    let stored = store
        .claim_lifecycle_events(10, at(5), lease())
        .await
        .expect("claim");
    let got: Vec<_> = stored.iter().map(|s| s.event.clone()).collect();
    assert_eq!(got, events);
    assert!(stored.windows(2).all(|w| w[0].id < w[1].id));
    assert!(
        stored
            .iter()
            .all(|s| s.attempts == 0 && s.last_error.is_none())
    );

    store
        .record_lifecycle_delivery(stored[0].id, None, at(10))
        .await
        .expect("delivery");
    store
        .record_lifecycle_delivery(stored[1].id, Some("subscriber down".into()), at(10))
        .await
        .expect("failed delivery");
    assert_eq!(
        store
            .claim_lifecycle_events(10, at(10), lease())
            .await
            .expect("claim"),
        vec![],
        "the failed event backs off 1 s, the third waits behind it"
    );
    let left = store
        .claim_lifecycle_events(10, at(11), lease())
        .await
        .expect("claim");
    assert_eq!(ids(&left), ids(&stored[1..]));
    assert_eq!(left[0].attempts, 1);
    assert_eq!(left[0].last_error.as_deref(), Some("subscriber down"));

    // A second failure: 4 s of backoff.
    store
        .record_lifecycle_delivery(left[0].id, Some("still down".into()), at(12))
        .await
        .expect("failed delivery");
    for (secs, offered) in [(15, 0), (16, 2)] {
        let got = store
            .claim_lifecycle_events(10, at(secs), lease())
            .await
            .expect("claim");
        assert_eq!(got.len(), offered, "at {secs} s");
    }
    let err = store
        .record_lifecycle_delivery(i64::MAX, None, at(12))
        .await
        .expect_err("unknown id");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

/// A claim offers at most `limit` events, each once until its lease ends;
/// when the lease ends unrecorded, the event is offered again.
pub async fn a_claim_is_offered_again_once_its_lease_ends(store: Arc<dyn Store>) {
    let (_, _) = with_events(store.as_ref(), &THREE).await;
    let first = store
        .claim_lifecycle_events(1, at(0), Duration::seconds(30))
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    assert_eq!(
        store
            .claim_lifecycle_events(10, at(29), lease())
            .await
            .expect("claim"),
        vec![],
        "the first event is claimed, the others wait behind it"
    );
    let again = store
        .claim_lifecycle_events(10, at(30), lease())
        .await
        .expect("claim");
    assert_eq!(
        again.len(),
        3,
        "the lease ended: the whole queue is offered"
    );
    assert_eq!(again[0], first[0]);
}

/// A delivered event is never offered again, whatever the time.
pub async fn delivered_events_are_never_offered_again(store: Arc<dyn Store>) {
    let (_, _) = with_events(store.as_ref(), &THREE).await;
    let claimed = store
        .claim_lifecycle_events(10, at(0), Duration::seconds(1))
        .await
        .expect("claim");
    for event in &claimed {
        store
            .record_lifecycle_delivery(event.id, None, at(0))
            .await
            .expect("delivered");
    }
    for secs in [0, 2, 86_400 * 365] {
        assert_eq!(
            store
                .claim_lifecycle_events(10, at(secs), lease())
                .await
                .expect("claim"),
            vec![]
        );
    }
}

/// A payment's later event is not offered while an earlier one is claimed
/// by someone else; other payments' events are.
pub async fn a_later_event_waits_while_an_earlier_one_is_claimed_elsewhere(store: Arc<dyn Store>) {
    let (first, _) = with_events(store.as_ref(), &THREE[..2]).await;
    let (second, _) = with_events(store.as_ref(), &THREE[..1]).await;
    let one = store
        .claim_lifecycle_events(1, at(0), lease())
        .await
        .expect("claim");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].event.ecommerce_id, first);
    let other = store
        .claim_lifecycle_events(10, at(0), lease())
        .await
        .expect("claim");
    assert_eq!(other.len(), 1, "{other:?}");
    assert_eq!(other[0].event.ecommerce_id, second);
    store
        .record_lifecycle_delivery(one[0].id, None, at(1))
        .await
        .expect("delivered");
    let next = store
        .claim_lifecycle_events(10, at(1), lease())
        .await
        .expect("claim");
    assert_eq!(
        next.len(),
        1,
        "the second event of the first payment is now first"
    );
    assert_eq!(next[0].event.kind, LifecycleKind::RefundSent);
}

/// Claimers racing at the same instant get disjoint sets, never two
/// claimers holding events of one payment; claiming and delivering until
/// the outbox is empty delivers every event exactly once.
pub async fn concurrent_claimers_get_disjoint_sets(store: Arc<dyn Store>) {
    const PAYMENTS: usize = 12;
    const CLAIMERS: usize = 6;
    for _ in 0..PAYMENTS {
        with_events(store.as_ref(), &THREE).await;
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(CLAIMERS));
    let tasks: Vec<_> = (0..CLAIMERS)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.claim_lifecycle_events(5, at(0), lease()).await
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let mut owners = std::collections::HashMap::new();
    for (n, task) in tasks.into_iter().enumerate() {
        let claimed = task.await.expect("no panic").expect("claim");
        for event in claimed {
            assert!(seen.insert(event.id), "event {} claimed twice", event.id);
            let owner = owners.entry(event.event.ecommerce_id).or_insert(n);
            assert_eq!(*owner, n, "two claimers hold events of one payment");
        }
    }
    assert!(!seen.is_empty());

    // Deliver everything, claimers racing round after round.
    let delivered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..CLAIMERS)
        .map(|_| {
            let (store, delivered) = (store.clone(), delivered.clone());
            tokio::spawn(async move {
                loop {
                    // The first round's claims have ended by `at(61)`.
                    let claimed = store
                        .claim_lifecycle_events(4, at(61), lease())
                        .await
                        .expect("claim");
                    if claimed.is_empty() {
                        return;
                    }
                    for event in claimed {
                        store
                            .record_lifecycle_delivery(event.id, None, at(61))
                            .await
                            .expect("delivered");
                        delivered
                            .lock()
                            .expect("not poisoned")
                            .push((event.id, event.event.ecommerce_id));
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("no panic");
    }
    let delivered = delivered.lock().expect("not poisoned").clone();
    let unique: HashSet<_> = delivered.iter().map(|(id, _)| *id).collect();
    assert_eq!(delivered.len(), PAYMENTS * THREE.len(), "each event once");
    assert_eq!(unique.len(), delivered.len());
    assert_eq!(
        store
            .claim_lifecycle_events(10, at(1_000), lease())
            .await
            .expect("claim"),
        vec![]
    );
}
