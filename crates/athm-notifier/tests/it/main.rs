//! The outbound notifier against real HTTP subscribers.

// A test states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_domain::ports::EventSink;
use athm_domain::{LifecycleEvent, LifecycleKind};
use athm_notifier::{NotifierConfig, Secret, WebhookNotifier};
use athm_notifier::{SIGNATURE_HEADER, verify};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

const SECRET: &str = "whsec-0123456789abcdef0123456789abcdef";

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A subscriber answering `status` after `delay`; returns its URL and what it received.
async fn subscriber(status: StatusCode, delay: Duration) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                move |State(seen): State<Seen>, headers: HeaderMap, body: String| async move {
                    seen.lock().expect("test setup").push((headers, body));
                    tokio::time::sleep(delay).await;
                    status
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("test setup");
    let url = format!("http://{}/hook", listener.local_addr().expect("test setup"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn event() -> LifecycleEvent {
    LifecycleEvent {
        kind: LifecycleKind::PaymentCompleted,
        ecommerce_id: "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
            .parse()
            .expect("test setup"),
        reference_number: Some("11223344-aabbccdd".parse().expect("test setup")),
        amount: "25.00".parse().expect("test setup"),
        occurred_at: chrono::DateTime::parse_from_rfc3339("2025-12-08T20:30:52.123456Z")
            .expect("test setup")
            .with_timezone(&chrono::Utc),
    }
}

fn notifier(urls: Vec<String>, timeout: Duration) -> WebhookNotifier {
    WebhookNotifier::new(NotifierConfig {
        timeout,
        ..NotifierConfig::new(urls, SECRET)
    })
    .expect("a valid notifier")
}

#[tokio::test]
async fn every_url_receives_the_event_as_signed_json() {
    let (first, first_seen) = subscriber(StatusCode::OK, Duration::ZERO).await;
    let (second, second_seen) = subscriber(StatusCode::NO_CONTENT, Duration::ZERO).await;

    notifier(vec![first, second], Duration::from_secs(5))
        .publish(&event())
        .await
        .expect("delivered");

    for seen in [first_seen, second_seen] {
        let seen = seen.lock().expect("test setup");
        assert_eq!(seen.len(), 1);
        let (headers, body) = &seen[0];
        let signature = headers[SIGNATURE_HEADER].to_str().expect("test setup");
        let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).timestamp();
        verify(&Secret::new(SECRET), signature, body.as_bytes(), now, 300)
            .expect("the signature verifies");
        let json: Value = serde_json::from_str(body).expect("test setup");
        assert_eq!(
            json,
            json!({
                "id": event().event_id(),
                "kind": "payment_completed",
                "ecommerce_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                "reference_number": "11223344-aabbccdd",
                "amount": "25.00",
                "occurred_at": "2025-12-08T20:30:52.123456Z"
            })
        );
        assert_eq!(headers["x-athm-event-id"], event().event_id().as_str());
        assert_eq!(headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn a_non_2xx_answer_a_timeout_or_an_unreachable_url_fails_the_delivery() {
    let (ok, ok_seen) = subscriber(StatusCode::OK, Duration::ZERO).await;
    let (broken, _) = subscriber(StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO).await;
    let (redirect, _) = subscriber(StatusCode::FOUND, Duration::ZERO).await;
    let (slow, _) = subscriber(StatusCode::OK, Duration::from_secs(5)).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("test setup");
        format!(
            "http://{}/hook?token=hidden",
            listener.local_addr().expect("test setup")
        )
    };
    for (url, expected) in [
        (broken, "answered 500"),
        (redirect, "answered 302"),
        (slow, "did not answer within"),
        (closed, "could not be reached"),
    ] {
        let error = notifier(vec![ok.clone(), url.clone()], Duration::from_millis(300))
            .publish(&event())
            .await
            .expect_err("the delivery fails");
        assert!(error.message.contains(expected), "{url}: {}", error.message);
        assert!(!error.message.contains("hidden"), "queries are not shown");
    }
    assert_eq!(
        ok_seen.lock().expect("test setup").len(),
        4,
        "the other URL still gets each attempt"
    );
}
