//! Every bad input gets a 4xx with a `{"error"}` naming what is wrong.

use athm_domain::EcommerceId;
use athm_web::{Checkout, WebConfig, session_token, sign_checkout_until};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{API_KEY, PHONE, request, spawn, spawn_with, test_config};

const BEARER: &str = "Bearer merchant-api-key";

#[tokio::test]
async fn the_checkout_api_wants_a_known_api_key() {
    let app = spawn().await;
    let none = app
        .post("/athm/api/checkouts", json!({"total": 5}), &[])
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(none.error().starts_with("authorization:"));
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let wrong = app
        .post(
            "/athm/api/checkouts",
            json!({"total": 5}),
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let basic = app
        .post(
            "/athm/api/checkouts",
            json!({"total": 5}),
            &[("authorization", API_KEY)],
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_checkout_api_is_off_without_api_keys() {
    let app = spawn_with(WebConfig::new("secret")).await;
    let off = app
        .post(
            "/athm/api/checkouts",
            json!({"total": 5}),
            &[("authorization", BEARER)],
        )
        .await;
    assert_eq!(off.status, StatusCode::FORBIDDEN);
    assert!(off.error().contains("disabled"));
}

#[tokio::test]
async fn a_bad_checkout_request_names_the_field() {
    let app = spawn().await;
    let cases = [
        (json!({}), "total: is required"),
        (
            json!({"total": "0.50"}),
            "total: must be between 1.00 and 1500.00",
        ),
        (
            json!({"total": "10.005"}),
            "total: must be in dollars and cents (at most two decimal places, such as 25.00)",
        ),
        (
            json!({"total": 10, "tax": "10000.00"}),
            "tax: must be between 0 and 9999.99",
        ),
        (
            json!({"total": 10, "metadata1": "x".repeat(41)}),
            "metadata1: must be at most 40 characters",
        ),
        (
            json!({"total": 10, "timeout": 30}),
            "timeout: must be between 120 and 600",
        ),
        (
            json!({"total": 10, "success_url": "ftp://x"}),
            "success_url: must be an http(s) URL or a path starting with /",
        ),
    ];
    for (body, message) in cases {
        let answer = app
            .post(
                "/athm/api/checkouts",
                body.clone(),
                &[("authorization", BEARER)],
            )
            .await;
        assert_eq!(
            (answer.status, answer.error()),
            (StatusCode::BAD_REQUEST, message),
            "{body}"
        );
    }
    let typo = app
        .post(
            "/athm/api/checkouts",
            json!({"totl": 10}),
            &[("authorization", BEARER)],
        )
        .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    assert!(typo.error().contains("totl"), "{}", typo.error());
}

#[tokio::test]
async fn json_that_does_not_parse_is_a_400_with_a_json_body() {
    let app = spawn().await;
    let broken = app
        .send(request(
            Method::POST,
            "/athm/api/initiate",
            Body::from("{not json"),
            &[],
        ))
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(
        broken.error().starts_with("body: not valid JSON"),
        "{}",
        broken.error()
    );
    let wrong_type = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": 5, "phone_number": PHONE}),
            &[],
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_type.error().starts_with("checkout:"),
        "{}",
        wrong_type.error()
    );
    let no_type = app
        .send(
            axum::http::Request::post("/athm/api/initiate")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(no_type.status, StatusCode::BAD_REQUEST);
    assert!(no_type.error().starts_with("content-type:"));
}

#[tokio::test]
async fn initiation_refuses_a_missing_phone_or_checkout_and_a_tampered_one() {
    let app = spawn().await;
    let token = app.checkout(json!({"total": "25.00"})).await;
    let cases = [
        (json!({"checkout": token}), "phone_number: is required"),
        (
            json!({"checkout": token, "phone_number": "12"}),
            "phone_number: must be a 10-digit phone number such as 787-123-4567",
        ),
        (json!({"phone_number": PHONE}), "checkout: is required"),
        (
            json!({"checkout": "garbage", "phone_number": PHONE}),
            "checkout: not a checkout token",
        ),
    ];
    for (body, message) in cases {
        let answer = app.post("/athm/api/initiate", body.clone(), &[]).await;
        assert_eq!(
            (answer.status, answer.error()),
            (StatusCode::BAD_REQUEST, message),
            "{body}"
        );
    }
    let cheaper = {
        let forged = sign_checkout_until(
            &WebConfig::new("a guessed secret"),
            &Checkout::new("1.00".parse().unwrap()),
            chrono::Utc::now() + chrono::Duration::hours(1),
        );
        let (payload, _) = forged.split_once('.').unwrap();
        let (_, tag) = token.split_once('.').unwrap();
        format!("{payload}.{tag}")
    };
    let tampered = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": cheaper, "phone_number": PHONE}),
            &[],
        )
        .await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    assert!(
        tampered
            .error()
            .starts_with("checkout: the signature does not match")
    );
    let expired = sign_checkout_until(
        &app.config,
        &Checkout::new("1.00".parse().unwrap()),
        chrono::Utc::now() - chrono::Duration::seconds(1),
    );
    let late = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": expired, "phone_number": PHONE}),
            &[],
        )
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.error().starts_with("checkout: expired"));
    assert!(
        app.sandbox.payments().is_empty(),
        "nothing reached ATH Móvil"
    );
}

