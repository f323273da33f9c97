//! WebhookProcessor: storing raw events and applying each kind exactly once
//! (unverified here, the events' own figures standing in for ATH Móvil's:
//! what the trust gate adds is in `verify` and the `gate_*` modules).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use super::webhook_processor;
use super::{expect_batches, expect_steps};
use crate::model::{LifecycleKind, PaymentStatus};
use crate::ports::{MockAthmGateway, MockStore, PaymentKey, StepOutcome, StoreError};
use crate::services::{ProcessOutcome, WebhookError, WebhookProcessor};
use crate::test_support::{
    ECOMMERCE_ID, PAYMENT_REF, Row, amount, clock, completed_json, completed_payment, ecommerce_id,
    now, open_payment, payment_in, record, reference,
};
use crate::webhook::{EventKind, EventStatus, ParsedWebhook, WebhookEvent};

/// An unverified processor over `store`; any call to ATH Móvil would panic.
fn processor(store: MockStore) -> WebhookProcessor {
    webhook_processor(Arc::new(MockAthmGateway::new()), store, clock()).unverified()
}

/// The event `store_event` would have stored for `payload`.
pub(super) fn stored(payload: &Value) -> WebhookEvent {
    let body = payload.to_string();
    ParsedWebhook::parse(body.as_bytes())
        .expect("a readable payload")
        .to_event(body.as_bytes(), now())
}

fn ended_json(status: &str) -> Value {
    json!({"transactionType": "ecommerce", "status": status, "ecommerceId": ECOMMERCE_ID,
        "total": 25, "date": "2025-12-08 16:40:52"})
}

