//! What the API refuses, and how: tampered checkouts, foreign sessions,
//! unknown payments, bad fields, oversize bodies and too many attempts.

use athm_domain::EcommerceId;
use athm_web::{WebConfig, session_token};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};

use crate::helpers::{API_KEY, CHECKOUT_SECRET, PHONE, error_of, spawn_app, spawn_app_with};

/// Changes `total` inside a checkout token and keeps its signature.
fn tamper_total(token: &str, total: &str) -> String {
    let (payload, signature) = token.split_once('.').expect("payload.signature");
    let json = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    let mut json: Value = serde_json::from_slice(&json).expect("a JSON payload");
    json["checkout"]["total"] = json!(total);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).expect("JSON"));
    format!("{payload}.{signature}")
}

#[tokio::test]
async fn a_checkout_whose_total_was_changed_is_refused() {
    let app = spawn_app().await;
    let token = app.checkout_token(&json!({ "total": "100.00" })).await;
    let tampered = tamper_total(&token, "1.00");
    assert_ne!(tampered, token);

    let response = app
        .initiate(&json!({ "checkout": tampered, "phone_number": PHONE }))
        .await;

    let error = error_of(response, StatusCode::BAD_REQUEST).await;
    assert!(error.starts_with("checkout"), "{error}");
    assert!(
        app.sandbox.payments().is_empty(),
        "no payment reaches ATH Móvil"
    );
}

#[tokio::test]
async fn a_checkout_that_is_not_a_token_is_refused() {
    let app = spawn_app().await;

    let response = app
        .initiate(&json!({ "checkout": "not-a-token", "phone_number": PHONE }))
        .await;

    let error = error_of(response, StatusCode::BAD_REQUEST).await;
    assert!(error.starts_with("checkout"), "{error}");
}

#[tokio::test]
async fn a_wrong_session_is_forbidden() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;
    let other = app.start_ten_dollar_payment().await;

    for session in ["wrong", other.session.as_str()] {
        let status = app.status(started.id, session).await;
        error_of(status, StatusCode::FORBIDDEN).await;
        let authorize = app.authorize(started.id, session).await;
        error_of(authorize, StatusCode::FORBIDDEN).await;
        let cancel = app.cancel(started.id, session).await;
        error_of(cancel, StatusCode::FORBIDDEN).await;
        let phone = app.update_phone(started.id, session, "7879998888").await;
        error_of(phone, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.status_of(&started).await["status"], "OPEN");
}

#[tokio::test]
async fn a_missing_session_is_forbidden() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;

    let response = app
        .client
        .get(format!(
            "{}/api/status?ecommerce_id={}",
            app.api, started.id
        ))
        .send()
        .await
        .unwrap();

    let error = error_of(response, StatusCode::FORBIDDEN).await;
    assert!(error.contains("X-Athm-Session"), "{error}");
}

#[tokio::test]
async fn an_unknown_payment_is_not_found() {
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();
    // A genuine session for a payment that does not exist.
    let session = session_token(&WebConfig::new(CHECKOUT_SECRET), &EcommerceId::new(id));

    let response = app.status(id, &session).await;

    error_of(response, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn checkouts_require_the_merchant_api_key() {
    let app = spawn_app().await;
    let url = format!("{}/api/checkouts", app.api);
    let order = json!({ "total": "10.00" });

    let missing = app.client.post(&url).json(&order).send().await.unwrap();
    let wrong = app
        .client
        .post(&url)
        .bearer_auth(format!("{API_KEY}-not"))
        .json(&order)
        .send()
        .await
        .unwrap();

    error_of(missing, StatusCode::UNAUTHORIZED).await;
    error_of(wrong, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn an_invalid_order_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), "total"),
        (json!({ "total": "" }), "total"),
        (json!({ "total": "0.50" }), "total"),
        (json!({ "total": "1500.01" }), "total"),
        (json!({ "total": "ten" }), "total"),
        (json!({ "total": [1] }), "total"),
        (json!({ "total": "10.00", "timeout": 60 }), "timeout"),
        (
            json!({ "total": "10.00", "metadata1": "x".repeat(41) }),
            "metadata1",
        ),
        (
            json!({ "total": "10.00", "subtotal": "10000.00" }),
            "subtotal",
        ),
        (
            json!({ "total": "10.00", "success_url": "javascript:alert(1)" }),
            "success_url",
        ),
        (
            json!({ "total": "10.00", "success_url": "https://evil.example/thanks" }),
            "success_url",
        ),
        (json!({ "total": "10.00", "colour": "red" }), "colour"),
    ];

    for (order, field) in cases {
        let response = app.create_checkout(&order).await;
        let error = error_of(response, StatusCode::BAD_REQUEST).await;
        assert!(
            error.contains(field),
            "the error for {order} should name {field}: {error}"
        );
    }
}