#[tokio::test]
async fn only_the_browser_that_started_a_payment_can_act_on_it() {
    let app = spawn().await;
    let first = app.initiate("10.00").await;
    let second = app.initiate("11.00").await;
    let id = first.body["ecommerce_id"].as_str().unwrap();
    let others = second.body["session"].as_str().unwrap();
    let status = format!("/athm/api/status?ecommerce_id={id}");
    let missing = app.get(&status, &[]).await;
    assert_eq!(
        (missing.status, missing.error()),
        (StatusCode::FORBIDDEN, "X-Athm-Session: missing")
    );
    let wrong = app.get(&status, &[("x-athm-session", others)]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    for path in ["/athm/api/authorize", "/athm/api/cancel"] {
        let answer = app
            .post(
                path,
                json!({"ecommerce_id": id}),
                &[("x-athm-session", others)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
    }
    let phone = app
        .post(
            "/athm/api/phone",
            json!({"ecommerce_id": id, "phone_number": PHONE}),
            &[("x-athm-session", others)],
        )
        .await;
    assert_eq!(phone.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn payment_ids_are_checked_and_unknown_payments_are_404() {
    let app = spawn().await;
    let unknown = EcommerceId::new(uuid::Uuid::new_v4());
    let session = session_token(&app.config, &unknown);
    let answer = app
        .get(
            &format!("/athm/api/status?ecommerce_id={unknown}"),
            &[("x-athm-session", &session)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert!(answer.error().starts_with("ecommerce_id:"));
    let bad = app
        .get(
            "/athm/api/status?ecommerce_id=42",
            &[("x-athm-session", &session)],
        )
        .await;
    assert_eq!(
        (bad.status, bad.error()),
        (StatusCode::BAD_REQUEST, "ecommerce_id: must be a UUID")
    );
    let none = app.get("/athm/api/status", &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(none.error().contains("ecommerce_id"), "{}", none.error());
    let empty = app
        .post(
            "/athm/api/cancel",
            json!({}),
            &[("x-athm-session", &session)],
        )
        .await;
    assert_eq!(
        (empty.status, empty.error()),
        (StatusCode::BAD_REQUEST, "ecommerce_id: is required")
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let mut config = test_config();
    config.max_body_bytes = 1024;
    let app = spawn_with(config).await;
    let big = json!({"checkout": "x".repeat(2000), "phone_number": PHONE});
    let answer = app.post("/athm/api/initiate", big.clone(), &[]).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        answer.error(),
        "body: the request body is larger than 1024 bytes"
    );
    let webhook = app.post("/athm/webhook", big.clone(), &[]).await;
    assert_eq!(webhook.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(webhook.body["error"].is_string());
    // With a Content-Length header, the request is refused before its body is read.
    let text = big.to_string();
    let length = text.len().to_string();
    let declared = app
        .send(request(
            Method::POST,
            "/athm/webhook",
            Body::from(text),
            &[("content-length", &length)],
        ))
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        declared.error(),
        "body: the request body is larger than 1024 bytes"
    );
}

#[tokio::test]
async fn initiation_is_rate_limited_per_client_and_per_phone() {
    let mut config = test_config();
    config.initiate_per_ip_per_minute = 2;
    let app = spawn_with(config).await;
    // Each attempt its own order (one checkout starts one payment).
    let app = &app;
    let attempt = |phone: &'static str| async move {
        let token = app.checkout(json!({"total": 5})).await;
        app.post(
            "/athm/api/initiate",
            json!({"checkout": token, "phone_number": phone}),
            &[],
        )
        .await
    };
    assert_eq!(attempt("7875550001").await.status, StatusCode::OK);
    assert_eq!(attempt("7875550002").await.status, StatusCode::OK);
    let limited = attempt("7875550003").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.error().starts_with("client:"));
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));

    let mut config = test_config();
    config.initiate_per_phone_per_hour = 1;
    let app = spawn_with(config).await;
    let token = app.checkout(json!({"total": 5})).await;
    let body = json!({"checkout": token, "phone_number": PHONE});
    assert_eq!(
        app.post("/athm/api/initiate", body.clone(), &[])
            .await
            .status,
        StatusCode::OK
    );
    let limited = app.post("/athm/api/initiate", body, &[]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.error().starts_with("phone_number:"));
    assert_eq!(app.sandbox.payments().len(), 1);
}

#[tokio::test]
async fn the_client_address_comes_from_x_forwarded_for_only_when_trusted() {
    for trusted in [false, true] {
        let mut config = test_config();
        config.initiate_per_ip_per_minute = 1;
        config.trust_forwarded_for = trusted;
        let app = spawn_with(config).await;
        let mut statuses = Vec::new();
        for (n, forwarded) in ["203.0.113.1", "spoofed, 203.0.113.2"].iter().enumerate() {
            let token = app.checkout(json!({"total": 5})).await;
            let phone = format!("787555000{n}");
            let answer = app
                .post(
                    "/athm/api/initiate",
                    json!({"checkout": token, "phone_number": phone}),
                    &[("x-forwarded-for", forwarded)],
                )
                .await;
            statuses.push(answer.status);
        }
        let expected = if trusted {
            [StatusCode::OK, StatusCode::OK]
        } else {
            [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]
        };
        assert_eq!(statuses, expected, "trusted: {trusted}");
    }
}
