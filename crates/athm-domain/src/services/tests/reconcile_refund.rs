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
    // asked once, to locate it: no payment's total has room for it
    let reconciler = reconciler(finds_refunded("0.00", 1), &row);

    let (summary, outcomes) = reconcile(
        &reconciler,
        &[remote_refund(Some(REFUND_REF), "5.00")],
        false,
    )
    .await;

    assert_eq!(summary.unmatched.len(), 1);
    assert!(
        matches!(&outcomes[0], RowOutcome::Unmatched(why) if why.starts_with(&format!("refund {REFUND_REF}: ")) && why.contains("no payment here matches")),
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
    // once to locate the payment, once to check the refund on it
    let reconciler = reconciler(finds_refunded("5.00", 2), &row);

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
    // to locate and check the row; completed by it, the refund is not
    // settled by totals afterwards
    gateway
        .expect_find_payment()
        .times(2)
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

/// A pending refund of `text` recorded `age` ago.
fn pending_for(text: &str, age: Duration) -> Refund {
    Refund {
        created_at: now() - age,
        ..refund_of(text, RefundStatus::Pending)
    }
}

/// A refund of `text` completed here under `reference`.
fn completed_as(text: &str, reference_text: &str) -> Refund {
    Refund {
        reference_number: Some(reference(reference_text)),
        created_at: now() - Duration::hours(1),
        ..refund_of(text, RefundStatus::Completed)
    }
}

/// An empty report read from a minute before the oldest pending refund of
/// `row`, and findPayment answering ATH Móvil's refunded total `refunded`
/// once (the payment's, however many refunds it holds).
fn ath_movil_reads(row: &Row, refunded: &'static str) -> MockAthmGateway {
    let oldest = row
        .record()
        .unwrap()
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Pending)
        .map(|r| r.created_at)
        .min()
        .expect("a pending refund");
    let mut gateway = report_from(oldest - Duration::minutes(1), Vec::new());
    gateway
        .expect_find_payment()
        .times(1)
        .returning(move |_| Ok(remote_refunded(refunded)));
    gateway
}

async fn settle(gateway: MockAthmGateway, row: &Row) -> ReconcileSummary {
    reconciler(gateway, row)
        .settle_pending_refunds()
        .await
        .expect("settled")
}

