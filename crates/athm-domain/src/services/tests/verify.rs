//! WebhookProcessor::new: every event that would change money is checked
//! with ATH Móvil; what it does not confirm is flagged, and checked again
//! when processed again.

use std::sync::Arc;

use serde_json::json;

use super::webhook_processor;
use super::{Books, Outcomes, refund_event};
use crate::model::{PaymentStatus, Refund, RefundStatus};
use crate::ports::{GatewayError, MockAthmGateway, MockStore, Operation, PaymentRecord};
use crate::services::{ProcessOutcome, WebhookError, WebhookProcessor};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_json, completed_payment, open_payment,
    record, reference, refund_of, remote_completed, remote_refund, remote_refunded, remote_status,
};
use crate::webhook::{EventStatus, WebhookEvent};

use super::webhook::stored;

fn processor(gateway: MockAthmGateway, books: &Books) -> (WebhookProcessor, Outcomes) {
    let (store, outcomes) = books.store();
    let processor = webhook_processor(Arc::new(gateway), store, clock());
    assert!(processor.is_verified());
    (processor, outcomes)
}

fn finds(remote: crate::model::AthmTransaction) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(1)
        .returning(move |_| Ok(remote.clone()));
    gateway
}

async fn process(
    gateway: MockAthmGateway,
    row: &Row,
    event: &WebhookEvent,
) -> (ProcessOutcome, Outcomes) {
    let (processor, outcomes) = processor(gateway, &Books::of(&[row]));
    let outcome = processor.process(event).await.expect("processed");
    (outcome, outcomes)
}

#[tokio::test]
async fn a_confirmed_completion_writes_ath_movil_s_figures_not_the_event_s() {
    let row = Row::new(Some(record(open_payment())));
    let mut forged = completed_json();
    forged["total"] = json!(1);
    forged["fee"] = json!(0.99);

    let (outcome, _) = process(finds(remote_completed()), &row, &stored(&forged)).await;

    assert_eq!(outcome, ProcessOutcome::Applied);
    let payment = row.record().unwrap().payment;
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(payment.total, amount("25.00"));
    assert_eq!(payment.fee, Some(amount("0.07")));
}

#[tokio::test]
async fn a_completion_ath_movil_contradicts_is_flagged_and_changes_nothing() {
    let row = Row::new(Some(record(open_payment())));

    let (outcome, outcomes) = process(
        finds(remote_status("OPEN")),
        &row,
        &stored(&completed_json()),
    )
    .await;

    let ProcessOutcome::Flagged(reason) = outcome else {
        panic!("not flagged: {outcome:?}")
    };
    assert!(reason.contains("findPayment says open"), "{reason}");
    assert_eq!(outcomes.statuses(), [EventStatus::Flagged]);
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_flagged_event_processed_again_is_checked_again_and_applied_once_ath_movil_agrees() {
    let row = Row::new(Some(record(open_payment())));
    let mut event = stored(&completed_json());

    // the webhook came before ATH Móvil's findPayment said completed
    let (first, _) = process(finds(remote_status("CONFIRM")), &row, &event).await;
    assert!(matches!(first, ProcessOutcome::Flagged(_)), "{first:?}");
    event.status = EventStatus::Flagged;
    event.error = Some("the event says completed but findPayment says confirm".into());

    let (again, _) = process(finds(remote_completed()), &row, &event).await;

    assert_eq!(again, ProcessOutcome::Applied);
    let write = &row.writes()[0];
    assert_eq!(write.payment.status, PaymentStatus::Completed);
    assert_eq!(write.processed_event, Some(event.id));
}

#[tokio::test]
async fn a_flagged_refund_is_applied_once_it_reaches_the_report() {
    let row = Row::new(Some(PaymentRecord {
        refunds: vec![refund_of("10.00", RefundStatus::Pending)],
        ..record(completed_payment())
    }));
    let mut event = stored(&refund_event(REFUND_REF, None, "10.00"));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(|_, _| Ok(Vec::new()));
    // located by ATH Móvil's total, which has room for the pending refund
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Ok(remote_refunded("10.00")));
    let (first, _) = process(gateway, &row, &event).await;
    assert!(
        matches!(first, ProcessOutcome::Flagged(ref r) if r.contains("(yet)")),
        "{first:?}"
    );
    event.status = EventStatus::Flagged;

    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(|_, _| Ok(vec![remote_refund(Some(REFUND_REF), "10.00")]));
    // once to locate the payment, once to check the refund on it
    gateway
        .expect_find_payment()
        .times(2)
        .returning(|_| Ok(remote_refunded("10.00")));
    let (again, _) = process(gateway, &row, &event).await;

    assert_eq!(again, ProcessOutcome::Applied);
    let refund = &row.record().unwrap().refunds[0];
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
}

