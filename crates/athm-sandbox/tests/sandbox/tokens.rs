use std::time::Duration;

use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Merchant, SandboxConfig};
use serde_json::json;

use crate::helpers::{AUTHORIZE, Api, REFUND, UPDATE_PHONE, assert_error};

#[tokio::test]
async fn authorization_without_a_bearer_token_is_an_invalid_header() {
    let api = Api::start().await;
    let answer = api.send(api.http.post(api.url(AUTHORIZE))).await;
    assert_error(&answer, "token.invalid.header");
    assert_eq!(answer.0, 401);
}

#[tokio::test]
async fn forged_and_foreign_tokens_are_refused_with_0401() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_error(&api.authorize(&forged).await, "BTRA_0401");
    assert_error(&api.authorize("not-a-jwt").await, "BTRA_0401");

    let other = Api::start().await;
    let (_, foreign) = other.create().await;
    assert_error(&api.authorize(&foreign).await, "BTRA_0401");
    assert_eq!(
        api.sandbox.payment(id).unwrap().status,
        athm_sandbox::PaymentStatus::Confirm
    );
}

#[tokio::test]
async fn a_token_for_another_payment_cannot_update_this_one() {
    let api = Api::start().await;
    let (first, _) = api.create().await;
    let (_, second_token) = api.create().await;
    let answer = api
        .send(
            api.http
                .put(api.url(UPDATE_PHONE))
                .bearer_auth(&second_token)
                .json(&json!({"ecommerceId": first, "phoneNumber": "7875550000"})),
        )
        .await;
    assert_error(&answer, "BTRA_0403");
}

#[tokio::test]
async fn an_expired_token_is_refused_with_token_expired() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    api.sandbox.advance_clock(Duration::from_secs(31 * 60));
    assert_error(&api.authorize(&token).await, "token.expired");
}

#[tokio::test]
async fn wrong_business_tokens_are_refused_with_0017_and_inactive_business_with_0010() {
    let mut config = SandboxConfig::for_tests();
    let mut closed = Merchant::new("closed-public", "closed-private", "Closed Shop");
    closed.active = false;
    config.merchants.push(closed);
    let api = Api::start_with(config).await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let wrong_private = api
        .post(
            REFUND,
            json!({"publicToken": DEMO_PUBLIC_TOKEN, "privateToken": "guess",
                             "referenceNumber": reference, "amount": "1.00"}),
        )
        .await;
    assert_error(&wrong_private, "BTRA_0017");
    let wrong_public = api
        .post(
            REFUND,
            json!({"publicToken": "guess", "privateToken": DEMO_PRIVATE_TOKEN,
                             "referenceNumber": reference, "amount": "1.00"}),
        )
        .await;
    assert_error(&wrong_public, "BTRA_0017");
    let inactive = api
        .create_with(json!({"publicToken": "closed-public", "total": "5.00"}))
        .await;
    assert_error(&inactive, "BTRA_0010");
    assert_eq!(api.sandbox.refunds_executed(), 0);
}
