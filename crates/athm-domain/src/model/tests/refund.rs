//! Refund::plan's refund rules and the refund record.

use proptest::prelude::*;
use serde_json::json;

use crate::error::RuleError;
use crate::model::{
    Amount, AthmTransaction, LifecycleKind, Payment, PaymentStatus, Refund, RefundIntent,
    RefundMessage, RefundStatus, Reservation,
};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, amount, completed_payment, ecommerce_id, intent, now, payment_in,
    reference, refund_of,
};

/// Plans a refund of `payment` under a fresh intent; the refund it would record.
fn plan_of(
    payment: &Payment,
    refunds: &[Refund],
    requested: Option<&str>,
) -> Result<Refund, RuleError> {
    Refund::plan(
        payment,
        refunds,
        requested.map(amount),
        RefundMessage::default(),
        RefundIntent::random(),
        now(),
    )
    .map(|reservation| match reservation {
        Reservation::New(refund) => refund,
        Reservation::Existing(refund) => panic!("a fresh intent was seen before: {refund:?}"),
    })
}

fn plan(refunds: &[Refund], requested: Option<&str>) -> Result<Refund, RuleError> {
    plan_of(&completed_payment(), refunds, requested)
}

#[test]
fn only_a_completed_payment_with_a_reference_number_can_be_refunded() {
    for status in [
        PaymentStatus::Open,
        PaymentStatus::Confirm,
        PaymentStatus::Cancel,
        PaymentStatus::Expired,
    ] {
        let refused = plan_of(&payment_in(status), &[], None);
        assert_eq!(refused, Err(RuleError::NotCompleted(status)));
    }
    let mut payment = completed_payment();
    payment.reference_number = None;
    assert_eq!(
        plan_of(&payment, &[], None),
        Err(RuleError::NoReferenceNumber)
    );
}

#[test]
fn a_refund_must_be_positive_and_within_what_is_left() {
    assert_eq!(plan(&[], Some("0.00")), Err(RuleError::NonPositiveRefund));
    assert_eq!(
        plan(&[], Some("25.01")),
        Err(RuleError::RefundExceeds {
            requested: amount("25.01").value(),
            refundable: amount("25.00").value(),
        })
    );
    assert_eq!(plan(&[], Some("25.00")).unwrap().amount, amount("25.00"));
}

#[test]
fn pending_refunds_count_as_spent_and_failed_ones_do_not() {
    let refunds = [
        refund_of("20.00", RefundStatus::Pending),
        refund_of("25.00", RefundStatus::Failed),
    ];
    assert_eq!(plan(&refunds, None).unwrap().amount, amount("5.00"));
    assert!(matches!(
        plan(&refunds, Some("5.01")),
        Err(RuleError::RefundExceeds { .. })
    ));
    let all_pending = [refund_of("25.00", RefundStatus::Pending)];
    assert_eq!(plan(&all_pending, None), Err(RuleError::FullyRefunded));
}

#[test]
fn completed_refunds_count_through_the_payment_s_refunded_total() {
    let mut payment = completed_payment();
    payment.total_refunded_amount = amount("24.00");
    assert_eq!(plan_of(&payment, &[], None).unwrap().amount, amount("1.00"));
    payment.total_refunded_amount = payment.total;
    assert_eq!(
        plan_of(&payment, &[], Some("1.00")),
        Err(RuleError::FullyRefunded)
    );
}

#[test]
fn a_planned_refund_is_pending_with_its_intent_the_customer_and_no_reference_yet() {
    let message: RefundMessage = "Sorry".parse().unwrap();
    let Reservation::New(refund) = Refund::plan(
        &completed_payment(),
        &[],
        Some(amount("3.00")),
        message.clone(),
        intent("order-1-refund-1"),
        now(),
    )
    .unwrap() else {
        panic!("a new intent is a new refund")
    };
    assert_eq!(refund.intent_key, Some(intent("order-1-refund-1")));
    assert_eq!(refund.status, RefundStatus::Pending);
    assert_eq!(refund.ecommerce_id, ecommerce_id());
    assert_eq!(refund.reference_number, None);
    assert_eq!(refund.message, message);
    assert_eq!(refund.customer_name, "Test Customer");
    assert_eq!(refund.customer_phone.unwrap().as_str(), "7875551234");
    assert_eq!(refund.created_at, now());
    assert_ne!(plan(&[], None).unwrap().id, plan(&[], None).unwrap().id);
}

#[test]
fn a_refund_from_ath_movil_is_completed_with_its_details() {
    let remote = AthmTransaction::from_json(&json!({"transactionType": "refund",
        "status": "completed", "date": "2020-01-01 12:00:00.0", "referenceNumber": REFUND_REF,
        "dailyTransactionID": "0001", "name": " Valeria Herrero ", "phoneNumber": "(787) 123-4567",
        "message": "This is a message.", "total": "1.00"}))
    .unwrap();
    let refund = Refund::from_remote(&completed_payment(), &remote, now());
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.amount, amount("1.00"));
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_eq!(refund.customer_name, "Valeria Herrero");
    assert_eq!(
        refund.customer_phone.as_ref().unwrap().as_str(),
        "7871234567"
    );
    assert_eq!(refund.message.as_str(), "This is a message.");
    assert_eq!(
        refund.transaction_date.unwrap().to_rfc3339(),
        "2020-01-01T16:00:00+00:00"
    );
    let event = refund.lifecycle(now());
    assert_eq!(
        (event.kind, event.amount),
        (LifecycleKind::RefundSent, amount("1.00"))
    );
}

#[test]
fn completing_keeps_what_the_answer_does_not_say_and_failing_keeps_the_reason() {
    let mut refund = refund_of("5.00", RefundStatus::Pending);
    refund.reference_number = Some(reference(PAYMENT_REF));
    refund.completed(&AthmTransaction::from_json(&json!({"status": "completed"})).unwrap());
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number, Some(reference(PAYMENT_REF)));
    assert_eq!(refund.customer_name, "Test Customer");

    let mut failed = refund_of("5.00", RefundStatus::Pending);
    failed.failed("BTRA_0053");
    assert_eq!(
        (failed.status, failed.failure.as_deref()),
        (RefundStatus::Failed, Some("BTRA_0053"))
    );
}

#[test]
fn refund_status_names_round_trip() {
    for status in [
        RefundStatus::Pending,
        RefundStatus::Completed,
        RefundStatus::Failed,
    ] {
        assert_eq!(RefundStatus::parse(status.as_str()), Some(status));
    }
    // one rule for every status name: any case, spaces around ignored
    assert_eq!(
        RefundStatus::parse(" pending "),
        Some(RefundStatus::Pending)
    );
    assert_eq!(RefundStatus::parse("pend"), None);
}

proptest! {
    /// However many refunds are planned concurrently (each recorded pending
    /// before the next is planned), together they never exceed the total.
    #[test]
    fn planned_refunds_never_exceed_the_total(requests in prop::collection::vec(prop::option::of(0u32..3000), 0..12)) {
        let mut refunds: Vec<Refund> = Vec::new();
        for cents in requests {
            let requested = cents.map(|c| format!("{}.{:02}", c / 100, c % 100));
            if let Ok(refund) = plan(&refunds, requested.as_deref()) {
                prop_assert!(!refund.amount.is_zero());
                refunds.push(refund);
            }
        }
        let planned: Amount = refunds.iter().map(|r| r.amount).sum();
        prop_assert!(planned <= amount("25.00"));
    }
}
