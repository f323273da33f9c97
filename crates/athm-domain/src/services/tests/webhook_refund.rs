//! WebhookProcessor: refund events, with and without their own reference
//! number, checked with ATH Móvil and written in ATH Móvil's figures.

use std::sync::Arc;

use serde_json::Value;

use super::webhook_processor;
use super::{Books, Outcomes, refund_event};
use crate::model::{LifecycleKind, Refund, RefundStatus};
use crate::ports::{MockAthmGateway, PaymentRecord};
use crate::services::ProcessOutcome;
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_payment, record, reference, refund_of,
    remote_refund, remote_refunded,
};
use crate::webhook::EventStatus;

use super::webhook::stored;

fn with_refunds(refunds: Vec<Refund>) -> Row {
    Row::new(Some(PaymentRecord {
        refunds,
        ..record(completed_payment())
    }))
}

/// ATH Móvil's transaction report holds `report`, and its refunded total for
/// the payment is `refunded`.
fn ath_movil(
    report: Vec<crate::model::AthmTransaction>,
    refunded: &'static str,
) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .returning(move |_, _| Ok(report.clone()));
    gateway
        .expect_find_payment()
        .returning(move |_| Ok(remote_refunded(refunded)));
    gateway
}

async fn process(
    gateway: MockAthmGateway,
    row: &Row,
    payload: &Value,
) -> (ProcessOutcome, Outcomes) {
    let (store, outcomes) = Books::of(&[row]).store();
    let processor = webhook_processor(Arc::new(gateway), store, clock());
    let outcome = processor
        .process(&stored(payload))
        .await
        .expect("processed");
    (outcome, outcomes)
}

#[tokio::test]
async fn the_documented_refund_event_completes_the_pending_refund_of_its_amount() {
    let row = with_refunds(vec![refund_of("10.00", RefundStatus::Pending)]);
    let pending = row.record().unwrap().refunds[0].id;
    let gateway = ath_movil(vec![remote_refund(Some(REFUND_REF), "10.00")], "10.00");

    let (outcome, outcomes) =
        process(gateway, &row, &refund_event(REFUND_REF, None, "10.00")).await;

    assert_eq!(outcome, ProcessOutcome::Applied);
    assert!(outcomes.statuses().is_empty(), "marked in the step itself");
    let write = &row.writes()[0];
    assert!(write.processed_event.is_some());
    assert_eq!(write.refunds.len(), 1);
    let refund = &write.refunds[0];
    assert_eq!(
        (refund.id, refund.status),
        (pending, RefundStatus::Completed)
    );
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_eq!(write.payment.total_refunded_amount, amount("10.00"));
    let kinds: Vec<_> = write.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LifecycleKind::RefundSent]);
}

#[tokio::test]
async fn a_refund_event_naming_only_the_payment_settles_no_pending_refund() {
    let row = with_refunds(vec![refund_of("10.00", RefundStatus::Pending)]);
    // naming no refund of its own, it is not looked up in the report
    let mut gateway = MockAthmGateway::new();
    gateway.expect_transaction_report().never();
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Ok(remote_refunded("10.00")));

    let (outcome, _) = process(gateway, &row, &refund_event(PAYMENT_REF, None, "10.00")).await;

    // it cannot say which refund it is: only the total follows ATH Móvil
    assert_eq!(outcome, ProcessOutcome::Applied);
    let write = &row.writes()[0];
    assert!(write.refunds.is_empty(), "{:?}", write.refunds);
    assert!(write.events.is_empty(), "nothing announced");
    assert_eq!(write.payment.total_refunded_amount, amount("10.00"));
    let stored = row.record().unwrap();
    assert_eq!(stored.refunds[0].status, RefundStatus::Pending);
    assert_eq!(stored.refunds[0].reference_number, None);
}

