//! The webhook group commit answers each delivery by its own event's
//! result, and keeps the sender's address with the event for the admin.

use athm_domain::ports::AdminQueries;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_domain::ports::{ListQuery, MockAthmGateway, MockStore, Store, StoreError, SystemClock};
use athm_domain::services::{PaymentService, WebhookProcessor};
use athm_web::{AppState, WebhookProcessing, mount};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{ADMIN_PASSWORD, html, log_in, request, send, spawn_with, test_config};

/// A store that takes a while to commit (so that concurrent deliveries
/// share batches), refuses every event whose body says `poison`, and
/// records whether a batch mixed both kinds.
fn choosy_store(mixed: Arc<Mutex<bool>>) -> MockStore {
    let mut store = MockStore::new();
    store
        .expect_insert_webhook_events()
        .returning(move |events| {
            std::thread::sleep(Duration::from_millis(30));
            let poisoned = events
                .iter()
                .filter(|e| e.payload.contains("poison"))
                .count();
            if poisoned > 0 && poisoned < events.len() {
                *mixed.lock().expect("not poisoned") = true;
            }
            events
                .iter()
                .map(|event| match event.payload.contains("poison") {
                    true => Err(StoreError::Database("the database refused this one".into())),
                    false => Ok((event.clone(), true)),
                })
                .collect()
        });
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_delivery_of_a_group_commit_is_answered_by_its_own_result() {
    let mixed = Arc::new(Mutex::new(false));
    let store: Arc<dyn Store> = Arc::new(choosy_store(mixed.clone()));
    let clock = Arc::new(SystemClock);
    let gateway = Arc::new(MockAthmGateway::new());
    let payments = PaymentService::new(gateway.clone(), store.clone(), clock.clone());
    let mut config = test_config();
    config.webhook_processing = WebhookProcessing::StoreOnly;
    let webhooks = WebhookProcessor::new(gateway, store.clone(), store.clone(), clock);
    let router = mount(AppState::new(payments, webhooks, store, config), "/athm");

    let tasks: Vec<_> = (0..48)
        .map(|n| {
            let router = router.clone();
            let poison = n % 6 == 5;
            let body = match poison {
                true => json!({"poison": n}),
                false => json!({"transactionType": "ECOMMERCE", "status": "COMPLETED",
                    "ecommerceId": uuid::Uuid::new_v4().to_string(), "total": n}),
            };
            tokio::spawn(async move {
                let req = request(
                    Method::POST,
                    "/athm/webhook",
                    Body::from(body.to_string()),
                    &[],
                );
                (poison, send(&router, req).await.status)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("no panic"));
    }
    assert!(
        *mixed.lock().expect("not poisoned"),
        "some batch held both kinds, or this test proves nothing"
    );
    for (poison, status) in answers {
        let expected = match poison {
            true => StatusCode::INTERNAL_SERVER_ERROR,
            false => StatusCode::OK,
        };
        assert_eq!(status, expected, "poison: {poison}");
    }
}

#[tokio::test]
async fn the_sender_address_is_kept_with_the_event_and_shown_to_the_admin() {
    let mut config = test_config();
    config.trust_forwarded_for = true;
    config.webhook_processing = WebhookProcessing::StoreOnly;
    let app = spawn_with(config).await;
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({"transactionType": "ECOMMERCE", "status": "COMPLETED", "ecommerceId": id});
    let forwarded = app
        .post(
            "/athm/webhook",
            body,
            &[("x-forwarded-for", "198.51.100.4, 203.0.113.9")],
        )
        .await;
    assert_eq!(forwarded.status, StatusCode::OK);
    let unknown = app
        .post("/athm/webhook", json!({"transactionType": "DONATION"}), &[])
        .await;
    assert_eq!(unknown.status, StatusCode::OK);

    let events = app
        .store
        .list_webhook_events(&ListQuery::default())
        .await
        .expect("events")
        .items;
    assert_eq!(events.len(), 2);
    for event in &events {
        let named = event.ecommerce_id.map(|e| e.to_string()) == Some(id.clone());
        let expected = named.then_some("203.0.113.9");
        assert_eq!(
            event.remote_addr.as_deref(),
            expected,
            "the proxy's entry is kept; no address when none is known"
        );
    }

    let router = app.with_admin();
    let session = log_in(&router, ADMIN_PASSWORD).await;
    let (status, page) = html(&router, "/athm/admin/events", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("203.0.113.9"),
        "the events page shows the sender"
    );
    assert!(
        !page.contains("198.51.100.4"),
        "not the entry a client could forge"
    );
}
