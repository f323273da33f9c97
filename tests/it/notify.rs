//! Outbound notifications: `athm serve` with `--notify-urls` posts each
//! lifecycle event, signed, and retries a failing subscriber with backoff.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_client::Secret;
use athm_notifier::{SIGNATURE_HEADER, verify};
use athm_sandbox::EventKind;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::helpers::{eventually, spawn_app_with};

const NOTIFY_SECRET: &str = "notify-secret-0123456789abcdef0123456789";

#[derive(Clone, Default)]
struct Subscriber {
    received: Arc<Mutex<Vec<Value>>>,
    failures_left: Arc<AtomicUsize>,
}

/// A subscriber that refuses the first `failures` posts with 503, checks
/// every signature, and records the bodies it accepts.
async fn subscriber(failures: usize) -> (String, Subscriber) {
    let state = Subscriber::default();
    state.failures_left.store(failures, Ordering::SeqCst);
    let app = axum::Router::new()
        .route(
            "/events",
            axum::routing::post(
                |State(s): State<Subscriber>, headers: HeaderMap, body: String| async move {
                    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                        .timestamp();
                    let signature = headers
                        .get(SIGNATURE_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    if verify(
                        &Secret::new(NOTIFY_SECRET),
                        signature,
                        body.as_bytes(),
                        now,
                        300,
                    )
                    .is_err()
                    {
                        return StatusCode::UNAUTHORIZED;
                    }
                    let refused = s
                        .failures_left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if refused {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let json = serde_json::from_str(&body).expect("JSON");
                    s.received.lock().expect("not poisoned").push(json);
                    StatusCode::OK
                },
            ),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/events", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, state)
}

#[tokio::test]
async fn a_completed_payment_is_posted_signed_to_the_notify_url_once() {
    let (url, subscriber) = subscriber(0).await;
    let app = spawn_app_with(&["--notify-urls", &url, "--notify-secret", NOTIFY_SECRET]).await;
    let (id, token) = app.create_in_sandbox("9.00").await;
    app.complete_in_sandbox(id, &token).await;
    app.wait_for_delivered(EventKind::EcommerceCompleted, 1)
        .await;

    let received = eventually(Duration::from_secs(10), || async {
        let got = subscriber.received.lock().expect("not poisoned").clone();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("the subscriber is notified");
    assert_eq!(received[0]["kind"], "payment_completed");
    assert_eq!(received[0]["ecommerce_id"], id.to_string());
    assert_eq!(received[0]["amount"], "9.00");
    assert!(
        received[0]["id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("evt_")
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        subscriber.received.lock().expect("not poisoned").len(),
        1,
        "delivered once"
    );
}

#[tokio::test]
async fn a_failing_subscriber_gets_the_event_again_after_a_backoff() {
    let (url, subscriber) = subscriber(2).await;
    let app = spawn_app_with(&["--notify-urls", &url, "--notify-secret", NOTIFY_SECRET]).await;
    let (id, token) = app.create_in_sandbox("4.00").await;
    app.complete_in_sandbox(id, &token).await;

    // Refused twice: retried after 1 s, then 4 s.
    let received = eventually(Duration::from_secs(20), || async {
        let got = subscriber.received.lock().expect("not poisoned").clone();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("the third attempt is accepted");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["ecommerce_id"], id.to_string());
}

#[tokio::test]
async fn notify_urls_without_a_secret_stop_the_app_at_startup() {
    use clap::Parser;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database_url = crate::helpers::database_url(&dir);
    let cli = athm_app::Cli::try_parse_from([
        "athm",
        "serve",
        "--database-url",
        &database_url,
        "--listen",
        "127.0.0.1:0",
        "--sandbox-listen",
        "127.0.0.1:0",
        "--notify-urls",
        "https://shop.example/events",
    ])
    .expect("parses");
    let Err(error) = athm_app::Application::build(cli.settings).await else {
        panic!("notify URLs need a secret")
    };
    assert!(error.to_string().contains("ATHM_NOTIFY_SECRET"), "{error}");
}
