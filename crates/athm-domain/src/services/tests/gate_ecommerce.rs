//! The trust gate on ecommerce events: findPayment must agree, and its
//! answer (with the customer data only the webhook carries) is what is written.

use std::sync::Arc;

use serde_json::{Value, json};

use super::refused;
use crate::model::{AthmTransaction, PaymentStatus};
use crate::ports::{GatewayError, MockAthmGateway, MockStore, Operation};
use crate::services::GateError;
use crate::services::gate::{TrustGate, Trusted, Verdict};
use crate::test_support::{
    ECOMMERCE_ID, amount, clock, completed_json, ecommerce_id, remote_status,
};
use crate::webhook::EventKind;

async fn check(
    gateway: MockAthmGateway,
    kind: EventKind,
    event: &Value,
) -> Result<Verdict, GateError> {
    let tx = AthmTransaction::from_json(event).expect("a valid event");
    // ecommerce events need nothing from the store
    TrustGate::new(Arc::new(gateway), Arc::new(MockStore::new()), clock())
        .check_event(kind, &tx)
        .await
}

fn finds(remote: AthmTransaction) -> MockAthmGateway {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .withf(|id| *id == ecommerce_id())
        .times(1)
        .returning(move |_| Ok(remote.clone()));
    gateway
}

/// findPayment's completed answer: ATH Móvil's figures, no customer data.
fn found_completed() -> AthmTransaction {
    let mut value = completed_json();
    let object = value.as_object_mut().expect("an object");
    for field in ["name", "phoneNumber", "email", "businessName"] {
        object.remove(field);
    }
    AthmTransaction::from_json(&value).expect("a valid answer")
}

fn ended(status: &str) -> Value {
    json!({"transactionType": "ecommerce", "status": status, "ecommerceId": ECOMMERCE_ID,
        "total": 25, "date": "2025-12-08 16:40:52"})
}

fn forged(verdict: Result<Verdict, GateError>) -> String {
    match verdict {
        Ok(Verdict::Forged(reason)) => reason,
        other => panic!("not forged: {other:?}"),
    }
}

#[tokio::test]
async fn a_confirmed_completion_is_ath_movil_s_figures_with_the_event_s_customer() {
    let mut event = completed_json();
    event["total"] = json!(1);
    event["fee"] = json!(0.99);
    event["referenceNumber"] = json!("999-forged");
    event["totalRefundedAmount"] = json!(0);

    let verdict = check(
        finds(found_completed()),
        EventKind::EcommerceCompleted,
        &event,
    )
    .await;

    let Ok(Verdict::Trusted(Trusted::Payment { remote, announced })) = verdict else {
        panic!("not trusted: {verdict:?}")
    };
    assert_eq!(announced, PaymentStatus::Completed);
    assert_eq!(remote.total, Some(amount("25.00")));
    assert_eq!(remote.fee, Some(amount("0.07")));
    assert_eq!(
        remote.reference_number.as_ref().map(|r| r.as_str()),
        Some(crate::test_support::PAYMENT_REF)
    );
    assert_eq!(remote.customer_name, "Test Customer");
    assert_eq!(
        remote.customer_phone.as_ref().map(|p| p.as_str()),
        Some("7875551234")
    );
    assert_eq!(remote.business_name, "Test Business");
}

#[tokio::test]
async fn a_completion_ath_movil_does_not_confirm_is_forged() {
    for status in ["OPEN", "CONFIRM", "CANCEL"] {
        let reason = forged(
            check(
                finds(remote_status(status)),
                EventKind::EcommerceCompleted,
                &completed_json(),
            )
            .await,
        );
        assert!(reason.contains("findPayment says"), "{status}: {reason}");
    }
}

#[tokio::test]
async fn a_cancel_or_expiry_needs_ath_movil_to_say_cancel() {
    for (text, kind, announced) in [
        (
            "cancelled",
            EventKind::EcommerceCancelled,
            PaymentStatus::Cancel,
        ),
        (
            "expired",
            EventKind::EcommerceExpired,
            PaymentStatus::Expired,
        ),
    ] {
        let verdict = check(finds(remote_status("CANCEL")), kind, &ended(text)).await;
        assert!(
            matches!(verdict, Ok(Verdict::Trusted(Trusted::Payment { announced: a, .. })) if a == announced),
            "{text}: {verdict:?}"
        );
        let reason = forged(check(finds(found_completed()), kind, &ended(text)).await);
        assert!(reason.contains("completed"), "{text}: {reason}");
    }
}

#[tokio::test]
async fn a_payment_ath_movil_does_not_know_is_forged() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Err(refused(Operation::FindPayment, "BTRA_0031")));
    let reason = forged(check(gateway, EventKind::EcommerceCompleted, &completed_json()).await);
    assert!(reason.contains("does not know"), "{reason}");
}

#[tokio::test]
async fn an_unreachable_ath_movil_is_an_error_not_a_verdict() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().times(1).returning(|_| {
        Err(GatewayError::OutcomeUnknown {
            operation: Operation::FindPayment,
            detail: "timed out".into(),
        })
    });
    let verdict = check(gateway, EventKind::EcommerceCompleted, &completed_json()).await;
    assert!(matches!(verdict, Err(GateError::Gateway(_))), "{verdict:?}");
}

#[tokio::test]
async fn an_event_without_ecommerce_id_or_of_a_kind_that_moves_no_money_is_forged_unasked() {
    let anonymous = json!({"transactionType": "ecommerce", "status": "completed", "total": 25});
    forged(
        check(
            MockAthmGateway::new(),
            EventKind::EcommerceCompleted,
            &anonymous,
        )
        .await,
    );
    let donation = json!({"transactionType": "donation", "status": "completed",
        "referenceNumber": "402894d5-b", "total": "5.00"});
    for kind in [
        EventKind::Donation,
        EventKind::Payment,
        EventKind::Simulated,
    ] {
        forged(check(MockAthmGateway::new(), kind, &donation).await);
    }
}

/// The documented lower-case shape: no ecommerceId, the payment's reference.
fn unnamed_completion() -> AthmTransaction {
    let mut event = completed_json();
    event.as_object_mut().map(|o| o.remove("ecommerceId"));
    event["transactionType"] = json!("ecommerce");
    event["status"] = json!("completed");
    AthmTransaction::from_json(&event).expect("a valid event")
}

#[tokio::test]
async fn a_completion_without_ecommerce_id_is_checked_on_the_payment_its_reference_names() {
    let mut store = MockStore::new();
    store.expect_payment().returning(|_| {
        Ok(Some(crate::test_support::record(
            crate::test_support::completed_payment(),
        )))
    });
    let gate = TrustGate::new(Arc::new(finds(found_completed())), Arc::new(store), clock());

    let verdict = gate
        .check_event(EventKind::EcommerceCompleted, &unnamed_completion())
        .await;

    assert!(
        matches!(verdict, Ok(Verdict::Trusted(Trusted::Payment { .. }))),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_completion_without_ecommerce_id_naming_nothing_here_is_flagged_without_a_call() {
    let mut store = MockStore::new();
    store.expect_payment().returning(|_| Ok(None));
    store
        .expect_payments_in_status()
        .returning(|_, _, _| Ok(Vec::new()));
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().never();
    let gate = TrustGate::new(Arc::new(gateway), Arc::new(store), clock());

    let verdict = gate
        .check_event(EventKind::EcommerceCompleted, &unnamed_completion())
        .await;

    assert!(forged(verdict).contains("names no payment here"));
}
