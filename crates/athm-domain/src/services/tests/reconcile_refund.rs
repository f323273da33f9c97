//! Reconciler: REFUND rows go through the trust gate; pending refunds are
//! settled by reading ATH Móvil.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::Books;
use crate::model::{AthmTransaction, LifecycleKind, Refund, RefundStatus};
use crate::ports::{GatewayError, MockAthmGateway, Operation, PaymentRecord};
use crate::services::{ReconcileSummary, Reconciler, RowOutcome};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_payment, now, record, reference,
    refund_of, remote_refund, remote_refunded,
};

fn with(refunds: Vec<Refund>) -> Row {
    Row::new(Some(PaymentRecord {
        refunds,
        ..record(completed_payment())
    }))
}

fn reconciler(gateway: MockAthmGateway, row: &Row) -> Reconciler {
    let (store, _) = Books::of(&[row]).store();
    Reconciler::new(Arc::new(gateway), Arc::new(store), clock())
}

/// findPayment answers ATH Móvil's refunded total `refunded`, `times` times.
fn finds_refunded(refunded: &'static str, times: usize) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(times)
        .returning(move |_| Ok(remote_refunded(refunded)));
    gateway
}

async fn reconcile(
    reconciler: &Reconciler,
    rows: &[AthmTransaction],
    dry_run: bool,
) -> (ReconcileSummary, Vec<RowOutcome>) {
    let outcomes = Mutex::new(Vec::new());
    let summary = reconciler
        .reconcile(rows, dry_run, &|_, outcome| {
            outcomes.lock().unwrap().push(outcome.clone());
        })
        .await;
    (summary, outcomes.into_inner().unwrap())
}

#[tokio::test]
async fn a_refund_row_settles_the_pending_refund_whose_answer_was_lost_once() {
    let row = with(vec![refund_of("5.00", RefundStatus::Pending)]);
    // asked once: the second run knows the refund by its reference
    let reconciler = reconciler(finds_refunded("5.00", 1), &row);
    let refund_row = AthmTransaction::from_json(&json!({
        "transactionType": "REFUND", "status": "COMPLETED", "referenceNumber": "12345-refund",
        "referenceTransactionId": PAYMENT_REF, "total": "5.00", "date": "2025-12-08 16:00:00"
    }))
    .unwrap();

    let (first, _) = reconcile(&reconciler, std::slice::from_ref(&refund_row), false).await;
    let (again, _) = reconcile(&reconciler, &[refund_row], false).await;

    assert_eq!((first.updated, again.skipped), (1, 1));
    let stored = row.record().unwrap();
    assert_eq!(stored.refunds.len(), 1, "settled, not recorded twice");
    assert_eq!(stored.refunds[0].status, RefundStatus::Completed);
    assert_eq!(
        stored.refunds[0].reference_number,
        Some(reference("12345-refund"))
    );
    assert_eq!(stored.payment.total_refunded_amount, amount("5.00"));
    let announced: Vec<_> = row.writes().iter().flat_map(|w| w.events.clone()).collect();
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0].kind, LifecycleKind::RefundSent);
}

#[tokio::test]
async fn a_refund_row_ath_movil_s_total_does_not_cover_is_unmatched_and_writes_nothing() {
    let row = with(vec![refund_of("5.00", RefundStatus::Pending)]);
    let reconciler = reconciler(finds_refunded("0.00", 1), &row);

    let (summary, outcomes) = reconcile(
        &reconciler,
        &[remote_refund(Some(REFUND_REF), "5.00")],
        false,
    )
    .await;

    assert_eq!(summary.unmatched.len(), 1);
    assert!(
        matches!(&outcomes[0], RowOutcome::Unmatched(why) if why.starts_with(&format!("refund {REFUND_REF}: ")) && why.contains("does not cover")),
        "{outcomes:?}"
    );
    assert!(row.writes().is_empty());
    assert_eq!(
        row.record().unwrap().refunds[0].status,
        RefundStatus::Pending
    );
}

