//! Each documented error answer becomes the right refusal.

use athm_domain::ports::{AthmGateway, ErrorClass, GatewayError, Operation, RefundOrder};
use athm_domain::{AuthToken, EcommerceId};
use athm_sandbox::{DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Merchant, SandboxConfig};
use chrono::TimeDelta;

use crate::helpers::{client_with_tokens, code, request, spawn, spawn_with};

fn class(error: &GatewayError) -> Option<ErrorClass> {
    error.code().map(|c| c.class())
}

#[tokio::test]
async fn amount_errors_are_definitive_refusals_and_subtotal_and_tax_are_display_values() {
    let env = spawn().await;
    // ATH Móvil does not check subtotal + tax = total (shipping may sit in
    // the subtotal): such an order is created.
    let mut display_only = request("25.00");
    display_only.subtotal = Some("24.00".parse().expect("amount"));
    display_only.tax = Some("2.00".parse().expect("amount"));
    env.client
        .create_payment(&display_only)
        .await
        .expect("subtotal and tax are not checked against the total");

    let (_, reference) = env.completed("5.00").await;
    let zero = RefundOrder {
        reference_number: reference,
        amount: "0".parse().expect("amount"),
        message: Default::default(),
    };
    let error = env.client.refund(&zero).await.unwrap_err();
    assert_eq!(code(&error), "BTRA_0013");
    assert_eq!(class(&error), Some(ErrorClass::Amount));
    assert!(error.is_definitive());
}

#[tokio::test]
async fn an_inactive_business_is_refused() {
    let mut inactive = Merchant::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN, "Closed");
    inactive.active = false;
    let config = SandboxConfig {
        merchants: vec![inactive],
        ..SandboxConfig::for_tests()
    };
    let env = spawn_with(config, |_| {}).await;
    let error = env
        .client
        .create_payment(&request("5.00"))
        .await
        .unwrap_err();
    assert_eq!(code(&error), "BTRA_0010");
    assert_eq!(class(&error), Some(ErrorClass::Business));
}

#[tokio::test]
async fn token_errors_are_authentication_refusals_without_the_secret() {
    let env = spawn().await;
    let wrong_public = client_with_tokens(&env, "nobody", DEMO_PRIVATE_TOKEN);
    let error = wrong_public
        .create_payment(&request("5.00"))
        .await
        .unwrap_err();
    assert_eq!(code(&error), "BTRA_0017");
    assert_eq!(class(&error), Some(ErrorClass::Authentication));

    let secret = "wrong-private-token-0123456789";
    let wrong_private = client_with_tokens(&env, DEMO_PUBLIC_TOKEN, secret);
    let now = env.sandbox.now();
    let error = wrong_private
        .transaction_report(now - TimeDelta::days(1), now)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "BTRA_0017");
    assert!(!format!("{error} {error:?} {wrong_private:?}").contains(secret));

    let forged = env
        .client
        .authorize(&AuthToken::new("not.a.jwt"))
        .await
        .unwrap_err();
    assert_eq!(code(&forged), "BTRA_0401");
    assert_eq!(class(&forged), Some(ErrorClass::Authentication));

    let (first, _) = env.create("5.00").await;
    let (_, second_token) = env.create("5.00").await;
    let phone = "7875550000".parse().expect("phone");
    let foreign = env
        .client
        .update_phone_number(&first, &phone, &second_token)
        .await
        .unwrap_err();
    assert_eq!(code(&foreign), "BTRA_0403");
}

#[tokio::test]
async fn unknown_payments_are_not_found() {
    let env = spawn().await;
    let unknown: EcommerceId = "a1b2c3d4-e5f6-7890-abcd-ef1234567890".parse().expect("id");
    let error = env.client.find_payment(&unknown).await.unwrap_err();
    assert_eq!(
        (code(&error), error.operation()),
        ("BTRA_0031", Operation::FindPayment)
    );
    assert_eq!(class(&error), Some(ErrorClass::NotFound));
    let error = env.client.cancel(&unknown).await.unwrap_err();
    assert_eq!(code(&error), "BTRA_0031");
}

#[tokio::test]
async fn cancelling_a_completed_payment_is_a_state_refusal() {
    let env = spawn().await;
    let (id, _) = env.completed("5.00").await;
    let error = env.client.cancel(&id).await.unwrap_err();
    assert_eq!(code(&error), "BTRA_0037");
    assert_eq!(class(&error), Some(ErrorClass::State));
}
