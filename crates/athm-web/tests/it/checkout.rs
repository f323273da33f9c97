//! The checkout flow, end to end against the sandbox.

use athm_domain::EcommerceId;
use athm_domain::ports::PaymentKey;
use athm_domain::ports::PaymentStore;
use athm_web::{Checkout, session_token, sign_checkout};
use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{API_KEY, PHONE, spawn};

#[tokio::test]
async fn a_customer_pays_a_server_bound_checkout_from_initiation_to_completion() {
    let app = spawn().await;
    let token = app
        .checkout(json!({
            "total": "25.00", "subtotal": "24.00", "tax": "1.00", "metadata1": "Order 1",
            "items": [{"name": "Widget", "description": "", "quantity": 1, "price": "24.00"}],
            "success_url": "https://shop.example/ok", "failure_url": "/cart"
        }))
        .await;
    let started = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": token, "phone_number": PHONE}),
            &[],
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    assert_eq!(started.body["status"], "OPEN");
    assert_eq!(started.body["total"], "25.00");
    assert_eq!(started.body["success_url"], "https://shop.example/ok");
    assert!(started.body.get("auth_token").is_none());
    assert!(
        !started.body.to_string().contains("eyJ"),
        "no JWT leaves the server"
    );
    let id = started.body["ecommerce_id"].as_str().unwrap().to_string();
    let session = started.body["session"].as_str().unwrap().to_string();
    let auth = [("x-athm-session", session.as_str())];

    let open = app
        .get(&format!("/athm/api/status?ecommerce_id={id}"), &auth)
        .await;
    assert_eq!(
        (open.status, open.body["status"].as_str()),
        (StatusCode::OK, Some("OPEN"))
    );

    app.confirm(&id);
    // Status reads ask ATH Móvil at most once a second per payment.
    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    let confirmed = app
        .get(&format!("/athm/api/status?ecommerce_id={id}"), &auth)
        .await;
    assert_eq!(confirmed.body["status"], "CONFIRM", "{}", confirmed.body);

    let done = app
        .post("/athm/api/authorize", json!({"ecommerce_id": id}), &auth)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "COMPLETED");
    assert!(
        done.body["reference_number"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );

    let ecommerce_id: EcommerceId = id.parse().unwrap();
    let stored = app
        .store
        .payment(&PaymentKey::Ecommerce(ecommerce_id))
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.payment.total.to_string(), "25.00");
    assert_eq!(stored.payment.metadata_1.as_str(), "Order 1");
}

#[tokio::test]
async fn the_browser_can_cancel_and_redirect_a_payment_to_another_phone() {
    let app = spawn().await;
    let started = app.initiate("10.00").await;
    let id = started.body["ecommerce_id"].as_str().unwrap().to_string();
    let session = started.body["session"].as_str().unwrap().to_string();
    let auth = [("x-athm-session", session.as_str())];

    let moved = app
        .post(
            "/athm/api/phone",
            json!({"ecommerce_id": id, "phone_number": "939-555-0000"}),
            &auth,
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["status"], "OPEN");

    let cancelled = app
        .post("/athm/api/cancel", json!({"ecommerce_id": id}), &auth)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "CANCEL");

    let too_late = app
        .post(
            "/athm/api/phone",
            json!({"ecommerce_id": id, "phone_number": PHONE}),
            &auth,
        )
        .await;
    assert_eq!(too_late.status, StatusCode::CONFLICT, "{}", too_late.body);
}

#[tokio::test]
async fn authorizing_before_the_customer_confirms_is_ath_movils_refusal() {
    let app = spawn().await;
    let started = app.initiate("10.00").await;
    let id = started.body["ecommerce_id"].as_str().unwrap();
    let session = started.body["session"].as_str().unwrap();
    let early = app
        .post(
            "/athm/api/authorize",
            json!({"ecommerce_id": id}),
            &[("x-athm-session", session)],
        )
        .await;
    assert_eq!(early.status, StatusCode::BAD_GATEWAY, "{}", early.body);
    assert_eq!(early.body["code"], "BTRA_0032");
}

#[tokio::test]
async fn a_checkout_signed_in_server_code_is_accepted_without_the_api() {
    let app = spawn().await;
    let token = sign_checkout(&app.config, &Checkout::new("3.00".parse().unwrap()));
    let started = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": token, "phoneNumber": PHONE}),
            &[],
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let id: EcommerceId = started.body["ecommerce_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(started.body["session"], session_token(&app.config, &id));
    assert_eq!(app.sandbox.payments()[0].total, "3.00".parse().unwrap());
}

#[tokio::test]
async fn ath_movil_being_down_is_a_503_and_counted() {
    let app = spawn().await;
    let token = app.checkout(json!({"total": 5})).await;
    app.sandbox.faults().set(
        athm_sandbox::Operation::Create,
        athm_sandbox::Fault::Unavailable,
        None,
    );
    let down = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": token, "phone_number": PHONE}),
            &[],
        )
        .await;
    assert_eq!(
        down.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        down.body
    );
    let text = app.metrics().await;
    assert!(
        text.contains("athm_payment_operations_total{operation=\"payment\",outcome=\"gateway_"),
        "{text}"
    );
}

#[tokio::test]
async fn subtotal_and_tax_are_display_values_the_checkout_api_does_not_sum() {
    let app = spawn().await;
    for (subtotal, tax, total) in [("0.00", "0.00", "1.00"), ("20.00", "1.00", "25.00")] {
        let answer = app
            .post(
                "/athm/api/checkouts",
                json!({"total": total, "subtotal": subtotal, "tax": tax}),
                &[("authorization", &format!("Bearer {}", API_KEY))],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["total"], total);
    }
    let over = app
        .post(
            "/athm/api/checkouts",
            json!({"total": "1.00", "subtotal": "10000.00"}),
            &[("authorization", &format!("Bearer {}", API_KEY))],
        )
        .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST, "{}", over.body);
    assert!(over.error().starts_with("subtotal:"), "{}", over.body);
}
