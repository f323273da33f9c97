//! WebhookProcessor: refund events, with and without their own reference number.

use serde_json::json;

use crate::model::{LifecycleKind, RefundStatus};
use crate::ports::PaymentRecord;
use crate::services::ProcessOutcome;
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, completed_payment, ecommerce_id, record, reference,
    refund_of,
};

use super::webhook::{process, refund_json};

fn with_refund(status: RefundStatus, reference: Option<&str>) -> PaymentRecord {
    let mut refund = refund_of("10.00", status);
    refund.reference_number = reference.map(crate::test_support::reference);
    PaymentRecord {
        refunds: vec![refund],
        ..record(completed_payment())
    }
}

#[tokio::test]
async fn a_refund_event_confirms_a_pending_refund_of_the_same_amount() {
    let row = Row::new(Some(with_refund(RefundStatus::Pending, None)));
    let pending = row.record().unwrap().refunds[0].id;

    let outcome = process(&refund_json(REFUND_REF, "10.00", "0107"), &row).await;

    assert_eq!(outcome, ProcessOutcome::Applied);
    let write = &row.writes()[0];
    assert_eq!(write.refunds.len(), 1);
    let refund = &write.refunds[0];
    assert_eq!(
        (refund.id, refund.status),
        (pending, RefundStatus::Completed)
    );
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_eq!(refund.daily_transaction_id.as_deref(), Some("0107"));
    assert_eq!(write.payment.total_refunded_amount, amount("10.00"));
    let kinds: Vec<_> = write.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LifecycleKind::RefundSent]);
}

#[tokio::test]
async fn a_refund_event_carrying_the_payment_s_reference_number_never_gives_it_to_the_refund() {
    let row = Row::new(Some(with_refund(RefundStatus::Pending, None)));

    let outcome = process(&refund_json(PAYMENT_REF, "10.00", "0107"), &row).await;

    assert_eq!(outcome, ProcessOutcome::Applied);
    let refund = &row.writes()[0].refunds[0];
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.reference_number, None);
    assert_eq!(row.writes()[0].events[0].reference_number, None);
}

#[tokio::test]
async fn a_refund_event_for_a_known_refund_changes_nothing() {
    // known by its own reference number, or (the quirk) by amount when it names the payment
    for (stored_ref, event_ref) in [(REFUND_REF, REFUND_REF), (REFUND_REF, PAYMENT_REF)] {
        let row = Row::new(Some(with_refund(RefundStatus::Completed, Some(stored_ref))));
        let outcome = process(&refund_json(event_ref, "10.00", "0107"), &row).await;
        assert_eq!(
            outcome,
            ProcessOutcome::Unchanged,
            "event naming {event_ref}"
        );
    }
}

#[tokio::test]
async fn a_refund_made_in_the_business_app_is_recorded_completed() {
    let row = Row::new(Some(record(completed_payment())));

    let outcome = process(&refund_json(PAYMENT_REF, "4.00", "0108"), &row).await;

    assert_eq!(outcome, ProcessOutcome::Applied);
    let write = &row.writes()[0];
    let refund = &write.refunds[0];
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(refund.amount, amount("4.00"));
    assert_eq!(refund.reference_number, None);
    assert_eq!(refund.ecommerce_id, ecommerce_id());
    assert_eq!(write.payment.total_refunded_amount, amount("4.00"));
    assert_eq!(write.events[0].kind, LifecycleKind::RefundSent);
}

#[tokio::test]
async fn a_second_partial_refund_naming_the_payment_is_a_new_refund() {
    let row = Row::new(Some(record(completed_payment())));
    assert_eq!(
        process(&refund_json(PAYMENT_REF, "4.00", "0108"), &row).await,
        ProcessOutcome::Applied
    );
    assert_eq!(
        process(&refund_json(PAYMENT_REF, "6.00", "0109"), &row).await,
        ProcessOutcome::Applied
    );
    let stored = row.record().unwrap();
    assert_eq!(stored.refunds.len(), 2);
    assert_eq!(stored.payment.total_refunded_amount, amount("10.00"));
}

#[tokio::test]
async fn a_refund_event_for_an_unknown_payment_or_of_nothing_changes_nothing() {
    let unknown = Row::new(None);
    assert_eq!(
        process(&refund_json(PAYMENT_REF, "4.00", "0108"), &unknown).await,
        ProcessOutcome::Unchanged
    );
    let mut zero = refund_json(PAYMENT_REF, "0.00", "0108");
    zero["totalRefundedAmount"] = json!("0.00");
    let row = Row::new(Some(record(completed_payment())));
    assert_eq!(process(&zero, &row).await, ProcessOutcome::Unchanged);
}
