//! OutboxRelay: in-order, at-least-once delivery of lifecycle events.

use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::model::{EcommerceId, LifecycleEvent, LifecycleKind};
use crate::ports::{
    EventSinkError, MockClock, MockEventSink, MockStore, StoreError, StoredLifecycleEvent,
};
use crate::services::OutboxRelay;
use crate::test_support::{amount, clock, now};

fn payment(n: u128) -> EcommerceId {
    EcommerceId::new(Uuid::from_u128(n))
}

fn stored(id: i64, payment_no: u128, kind: LifecycleKind) -> StoredLifecycleEvent {
    StoredLifecycleEvent {
        id,
        event: LifecycleEvent {
            kind,
            ecommerce_id: payment(payment_no),
            reference_number: None,
            amount: amount("25.00"),
            occurred_at: now(),
        },
        attempts: 0,
        last_error: None,
    }
}

/// Payment 1 completed then refunded, payment 2 completed then refunded, interleaved.
fn outbox() -> Vec<StoredLifecycleEvent> {
    vec![
        stored(1, 1, LifecycleKind::PaymentCompleted),
        stored(2, 2, LifecycleKind::PaymentCompleted),
        stored(3, 1, LifecycleKind::RefundSent),
        stored(4, 2, LifecycleKind::RefundSent),
    ]
}

/// Runs the relay over [`outbox`] with a sink that fails for `failing` events
/// (by outbox id); returns what was delivered, published and recorded.
async fn relay(failing: &'static [i64]) -> (usize, Vec<i64>, Vec<(i64, Option<String>)>) {
    let mut store = MockStore::new();
    store
        .expect_claim_lifecycle_events()
        .withf(|limit, at, lease| {
            *limit == 100 && *at == now() && *lease == chrono::Duration::seconds(120)
        })
        .times(1)
        .returning(|_, _, _| Ok(outbox()));
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let log = recorded.clone();
    store
        .expect_record_lifecycle_delivery()
        .withf(|_, _, at| *at == now())
        .returning(move |id, error, _| {
            log.lock().unwrap().push((id, error));
            Ok(())
        });
    let log = recorded.clone();
    store
        .expect_record_lifecycle_deliveries()
        .withf(|_, at| *at == now())
        .returning(move |ids, _| {
            log.lock().unwrap().extend(ids.iter().map(|id| (*id, None)));
            Ok(())
        });
    let published = Arc::new(Mutex::new(Vec::new()));
    let seen = published.clone();
    let mut sink = MockEventSink::new();
    sink.expect_publish().returning(move |event| {
        let id = outbox()
            .into_iter()
            .find(|s| s.event == *event)
            .map(|s| s.id)
            .unwrap();
        seen.lock().unwrap().push(id);
        if failing.contains(&id) {
            Err(EventSinkError {
                message: "subscriber down".into(),
            })
        } else {
            Ok(())
        }
    });
    let delivered = OutboxRelay::new(Arc::new(store), Arc::new(sink), clock())
        .deliver_pending(100)
        .await
        .unwrap();
    let published = published.lock().unwrap().clone();
    let recorded = recorded.lock().unwrap().clone();
    (delivered, published, recorded)
}

#[tokio::test]
async fn every_event_is_delivered_in_outbox_order_and_recorded() {
    let (delivered, published, recorded) = relay(&[]).await;
    assert_eq!(delivered, 4);
    assert_eq!(published, [1, 2, 3, 4]);
    assert_eq!(recorded, [(1, None), (2, None), (3, None), (4, None)]);
}

#[tokio::test]
async fn a_failure_holds_back_later_events_of_that_payment_only() {
    let (delivered, published, recorded) = relay(&[1]).await;
    assert_eq!(delivered, 2);
    assert_eq!(
        published,
        [1, 2, 4],
        "event 3 (payment 1) waits for the next round"
    );
    let error = "the lifecycle event subscriber failed: subscriber down".to_string();
    assert_eq!(recorded, [(1, Some(error)), (2, None), (4, None)]);
}

#[tokio::test]
async fn an_empty_outbox_delivers_nothing() {
    let mut store = MockStore::new();
    store
        .expect_claim_lifecycle_events()
        .returning(|_, _, _| Ok(Vec::new()));
    let mut sink = MockEventSink::new();
    sink.expect_publish().never();

    let delivered = OutboxRelay::new(Arc::new(store), Arc::new(sink), clock())
        .deliver_pending(10)
        .await
        .unwrap();

    assert_eq!(delivered, 0);
}

