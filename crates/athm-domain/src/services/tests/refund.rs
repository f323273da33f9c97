//! PaymentService::refund: every refusal, the default amount, and each gateway outcome.

use std::sync::Arc;

use serde_json::json;

use super::{expect_steps, refused};
use crate::error::RuleError;
use crate::model::{
    Amount, AthmTransaction, LifecycleKind, PaymentStatus, Refund, RefundIntent, RefundStatus,
};
use crate::ports::{
    GatewayError, MockAthmGateway, MockStore, Operation, PaymentRecord, RefundOrder, RefundReceipt,
};
use crate::services::{PaymentError, PaymentService};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_payment, ecommerce_id, open_payment,
    record, refund_of,
};

/// ATH Móvil's refund answer: the refund of `refunded` with its own reference,
/// and the original payment whose running total is `total_refunded` (absent when `None`).
fn receipt(refunded: &str, total_refunded: Option<&str>) -> RefundReceipt {
    let mut original = json!({"transactionType": "PAYMENT", "status": "COMPLETED",
        "referenceNumber": PAYMENT_REF, "total": 25.00});
    if let Some(total) = total_refunded {
        original["totalRefundedAmount"] = json!(total);
    }
    RefundReceipt {
        refund: AthmTransaction::from_json(&json!({"transactionType": "REFUND",
            "status": "COMPLETED", "refundedAmount": refunded, "date": "2021-07-08 18:13:58.0",
            "referenceNumber": REFUND_REF, "dailyTransactionID": 107,
            "name": " Valeria Herrero", "phoneNumber": "(787) 123-4567"}))
        .expect("a valid refund"),
        original: AthmTransaction::from_json(&original).expect("a valid payment"),
    }
}

/// Refunds `amount` of the payment in `row` with `gateway`, under a fresh
/// intent; the store serves `steps` atomic steps on `row`, and reads it back.
async fn refund(
    row: &Row,
    amount: Option<Amount>,
    gateway: MockAthmGateway,
    steps: usize,
) -> Result<Refund, PaymentError> {
    let mut store = MockStore::new();
    expect_steps(&mut store, row, steps);
    let read = row.clone();
    store.expect_payment().returning(move |_| Ok(read.record()));
    PaymentService::new(Arc::new(gateway), Arc::new(store), clock())
        .refund(
            &ecommerce_id(),
            amount,
            "Sorry".parse().expect("a valid message"),
            RefundIntent::random(),
        )
        .await
}

fn never_called() -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().never();
    gateway
}

fn with_refunds(refunds: Vec<Refund>) -> PaymentRecord {
    PaymentRecord {
        payment: completed_payment(),
        refunds,
    }
}

#[tokio::test]
async fn each_refund_rule_refuses_before_calling_ath_movil_and_writes_nothing() {
    let fully_refunded = {
        let mut p = completed_payment();
        p.total_refunded_amount = p.total;
        record(p)
    };
    let no_reference = {
        let mut p = completed_payment();
        p.reference_number = None;
        record(p)
    };
    let cases: Vec<(&str, PaymentRecord, Option<Amount>, RuleError)> = vec![
        (
            "not completed",
            record(open_payment()),
            None,
            RuleError::NotCompleted(PaymentStatus::Open),
        ),
        (
            "fully refunded",
            fully_refunded,
            None,
            RuleError::FullyRefunded,
        ),
        (
            "no reference number",
            no_reference,
            None,
            RuleError::NoReferenceNumber,
        ),
        (
            "amount zero",
            record(completed_payment()),
            Some(Amount::ZERO),
            RuleError::NonPositiveRefund,
        ),
        (
            "exceeds the total",
            record(completed_payment()),
            Some(amount("25.01")),
            RuleError::RefundExceeds {
                requested: amount("25.01").value(),
                refundable: amount("25.00").value(),
            },
        ),
        (
            "exceeds once pending refunds are counted",
            with_refunds(vec![refund_of("20.00", RefundStatus::Pending)]),
            Some(amount("5.01")),
            RuleError::RefundExceeds {
                requested: amount("5.01").value(),
                refundable: amount("5.00").value(),
            },
        ),
        (
            "everything left is pending",
            with_refunds(vec![refund_of("25.00", RefundStatus::Pending)]),
            None,
            RuleError::FullyRefunded,
        ),
    ];
    for (case, record, amount, expected) in cases {
        let row = Row::new(Some(record));
        let err = refund(&row, amount, never_called(), 1).await.unwrap_err();
        assert!(
            matches!(err, PaymentError::Rule(ref rule) if *rule == expected),
            "{case}: {err:?}"
        );
        assert!(row.writes().is_empty(), "{case}");
    }
}