#[tokio::test]
async fn a_rule_refusing_a_verified_change_flags_the_event() {
    // ATH Móvil covered the refund when asked, but by the time the step
    // runs a concurrent step recorded another refund that uses up the total
    let row = Row::new(Some(record(completed_payment())));
    let concurrent = row.clone();
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(|_, _| Ok(vec![remote_refund(Some(REFUND_REF), "10.00")]));
    // asked twice: to confirm the payment the news names is the refund's
    // alone, then for the total; the concurrent step lands after the second
    let asked = std::sync::atomic::AtomicUsize::new(0);
    gateway.expect_find_payment().times(2).returning(move |_| {
        if asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            concurrent.edit(|record| {
                record.refunds.push(Refund {
                    reference_number: Some(reference("88888888-concurrent")),
                    ..refund_of("10.00", RefundStatus::Completed)
                });
            });
        }
        Ok(remote_refunded("10.00"))
    });
    let event = stored(&refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"));

    let (outcome, outcomes) = process(gateway, &row, &event).await;

    let ProcessOutcome::Flagged(reason) = outcome else {
        panic!("not flagged: {outcome:?}")
    };
    assert!(reason.contains("does not cover"), "{reason}");
    assert_eq!(outcomes.statuses(), [EventStatus::Flagged]);
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn an_unreachable_ath_movil_leaves_the_event_failed_to_be_checked_again() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().returning(|_| {
        Err(GatewayError::Unavailable {
            operation: Operation::FindPayment,
            detail: "down".into(),
        })
    });
    let row = Row::new(Some(record(open_payment())));
    let (processor, outcomes) = processor(gateway, &Books::of(&[&row]));

    let outcome = processor.process(&stored(&completed_json())).await;

    assert!(
        matches!(outcome, Err(WebhookError::Verification(_))),
        "{outcome:?}"
    );
    assert_eq!(outcomes.statuses(), [EventStatus::Failed]);
    assert_eq!(row.record().unwrap().payment.status, PaymentStatus::Open);
}

#[tokio::test]
async fn events_that_move_no_money_are_not_checked() {
    let event = stored(
        &json!({"transactionType": "donation", "status": "completed",
        "referenceNumber": "402894d5-b", "total": "5.00"}),
    );
    let row = Row::new(None);

    let (outcome, outcomes) = process(MockAthmGateway::new(), &row, &event).await;

    assert_eq!(outcome, ProcessOutcome::Ignored);
    assert_eq!(outcomes.statuses(), [EventStatus::Processed]);
}

/// A verified batch commits a few events at a time, and the events of one
/// payment share one findPayment: 66 deliveries about one payment cost one
/// call, not 66.
#[tokio::test]
async fn a_verified_batch_commits_a_few_events_at_a_time_with_one_call_per_payment() {
    let events: Vec<_> = (0..WebhookProcessor::VERIFY_PARALLELISM + 2)
        .map(|_| (stored(&completed_json()), None))
        .collect();
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Ok(remote_completed()));
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = sizes.clone();
    let row = Row::new(Some(record(open_payment())));
    let mut store = MockStore::new();
    store.expect_update_payments().returning(move |steps| {
        seen.lock().unwrap().push(steps.len());
        steps.iter().map(|s| row.apply(&*s.decide)).collect()
    });
    store
        .expect_record_event_outcome()
        .returning(|_, _, _, _| Ok(()));
    let processor = webhook_processor(Arc::new(gateway), store, clock());

    let outcomes = processor.process_batch(events).await;

    assert_eq!(outcomes.len(), WebhookProcessor::VERIFY_PARALLELISM + 2);
    assert!(outcomes.iter().all(|(_, outcome)| outcome.is_ok()));
    assert_eq!(
        *sizes.lock().unwrap(),
        [WebhookProcessor::VERIFY_PARALLELISM, 2]
    );
}

/// findPayment says CANCEL for a cancelled and an expired payment alike;
/// once it agrees, the event names which.
#[tokio::test]
async fn a_cancelled_or_expired_event_ends_the_payment_as_it_names_once_ath_movil_agrees() {
    use crate::model::LifecycleKind;
    let ended = |status: &str| {
        json!({"transactionType": "ecommerce", "status": status,
            "ecommerceId": crate::test_support::ECOMMERCE_ID, "total": 25})
    };
    let cases = [
        (
            "expired",
            open_payment(),
            PaymentStatus::Expired,
            LifecycleKind::PaymentExpired,
        ),
        (
            "cancelled",
            open_payment(),
            PaymentStatus::Cancel,
            LifecycleKind::PaymentCancelled,
        ),
    ];
    for (announced, payment, status, kind) in cases {
        let row = Row::new(Some(record(payment)));

        let (outcome, _) = process(
            finds(remote_status("CANCEL")),
            &row,
            &stored(&ended(announced)),
        )
        .await;

        assert_eq!(outcome, ProcessOutcome::Applied, "{announced}");
        let write = &row.writes()[0];
        assert_eq!(write.payment.status, status, "{announced}");
        let kinds: Vec<_> = write.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [kind], "{announced}");
    }
}
