//! Webhook events: idempotent insert, outcomes, the retry queue.

use std::sync::Arc;

use athm_domain::WebhookEventId;
use athm_domain::ports::{PaymentKey, PaymentRecord, PaymentWrite, Store, StoreError};
use athm_domain::webhook::{EventStatus, WebhookEvent};
use chrono::Duration;

use super::fixtures::{at, ecommerce_id, insert_all, payment, webhook_event};

/// A batch insert answers in input order; a key already stored and a key
/// repeated within the batch resolve to the one stored event.
pub async fn a_batch_insert_answers_in_order_once_per_key(store: Arc<dyn Store>) {
    assert!(store.insert_webhook_events(&[]).await.is_empty());
    let known = webhook_event("batch:known", Some(ecommerce_id()), 0);
    let (known, _) = store.insert_webhook_event(&known).await.expect("insert");
    let first = webhook_event("batch:a", Some(ecommerce_id()), 1);
    let redelivered = webhook_event("batch:known", known.ecommerce_id, 2);
    let second = webhook_event("batch:b", None, 3);
    let first_again = webhook_event("batch:a", first.ecommerce_id, 4);
    let batch = [
        first.clone(),
        redelivered,
        second.clone(),
        first_again.clone(),
    ];
    let stored = insert_all(store.as_ref(), &batch).await;
    assert_eq!(
        stored,
        vec![
            (first.clone(), true),
            (known.clone(), false),
            (second.clone(), true),
            (first.clone(), false),
        ]
    );
    for event in [&first, &second, &known] {
        assert_eq!(
            store.webhook_event(event.id).await.expect("load").as_ref(),
            Some(event)
        );
    }
    assert_eq!(
        store.webhook_event(first_again.id).await.expect("load"),
        None
    );
    let redelivery: Vec<_> = batch
        .iter()
        .map(|event| WebhookEvent {
            id: WebhookEventId::random(),
            ..event.clone()
        })
        .collect();
    let again = insert_all(store.as_ref(), &redelivery).await;
    assert!(again.iter().all(|(_, created)| !created), "{again:?}");

    let many: Vec<_> = (0..300)
        .map(|i| webhook_event(&format!("batch:many:{i}"), None, 10 + i))
        .collect();
    let stored = insert_all(store.as_ref(), &many).await;
    assert_eq!(stored.len(), 300);
    assert!(
        stored
            .iter()
            .zip(&many)
            .all(|((stored, created), event)| *created && stored == event),
        "every event of a batch larger than one statement is stored, in order"
    );
}

/// A second event with a stored key is not stored and not an error.
pub async fn webhook_insert_is_idempotent(store: Arc<dyn Store>) {
    let id = ecommerce_id();
    let event = webhook_event("ecommerce:completed:1", Some(id), 0);
    let (stored, created) = store.insert_webhook_event(&event).await.expect("insert");
    assert!(created);
    assert_eq!(stored, event);
    let again = webhook_event("ecommerce:completed:1", Some(id), 5);
    let (stored, created) = store
        .insert_webhook_event(&again)
        .await
        .expect("redelivery");
    assert!(!created);
    assert_eq!(stored, event, "the first event is kept");
    assert_eq!(
        store.webhook_event(event.id).await.expect("load"),
        Some(event.clone())
    );
    assert_eq!(store.webhook_event(again.id).await.expect("load"), None);

    store
        .record_event_outcome(event.id, EventStatus::Failed, Some("boom".into()), at(6))
        .await
        .expect("outcome");
    let failed = store
        .webhook_event(event.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        (
            failed.status,
            failed.error.as_deref(),
            failed.attempts,
            failed.processed_at
        ),
        (EventStatus::Failed, Some("boom"), 1, None)
    );
    store
        .record_event_outcome(event.id, EventStatus::Processed, None, at(7))
        .await
        .expect("outcome");
    let done = store
        .webhook_event(event.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        (
            done.status,
            done.error.clone(),
            done.attempts,
            done.processed_at
        ),
        (EventStatus::Processed, None, 2, Some(at(7)))
    );
    let err = store
        .record_event_outcome(
            WebhookEventId::random(),
            EventStatus::Processed,
            None,
            at(8),
        )
        .await
        .expect_err("unknown event");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(
        store.events_for_payment(&id).await.expect("timeline"),
        vec![done]
    );
}

