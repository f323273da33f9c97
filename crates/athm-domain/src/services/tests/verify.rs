//! WebhookProcessor::verified_by: unsigned webhooks are confirmed with ATH Móvil before they change money.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{expect_steps, refused};
use crate::model::{AthmTransaction, PaymentStatus, RefundStatus};
use crate::ports::{GatewayError, MockAthmGateway, MockStore, Operation};
use crate::services::{ProcessOutcome, WebhookError, WebhookProcessor};
use crate::test_support::{
    PAYMENT_REF, Row, clock, completed_json, completed_payment, open_payment, record, refund_of,
    remote_completed, remote_status,
};
use crate::webhook::EventStatus;

use super::webhook::{refund_json, stored};

/// Processes `payload` with verification through `gateway`, against `row`;
/// returns the outcome and the status recorded for the event, if any.
async fn verified(
    payload: &Value,
    gateway: MockAthmGateway,
    row: &Row,
    steps: usize,
) -> (Result<ProcessOutcome, WebhookError>, Vec<EventStatus>) {
    let event = stored(payload);
    let mut store = MockStore::new();
    expect_steps(&mut store, row, steps);
    let loaded = row.record();
    store
        .expect_payment()
        .returning(move |_| Ok(loaded.clone()));
    let recorded = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = recorded.clone();
    store
        .expect_record_event_outcome()
        .returning(move |_, status, _, _| {
            seen.lock().unwrap().push(status);
            Ok(())
        });
    let processor = WebhookProcessor::new(Arc::new(store), clock()).verified_by(Arc::new(gateway));
    let outcome = processor.process(&event).await;
    let statuses = recorded.lock().unwrap().clone();
    (outcome, statuses)
}

fn finds(remote: AthmTransaction) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(1)
        .returning(move |_| Ok(remote.clone()));
    gateway
}

#[tokio::test]
async fn a_completed_event_confirmed_by_find_payment_is_applied() {
    let row = Row::new(Some(record(open_payment())));
    let (outcome, _) = verified(&completed_json(), finds(remote_completed()), &row, 1).await;
    assert_eq!(outcome.unwrap(), ProcessOutcome::Applied);
    assert_eq!(
        row.record().unwrap().payment.status,
        PaymentStatus::Completed
    );
}

#[tokio::test]
async fn a_completed_event_for_a_payment_still_open_is_flagged_and_changes_nothing() {
    let row = Row::new(Some(record(open_payment())));
    let (outcome, statuses) =
        verified(&completed_json(), finds(remote_status("OPEN")), &row, 0).await;
    let ProcessOutcome::Flagged(reason) = outcome.unwrap() else {
        panic!("not flagged")
    };
    assert!(reason.contains("findPayment says open"), "{reason}");
    assert_eq!(statuses, vec![EventStatus::Flagged]);
    assert_eq!(row.record().unwrap().payment.status, PaymentStatus::Open);
}

#[tokio::test]
async fn a_completed_event_for_a_payment_ath_movil_does_not_know_is_flagged() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .returning(|_| Err(refused(Operation::FindPayment, "BTRA_0031")));
    let row = Row::new(None);
    let (outcome, statuses) = verified(&completed_json(), gateway, &row, 0).await;
    assert!(matches!(outcome.unwrap(), ProcessOutcome::Flagged(r) if r.contains("does not know")));
    assert_eq!(statuses, vec![EventStatus::Flagged]);
    assert_eq!(row.record(), None);
}

#[tokio::test]
async fn a_completed_event_with_another_total_is_flagged() {
    let mut forged = completed_json();
    forged["total"] = json!(1);
    let row = Row::new(Some(record(open_payment())));
    let (outcome, _) = verified(&forged, finds(remote_completed()), &row, 0).await;
    assert!(matches!(outcome.unwrap(), ProcessOutcome::Flagged(r) if r.contains("total")));
}