/// Whether `key` is `name` followed by 16 hex digits of the body's digest.
fn is_keyed(key: &str, name: &str) -> bool {
    key.strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|digest| digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `record_event_outcome(event, status)` is expected `times` times.
fn expect_outcome(store: &mut MockStore, event: &WebhookEvent, status: EventStatus, times: usize) {
    let id = event.id;
    store
        .expect_record_event_outcome()
        .withf(move |i, s, _, at| (*i, *s, *at) == (id, status, now()))
        .times(times)
        .returning(|_, _, _, _| Ok(()));
}

/// Processes `payload` against `row`; an unchanged event must be marked processed.
pub(super) async fn process(payload: &Value, row: &Row) -> ProcessOutcome {
    let event = stored(payload);
    let mut store = MockStore::new();
    expect_steps(&mut store, row, 1);
    let before = row.writes().len();
    let marked = Arc::new(AtomicBool::new(false));
    let seen = marked.clone();
    let id = event.id;
    store
        .expect_record_event_outcome()
        .withf(move |i, s, e, _| *i == id && *s == EventStatus::Processed && e.is_none())
        .times(0..=1)
        .returning(move |_, _, _, _| {
            seen.store(true, Ordering::Relaxed);
            Ok(())
        });
    let outcome = processor(store).process(&event).await.unwrap();
    let written = row.writes().len() > before;
    let marked = marked.load(Ordering::Relaxed);
    match outcome {
        ProcessOutcome::Applied => {
            assert!(
                written && !marked,
                "an applied event is marked in its own step"
            );
            assert_eq!(row.writes().last().unwrap().processed_event, Some(event.id));
        }
        _ => assert!(
            !written && marked,
            "{outcome:?} writes nothing but the mark"
        ),
    }
    outcome
}

#[tokio::test]
async fn store_event_keeps_a_valid_body_pending_under_its_idempotency_key() {
    let body = completed_json().to_string();
    let mut store = MockStore::new();
    let expected_body = body.clone();
    store
        .expect_insert_webhook_event()
        .withf(move |e| {
            e.status == EventStatus::Pending
                && e.kind == EventKind::EcommerceCompleted
                && is_keyed(
                    &e.idempotency_key,
                    &format!("ecommerce:{ECOMMERCE_ID}:completed"),
                )
                && e.ecommerce_id == Some(ecommerce_id())
                && e.reference_number == Some(reference(PAYMENT_REF))
                && e.payload == expected_body
                && e.received_at == now()
                && e.attempts == 0
        })
        .times(1)
        .returning(|e| Ok((e.clone(), true)));

    let (event, created) = processor(store).store_event(body.as_bytes()).await.unwrap();

    assert!(created);
    assert_eq!(event.kind, EventKind::EcommerceCompleted);
}

#[tokio::test]
async fn store_event_keeps_a_malformed_body_flagged_for_audit() {
    let mut store = MockStore::new();
    store
        .expect_insert_webhook_event()
        .withf(|e| {
            e.status == EventStatus::Flagged
                && e.kind == EventKind::Malformed
                && e.idempotency_key.starts_with("malformed:")
                && e.payload == "{\"total\": "
                && e.error
                    .as_deref()
                    .is_some_and(|m| m.contains("not valid JSON"))
        })
        .times(1)
        .returning(|e| Ok((e.clone(), true)));

    let (event, _) = processor(store).store_event(b"{\"total\": ").await.unwrap();

    assert_eq!(event.status, EventStatus::Flagged);
}

#[tokio::test]
async fn store_event_reports_a_duplicate_as_not_created() {
    let first = stored(&completed_json());
    let mut store = MockStore::new();
    let existing = first.clone();
    store
        .expect_insert_webhook_event()
        .returning(move |_| Ok((existing.clone(), false)));

    let (event, created) = processor(store)
        .store_event(completed_json().to_string().as_bytes())
        .await
        .unwrap();

    assert!(!created);
    assert_eq!(event.id, first.id);
}

#[tokio::test]
async fn store_event_fails_when_the_event_cannot_be_stored() {
    let mut store = MockStore::new();
    store
        .expect_insert_webhook_event()
        .returning(|_| Err(StoreError::Database("disk full".into())));

    let err = processor(store).store_event(b"{}").await.unwrap_err();

    assert!(matches!(err, WebhookError::Store(StoreError::Database(_))));
}

#[tokio::test]
async fn a_completed_event_creates_a_payment_we_never_saw_with_its_client() {
    let row = Row::new(None);
    let event = stored(&completed_json());
    let mut store = MockStore::new();
    let r = row.clone();
    store
        .expect_update_payment()
        .withf(|key, _| *key == PaymentKey::Ecommerce(ecommerce_id()))
        .times(1)
        .returning(move |_, decide| r.apply(decide));
    store.expect_record_event_outcome().never();

    let outcome = processor(store).process(&event).await.unwrap();

    assert_eq!(outcome, ProcessOutcome::Applied);
    let write = &row.writes()[0];
    assert_eq!(write.processed_event, Some(event.id));
    let payment = &write.payment;
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(payment.total, amount("25.00"));
    assert_eq!(payment.reference_number, Some(reference(PAYMENT_REF)));
    assert_eq!(payment.auth_token, None);
    let kinds: Vec<_> = write.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LifecycleKind::PaymentCompleted]);
    let client = write.client.as_ref().unwrap();
    assert_eq!(client.phone.as_str(), "7875551234");
    assert_eq!(client.name, "Test Customer");
    assert_eq!(client.email, "customer@example.com");
}

#[tokio::test]
async fn a_completed_event_is_authoritative_over_open_cancel_and_expired() {
    for status in [
        PaymentStatus::Open,
        PaymentStatus::Confirm,
        PaymentStatus::Cancel,
        PaymentStatus::Expired,
    ] {
        let row = Row::new(Some(record(payment_in(status))));

        assert_eq!(
            process(&completed_json(), &row).await,
            ProcessOutcome::Applied
        );

        let write = &row.writes()[0];
        assert_eq!(
            write.payment.status,
            PaymentStatus::Completed,
            "from {status}"
        );
        assert_eq!(write.events.len(), 1, "from {status}");
        assert_eq!(write.events[0].kind, LifecycleKind::PaymentCompleted);
        assert!(write.client.is_some());
    }
}

#[tokio::test]
async fn a_duplicate_completion_changes_nothing_and_announces_nothing() {
    let row = Row::new(Some(record(completed_payment())));
    assert_eq!(
        process(&completed_json(), &row).await,
        ProcessOutcome::Unchanged
    );
}