/// Pending and failed events come back oldest first, up to the limit, and
/// a flagged event once its next check is due.
pub async fn events_to_retry_are_pending_failed_or_due_flagged_oldest_first(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for (n, status) in [
        EventStatus::Failed,
        EventStatus::Processed,
        EventStatus::Pending,
        EventStatus::Flagged,
        EventStatus::Pending,
    ]
    .into_iter()
    .enumerate()
    {
        let secs = 100 - i64::try_from(n).expect("small") * 10;
        let event = webhook_event(&format!("key-{n}"), None, secs);
        store.insert_webhook_event(&event).await.expect("insert");
        if status != EventStatus::Pending {
            store
                .record_event_outcome(event.id, status, None, at(200))
                .await
                .expect("outcome");
        }
        ids.push(event.id);
    }
    let claim = |limit, received_before, now| {
        let store = store.clone();
        async move {
            store
                .claim_events_to_retry(limit, received_before, now, lease())
                .await
                .expect("retry")
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        }
    };
    // The flagged event (flagged at 200, its first attempt) is due at 210.
    assert_eq!(
        claim(1, at(300), at(205)).await,
        vec![ids[4]],
        "oldest first, up to the limit"
    );
    assert_eq!(
        claim(10, at(85), at(205)).await,
        vec![ids[2]],
        "only events received at or before the cut-off; claimed ones not twice; flagged ones not before their check"
    );
    assert_eq!(claim(10, at(300), at(205)).await, vec![ids[0]]);
    assert_eq!(
        claim(10, at(300), at(210)).await,
        vec![ids[3]],
        "a flagged event once its check is due"
    );
}

/// The lease the cases claim with.
pub(super) fn lease() -> Duration {
    Duration::seconds(60)
}

/// A claimed event is offered again when its lease ends, or at once when its
/// outcome is recorded as failed; never once processed.
pub async fn a_claimed_event_is_not_offered_until_its_lease_ends_or_its_outcome(
    store: Arc<dyn Store>,
) {
    let a = webhook_event("a", None, 0);
    let b = webhook_event("b", None, 1);
    for event in [&a, &b] {
        store.insert_webhook_event(event).await.expect("insert");
    }
    let claimed = store
        .claim_events_to_retry(10, at(10), at(10), lease())
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 2);
    assert!(
        store
            .claim_events_to_retry(10, at(69), at(69), lease())
            .await
            .expect("claim")
            .is_empty()
    );
    store
        .record_event_outcome(a.id, EventStatus::Failed, Some("boom".into()), at(20))
        .await
        .expect("outcome");
    store
        .record_event_outcome(b.id, EventStatus::Processed, None, at(20))
        .await
        .expect("outcome");
    let again = store
        .claim_events_to_retry(10, at(21), at(21), lease())
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].status), (a.id, EventStatus::Failed));
    let later = store
        .claim_events_to_retry(10, at(81), at(81), lease())
        .await
        .expect("claim");
    assert_eq!(later.len(), 1, "the lease of 21 s ended at 81 s");
    assert_eq!(later[0].id, a.id);
}

/// Recovery workers racing at one instant get disjoint sets.
pub async fn concurrent_recovery_claims_are_disjoint(store: Arc<dyn Store>) {
    const EVENTS: i64 = 30;
    const CLAIMERS: usize = 6;
    for n in 0..EVENTS {
        let event = webhook_event(&format!("key-{n}"), None, n);
        store.insert_webhook_event(&event).await.expect("insert");
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(CLAIMERS));
    let tasks: Vec<_> = (0..CLAIMERS)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut mine = Vec::new();
                loop {
                    let claimed = store
                        .claim_events_to_retry(3, at(100), at(100), lease())
                        .await
                        .expect("claim");
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|e| e.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("no panic"));
    }
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), usize::try_from(EVENTS).expect("small"));
    assert_eq!(unique.len(), all.len(), "no event claimed twice");
}

/// A step marks its webhook event processed; an unknown event undoes the step.
pub async fn a_step_marks_its_webhook_event_processed(store: Arc<dyn Store>) {
    let p = payment("4.00", 0);
    let event = webhook_event("k", Some(p.ecommerce_id), 0);
    store.insert_webhook_event(&event).await.expect("insert");
    let key = PaymentKey::Ecommerce(p.ecommerce_id);
    let step = |event_id: WebhookEventId| {
        let p = p.clone();
        move |_: Option<&PaymentRecord>| {
            let mut w = PaymentWrite::payment(p.clone());
            w.processed_event = Some(event_id);
            Ok(Some(w))
        }
    };
    let err = store
        .update_payment(&key, &step(WebhookEventId::random()))
        .await
        .expect_err("unknown event");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(
        store.payment(&key).await.expect("load").is_none(),
        "rolled back"
    );

    store
        .update_payment(&key, &step(event.id))
        .await
        .expect("step");
    let processed = store
        .webhook_event(event.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        (processed.status, processed.attempts),
        (EventStatus::Processed, 1)
    );
    assert!(processed.processed_at.is_some());
    assert!(store.payment(&key).await.expect("load").is_some());
}
