//! The webhook receiver: store first, answer, process exactly once.

use athm_domain::ports::{AdminQueries, PaymentStore};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_domain::ports::{ListQuery, PaymentKey};
use athm_domain::services::ProcessOutcome;
use athm_domain::webhook::{EventKind, EventStatus};
use athm_domain::{EcommerceId, PaymentStatus};
use athm_web::{WebhookNotice, WebhookProcessing, mount};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, request, spawn, spawn_with, test_config};

fn completed(ecommerce_id: &str) -> Value {
    json!({"businessName": "Test Business", "dailyTransactionId": "0002", "date": "2025-12-08 16:30:52",
        "ecommerceId": ecommerce_id, "email": "customer@example.com", "fee": 0.07, "isNonProfit": false,
        "items": [], "message": "", "metadata1": "Order 1", "metadata2": "", "name": "Test Customer",
        "netAmount": 9.93, "phoneNumber": 7875551234u64,
        "referenceNumber": "11223344-aabbccdd11223344aabbccdd11223344", "referenceTransactionId": "",
        "status": "COMPLETED", "subTotal": 10, "tax": 0.0, "total": 10, "totalRefundedAmount": 0,
        "transactionDate": "2025-12-08 16:30:49", "transactionType": "ECOMMERCE"})
}

async fn events(app: &TestApp) -> Vec<athm_domain::webhook::WebhookEvent> {
    app.store
        .list_webhook_events(&ListQuery::default())
        .await
        .expect("events")
        .items
}

async fn status_of(app: &TestApp, id: &str) -> PaymentStatus {
    let id: EcommerceId = id.parse().expect("a uuid");
    app.store
        .payment(&PaymentKey::Ecommerce(id))
        .await
        .expect("the store answers")
        .expect("payment")
        .payment
        .status
}

#[tokio::test]
async fn a_completed_event_is_stored_then_applied_and_a_redelivery_is_a_no_op() {
    let app = spawn().await;
    let id = app.initiate("10.00").await.body["ecommerce_id"]
        .as_str()
        .unwrap()
        .to_string();
    let first = app.post("/athm/webhook", completed(&id), &[]).await;
    assert_eq!(
        (first.status, first.body.clone()),
        (StatusCode::OK, json!({"status": "stored"}))
    );
    assert_eq!(status_of(&app, &id).await, PaymentStatus::Completed);
    let again = app.post("/athm/webhook", completed(&id), &[]).await;
    assert_eq!(again.body, json!({"status": "duplicate"}));
    let stored = events(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, EventStatus::Processed);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(
            "athm_webhook_events_total{kind=\"ecommerce_completed\",outcome=\"applied\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("athm_webhook_events_total{kind=\"ecommerce_completed\",outcome=\"already_processed\"} 1"), "{metrics}");
}

#[tokio::test]
async fn a_malformed_body_is_stored_flagged_and_answered_200() {
    let app = spawn().await;
    let answer = app
        .send(request(
            Method::POST,
            "/athm/webhook",
            Body::from("this is not json"),
            &[],
        ))
        .await;
    assert_eq!(
        (answer.status, answer.body.clone()),
        (StatusCode::OK, json!({"status": "malformed"}))
    );
    let stored = events(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].kind, EventKind::Malformed);
    assert_eq!(stored[0].payload, "this is not json");
}

#[tokio::test]
async fn the_documented_refund_event_for_an_unknown_payment_is_stored_and_answered() {
    let app = spawn().await;
    let refund = json!({"transactionType": "refund", "status": "completed", "date": "2020-01-01 12:00:00.0",
        "referenceNumber": "000000-00000000abcd", "dailyTransactionID": "0001", "name": "Valeria Herrero",
        "phoneNumber": "7871234567", "email": "email@example.com", "message": "This is a message.",
        "total": "1.00", "tax": "0.00", "subtotal": "0.00", "fee": "0.00", "netAmount": "0.00",
        "totalRefundedAmount": "0.00", "metadata1": "", "metadata2": "", "items": []});
    let answer = app.post("/athm/webhook", refund, &[]).await;
    assert_eq!(
        (answer.status, answer.body.clone()),
        (StatusCode::OK, json!({"status": "stored"}))
    );
    assert_eq!(events(&app).await[0].kind, EventKind::Refund);
}

#[tokio::test]
async fn the_app_hears_of_every_event_through_the_hook() {
    let app = spawn().await;
    let heard: Arc<Mutex<Vec<WebhookNotice>>> = Arc::default();
    let sink = heard.clone();
    let state = app
        .state
        .clone()
        .with_webhook_hook(Arc::new(move |notice| sink.lock().unwrap().push(notice)));
    let router = mount(state, "/athm");
    let id = app.initiate("10.00").await.body["ecommerce_id"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..2 {
        let body = Body::from(completed(&id).to_string());
        crate::helpers::send(&router, request(Method::POST, "/athm/webhook", body, &[])).await;
    }
    let heard = heard.lock().unwrap();
    assert_eq!(heard.len(), 2);
    assert!(heard[0].created);
    assert_eq!(heard[0].outcome, Some(ProcessOutcome::Applied));
    assert!(!heard[1].created);
    assert_eq!(heard[1].outcome, Some(ProcessOutcome::AlreadyProcessed));
}

#[tokio::test]
async fn in_store_only_mode_events_wait_for_the_apps_worker() {
    let mut config = test_config();
    config.webhook_processing = WebhookProcessing::StoreOnly;
    let app = spawn_with(config).await;
    let id = app.initiate("10.00").await.body["ecommerce_id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = app.post("/athm/webhook", completed(&id), &[]).await;
    assert_eq!(answer.body, json!({"status": "stored"}));
    assert_eq!(events(&app).await[0].status, EventStatus::Pending);
    assert_eq!(status_of(&app, &id).await, PaymentStatus::Open);
}

#[tokio::test]
async fn in_background_mode_events_are_applied_after_the_answer() {
    let mut config = test_config();
    config.webhook_processing = WebhookProcessing::Background;
    let app = spawn_with(config).await;
    let id = app.initiate("10.00").await.body["ecommerce_id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = app.post("/athm/webhook", completed(&id), &[]).await;
    assert_eq!(answer.body, json!({"status": "stored"}));
    for _ in 0..100 {
        if status_of(&app, &id).await == PaymentStatus::Completed {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the event was never applied");
}

#[tokio::test]
async fn the_sandboxs_duplicate_deliveries_over_http_are_applied_once() {
    let app = spawn().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });
    app.sandbox
        .set_listener(&format!("http://{addr}/athm/webhook"));
    app.sandbox.set_webhook_copies(2);

    let started = app.initiate("10.00").await;
    let id = started.body["ecommerce_id"].as_str().unwrap().to_string();
    let session = started.body["session"].as_str().unwrap().to_string();
    app.confirm(&id);
    let done = app
        .post(
            "/athm/api/authorize",
            json!({"ecommerce_id": id}),
            &[("x-athm-session", &session)],
        )
        .await;
    assert_eq!(done.body["status"], "COMPLETED", "{}", done.body);

    let delivered = app
        .sandbox
        .wait_for_deliveries(2, Duration::from_secs(10))
        .await;
    assert_eq!(delivered.len(), 2, "both copies were accepted with a 200");
    let stored = events(&app).await;
    assert_eq!(stored.len(), 1, "one event for two deliveries");
    assert_eq!(stored[0].status, EventStatus::Processed);
    assert_eq!(stored[0].kind, EventKind::EcommerceCompleted);
    server.abort();
}