fn statuses(row: &Row) -> Vec<RefundStatus> {
    row.record()
        .unwrap()
        .refunds
        .iter()
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn pending_refunds_ath_movil_s_total_accounts_for_are_all_completed_and_announced() {
    let row = with(vec![
        completed_as("4.00", REFUND_REF),
        pending_for("3.00", Duration::minutes(2)),
        pending_for("2.00", Duration::minutes(5)),
    ]);
    // 4.00 completed here + 3.00 + 2.00 pending
    let gateway = ath_movil_reads(&row, "9.00");

    let summary = settle(gateway, &row).await;

    assert_eq!((summary.updated, summary.skipped), (1, 0));
    let stored = row.record().unwrap();
    assert_eq!(
        statuses(&row),
        [RefundStatus::Completed; 3],
        "{:?}",
        stored.refunds
    );
    assert_eq!(
        stored.refunds[0].reference_number,
        Some(reference(REFUND_REF))
    );
    for refund in &stored.refunds[1..] {
        assert_eq!(refund.reference_number, None, "filled in by the report");
        assert_eq!(refund.failure, None);
    }
    assert_eq!(stored.payment.total_refunded_amount, amount("9.00"));
    let writes = row.writes();
    assert_eq!(writes.len(), 1);
    let announced: Vec<_> = writes[0]
        .events
        .iter()
        .map(|e| (e.kind, e.amount.to_string()))
        .collect();
    assert_eq!(
        announced,
        [
            (LifecycleKind::RefundSent, "3.00".to_string()),
            (LifecycleKind::RefundSent, "2.00".to_string()),
        ]
    );
}

#[tokio::test]
async fn a_pending_refund_younger_than_a_minute_holds_every_decision() {
    let min_age = Reconciler::PENDING_REFUND_MIN_AGE_SECS;
    // alone, at either side of the minute, its amount being ATH Móvil's total
    for (age, expected) in [
        (min_age - 1, RefundStatus::Pending),
        (min_age, RefundStatus::Completed),
    ] {
        let row = with(vec![pending_for("5.00", Duration::seconds(age))]);
        let summary = settle(ath_movil_reads(&row, "5.00"), &row).await;
        assert_eq!(statuses(&row), [expected], "{age} s");
        assert_eq!(
            summary.updated,
            usize::from(expected == RefundStatus::Completed),
            "{age} s"
        );
    }
    // beside an old one: whether the total accounts for both, or for
    // neither (the old one past the grace), nothing is decided or followed
    for refunded in ["8.00", "0.00"] {
        let row = with(vec![
            pending_for("5.00", Duration::minutes(30)),
            pending_for("3.00", Duration::seconds(min_age - 1)),
        ]);
        let summary = settle(ath_movil_reads(&row, refunded), &row).await;
        assert_eq!(
            statuses(&row),
            [RefundStatus::Pending; 2],
            "ATH Móvil {refunded}"
        );
        assert_eq!((summary.updated, summary.skipped), (0, 1));
        assert!(row.writes().is_empty(), "ATH Móvil {refunded}");
    }
}

#[tokio::test]
async fn pending_refunds_ath_movil_has_no_trace_of_past_the_grace_fail_naming_its_total() {
    let grace = Reconciler::PENDING_REFUND_GRACE_MINS;
    let row = with(vec![
        completed_as("4.00", REFUND_REF),
        pending_for("5.00", Duration::minutes(grace)),
        pending_for("2.00", Duration::minutes(grace + 5)),
    ]);
    // ATH Móvil's total is the completed refund alone
    let summary = settle(ath_movil_reads(&row, "4.00"), &row).await;

    assert_eq!(summary.updated, 1);
    assert_eq!(
        statuses(&row),
        [
            RefundStatus::Completed,
            RefundStatus::Failed,
            RefundStatus::Failed
        ]
    );
    let stored = row.record().unwrap();
    for refund in &stored.refunds[1..] {
        let failure = refund.failure.as_deref().unwrap_or_default();
        assert!(
            failure.contains("no trace") && failure.contains("4.00"),
            "{failure}"
        );
    }
    assert_eq!(stored.payment.total_refunded_amount, amount("4.00"));
    assert!(
        row.writes()[0].events.is_empty(),
        "a failure is not announced"
    );
}

#[tokio::test]
async fn a_pending_refund_within_the_grace_keeps_the_others_from_failing() {
    let grace = Reconciler::PENDING_REFUND_GRACE_MINS;
    let row = with(vec![
        completed_as("4.00", REFUND_REF),
        pending_for("5.00", Duration::minutes(grace + 1)),
        pending_for("2.00", Duration::minutes(grace - 1)),
    ]);

    let summary = settle(ath_movil_reads(&row, "4.00"), &row).await;

    assert_eq!(
        statuses(&row),
        [
            RefundStatus::Completed,
            RefundStatus::Pending,
            RefundStatus::Pending
        ]
    );
    // the payment's total still follows ATH Móvil's
    assert_eq!(summary.updated, 1);
    let write = &row.writes()[0];
    assert!(write.refunds.is_empty() && write.events.is_empty());
    assert_eq!(write.payment.total_refunded_amount, amount("4.00"));
}

#[tokio::test]
async fn a_total_that_leaves_more_than_one_answer_settles_no_refund_but_is_followed() {
    let row = with(vec![
        pending_for("3.00", Duration::minutes(30)),
        pending_for("2.00", Duration::minutes(30)),
    ]);
    // one of the two happened, but which is unknown
    for refunded in ["3.00", "2.00"] {
        let summary = settle(ath_movil_reads(&row, refunded), &row).await;
        assert_eq!(
            statuses(&row),
            [RefundStatus::Pending; 2],
            "ATH Móvil {refunded}"
        );
        assert!(
            row.writes().iter().all(|w| w.refunds.is_empty()),
            "ATH Móvil {refunded}"
        );
        // the total only rises: 3.00, then nothing to follow
        assert_eq!(
            row.record().unwrap().payment.total_refunded_amount,
            amount("3.00")
        );
        assert_eq!(summary.updated + summary.skipped, 1);
    }
    assert_eq!(row.writes().len(), 1, "followed once");
}

#[tokio::test]
async fn a_refund_completed_since_the_read_leaves_the_read_deciding_nothing() {
    let row = with(vec![pending_for("5.00", Duration::minutes(30))]);
    let concurrent = row.clone();
    let mut gateway = report_from(now() - Duration::minutes(31), Vec::new());
    // while ATH Móvil is asked, a webhook records a refund made in the app:
    // the 5.00 read is that refund's, not the pending one's
    gateway.expect_find_payment().times(1).returning(move |_| {
        concurrent.edit(|record| record.refunds.push(completed_as("5.00", REFUND_REF)));
        Ok(remote_refunded("5.00"))
    });

    let summary = settle(gateway, &row).await;

    assert_eq!((summary.updated, summary.skipped), (0, 1));
    assert_eq!(
        statuses(&row),
        [RefundStatus::Pending, RefundStatus::Completed]
    );
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_find_payment_without_a_refunded_total_decides_nothing() {
    let grace = Reconciler::PENDING_REFUND_GRACE_MINS;
    let row = with(vec![pending_for("5.00", Duration::minutes(grace + 20))]);
    let mut gateway = report_from(now() - Duration::minutes(grace + 21), Vec::new());
    let mut silent = remote_refunded("0.00");
    silent.total_refunded_amount = None;
    gateway
        .expect_find_payment()
        .times(1)
        .returning(move |_| Ok(silent.clone()));

    let summary = settle(gateway, &row).await;

    // not taken for 0.00: the refund is not failed
    assert_eq!(statuses(&row), [RefundStatus::Pending]);
    assert!(row.writes().is_empty());
    assert_eq!((summary.updated, summary.skipped), (0, 1));
    assert!(summary.errors.is_empty());
}

/// A refund ATH Móvil reported without a reference of its own (an app
/// refund of 5.00, followed into the total but not recorded) and a pending
/// 5.00 that never happened: ATH Móvil's 5.00 cannot say which refunds it
/// holds, so the pending refund is neither completed nor failed.
#[tokio::test]
async fn totals_that_hold_an_unrecorded_refund_settle_nothing() {
    let grace = Reconciler::PENDING_REFUND_GRACE_MINS;
    let mut payment = completed_payment();
    payment.total_refunded_amount = "5.00".parse().expect("an amount");
    let row = Row::new(Some(PaymentRecord {
        refunds: vec![pending_for("5.00", Duration::minutes(grace + 20))],
        ..record(payment)
    }));
    let mut gateway = report_from(now() - Duration::minutes(grace + 21), Vec::new());
    let answer = remote_refunded("5.00");
    gateway
        .expect_find_payment()
        .times(1)
        .returning(move |_| Ok(answer.clone()));

    settle(gateway, &row).await;

    assert_eq!(statuses(&row), [RefundStatus::Pending]);
    assert!(row.writes().is_empty(), "nothing announced or failed");
}

/// A gateway whose report holds refund [`REFUND_REF`] of 5.00 and whose
/// findPayment says `refunded` is refunded.
fn report_and_total(refunded: &'static str) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(|_, _| Ok(vec![remote_refund(Some(REFUND_REF), "5.00")]));
    gateway
        .expect_find_payment()
        .returning(move |_| Ok(remote_refunded(refunded)));
    gateway
}

#[tokio::test]
async fn a_person_links_an_unlinked_refund_ath_movil_confirms_and_it_is_recorded_once() {
    let row = with(Vec::new());
    let reconciler = reconciler(report_and_total("5.00"), &row);
    let date = Some(now() - Duration::minutes(10));

    let outcome = reconciler
        .link_refund(
            &reference(REFUND_REF),
            date,
            crate::test_support::ecommerce_id(),
        )
        .await
        .unwrap();

    assert_eq!(outcome, RowOutcome::Updated);
    let stored = row.record().unwrap();
    assert_eq!(stored.refunds.len(), 1);
    assert_eq!(
        (
            stored.refunds[0].reference_number.clone(),
            stored.refunds[0].amount,
            stored.refunds[0].status
        ),
        (
            Some(reference(REFUND_REF)),
            amount("5.00"),
            RefundStatus::Completed
        )
    );
    assert_eq!(stored.payment.total_refunded_amount, amount("5.00"));
}

#[tokio::test]
async fn a_link_ath_movil_s_total_does_not_cover_is_refused_and_writes_nothing() {
    let row = with(Vec::new());
    let reconciler = reconciler(report_and_total("0.00"), &row);

    let outcome = reconciler
        .link_refund(
            &reference(REFUND_REF),
            None,
            crate::test_support::ecommerce_id(),
        )
        .await
        .unwrap();

    assert!(
        matches!(&outcome, RowOutcome::Unmatched(why) if why.contains("does not cover")),
        "{outcome:?}"
    );
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_link_to_a_refund_the_report_does_not_hold_is_refused() {
    let row = with(Vec::new());
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .returning(|_, _| Ok(vec![remote_refund(Some("00000-other"), "5.00")]));
    gateway.expect_find_payment().never();
    let reconciler = reconciler(gateway, &row);

    let outcome = reconciler
        .link_refund(
            &reference(REFUND_REF),
            None,
            crate::test_support::ecommerce_id(),
        )
        .await
        .unwrap();

    assert!(
        matches!(&outcome, RowOutcome::Unmatched(why) if why.contains("not in ATH Móvil's transaction report")),
        "{outcome:?}"
    );
    assert!(row.writes().is_empty());
}