#[tokio::test]
async fn a_refund_row_the_gate_cannot_check_is_an_error_row() {
    let row = with(vec![refund_of("5.00", RefundStatus::Pending)]);
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().times(1).returning(|_| {
        Err(GatewayError::Unavailable {
            operation: Operation::FindPayment,
            detail: "down".into(),
        })
    });

    let (summary, _) = reconcile(
        &reconciler(gateway, &row),
        &[remote_refund(Some(REFUND_REF), "5.00")],
        false,
    )
    .await;

    assert_eq!(summary.errors.len(), 1);
    assert!(
        summary.errors[0].contains("could not be asked"),
        "{:?}",
        summary.errors
    );
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_dry_run_of_a_refund_row_says_updated_and_writes_nothing() {
    let row = with(vec![refund_of("5.00", RefundStatus::Pending)]);
    let reconciler = reconciler(finds_refunded("5.00", 1), &row);

    let (summary, _) = reconcile(
        &reconciler,
        &[remote_refund(Some(REFUND_REF), "5.00")],
        true,
    )
    .await;

    assert_eq!(summary.updated, 1);
    assert!(row.writes().is_empty());
}

/// A report holding `rows`, read once from `from` to now.
fn report_from(from: DateTime<Utc>, rows: Vec<AthmTransaction>) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .withf(move |f, t| (*f, *t) == (from, now()))
        .times(1)
        .returning(move |_, _| Ok(rows.clone()));
    gateway
}

/// A pending refund of `text` recorded `minutes` ago.
fn pending_since(text: &str, minutes: i64) -> Refund {
    Refund {
        created_at: now() - Duration::minutes(minutes),
        ..refund_of(text, RefundStatus::Pending)
    }
}

#[tokio::test]
async fn with_no_pending_refund_nothing_is_read() {
    let row = with(vec![refund_of("5.00", RefundStatus::Completed)]);
    let summary = reconciler(MockAthmGateway::new(), &row)
        .settle_pending_refunds()
        .await
        .unwrap();
    assert_eq!(summary, ReconcileSummary::default());
}

#[tokio::test]
async fn a_pending_refund_found_in_the_report_since_it_was_sent_is_completed() {
    let row = with(vec![pending_since("5.00", 3)]);
    let mut gateway = report_from(
        now() - Duration::minutes(4),
        vec![
            crate::test_support::remote_completed(), // not a refund: left alone
            remote_refund(Some(REFUND_REF), "5.00"),
        ],
    );
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Ok(remote_refunded("5.00")));

    let summary = reconciler(gateway, &row)
        .settle_pending_refunds()
        .await
        .unwrap();

    assert_eq!(summary.updated, 1);
    let refund = &row.record().unwrap().refunds[0];
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
}

#[tokio::test]
async fn a_pending_refund_past_the_grace_that_ath_movil_has_no_room_for_failed() {
    let grace = Reconciler::PENDING_REFUND_GRACE_MINS;
    let cases = [
        // young: left to wait for its answer
        (grace - 1, "0.00", RefundStatus::Pending),
        // ATH Móvil's total has room for it: it may have happened
        (grace + 1, "5.00", RefundStatus::Pending),
        // no trace of it at ATH Móvil
        (grace + 1, "0.00", RefundStatus::Failed),
    ];
    for (age, refunded, expected) in cases {
        let row = with(vec![pending_since("5.00", age)]);
        let mut gateway = report_from(now() - Duration::minutes(age + 1), Vec::new());
        gateway
            .expect_find_payment()
            .times(usize::from(age >= grace))
            .returning(move |_| Ok(remote_refunded(refunded)));

        let summary = reconciler(gateway, &row)
            .settle_pending_refunds()
            .await
            .unwrap();

        let refund = &row.record().unwrap().refunds[0];
        assert_eq!(refund.status, expected, "{age} min, ATH Móvil {refunded}");
        if expected == RefundStatus::Failed {
            assert_eq!(summary.updated, 1);
            assert!(
                refund
                    .failure
                    .as_deref()
                    .is_some_and(|f| f.contains("no trace")),
                "{:?}",
                refund.failure
            );
            assert!(row.writes()[0].events.is_empty());
        }
    }
}