#[tokio::test]
async fn a_redelivered_refund_event_changes_nothing_and_asks_nothing() {
    let row = with_refunds(vec![Refund {
        reference_number: Some(reference(REFUND_REF)),
        ..refund_of("10.00", RefundStatus::Completed)
    }]);
    let (outcome, outcomes) = process(
        MockAthmGateway::new(),
        &row,
        &refund_event(REFUND_REF, None, "10.00"),
    )
    .await;
    assert_eq!(outcome, ProcessOutcome::Unchanged);
    assert_eq!(outcomes.statuses(), [EventStatus::Processed]);
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_refund_made_in_the_business_app_is_recorded_as_ath_movil_reports_it() {
    let row = with_refunds(Vec::new());
    let gateway = ath_movil(vec![remote_refund(Some(REFUND_REF), "4.00")], "4.00");

    let (outcome, _) = process(
        gateway,
        &row,
        &refund_event(REFUND_REF, Some(PAYMENT_REF), "4.00"),
    )
    .await;

    assert_eq!(outcome, ProcessOutcome::Applied);
    let write = &row.writes()[0];
    let refund = &write.refunds[0];
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.amount, amount("4.00"));
    assert_eq!(refund.intent_key, None);
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_eq!(write.payment.total_refunded_amount, amount("4.00"));
    assert_eq!(write.events[0].kind, LifecycleKind::RefundSent);
}

#[tokio::test]
async fn a_refund_naming_only_the_payment_moves_its_total_to_ath_movil_s_and_records_none() {
    // two partial refunds made in the app, each event naming the payment
    let row = with_refunds(Vec::new());
    let gateway = ath_movil(Vec::new(), "10.00");
    let (first, _) = process(gateway, &row, &refund_event(PAYMENT_REF, None, "4.00")).await;
    let gateway = ath_movil(Vec::new(), "10.00");
    let (second, _) = process(gateway, &row, &refund_event(PAYMENT_REF, None, "6.00")).await;

    assert_eq!(first, ProcessOutcome::Applied);
    assert_eq!(second, ProcessOutcome::Unchanged);
    let stored = row.record().unwrap();
    assert!(
        stored.refunds.is_empty(),
        "recorded when the report names them"
    );
    assert_eq!(stored.payment.total_refunded_amount, amount("10.00"));
}

#[tokio::test]
async fn an_unverified_refund_event_takes_its_own_total_and_asks_nothing() {
    let row = with_refunds(vec![refund_of("10.00", RefundStatus::Pending)]);
    let mut covering = refund_event(PAYMENT_REF, Some(REFUND_REF), "10.00");
    covering["totalRefundedAmount"] = "10.00".into();
    let (store, _) = Books::of(&[&row]).store();
    let processor =
        webhook_processor(Arc::new(MockAthmGateway::new()), store, clock()).unverified();

    let outcome = processor.process(&stored(&covering)).await.unwrap();

    assert_eq!(outcome, ProcessOutcome::Applied);
    let stored = row.record().unwrap();
    assert_eq!(stored.refunds[0].status, RefundStatus::Completed);
    assert_eq!(
        stored.refunds[0].reference_number,
        Some(reference(REFUND_REF))
    );
    assert_eq!(stored.payment.total_refunded_amount, amount("10.00"));
}

#[tokio::test]
async fn an_unverified_refund_its_own_total_does_not_cover_is_flagged_by_the_rule() {
    let row = with_refunds(Vec::new());
    // the documented body says totalRefundedAmount 0.00
    let payload = refund_event(PAYMENT_REF, Some(REFUND_REF), "10.00");
    let (store, outcomes) = Books::of(&[&row]).store();
    let processor =
        webhook_processor(Arc::new(MockAthmGateway::new()), store, clock()).unverified();

    let outcome = processor.process(&stored(&payload)).await.unwrap();

    let ProcessOutcome::Flagged(reason) = outcome else {
        panic!("not flagged: {outcome:?}")
    };
    assert!(reason.contains("does not cover"), "{reason}");
    assert_eq!(outcomes.statuses(), [EventStatus::Flagged]);
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_refund_event_for_a_payment_unknown_here_is_flagged() {
    let row = Row::new(None);
    let (outcome, _) = process(
        MockAthmGateway::new(),
        &row,
        &refund_event(REFUND_REF, Some(PAYMENT_REF), "4.00"),
    )
    .await;
    assert!(matches!(outcome, ProcessOutcome::Flagged(_)), "{outcome:?}");
}