#[tokio::test]
async fn a_completed_event_with_another_reference_number_is_flagged() {
    let mut forged = completed_json();
    forged["referenceNumber"] = json!("999-forged");
    let row = Row::new(Some(record(open_payment())));
    let (outcome, _) = verified(&forged, finds(remote_completed()), &row, 0).await;
    assert!(
        matches!(outcome.unwrap(), ProcessOutcome::Flagged(r) if r.contains("reference number"))
    );
}

#[tokio::test]
async fn a_cancelled_event_for_a_completed_payment_is_flagged() {
    let mut cancelled = completed_json();
    cancelled["status"] = json!("CANCEL");
    let row = Row::new(Some(record(open_payment())));
    let (outcome, _) = verified(&cancelled, finds(remote_completed()), &row, 0).await;
    assert!(matches!(outcome.unwrap(), ProcessOutcome::Flagged(r) if r.contains("completed")));
}

#[tokio::test]
async fn an_unreachable_ath_movil_leaves_the_event_failed_to_be_verified_again() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().returning(|_| {
        Err(GatewayError::Unavailable {
            operation: Operation::FindPayment,
            detail: "down".into(),
        })
    });
    let row = Row::new(Some(record(open_payment())));
    let (outcome, statuses) = verified(&completed_json(), gateway, &row, 0).await;
    assert!(matches!(outcome, Err(WebhookError::Verification(_))));
    assert_eq!(statuses, vec![EventStatus::Failed]);
    assert_eq!(row.record().unwrap().payment.status, PaymentStatus::Open);
}

#[tokio::test]
async fn a_refund_event_matching_our_own_refund_needs_no_report() {
    let mut payment_record = record(completed_payment());
    payment_record
        .refunds
        .push(refund_of("5.00", RefundStatus::Pending));
    let row = Row::new(Some(payment_record));
    let mut gateway = MockAthmGateway::new();
    gateway.expect_transaction_report().times(0);
    let payload = refund_json(PAYMENT_REF, "5.00", "0001");
    let (outcome, _) = verified(&payload, gateway, &row, 1).await;
    assert_eq!(outcome.unwrap(), ProcessOutcome::Applied);
}

#[tokio::test]
async fn a_refund_event_neither_we_nor_the_report_know_is_flagged() {
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(|_, _| Ok(Vec::new()));
    let payload = refund_json(PAYMENT_REF, "5.00", "0001");
    let (outcome, _) = verified(&payload, gateway, &row, 0).await;
    assert!(matches!(outcome.unwrap(), ProcessOutcome::Flagged(r) if r.contains("no refund")));
    assert!(row.record().unwrap().refunds.is_empty());
}

#[tokio::test]
async fn a_refund_made_elsewhere_and_found_in_the_report_is_applied() {
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    let report_row = AthmTransaction::from_json(&json!({
        "transactionType": "REFUND", "status": "COMPLETED", "referenceNumber": "777-refund",
        "total": "5.00", "date": "2025-12-09 10:00:30"
    }))
    .unwrap();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(move |_, _| Ok(vec![report_row.clone()]));
    let payload = refund_json(PAYMENT_REF, "5.00", "0001");
    let (outcome, _) = verified(&payload, gateway, &row, 1).await;
    assert_eq!(outcome.unwrap(), ProcessOutcome::Applied);
    let refunds = row.record().unwrap().refunds;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount.to_string(), "5.00");
}

#[tokio::test]
async fn a_verified_batch_commits_a_few_events_at_a_time() {
    let events: Vec<_> = (0..WebhookProcessor::VERIFY_PARALLELISM + 2)
        .map(|_| (stored(&completed_json()), None))
        .collect();
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(events.len())
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
    let processor = WebhookProcessor::new(Arc::new(store), clock()).verified_by(Arc::new(gateway));

    let outcomes = processor.process_batch(events).await;

    assert_eq!(outcomes.len(), WebhookProcessor::VERIFY_PARALLELISM + 2);
    assert!(outcomes.iter().all(|(_, outcome)| outcome.is_ok()));
    assert_eq!(
        *sizes.lock().unwrap(),
        [WebhookProcessor::VERIFY_PARALLELISM, 2]
    );
}
