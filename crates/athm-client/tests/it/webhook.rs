//! Subscribing the webhook listener.

use std::time::Duration;

use athm_domain::ports::{AthmGateway, WebhookSubscription};
use athm_sandbox::SandboxConfig;

use crate::helpers::{code, spawn, spawn_with};

#[tokio::test]
async fn a_subscribed_listener_receives_the_events_it_chose() {
    let env = spawn().await;
    let listener = "http://127.0.0.1:9/athm/webhook";
    let mut subscription = WebhookSubscription::all(listener);
    subscription.refund_sent = false;
    env.client
        .subscribe_webhook(&subscription)
        .await
        .expect("subscribed");
    env.completed("5.00").await;
    let attempts = env
        .sandbox
        .wait_for_attempts(1, Duration::from_secs(5))
        .await;
    assert!(!attempts.is_empty(), "no delivery attempted");
    assert!(attempts.iter().all(|a| a.url == listener));
}

#[tokio::test]
async fn a_plain_http_listener_is_refused_as_production_does() {
    let env = spawn_with(SandboxConfig::default(), |_| {}).await;
    let error = env
        .client
        .subscribe_webhook(&WebhookSubscription::all("http://example.com/hook"))
        .await
        .unwrap_err();
    assert_eq!(code(&error), "BTRA_0006");
}