#[tokio::test]
async fn refund_of_an_unknown_payment_is_not_found() {
    let row = Row::new(None);
    let err = refund(&row, None, never_called(), 1).await.unwrap_err();
    assert!(matches!(err, PaymentError::NotFound(_)));
}

#[tokio::test]
async fn without_an_amount_everything_left_is_refunded_pending_refunds_deducted() {
    let mut payment = completed_payment();
    payment.total_refunded_amount = amount("10.00");
    let row = Row::new(Some(PaymentRecord {
        payment,
        refunds: vec![
            refund_of("10.00", RefundStatus::Completed),
            refund_of("5.00", RefundStatus::Pending),
            refund_of("25.00", RefundStatus::Failed),
        ],
    }));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_refund()
        .withf(|order| order.amount == amount("10.00"))
        .times(1)
        .returning(|_| Ok(receipt("10.00", Some("20.00"))));

    let refund = refund(&row, None, gateway, 2).await.unwrap();

    assert_eq!(refund.amount, amount("10.00"));
}

#[tokio::test]
async fn a_refund_is_reserved_pending_then_sent_once_then_recorded_completed() {
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_refund()
        .withf(|order| {
            *order
                == RefundOrder {
                    reference_number: PAYMENT_REF.parse().expect("valid"),
                    amount: amount("10.00"),
                    message: "Sorry".parse().expect("valid"),
                }
        })
        .times(1)
        .returning(|_| Ok(receipt("10.00", Some("10.00"))));

    let refund = refund(&row, Some(amount("10.00")), gateway, 2)
        .await
        .unwrap();

    let writes = row.writes();
    assert_eq!(writes.len(), 2);
    let (reserve, settle) = (&writes[0], &writes[1]);
    assert_eq!(reserve.refunds.len(), 1);
    assert_eq!(reserve.refunds[0].status, RefundStatus::Pending);
    assert_eq!(reserve.refunds[0].reference_number, None);
    assert!(reserve.events.is_empty());
    assert_eq!(reserve.payment, completed_payment());

    assert_eq!(settle.refunds[0].id, reserve.refunds[0].id);
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(
        refund.reference_number.as_ref().unwrap().as_str(),
        REFUND_REF
    );
    assert_eq!(refund.daily_transaction_id.as_deref(), Some("107"));
    assert_eq!(refund.customer_name, "Valeria Herrero");
    assert_eq!(settle.payment.total_refunded_amount, amount("10.00"));
    assert_eq!(settle.events.len(), 1);
    let event = &settle.events[0];
    assert_eq!(event.kind, LifecycleKind::RefundSent);
    assert_eq!(event.amount, amount("10.00"));
    assert_eq!(
        event.reference_number.as_ref().unwrap().as_str(),
        REFUND_REF
    );
}

#[tokio::test]
async fn the_refunded_total_comes_from_ath_movil_s_answer() {
    // a 2.00 refund made in the ATH Business app is counted by ATH Móvil already
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_refund()
        .times(1)
        .returning(|_| Ok(receipt("10.00", Some("12.00"))));

    refund(&row, Some(amount("10.00")), gateway, 2)
        .await
        .unwrap();

    let stored = row.record().unwrap();
    assert_eq!(stored.payment.total_refunded_amount, amount("12.00"));
    assert_eq!(stored.refundable(), amount("13.00"));
}

