//! A refund that ATH Móvil answers with an error code proving nothing (a
//! transient code such as BTRA_0015, or a code its table lacks) may have
//! moved the money: the library reports it pending, keeps it PENDING (never
//! FAILED, which would let it be sent again), and the sandbox's ledger shows
//! what really happened. A definitive refusal, for contrast, is FAILED.

use std::time::Duration;

use athm_domain::ports::{PaymentKey, PaymentRecord};
use athm_domain::services::PaymentError;
use athm_domain::{Amount, EcommerceId, RefundIntent, RefundMessage, RefundStatus};
use athm_sandbox::{Fault, Operation};

use crate::db::TestDb;
use crate::services::{Env, env};

/// A completed $10.00 payment refunded in full with `fault` armed on the
/// refund: the error and the payment as stored afterwards.
async fn refund_with(env: &Env, fault: Fault) -> (EcommerceId, PaymentError, PaymentRecord) {
    let id = env.completed("10.00").await.ecommerce_id;
    env.sandbox.faults().set(Operation::Refund, fault, Some(1));
    let error = env
        .payments
        .refund(&id, None, RefundMessage::default(), RefundIntent::random())
        .await
        .expect_err("ATH Móvil answered an error");
    assert_eq!(env.sandbox.faults().fired(Operation::Refund), 1);
    let record = env
        .store
        .payment(&PaymentKey::Ecommerce(id))
        .await
        .expect("load")
        .expect("stored");
    (id, error, record)
}

/// The refund answered with `code` is pending here, and ATH Móvil's ledger
/// holds exactly one refund when it applied it (`apply`), none otherwise.
async fn an_unproven_refusal_leaves_the_refund_pending(code: &str, apply: bool) {
    let db = TestDb::sqlite();
    let env = env(&db.url, Duration::from_millis(500)).await;
    let (id, error, record) = refund_with(&env, Fault::error_code(code, apply)).await;

    assert!(
        matches!(&error, PaymentError::RefundPending { source: Some(source), .. } if !source.is_definitive()),
        "{code}: expected an unknown outcome, got {error:?}"
    );
    assert_eq!(record.refunds.len(), 1, "{code}");
    assert_eq!(record.refunds[0].status, RefundStatus::Pending, "{code}");
    assert!(
        record.payment.total_refunded_amount.is_zero(),
        "{code}: counted before it is known"
    );

    let remote = env.sandbox.refunds_of(id.uuid());
    let payment = env.sandbox.payment(id.uuid()).expect("at the sandbox");
    if apply {
        assert_eq!(remote.len(), 1, "{code}: exactly one refund at ATH Móvil");
        let amount = |a| Amount::new(a).expect("an amount").to_string();
        assert_eq!(amount(remote[0].amount), "10.00");
        assert_eq!(amount(payment.total_refunded), "10.00");
    } else {
        assert!(remote.is_empty(), "{code}: {remote:?}");
        assert!(payment.total_refunded.is_zero());
    }

    let again = env
        .payments
        .refund(&id, None, RefundMessage::default(), RefundIntent::random())
        .await
        .expect_err("the pending refund still holds the amount");
    assert!(matches!(again, PaymentError::Rule(_)), "{code}: {again}");
    assert_eq!(
        env.sandbox.refunds_of(id.uuid()).len(),
        usize::from(apply),
        "{code}: never sent a second time"
    );
}

#[tokio::test]
async fn a_refund_applied_but_answered_btra_0015_is_pending_and_refunded_once() {
    an_unproven_refusal_leaves_the_refund_pending("BTRA_0015", true).await;
}

#[tokio::test]
async fn a_refund_applied_but_answered_an_undocumented_code_is_pending_and_refunded_once() {
    an_unproven_refusal_leaves_the_refund_pending("BTRA_7777", true).await;
}

#[tokio::test]
async fn a_refund_not_applied_and_answered_btra_0015_is_still_pending() {
    an_unproven_refusal_leaves_the_refund_pending("BTRA_0015", false).await;
}

#[tokio::test]
async fn a_refund_not_applied_and_answered_an_undocumented_code_is_still_pending() {
    an_unproven_refusal_leaves_the_refund_pending("BTRA_7777", false).await;
}

#[tokio::test]
async fn a_refund_refused_with_a_definitive_code_is_failed() {
    let db = TestDb::sqlite();
    let env = env(&db.url, Duration::from_millis(500)).await;
    let (id, error, record) = refund_with(&env, Fault::error_code("BTRA_0030", false)).await;
    assert!(
        matches!(&error, PaymentError::RefundRefused { source: Some(source), .. } if source.is_definitive()),
        "{error:?}"
    );
    assert_eq!(record.refunds.len(), 1);
    assert_eq!(record.refunds[0].status, RefundStatus::Failed);
    assert!(env.sandbox.refunds_of(id.uuid()).is_empty());
}