#[tokio::test]
async fn an_invalid_initiation_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let checkout = app.checkout_token(&json!({ "total": "10.00" })).await;
    let cases = [
        (json!({ "phone_number": PHONE }), "checkout"),
        (json!({ "checkout": "", "phone_number": PHONE }), "checkout"),
        (json!({ "checkout": checkout }), "phone_number"),
        (
            json!({ "checkout": checkout, "phone_number": "123" }),
            "phone_number",
        ),
        (
            json!({ "checkout": checkout, "phone_number": "787555123x" }),
            "phone_number",
        ),
    ];

    for (body, field) in cases {
        let response = app.initiate(&body).await;
        let error = error_of(response, StatusCode::BAD_REQUEST).await;
        assert!(
            error.contains(field),
            "the error for {body} should name {field}: {error}"
        );
    }
    assert!(app.sandbox.payments().is_empty());
}

#[tokio::test]
async fn a_status_request_without_a_valid_id_is_refused_naming_it() {
    let app = spawn_app().await;
    let url = format!("{}/api/status", app.api);

    let missing = app.client.get(&url).send().await.unwrap();
    let malformed = app
        .client
        .get(format!("{url}?ecommerce_id=not-a-uuid"))
        .header("X-Athm-Session", "x")
        .send()
        .await
        .unwrap();

    let error = error_of(missing, StatusCode::BAD_REQUEST).await;
    assert!(error.contains("ecommerce_id"), "{error}");
    let error = error_of(malformed, StatusCode::BAD_REQUEST).await;
    assert!(error.contains("ecommerce_id"), "{error}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(format!("{}/api/initiate", app.api))
        .header("Content-Type", "application/json")
        .body("{\"checkout\":")
        .send()
        .await
        .unwrap();

    let error = error_of(response, StatusCode::BAD_REQUEST).await;
    assert!(error.starts_with("body"), "{error}");
}

#[tokio::test]
async fn an_oversize_body_is_refused() {
    let app = spawn_app().await;
    let huge = json!({ "total": "10.00", "metadata1": "x".repeat(100 * 1024) });

    let checkout = app.create_checkout(&huge).await;
    let webhook = app.post_webhook(&huge).await;

    error_of(checkout, StatusCode::PAYLOAD_TOO_LARGE).await;
    error_of(webhook, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn an_unknown_route_answers_a_json_404() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(format!("{}/api/nothing-here", app.api))
        .send()
        .await
        .unwrap();

    error_of(response, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn too_many_initiations_from_one_client_are_refused() {
    let app = spawn_app_with(&["--initiate-per-ip-per-minute", "1"]).await;
    let checkout = app.checkout_token(&json!({ "total": "10.00" })).await;
    let body = json!({ "checkout": checkout, "phone_number": PHONE });

    let first = app.initiate(&body).await;
    let second = app.initiate(&body).await;

    assert_eq!(first.status(), StatusCode::OK);
    assert!(
        second.headers().contains_key(RETRY_AFTER),
        "a 429 says when to retry"
    );
    let error = error_of(second, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error.starts_with("client"), "{error}");
    assert_eq!(app.sandbox.payments().len(), 1);
}

#[tokio::test]
async fn too_many_payments_pushed_to_one_phone_are_refused() {
    let app = spawn_app_with(&["--initiate-per-phone-per-hour", "1"]).await;
    let checkout = app.checkout_token(&json!({ "total": "10.00" })).await;

    let first = app
        .initiate(&json!({ "checkout": checkout, "phone_number": PHONE }))
        .await;
    let same_phone = app
        .initiate(&json!({ "checkout": checkout, "phone_number": "(787) 555-1234" }))
        .await;
    // Another order (its own checkout), to another phone.
    let another = app.checkout_token(&json!({ "total": "10.00" })).await;
    let other_phone = app
        .initiate(&json!({ "checkout": another, "phone_number": "7879998888" }))
        .await;

    assert_eq!(first.status(), StatusCode::OK);
    let error = error_of(same_phone, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error.starts_with("phone_number"), "{error}");
    assert_eq!(other_phone.status(), StatusCode::OK);
}

/// A checkout leads the customer back only to this site or to an origin the
/// merchant configured: a look-alike host, or the configured host as a user
/// name in front of another, is refused.
#[tokio::test]
async fn a_checkout_leads_only_to_this_site_or_a_configured_origin() {
    let app = spawn_app_with(&["--redirect-origins", "https://shop.example"]).await;
    for allowed in [
        "/thanks",
        "https://shop.example/thanks?order=7",
        "HTTPS://SHOP.EXAMPLE",
    ] {
        let order = json!({ "total": "10.00", "success_url": allowed, "failure_url": allowed });
        let response = app.create_checkout(&order).await;
        assert_eq!(response.status(), StatusCode::OK, "{allowed} is allowed");
    }
    for refused in [
        "https://shop.example.evil.example/",
        "https://shop.example@evil.example/",
        "https://shop.example:8443/",
        "http://shop.example/",
        "//evil.example/",
    ] {
        let order = json!({ "total": "10.00", "failure_url": refused });
        let error = error_of(app.create_checkout(&order).await, StatusCode::BAD_REQUEST).await;
        assert!(error.contains("failure_url"), "{refused}: {error}");
    }
}