#[tokio::test]
async fn a_store_failure_stops_the_round() {
    let mut store = MockStore::new();
    store
        .expect_claim_lifecycle_events()
        .returning(|_, _, _| Ok(outbox()));
    store
        .expect_record_lifecycle_delivery()
        .times(1)
        .returning(|_, _, _| Err(StoreError::Database("down".into())));
    let mut sink = MockEventSink::new();
    sink.expect_publish().times(1).returning(|_| {
        Err(EventSinkError {
            message: "subscriber down".into(),
        })
    });

    let result = OutboxRelay::new(Arc::new(store), Arc::new(sink), clock())
        .deliver_pending(10)
        .await;

    assert!(matches!(result, Err(StoreError::Database(_))));
}

#[tokio::test]
async fn a_round_stops_offering_events_once_half_its_lease_has_passed() {
    // The clock moves 20 s per reading; the lease is 60 s, so the round
    // starts at 0 s and stops offering at 30 s: events 1 (read at 20 s) and
    // 2 (read at 40 s... too late) — only event 1 is offered.
    let ticks = Arc::new(Mutex::new(0i64));
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || {
        let mut t = ticks.lock().unwrap();
        let at = now() + chrono::Duration::seconds(*t * 20);
        *t += 1;
        at
    });
    let mut store = MockStore::new();
    store
        .expect_claim_lifecycle_events()
        .withf(|_, at, lease| *at == now() && *lease == chrono::Duration::seconds(60))
        .returning(|_, _, _| Ok(outbox()));
    store
        .expect_record_lifecycle_deliveries()
        .withf(|ids, _| ids == [1])
        .times(1)
        .returning(|_, _| Ok(()));
    let mut sink = MockEventSink::new();
    sink.expect_publish().times(1).returning(|_| Ok(()));

    let relay = OutboxRelay::new(Arc::new(store), Arc::new(sink), Arc::new(clock))
        .with_lease(chrono::Duration::seconds(60));
    let delivered = relay.deliver_pending(10).await.unwrap();

    assert_eq!(delivered, 1, "the rest waits for its claim to end");
}

/// A store whose claim answers `claimed` and which keeps each batch of
/// recorded deliveries.
fn recording_batches(claimed: Vec<StoredLifecycleEvent>) -> (MockStore, Arc<Mutex<Vec<Vec<i64>>>>) {
    let mut store = MockStore::new();
    store
        .expect_claim_lifecycle_events()
        .returning(move |_, _, _| Ok(claimed.clone()));
    let batches = Arc::new(Mutex::new(Vec::new()));
    let log = batches.clone();
    store
        .expect_record_lifecycle_deliveries()
        .returning(move |ids, _| {
            log.lock().unwrap().push(ids.to_vec());
            Ok(())
        });
    (store, batches)
}

#[tokio::test]
async fn successes_are_recorded_in_batches() {
    let many: Vec<_> = (1..=OutboxRelay::RECORD_BATCH as i64 + 2)
        .map(|id| stored(id, 1, LifecycleKind::PaymentCompleted))
        .collect();
    let (store, batches) = recording_batches(many);
    let mut sink = MockEventSink::new();
    sink.expect_publish().returning(|_| Ok(()));

    let delivered = OutboxRelay::new(Arc::new(store), Arc::new(sink), clock())
        .deliver_pending(1000)
        .await
        .unwrap();

    let batches = batches.lock().unwrap().clone();
    assert_eq!(delivered, OutboxRelay::RECORD_BATCH + 2);
    let sizes: Vec<_> = batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, [OutboxRelay::RECORD_BATCH, 2]);
    let ids: Vec<i64> = batches.concat();
    assert_eq!(
        ids,
        (1..=OutboxRelay::RECORD_BATCH as i64 + 2).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_slow_sink_has_each_success_recorded_as_it_happens() {
    // Every clock reading is a second later: each delivery takes longer
    // than RECORD_WITHIN_MS, so none waits for the next to be recorded.
    let ticks = Arc::new(Mutex::new(0i64));
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || {
        let mut t = ticks.lock().unwrap();
        *t += 1;
        now() + chrono::Duration::seconds(*t)
    });
    let (store, batches) = recording_batches(outbox());
    let mut sink = MockEventSink::new();
    sink.expect_publish().returning(|_| Ok(()));

    let relay = OutboxRelay::new(Arc::new(store), Arc::new(sink), Arc::new(clock))
        .with_lease(chrono::Duration::seconds(600));
    assert_eq!(relay.deliver_pending(10).await.unwrap(), 4);

    assert_eq!(*batches.lock().unwrap(), [[1], [2], [3], [4]]);
}

#[test]
fn a_failed_event_waits_attempts_squared_seconds_at_most_an_hour() {
    use crate::model::redelivery_delay;
    assert_eq!(redelivery_delay(1), chrono::Duration::seconds(1));
    assert_eq!(redelivery_delay(3), chrono::Duration::seconds(9));
    assert_eq!(redelivery_delay(60), chrono::Duration::seconds(3600));
    assert_eq!(redelivery_delay(u32::MAX), chrono::Duration::seconds(3600));
}
