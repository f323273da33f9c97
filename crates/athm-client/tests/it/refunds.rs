//! Partial and full refunds, up to the limit and one past it.

use athm_domain::ports::{AthmGateway, ErrorClass, RefundOrder};
use athm_domain::{RemoteStatus, TransactionType};

use crate::helpers::{code, spawn};

fn order(reference: &athm_domain::ReferenceNumber, amount: &str) -> RefundOrder {
    RefundOrder {
        reference_number: reference.clone(),
        amount: amount.parse().expect("an amount"),
        message: "Sorry".parse().expect("a message"),
    }
}

#[tokio::test]
async fn partial_refunds_add_up_to_the_total_and_one_more_cent_is_refused() {
    let env = spawn().await;
    let (id, reference) = env.completed("10.00").await;

    let first = env
        .client
        .refund(&order(&reference, "3.00"))
        .await
        .expect("refunded");
    assert_eq!(first.refund.transaction_type, TransactionType::Refund);
    assert_eq!(first.refund.status, RemoteStatus::Completed);
    assert_ne!(first.refund.reference_number.as_ref(), Some(&reference));
    assert_eq!(first.original.reference_number.as_ref(), Some(&reference));
    assert_eq!(
        first
            .original
            .total_refunded_amount
            .map(|a| a.to_string())
            .as_deref(),
        Some("3.00")
    );

    let rest = env
        .client
        .refund(&order(&reference, "7.00"))
        .await
        .expect("refunded");
    assert_eq!(
        rest.original
            .total_refunded_amount
            .map(|a| a.to_string())
            .as_deref(),
        Some("10.00")
    );
    assert_eq!(
        env.find(id)
            .await
            .total_refunded_amount
            .map(|a| a.to_string())
            .as_deref(),
        Some("10.00")
    );

    let past = env
        .client
        .refund(&order(&reference, "0.01"))
        .await
        .unwrap_err();
    assert_eq!(code(&past), "BTRA_0004");
    assert!(past.is_definitive());
    assert_eq!(env.sandbox.refunds_executed(), 2);
}

#[tokio::test]
async fn a_full_refund_at_once_is_accepted() {
    let env = spawn().await;
    let (_, reference) = env.completed("4.50").await;
    let receipt = env
        .client
        .refund(&order(&reference, "4.50"))
        .await
        .expect("refunded");
    assert_eq!(
        receipt
            .refund
            .total_refunded_amount
            .map(|a| a.to_string())
            .as_deref(),
        Some("4.50")
    );
}

#[tokio::test]
async fn refunding_an_unknown_reference_is_not_found() {
    let env = spawn().await;
    let unknown = "999999-doesnotexist".parse().expect("a reference");
    let error = env
        .client
        .refund(&order(&unknown, "1.00"))
        .await
        .unwrap_err();
    assert_eq!(code(&error), "BTRA_0053");
    assert_eq!(error.code().map(|c| c.class()), Some(ErrorClass::NotFound));
}
