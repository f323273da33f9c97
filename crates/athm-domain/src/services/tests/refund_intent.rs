//! PaymentService::refund under an intent: the same intent is one refund,
//! sent once, answered with its first outcome; an unknown outcome stays
//! pending; a late answer is recorded once.

use std::sync::Arc;

use serde_json::json;

use super::Books;
use crate::error::RuleError;
use crate::model::{AthmTransaction, Refund, RefundStatus};
use crate::ports::{
    AthmErrorCode, GatewayError, MockAthmGateway, Operation, PaymentRecord, RefundReceipt,
};
use crate::services::{PaymentError, PaymentService};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_payment, ecommerce_id, intent, record,
    reference, refund_of,
};

/// ATH Móvil's answer: a refund of `refunded` under [`REFUND_REF`], the
/// payment's running total `total_refunded`.
fn receipt(refunded: &str, total_refunded: &str) -> RefundReceipt {
    RefundReceipt {
        refund: AthmTransaction::from_json(&json!({"transactionType": "REFUND",
            "status": "COMPLETED", "refundedAmount": refunded, "referenceNumber": REFUND_REF,
            "dailyTransactionID": 107, "date": "2025-12-08 16:30:00.0"}))
        .expect("a valid refund"),
        original: AthmTransaction::from_json(&json!({"transactionType": "PAYMENT",
            "status": "COMPLETED", "referenceNumber": PAYMENT_REF, "total": 25.00,
            "totalRefundedAmount": total_refunded}))
        .expect("a valid payment"),
    }
}

/// Refunds `requested` of the payment in `row` under `key`.
async fn refund(
    row: &Row,
    gateway: &Arc<MockAthmGateway>,
    requested: &str,
    key: &str,
) -> Result<Refund, PaymentError> {
    let (store, _) = Books::of(&[row]).store();
    PaymentService::new(gateway.clone(), Arc::new(store), clock())
        .refund(
            &ecommerce_id(),
            Some(amount(requested)),
            "Sorry".parse().expect("a valid message"),
            intent(key),
        )
        .await
}

/// A write whose outcome is unknown: BTRA_0015 (a communication error) once
/// the error table says so, a lost answer until then.
fn outcome_unknown() -> GatewayError {
    let code = AthmErrorCode::new("BTRA_0015");
    if code.write_outcome_unknown() {
        GatewayError::Refused {
            operation: Operation::Refund,
            code,
            message: "communication error".into(),
        }
    } else {
        GatewayError::OutcomeUnknown {
            operation: Operation::Refund,
            detail: "timed out".into(),
        }
    }
}

fn with(refund: Refund) -> Row {
    Row::new(Some(PaymentRecord {
        refunds: vec![refund],
        ..record(completed_payment())
    }))
}

#[tokio::test]
async fn the_same_intent_twice_is_one_call_and_one_refund() {
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_refund()
        .times(1)
        .returning(|_| Ok(receipt("10.00", "10.00")));
    let gateway = Arc::new(gateway);

    let first = refund(&row, &gateway, "10.00", "click-1").await.unwrap();
    let again = refund(&row, &gateway, "10.00", "click-1").await.unwrap();

    assert_eq!(again, first);
    assert_eq!(again.status, RefundStatus::Completed);
    let stored = row.record().unwrap();
    assert_eq!(stored.refunds.len(), 1);
    assert_eq!(stored.payment.total_refunded_amount, amount("10.00"));
    assert_eq!(row.writes().len(), 2, "reserve and settle, nothing more");
}

