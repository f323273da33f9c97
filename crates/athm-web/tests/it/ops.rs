//! Health, metrics, unknown routes, and failures of the database.

use std::sync::Arc;

use athm_domain::ports::{MockAthmGateway, MockStore, Store, StoreError, SystemClock};
use athm_domain::services::{PaymentService, WebhookProcessor};
use athm_web::{AppState, mount, router};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;
use tower::ServiceExt;

use crate::helpers::{request, send, spawn, test_config};

/// A router over a store whose database is down.
fn broken_store_app() -> axum::Router {
    let mut store = MockStore::new();
    store.expect_ping().returning(|| {
        Err(StoreError::Database(
            "connection refused; password=hunter2".into(),
        ))
    });
    store.expect_insert_webhook_events().returning(|events| {
        events
            .iter()
            .map(|_| Err(StoreError::Database("disk I/O error".into())))
            .collect()
    });
    let store: Arc<dyn Store> = Arc::new(store);
    let clock = Arc::new(SystemClock);
    let gateway = Arc::new(MockAthmGateway::new());
    let payments = PaymentService::new(gateway.clone(), store.clone(), clock.clone());
    let webhooks = WebhookProcessor::new(gateway, store.clone(), store.clone(), clock).unverified();
    mount(
        AppState::new(payments, webhooks, store, test_config()),
        "/athm",
    )
}

async fn raw(router: &axum::Router, method: Method, path: &str) -> Response {
    router
        .clone()
        .oneshot(request(method, path, Body::empty(), &[]))
        .await
        .unwrap()
}

#[tokio::test]
async fn healthz_answers_ok_while_the_database_answers() {
    let app = spawn().await;
    let health = app.get("/healthz", &[]).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_down_without_leaking_why() {
    let router = broken_store_app();
    let health = send(
        &router,
        request(Method::GET, "/healthz", Body::empty(), &[]),
    )
    .await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!health.body.to_string().contains("hunter2"));
}

#[tokio::test]
async fn a_webhook_that_cannot_be_stored_is_a_500_so_ath_movil_retries() {
    let router = broken_store_app();
    let answer = send(
        &router,
        request(
            Method::POST,
            "/athm/webhook",
            Body::from(r#"{"ecommerceId":"x"}"#),
            &[],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        answer.error(),
        "internal error; the details are in the server log"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn().await;
    app.get("/healthz", &[]).await;
    app.post("/athm/api/initiate", json!({}), &[]).await;
    app.get(
        "/athm/api/status?ecommerce_id=01234567-89ab-cdef-0123-456789abcdef",
        &[],
    )
    .await;
    let response = raw(&app.router, Method::GET, "/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = app.metrics().await;
    for line in [
        "athm_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1",
        "athm_http_requests_total{route=\"/athm/api/initiate\",method=\"POST\",status=\"400\"} 1",
        "athm_http_requests_total{route=\"/athm/api/status\",method=\"GET\",status=\"403\"} 1",
        "athm_http_request_duration_seconds_count{route=\"/healthz\"} 1",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(!text.contains("01234567"), "no per-payment series");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let app = spawn().await;
    let missing = app.get("/athm/nope", &[]).await;
    assert_eq!(
        (missing.status, missing.error()),
        (StatusCode::NOT_FOUND, "no route for GET /athm/nope")
    );
    let method = app.get("/athm/webhook", &[]).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(method.body["error"].is_string());
}

#[tokio::test]
async fn the_routes_can_be_mounted_under_any_prefix_or_none() {
    let app = spawn().await;
    for (prefix, path) in [
        ("/pay/", "/pay/webhook"),
        ("pay", "/pay/webhook"),
        ("", "/webhook"),
        ("/", "/webhook"),
    ] {
        let router = mount(app.state.clone(), prefix);
        let answer = send(&router, request(Method::POST, path, Body::from("{}"), &[])).await;
        assert_eq!(answer.status, StatusCode::OK, "{prefix}");
    }
    let bare = router(app.state.clone());
    let answer = send(
        &bare,
        request(Method::POST, "/webhook", Body::from("{}"), &[]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let health = send(&bare, request(Method::GET, "/healthz", Body::empty(), &[])).await;
    assert_eq!(
        health.status,
        StatusCode::NOT_FOUND,
        "health lives in mount only"
    );
}

#[tokio::test]
async fn a_slow_request_times_out_with_a_503() {
    let mut config = test_config();
    config.request_timeout = std::time::Duration::from_millis(200);
    let app = crate::helpers::spawn_with(config).await;
    app.sandbox.faults().set(
        athm_sandbox::Operation::Create,
        athm_sandbox::Fault::Hang,
        None,
    );
    let token = app.checkout(json!({"total": 5})).await;
    let answer = app
        .post(
            "/athm/api/initiate",
            json!({"checkout": token, "phone_number": crate::helpers::PHONE}),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        answer.error().starts_with("the request took longer than"),
        "{}",
        answer.error()
    );
}