#[tokio::test]
async fn the_completion_is_announced_once_even_when_later_details_change() {
    let row = Row::new(Some(record(open_payment())));
    assert_eq!(
        process(&completed_json(), &row).await,
        ProcessOutcome::Applied
    );
    let mut later = completed_json();
    later["fee"] = json!(0.08);
    later["status"] = json!("completed"); // another spelling, the same event kind

    assert_eq!(process(&later, &row).await, ProcessOutcome::Applied);

    let writes = row.writes();
    assert_eq!(writes[1].payment.fee, Some(amount("0.08")));
    assert!(writes[1].events.is_empty());
    let announced = writes.iter().flat_map(|w| &w.events).count();
    assert_eq!(announced, 1);
}

#[tokio::test]
async fn cancelled_and_expired_events_end_a_waiting_payment_in_any_case() {
    let cases = [
        (
            "cancelled",
            PaymentStatus::Cancel,
            LifecycleKind::PaymentCancelled,
        ),
        (
            "CANCEL",
            PaymentStatus::Cancel,
            LifecycleKind::PaymentCancelled,
        ),
        (
            "expired",
            PaymentStatus::Expired,
            LifecycleKind::PaymentExpired,
        ),
        (
            "EXPIRED",
            PaymentStatus::Expired,
            LifecycleKind::PaymentExpired,
        ),
    ];
    for (text, status, kind) in cases {
        for from in [PaymentStatus::Open, PaymentStatus::Confirm] {
            let row = Row::new(Some(record(payment_in(from))));

            assert_eq!(
                process(&ended_json(text), &row).await,
                ProcessOutcome::Applied
            );

            let write = &row.writes()[0];
            assert_eq!(write.payment.status, status, "{text} from {from}");
            assert_eq!(write.events[0].kind, kind);
            assert_eq!(write.client, None);
        }
    }
}

#[tokio::test]
async fn cancelled_and_expired_events_are_ignored_once_terminal_or_for_unknown_payments() {
    for text in ["cancelled", "EXPIRED"] {
        for from in [
            PaymentStatus::Completed,
            PaymentStatus::Cancel,
            PaymentStatus::Expired,
        ] {
            let row = Row::new(Some(record(payment_in(from))));
            let outcome = process(&ended_json(text), &row).await;
            assert_eq!(outcome, ProcessOutcome::Unchanged, "{text} on {from}");
        }
        let unknown = Row::new(None);
        assert_eq!(
            process(&ended_json(text), &unknown).await,
            ProcessOutcome::Unchanged
        );
        assert_eq!(unknown.record(), None);
    }
}

#[tokio::test]
async fn payment_donation_simulated_and_unknown_events_are_ignored_and_marked_processed() {
    let payloads = [
        json!({"transactionType": "payment", "status": "completed", "referenceNumber": "402894d5-a", "total": "5.00"}),
        json!({"transactionType": "DONATION", "status": "completed", "referenceNumber": "402894d5-b", "total": "5.00"}),
        json!({"transactionType": "simulated", "status": "completed", "total": "1.00"}),
        json!({"transactionType": "donation", "status": "completed", "total": "5.00"}),
        json!({"transactionType": "ecommerce", "status": "OPEN", "ecommerceId": ECOMMERCE_ID}),
        json!({"transactionType": "transfer", "status": "completed", "referenceNumber": "402894d5-c"}),
    ];
    for payload in payloads {
        let event = stored(&payload);
        let mut store = MockStore::new();
        store.expect_update_payment().never();
        expect_outcome(&mut store, &event, EventStatus::Processed, 1);

        let outcome = processor(store).process(&event).await.unwrap();

        assert_eq!(outcome, ProcessOutcome::Ignored, "{payload}");
    }
}

#[tokio::test]
async fn an_already_processed_event_is_not_touched() {
    let mut event = stored(&completed_json());
    event.status = EventStatus::Processed;
    let store = MockStore::new(); // any call would panic

    let outcome = processor(store).process(&event).await.unwrap();

    assert_eq!(outcome, ProcessOutcome::AlreadyProcessed);
}

