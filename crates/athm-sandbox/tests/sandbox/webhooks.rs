use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_sandbox::{
    CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, DeliveryOutcome, EventKind,
    SandboxConfig, WebhookShape,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::helpers::{Api, SUBSCRIBE, assert_error};

const WAIT: Duration = Duration::from_secs(5);

/// A tiny listener that records what it accepts and refuses the first `fail_first` posts.
struct Listener {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
}

type ListenerState = (Arc<Mutex<Vec<Value>>>, Arc<AtomicU32>);

async fn listener(fail_first: u32) -> Listener {
    let received = Arc::new(Mutex::new(Vec::new()));
    let state: ListenerState = (received.clone(), Arc::new(AtomicU32::new(fail_first)));
    let app = Router::new()
        .route(
            "/hook",
            post(|State((received, failing)): State<ListenerState>, Json(event): Json<Value>| async move {
                if failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                received.lock().unwrap().push(event);
                StatusCode::OK
            }),
        )
        .with_state(state);
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", socket.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(socket, app).await });
    Listener { url, received }
}

impl Listener {
    fn events(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_completed_payment_is_announced_in_the_observed_shape() {
    let api = Api::start().await;
    let hook = listener(0).await;
    api.sandbox.set_listener(&hook.url);
    let data = api.completed().await;
    let delivered = api.sandbox.wait_for_deliveries(1, WAIT).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].kind, EventKind::EcommerceCompleted);
    let event = &hook.events()[0];
    assert_eq!(event["transactionType"], "ECOMMERCE");
    assert_eq!(event["status"], "COMPLETED");
    assert_eq!(event["ecommerceId"], data["ecommerceId"]);
    assert_eq!(event["referenceNumber"], data["referenceNumber"]);
    assert_eq!(event["total"], json!(25));
    assert_eq!(event["subTotal"], json!(24));
    assert_eq!(event["fee"], json!(0.73));
    assert_eq!(event["phoneNumber"], json!(7871234567u64));
    assert_eq!(event["dailyTransactionId"], "0001");
    assert!(
        event["transactionDate"]
            .as_str()
            .is_some_and(|d| d.len() == 19)
    );
}

#[tokio::test]
async fn the_documented_shape_uses_strings_and_lower_case() {
    let api = Api::start().await;
    let hook = listener(0).await;
    api.sandbox.set_listener(&hook.url);
    api.sandbox.set_webhook_shape(WebhookShape::Documented);
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_eq!(api.refund(reference, json!("1.00")).await.0, 200);
    api.sandbox.wait_for_deliveries(2, WAIT).await;
    let events = hook.events();
    let completed = events
        .iter()
        .find(|e| e["transactionType"] == "ecommerce")
        .unwrap();
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["total"], "25.00");
    assert_eq!(completed["dailyTransactionID"], "0001");
    assert_eq!(completed["phoneNumber"], "7871234567");
    let refund = events
        .iter()
        .find(|e| e["transactionType"] == "refund")
        .unwrap();
    assert_eq!(refund["status"], "completed");
    assert_eq!(refund["total"], "1.00");
    assert_ne!(refund["referenceNumber"], reference);
    assert!(refund["date"].as_str().unwrap().ends_with(".0"));
}

#[tokio::test]
async fn live_refund_events_have_the_documented_shape_with_the_payment_reference() {
    let api = Api::start().await;
    let hook = listener(0).await;
    api.sandbox.set_listener(&hook.url);
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    api.refund(reference, json!(2)).await;
    api.sandbox.wait_for_deliveries(2, WAIT).await;
    let refund = hook
        .events()
        .into_iter()
        .find(|e| e["transactionType"] == "refund")
        .unwrap();
    assert_eq!(refund["referenceNumber"], reference);
    assert_eq!(refund["total"], "2.00");
    assert!(refund.get("ecommerceId").is_none());
    assert!(refund.get("referenceTransactionId").is_none());
}

#[tokio::test]
async fn cancelled_and_expired_payments_are_announced_apart() {
    let api = Api::start().await;
    let hook = listener(0).await;
    api.sandbox.set_listener(&hook.url);
    let (cancelled, _) = api.create().await;
    api.sandbox.decline(cancelled).unwrap();
    let (expired, _) = api.create().await;
    api.sandbox.advance_clock(Duration::from_secs(601));
    api.sandbox.wait_for_deliveries(2, WAIT).await;
    let events = hook.events();
    let status_of = |id: uuid::Uuid| {
        events
            .iter()
            .find(|e| e["ecommerceId"] == id.to_string())
            .map(|e| e["status"].clone())
    };
    assert_eq!(status_of(cancelled), Some(json!("CANCEL")));
    assert_eq!(status_of(expired), Some(json!("EXPIRED")));
}

