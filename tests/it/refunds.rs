//! Refunds through `athm refund`, against the app's database and sandbox.

use std::process::ExitCode;

use athm_app::AppError;
use athm_domain::ports::PaymentKey;
use athm_domain::{Amount, EcommerceId, PaymentStatus, RefundStatus};
use athm_sandbox::EventKind;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_partial_then_a_full_refund_succeed_and_a_third_is_refused() {
    let app = spawn_app().await;
    let (id, reference) = app.completed_payment().await;

    let partial = app
        .run_cli(&["refund", &reference, "--amount", "1.00"])
        .await
        .expect("the partial refund succeeds");
    assert_eq!(partial, ExitCode::SUCCESS);
    assert_eq!(app.sandbox.refunds_executed(), 1);
    let refunded = Amount::new(app.sandbox.refunds()[0].amount).unwrap();
    assert_eq!(refunded.to_string(), "1.00");

    let rest = app
        .run_cli(&["refund", &reference, "--message", "Sorry"])
        .await
        .expect("refunding the rest succeeds");
    assert_eq!(rest, ExitCode::SUCCESS);
    assert_eq!(app.sandbox.refunds_executed(), 2);
    assert!(app.sandbox.payment(id).unwrap().refundable().is_zero());

    let third = app
        .run_cli(&["refund", &reference, "--amount", "1.00"])
        .await;
    let error = third.expect_err("nothing is left to refund");
    assert!(matches!(error, AppError::Payment(_)), "{error:?}");
    assert!(error.to_string().contains("refund"), "{error}");
    assert_eq!(
        app.sandbox.refunds_executed(),
        2,
        "the refused refund never reaches ATH Móvil"
    );

    let record = app
        .store()
        .payment(&PaymentKey::Ecommerce(EcommerceId::new(id)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.payment.status, PaymentStatus::Completed);
    assert_eq!(record.payment.total_refunded_amount.to_string(), "10.00");
    let amounts: Vec<String> = record
        .refunds
        .iter()
        .map(|r| r.amount.to_string())
        .collect();
    assert_eq!(amounts, ["1.00", "9.00"]);
    assert!(
        record
            .refunds
            .iter()
            .all(|r| r.status == RefundStatus::Completed),
        "{:?}",
        record.refunds
    );
}

#[tokio::test]
async fn the_refund_webhooks_do_not_count_a_refund_twice() {
    let app = spawn_app().await;
    let (id, reference) = app.completed_payment().await;

    let code = app
        .run_cli(&["refund", &reference, "--amount", "2.50"])
        .await
        .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    app.wait_for_delivered(EventKind::Refund, 1).await;

    let record = app
        .store()
        .payment(&PaymentKey::Ecommerce(EcommerceId::new(id)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.refunds.len(), 1, "{:?}", record.refunds);
    assert_eq!(record.payment.total_refunded_amount.to_string(), "2.50");
}

#[tokio::test]
async fn a_refund_of_more_than_the_payment_is_refused_before_ath_movil() {
    let app = spawn_app().await;
    let (_, reference) = app.completed_payment().await;

    let result = app
        .run_cli(&["refund", &reference, "--amount", "10.01"])
        .await;

    let error = result.expect_err("10.01 exceeds the 10.00 paid");
    assert!(error.to_string().contains("exceeds"), "{error}");
    assert_eq!(app.sandbox.refunds_executed(), 0);
}

#[tokio::test]
async fn a_refund_amount_with_a_fraction_of_a_cent_is_refused_not_rounded() {
    let app = spawn_app().await;
    let (_, reference) = app.completed_payment().await;

    let result = app
        .run_cli(&["refund", &reference, "--amount", "1.234"])
        .await;

    let error = result.expect_err("1.234 is no amount in cents");
    let message = athm_domain::error_chain(&error);
    assert!(
        message.contains("--amount") && message.contains("two decimal places"),
        "{message}"
    );
    assert_eq!(app.sandbox.refunds_executed(), 0);
}

#[tokio::test]
async fn a_refund_of_an_unknown_reference_is_refused() {
    let app = spawn_app().await;

    let result = app
        .run_cli(&["refund", "215070443-402894c185ab1be40185acfe61c2000b"])
        .await;

    let error = result.expect_err("no such payment");
    assert!(
        error
            .to_string()
            .contains("215070443-402894c185ab1be40185acfe61c2000b"),
        "{error}"
    );
    assert_eq!(app.sandbox.refunds_executed(), 0);
}