#[tokio::test]
async fn a_flagged_event_is_processed_again() {
    let row = Row::new(Some(record(open_payment())));
    let mut event = stored(&completed_json());
    event.status = EventStatus::Flagged;
    event.error = Some("looked forged".into());
    let mut store = MockStore::new();
    expect_steps(&mut store, &row, 1);

    let outcome = processor(store).process(&event).await.unwrap();

    assert_eq!(outcome, ProcessOutcome::Applied);
    assert_eq!(row.writes()[0].processed_event, Some(event.id));
}

#[tokio::test]
async fn an_unverified_processor_takes_the_event_s_figures_without_asking_ath_movil() {
    let row = Row::new(Some(record(open_payment())));
    let mut event = completed_json();
    event["fee"] = json!(0.99);
    assert!(!processor(MockStore::new()).is_verified());

    assert_eq!(process(&event, &row).await, ProcessOutcome::Applied);

    assert_eq!(row.record().unwrap().payment.fee, Some(amount("0.99")));
}

#[tokio::test]
async fn a_failed_event_runs_again() {
    let row = Row::new(Some(record(open_payment())));
    let mut event = stored(&completed_json());
    event.status = EventStatus::Failed;
    event.attempts = 1;
    let mut store = MockStore::new();
    expect_steps(&mut store, &row, 1);

    let outcome = processor(store).process(&event).await.unwrap();

    assert_eq!(outcome, ProcessOutcome::Applied);
    assert_eq!(
        row.record().unwrap().payment.status,
        PaymentStatus::Completed
    );
}

#[tokio::test]
async fn a_store_failure_is_recorded_as_failed_and_returned() {
    let event = stored(&completed_json());
    let mut store = MockStore::new();
    store
        .expect_update_payment()
        .times(1)
        .returning(|_, _| Err(StoreError::Database("connection reset".into())));
    let id = event.id;
    store
        .expect_record_event_outcome()
        .withf(move |i, s, e, _| {
            *i == id
                && *s == EventStatus::Failed
                && e.as_deref().is_some_and(|m| m.contains("connection reset"))
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));

    let err = processor(store).process(&event).await.unwrap_err();

    assert!(matches!(err, WebhookError::Store(StoreError::Database(_))));
}

#[tokio::test]
async fn an_unchanged_event_whose_mark_fails_is_an_error() {
    let row = Row::new(Some(record(completed_payment())));
    let event = stored(&completed_json());
    let mut store = MockStore::new();
    expect_steps(&mut store, &row, 1);
    store
        .expect_record_event_outcome()
        .returning(|_, _, _, _| Err(StoreError::Database("gone".into())));

    assert!(processor(store).process(&event).await.is_err());
}

