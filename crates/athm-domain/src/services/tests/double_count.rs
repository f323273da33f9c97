//! One refund of 3.00, seen by every path that can see it (its answer, its
//! webhook, the report's ECOMMERCE and REFUND rows, in any order), is one
//! refund of 3.00: the refunded total is ATH Móvil's, never a sum of claims.

use std::sync::Arc;

use serde_json::json;

use super::webhook_processor;
use super::{Books, refund_event};
use crate::model::{AthmTransaction, LifecycleKind, Refund, RefundStatus};
use crate::ports::{MockAthmGateway, PaymentRecord, RefundReceipt};
use crate::services::{PaymentService, ProcessOutcome, Reconciler};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_json, completed_payment, ecommerce_id,
    intent, record, reference, refund_of, remote_refund, remote_refunded,
};

use super::webhook::stored;

/// The report's ECOMMERCE row for the payment: no ecommerceId, the refunded
/// total under its report name.
fn ecommerce_row(refunded: &str) -> AthmTransaction {
    let mut value = completed_json();
    let object = value.as_object_mut().expect("an object");
    object.remove("ecommerceId");
    object.remove("totalRefundedAmount");
    value["totalRefundAmount"] = json!(refunded);
    AthmTransaction::from_json(&value).expect("a valid row")
}

/// How many refunds were announced over the row's whole history.
fn announced(row: &Row) -> usize {
    row.writes()
        .iter()
        .flat_map(|w| &w.events)
        .filter(|e| e.kind == LifecycleKind::RefundSent)
        .count()
}

/// The one refund of 3.00, completed under [`REFUND_REF`], and ATH Móvil's total 3.00.
fn assert_one_refund_of_3(row: &Row, case: &str) {
    let stored = row.record().unwrap();
    assert_eq!(
        stored.payment.total_refunded_amount,
        amount("3.00"),
        "{case}"
    );
    assert_eq!(stored.refunds.len(), 1, "{case}");
    let refund = &stored.refunds[0];
    assert_eq!(refund.status, RefundStatus::Completed, "{case}");
    assert_eq!(refund.amount, amount("3.00"), "{case}");
    assert_eq!(
        refund.reference_number,
        Some(reference(REFUND_REF)),
        "{case}"
    );
    assert_eq!(announced(row), 1, "{case}");
    assert_eq!(stored.refundable(), amount("22.00"), "{case}");
}

/// Syncs a report of `rows` against the books; findPayment says 3.00 refunded.
async fn sync(books: &Books, rows: Vec<AthmTransaction>) {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(move |_, _| Ok(rows.clone()));
    gateway
        .expect_find_payment()
        .returning(|_| Ok(remote_refunded("3.00")));
    let (store, _) = books.store();
    let summary = Reconciler::new(Arc::new(gateway), Arc::new(store), clock())
        .sync(
            crate::test_support::now() - chrono::Duration::days(1),
            crate::test_support::now(),
            false,
            &|_, _| {},
        )
        .await
        .expect("the report was read");
    assert!(
        summary.errors.is_empty() && summary.unmatched.is_empty(),
        "{summary:?}"
    );
}

#[tokio::test]
async fn a_sync_over_a_refund_whose_answer_was_lost_completes_it_without_counting_it_twice() {
    let rows = [
        ecommerce_row("3.00"),
        remote_refund(Some(REFUND_REF), "3.00"),
    ];
    for order in [[0, 1], [1, 0]] {
        let row = Row::new(Some(PaymentRecord {
            refunds: vec![Refund {
                intent_key: Some(intent("click-1")),
                ..refund_of("3.00", RefundStatus::Pending)
            }],
            ..record(completed_payment())
        }));
        let books = Books::of(&[&row]);
        let report: Vec<_> = order.iter().map(|i| rows[*i].clone()).collect();

        sync(&books, report.clone()).await;
        sync(&books, report).await;

        assert_one_refund_of_3(&row, &format!("rows in order {order:?}"));
    }
}

#[tokio::test]
async fn an_app_refund_recorded_from_its_webhook_is_the_report_s_refund_row() {
    let row = Row::new(Some(record(completed_payment())));
    let books = Books::of(&[&row]);
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .returning(|_, _| Ok(vec![remote_refund(Some(REFUND_REF), "3.00")]));
    gateway
        .expect_find_payment()
        .returning(|_| Ok(remote_refunded("3.00")));
    let (store, _) = books.store();
    let processor = webhook_processor(Arc::new(gateway), store, clock());

    let outcome = processor
        .process(&stored(&refund_event(REFUND_REF, None, "3.00")))
        .await
        .unwrap();
    assert_eq!(outcome, ProcessOutcome::Applied);
    assert_one_refund_of_3(&row, "after the webhook");

    sync(
        &books,
        vec![
            remote_refund(Some(REFUND_REF), "3.00"),
            ecommerce_row("3.00"),
        ],
    )
    .await;

    assert_one_refund_of_3(&row, "after the sync");
}

#[tokio::test]
async fn a_late_webhook_of_an_answered_refund_leaves_the_total_at_3() {
    let row = Row::new(Some(record(completed_payment())));
    let books = Books::of(&[&row]);
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().times(1).returning(|_| {
        Ok(RefundReceipt {
            refund: remote_refund(Some(REFUND_REF), "3.00"),
            original: remote_refunded("3.00"),
        })
    });
    // the quirky shape (naming only the payment) asks findPayment
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Ok(remote_refunded("3.00")));
    gateway.expect_transaction_report().never();
    let gateway = Arc::new(gateway);
    let (store, _) = books.store();
    let refund = PaymentService::new(gateway.clone(), Arc::new(store), clock())
        .refund(
            &ecommerce_id(),
            Some(amount("3.00")),
            "Sorry".parse().expect("a valid message"),
            intent("click-1"),
        )
        .await
        .unwrap();
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_one_refund_of_3(&row, "answered");

    let (store, _) = books.store();
    let processor = webhook_processor(gateway, store, clock());
    let documented = processor
        .process(&stored(&refund_event(REFUND_REF, None, "3.00")))
        .await
        .unwrap();
    let quirky = processor
        .process(&stored(&refund_event(PAYMENT_REF, None, "3.00")))
        .await
        .unwrap();

    assert_eq!(documented, ProcessOutcome::Unchanged);
    assert_ne!(quirky, ProcessOutcome::Applied);
    assert_one_refund_of_3(&row, "after its webhooks");
}