#[tokio::test]
async fn without_a_running_total_in_the_answer_the_total_waits_for_a_read_but_the_refund_counts() {
    let row = Row::new(Some(record(completed_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_refund()
        .times(1)
        .returning(|_| Ok(receipt("10.00", None)));

    refund(&row, Some(amount("10.00")), gateway, 2)
        .await
        .unwrap();

    let stored = row.record().unwrap();
    // nothing is summed from the answer's claim...
    assert_eq!(stored.payment.total_refunded_amount, Amount::ZERO);
    // ...yet the completed refund is spent
    assert_eq!(stored.refunds[0].status, RefundStatus::Completed);
    assert_eq!(stored.refundable(), amount("15.00"));
}

#[tokio::test]
async fn a_definitive_refusal_marks_the_refund_failed_and_is_returned() {
    let errors: [fn() -> GatewayError; 2] = [
        || refused(Operation::Refund, "BTRA_0053"),
        || GatewayError::Unavailable {
            operation: Operation::Refund,
            detail: "connection refused".into(),
        },
    ];
    for error in errors {
        let row = Row::new(Some(record(completed_payment())));
        let mut gateway = MockAthmGateway::new();
        gateway
            .expect_refund()
            .times(1)
            .returning(move |_| Err(error()));

        let err = refund(&row, Some(amount("10.00")), gateway, 2)
            .await
            .unwrap_err();

        let stored = row.record().unwrap();
        assert_eq!(stored.refunds.len(), 1);
        let failed = &stored.refunds[0];
        assert!(
            matches!(&err, PaymentError::RefundRefused { refund_id, reason, source: Some(_) }
                if *refund_id == failed.id && Some(reason.as_str()) == failed.failure.as_deref()),
            "{err:?}"
        );
        assert_eq!(failed.status, RefundStatus::Failed);
        assert!(err.to_string().contains("refused refund"), "{err}");
        assert_eq!(stored.payment.total_refunded_amount, Amount::ZERO);
        assert!(row.writes()[1].events.is_empty());
    }
}

#[tokio::test]
async fn an_unknown_outcome_leaves_the_refund_pending_and_never_resends_it() {
    let errors: [fn() -> GatewayError; 3] = [
        || GatewayError::OutcomeUnknown {
            operation: Operation::Refund,
            detail: "timed out".into(),
        },
        || refused(Operation::Refund, "BTRA_9999"),
        || GatewayError::Undecodable {
            operation: Operation::Refund,
            detail: "not JSON".into(),
        },
    ];
    for error in errors {
        let row = Row::new(Some(record(completed_payment())));
        let mut gateway = MockAthmGateway::new();
        gateway
            .expect_refund()
            .times(1)
            .returning(move |_| Err(error()));

        let err = refund(&row, Some(amount("10.00")), gateway, 1)
            .await
            .unwrap_err();

        let stored = row.record().unwrap();
        assert_eq!(stored.refunds.len(), 1);
        let pending = &stored.refunds[0];
        assert_eq!(pending.status, RefundStatus::Pending);
        assert!(
            matches!(err, PaymentError::RefundPending { refund_id, ecommerce_id: id, source: Some(_) }
                if refund_id == pending.id && id == ecommerce_id()),
            "{err:?}"
        );
        // a second refund of everything left is refused while this one is pending
        let again = refund(&row, Some(amount("15.01")), never_called(), 1)
            .await
            .unwrap_err();
        assert!(matches!(
            again,
            PaymentError::Rule(RuleError::RefundExceeds { .. })
        ));
    }
}

#[tokio::test]
async fn a_refund_a_webhook_confirmed_first_is_not_counted_or_announced_twice() {
    let row = Row::new(Some(record(completed_payment())));
    let webhook = row.clone();
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().times(1).returning(move |_| {
        // the refund webhook is processed before the answer is recorded
        webhook.edit(|record| {
            record.refunds[0].status = RefundStatus::Completed;
            record.refunds[0].reference_number = Some(REFUND_REF.parse().expect("valid"));
            record.payment.total_refunded_amount = amount("10.00");
        });
        Ok(receipt("10.00", Some("10.00")))
    });

    let refund = refund(&row, Some(amount("10.00")), gateway, 2)
        .await
        .unwrap();

    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number.unwrap().as_str(), REFUND_REF);
    assert_eq!(
        row.record().unwrap().payment.total_refunded_amount,
        amount("10.00")
    );
    assert!(row.writes()[1].events.is_empty());
}

#[tokio::test]
async fn a_refusal_never_overwrites_a_refund_a_webhook_confirmed() {
    let row = Row::new(Some(record(completed_payment())));
    let webhook = row.clone();
    let mut gateway = MockAthmGateway::new();
    gateway.expect_refund().times(1).returning(move |_| {
        webhook.edit(|record| record.refunds[0].status = RefundStatus::Completed);
        Err(refused(Operation::Refund, "BTRA_0004"))
    });

    let err = refund(&row, Some(amount("10.00")), gateway, 2).await;

    assert!(err.is_err());
    assert_eq!(
        row.record().unwrap().refunds[0].status,
        RefundStatus::Completed
    );
}