#[tokio::test]
async fn an_unreadable_or_anonymous_pending_event_is_flagged() {
    let mut unreadable = stored(&completed_json());
    unreadable.payload = "not json".into();
    let anonymous = stored(&json!({"transactionType": "ecommerce", "status": "completed"}));
    for event in [unreadable, anonymous] {
        let mut store = MockStore::new();
        store.expect_update_payment().never();
        expect_outcome(&mut store, &event, EventStatus::Flagged, 1);

        let outcome = processor(store).process(&event).await.unwrap();

        assert!(matches!(outcome, ProcessOutcome::Flagged(_)), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_late_completed_event_never_reopens_a_refunded_amount() {
    let mut payment = completed_payment();
    payment.follow_refunded_total(amount("10.00"), now());
    let row = Row::new(Some(record(payment)));

    // its totalRefundedAmount is 0: it was sent before the refund
    assert_eq!(
        process(&completed_json(), &row).await,
        ProcessOutcome::Unchanged
    );

    assert_eq!(
        row.record().unwrap().payment.total_refunded_amount,
        amount("10.00")
    );
}

#[tokio::test]
async fn process_pending_claims_the_events_then_processes_each() {
    let row = Row::new(Some(record(open_payment())));
    let mut failed = stored(&completed_json());
    failed.status = EventStatus::Failed;
    let claimed = vec![failed];
    let mut store = MockStore::new();
    store
        .expect_claim_events_to_retry()
        .withf(|limit, received_before, at, lease| {
            (*limit, *received_before, *at, *lease)
                == (
                    50,
                    now() - chrono::Duration::seconds(10),
                    now(),
                    chrono::Duration::seconds(300),
                )
        })
        .times(1)
        .returning(move |_, _, _, _| Ok(claimed.clone()));
    expect_batches(&mut store, &row, 1);

    let min_age = chrono::Duration::seconds(WebhookProcessor::RECOVERY_MIN_AGE_SECS);
    let done = processor(store).process_pending(50, min_age).await.unwrap();

    assert_eq!((done.processed, done.flagged, done.failed), (1, 0, 0));
    assert_eq!(
        row.record().unwrap().payment.status,
        PaymentStatus::Completed
    );
}

#[tokio::test]
async fn process_pending_fails_when_the_claim_fails() {
    let mut store = MockStore::new();
    store
        .expect_claim_events_to_retry()
        .returning(|_, _, _, _| Err(StoreError::Database("down".into())));

    let result = processor(store)
        .process_pending(50, chrono::Duration::zero())
        .await;

    assert!(matches!(result, Err(WebhookError::Store(_))), "{result:?}");
}

#[tokio::test]
async fn process_batch_writes_every_step_in_one_call_and_records_the_rest_in_order() {
    let row = Row::new(Some(record(open_payment())));
    let completed = stored(&completed_json());
    let ignored =
        stored(&json!({"transactionType": "donation", "status": "completed", "total": "5.00"}));
    let mut processed = stored(&ended_json("CANCEL"));
    processed.status = EventStatus::Processed;
    let error = ParsedWebhook::parse(b"{").expect_err("unreadable");
    let mut unreadable = ParsedWebhook::malformed_event(b"{", &error, now());
    unreadable.status = EventStatus::Pending;
    let mut store = MockStore::new();
    let r = row.clone();
    store
        .expect_update_payments()
        .withf(|steps| steps.len() == 1 && steps[0].key == PaymentKey::Ecommerce(ecommerce_id()))
        .times(1)
        .returning(move |steps| steps.iter().map(|s| r.apply(&*s.decide)).collect());
    expect_outcome(&mut store, &ignored, EventStatus::Processed, 1);
    expect_outcome(&mut store, &unreadable, EventStatus::Flagged, 1);

    let events = [&ignored, &completed, &processed, &unreadable]
        .into_iter()
        .map(|e| (e.clone(), None))
        .collect();
    let outcomes = processor(store).process_batch(events).await;

    let got: Vec<_> = outcomes
        .iter()
        .map(|(event, outcome)| (event.id, outcome.as_ref().ok().cloned()))
        .collect();
    assert_eq!(got[0], (ignored.id, Some(ProcessOutcome::Ignored)));
    assert_eq!(got[1], (completed.id, Some(ProcessOutcome::Applied)));
    assert_eq!(
        got[2],
        (processed.id, Some(ProcessOutcome::AlreadyProcessed))
    );
    assert!(matches!(got[3], (id, Some(ProcessOutcome::Flagged(_))) if id == unreadable.id));
    let payment = row.record().unwrap().payment;
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(row.writes()[0].processed_event, Some(completed.id));
}

#[tokio::test]
async fn a_batch_step_the_store_did_not_answer_fails_its_event_instead_of_shifting() {
    let first = stored(&completed_json());
    let second = stored(&ended_json("CANCEL"));
    let mut store = MockStore::new();
    store
        .expect_update_payments()
        .times(1)
        .returning(|_| vec![Ok(StepOutcome::default())]);
    expect_outcome(&mut store, &first, EventStatus::Processed, 1);
    expect_outcome(&mut store, &second, EventStatus::Failed, 1);

    let outcomes = processor(store)
        .process_batch(vec![(first, None), (second, None)])
        .await;

    assert_eq!(
        outcomes[0].1.as_ref().ok(),
        Some(&ProcessOutcome::Unchanged)
    );
    assert!(matches!(
        outcomes[1].1,
        Err(WebhookError::Store(StoreError::Corrupt(_)))
    ));
}