#[tokio::test]
async fn a_repeated_intent_is_answered_with_its_first_outcome_without_calling_ath_movil() {
    let pending = Refund {
        intent_key: Some(intent("click-1")),
        ..refund_of("10.00", RefundStatus::Pending)
    };
    let mut failed = Refund {
        intent_key: Some(intent("click-1")),
        ..refund_of("10.00", RefundStatus::Pending)
    };
    failed.failed("ATH Móvil refused refund: BTRA_0004");
    let gateway = Arc::new(MockAthmGateway::new()); // any call would panic

    let row = with(pending.clone());
    let err = refund(&row, &gateway, "10.00", "click-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaymentError::RefundPending { refund_id, source: None, .. } if refund_id == pending.id),
        "{err:?}"
    );
    assert!(row.writes().is_empty());

    let row = with(failed.clone());
    let err = refund(&row, &gateway, "10.00", "click-1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaymentError::RefundRefused { refund_id, reason, source: None }
            if *refund_id == failed.id && reason.contains("BTRA_0004")),
        "{err:?}"
    );
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn an_intent_reused_for_another_amount_is_refused_and_sends_nothing() {
    let row = with(Refund {
        intent_key: Some(intent("click-1")),
        ..refund_of("10.00", RefundStatus::Completed)
    });
    let gateway = Arc::new(MockAthmGateway::new());

    let err = refund(&row, &gateway, "5.00", "click-1").await.unwrap_err();

    assert!(
        matches!(err, PaymentError::Rule(RuleError::IntentReused { ref intent, .. }) if intent == "click-1"),
        "{err:?}"
    );
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn an_unknown_outcome_stays_pending_and_the_same_intent_never_sends_it_again() {
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_refund()
        .times(1)
        .returning(|_| Err(outcome_unknown()));
    let gateway = Arc::new(gateway);

    let first = refund(&row, &gateway, "10.00", "click-1")
        .await
        .unwrap_err();
    let again = refund(&row, &gateway, "10.00", "click-1")
        .await
        .unwrap_err();

    let stored = row.record().unwrap();
    assert_eq!(stored.refunds.len(), 1);
    let pending = &stored.refunds[0];
    assert_eq!(pending.status, RefundStatus::Pending);
    assert!(
        matches!(first, PaymentError::RefundPending { refund_id, source: Some(_), .. } if refund_id == pending.id),
        "{first:?}"
    );
    assert!(
        matches!(again, PaymentError::RefundPending { refund_id, source: None, .. } if refund_id == pending.id),
        "{again:?}"
    );
    assert_eq!(stored.refundable(), amount("15.00"));
}

#[tokio::test]
async fn an_undocumented_code_is_as_the_error_table_classes_it() {
    // ATH Móvil's table: a write answered with a code it lacks has an
    // unknown outcome. This follows whatever the table says today.
    let code = AthmErrorCode::new("BTRA_7777");
    let unknown = code.write_outcome_unknown();
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().times(1).returning(|_| {
        Err(GatewayError::Refused {
            operation: Operation::Refund,
            code: AthmErrorCode::new("BTRA_7777"),
            message: "?".into(),
        })
    });

    let err = refund(&row, &Arc::new(gateway), "10.00", "click-1")
        .await
        .unwrap_err();

    let status = row.record().unwrap().refunds[0].status;
    if unknown {
        assert!(matches!(err, PaymentError::RefundPending { .. }), "{err:?}");
        assert_eq!(status, RefundStatus::Pending);
    } else {
        assert!(matches!(err, PaymentError::RefundRefused { .. }), "{err:?}");
        assert_eq!(status, RefundStatus::Failed);
    }
}

#[tokio::test]
async fn an_answer_after_a_webhook_settled_it_is_announced_once_and_counted_once() {
    let row = Row::new(Some(record(completed_payment())));
    let webhook = row.clone();
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().times(1).returning(move |_| {
        // the refund's webhook is applied before its answer is recorded
        webhook.edit(|record| {
            let refund = &mut record.refunds[0];
            refund.completed(&receipt("10.00", "10.00").refund);
            record.payment.total_refunded_amount = amount("10.00");
        });
        Ok(receipt("10.00", "10.00"))
    });

    let refund = refund(&row, &Arc::new(gateway), "10.00", "click-1")
        .await
        .unwrap();

    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    let stored = row.record().unwrap();
    assert_eq!(stored.payment.total_refunded_amount, amount("10.00"));
    assert_eq!(stored.refundable(), amount("15.00"));
    let announced: usize = row.writes().iter().map(|w| w.events.len()).sum();
    assert_eq!(announced, 0, "the webhook announced it");
}

#[tokio::test]
async fn an_answer_takes_back_its_reference_from_the_pending_refund_a_webhook_gave_it_to() {
    // an older refund of the same amount, its answer lost, is still pending
    let older = Refund {
        intent_key: Some(intent("click-0")),
        ..refund_of("10.00", RefundStatus::Pending)
    };
    let row = with(older.clone());
    let webhook = row.clone();
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().times(1).returning(move |_| {
        // this refund's webhook settled the oldest pending refund of its amount
        webhook.edit(|record| {
            record.refunds[0].completed(&receipt("10.00", "10.00").refund);
            record.payment.total_refunded_amount = amount("10.00");
        });
        Ok(receipt("10.00", "10.00"))
    });

    let refund = refund(&row, &Arc::new(gateway), "10.00", "click-1")
        .await
        .unwrap();

    let stored = row.record().unwrap();
    let older = stored.refunds.iter().find(|r| r.id == older.id).unwrap();
    assert_eq!(older.status, RefundStatus::Pending);
    assert_eq!(older.reference_number, None);
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_eq!(stored.payment.total_refunded_amount, amount("10.00"));
    let settle = row.writes().last().unwrap().clone();
    assert!(settle.events.is_empty(), "the webhook announced it already");
    assert_eq!(settle.refunds.len(), 2);
    // the older one is back to waiting for its own read
    assert_eq!(stored.refundable(), amount("5.00"));
}