#[tokio::test]
async fn each_event_can_be_delivered_several_times_on_purpose() {
    let api = Api::start().await;
    let hook = listener(0).await;
    api.sandbox.set_listener(&hook.url);
    api.sandbox.set_webhook_copies(3);
    api.completed().await;
    let delivered = api.sandbox.wait_for_deliveries(3, WAIT).await;
    assert_eq!(delivered.len(), 3);
    let events = hook.events();
    assert_eq!(events.len(), 3);
    assert!(
        events.iter().all(|e| *e == events[0]),
        "copies are identical"
    );
}

#[tokio::test]
async fn a_failing_listener_is_retried_with_backoff() {
    let api = Api::start().await;
    let hook = listener(2).await;
    api.sandbox.set_listener(&hook.url);
    api.completed().await;
    api.sandbox.wait_for_deliveries(1, WAIT).await;
    let log = api.sandbox.deliveries();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0].outcome, DeliveryOutcome::Rejected { status: 500 });
    assert_eq!(log[1].attempt, 2);
    assert_eq!(log[2].outcome, DeliveryOutcome::Delivered { status: 200 });
    assert!(log[1].at <= log[2].at);
    assert_eq!(hook.events().len(), 1);
    let (status, via_http) = api.send(api.http.get(api.url("/sandbox/deliveries"))).await;
    assert_eq!(status, 200);
    assert_eq!(via_http.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn retries_stop_after_the_configured_attempts() {
    let mut config = SandboxConfig::for_tests();
    config.webhooks.max_attempts = 2;
    let api = Api::start_with(config).await;
    api.sandbox.set_listener("http://127.0.0.1:9/unreachable");
    api.completed().await;
    let log = api.sandbox.wait_for_attempts(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(api.sandbox.deliveries().len(), 2, "{log:?}");
    assert!(matches!(log[0].outcome, DeliveryOutcome::Failed { .. }));
}

fn subscription(url: &str) -> Value {
    json!({"publicToken": DEMO_PUBLIC_TOKEN, "privateToken": DEMO_PRIVATE_TOKEN, "listenerURL": url,
           "paymentReceivedEvent": true, "refundSentEvent": true, "donationReceivedEvent": true,
           "ecommercePaymentReceivedEvent": true, "ecommercePaymentCancelledEvent": false,
           "ecommercePaymentExpiredEvent": true})
}

#[tokio::test]
async fn the_subscription_endpoint_sets_the_listener_and_its_events() {
    let api = Api::start().await;
    let hook = listener(0).await;
    let (status, body) = api.post(SUBSCRIBE, subscription(&hook.url)).await;
    assert_eq!(status, 200, "{body}");
    let (id, _) = api.create().await;
    api.sandbox.decline(id).unwrap(); // cancelled events were not asked for
    let (id, token) = api.create().await;
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    assert_eq!(api.authorize(&token).await.0, 200);
    api.sandbox.wait_for_deliveries(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let events = hook.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["status"], "COMPLETED");
}

#[tokio::test]
async fn the_subscription_endpoint_demands_https_unless_allowed() {
    let api = Api::start_with(SandboxConfig::default()).await;
    assert_error(
        &api.post(SUBSCRIBE, subscription("http://127.0.0.1:1/hook"))
            .await,
        "BTRA_0006",
    );
    assert_eq!(
        api.post(SUBSCRIBE, subscription("https://shop.example/hook"))
            .await
            .0,
        200
    );
    let mut wrong = subscription("https://shop.example/hook");
    wrong["privateToken"] = json!("guess");
    assert_error(&api.post(SUBSCRIBE, wrong).await, "BTRA_0017");
}

#[tokio::test]
async fn a_refund_in_the_business_app_is_announced_like_an_api_refund() {
    let api = Api::start().await;
    let hook = listener(0).await;
    api.sandbox.set_listener(&hook.url);
    let data = api.completed().await;
    let id = data["ecommerceId"].as_str().unwrap();
    let (status, refund) = api
        .post(
            &format!("/sandbox/payments/{id}/refund"),
            json!({"amount": "3.00", "message": "From the app"}),
        )
        .await;
    assert_eq!(status, 200, "{refund}");
    let delivered = api.sandbox.wait_for_deliveries(2, WAIT).await;
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[1].kind, EventKind::Refund);
    let events = hook.events();
    let event = events
        .iter()
        .find(|e| e["transactionType"] == "refund")
        .unwrap();
    assert_eq!(event["total"], "3.00");
    assert_eq!(event["message"], "From the app");
    assert_eq!(event["referenceNumber"], data["referenceNumber"]);
    assert_eq!(event["totalRefundedAmount"], "3.00");
}
