//! ATH Móvil's webhooks, as the sandbox delivers them, duplicates included.

use athm_domain::webhook::EventStatus;
use athm_domain::{EcommerceId, PaymentStatus};
use athm_sandbox::{DeliveryOutcome, EventKind};
use reqwest::StatusCode;
use serde_json::json;

use std::time::Duration;

use crate::helpers::{TestApp, eventually, json_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_completed_webhook_alone_records_the_payment_it_announces() {
    let app = spawn_app().await;
    let (id, token) = app.create_in_sandbox("12.50").await;

    let reference = app.complete_in_sandbox(id, &token).await;

    app.wait_for_delivered(EventKind::EcommerceCompleted, 1)
        .await;
    let stored = app
        .wait_for_payment(id, Duration::from_secs(5), |p| {
            p.status == PaymentStatus::Completed
        })
        .await
        .expect("the webhook created the payment");
    assert_eq!(
        stored.reference_number.as_ref().map(|r| r.as_str()),
        Some(reference.as_str())
    );
    assert_eq!(stored.total.to_string(), "12.50");
    let sandbox = app.sandbox.payment(id).unwrap();
    assert_eq!(
        stored.fee.map(|f| f.value()),
        Some(sandbox.fee),
        "the fee comes from the event"
    );
    assert_eq!(judged_event(&app, id).await.status, EventStatus::Processed);
    let events = app
        .store()
        .events_for_payment(&EcommerceId::new(id))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn the_completed_webhook_after_an_authorization_changes_nothing() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;
    app.confirm_in_sandbox(started.id);
    let response = app.authorize(started.id, &started.session).await;
    assert_eq!(response.status(), StatusCode::OK);
    let authorized = app.stored_payment(started.id).await.unwrap();

    app.wait_for_delivered(EventKind::EcommerceCompleted, 1)
        .await;

    let after = app.stored_payment(started.id).await.unwrap();
    assert_eq!(after.status, PaymentStatus::Completed);
    assert_eq!(after.reference_number, authorized.reference_number);
    assert_eq!(
        after.total_refunded_amount,
        authorized.total_refunded_amount
    );
    // A 200 means "durably stored"; processing follows off the request path.
    let event = judged_event(&app, started.id).await;
    assert_eq!(event.status, EventStatus::Processed);
    let events = app
        .store()
        .events_for_payment(&EcommerceId::new(started.id))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn duplicate_deliveries_make_one_payment_and_no_error() {
    let app = spawn_app().await;
    app.sandbox.set_webhook_copies(3);
    let (id, token) = app.create_in_sandbox("30.00").await;

    app.complete_in_sandbox(id, &token).await;

    app.wait_for_delivered(EventKind::EcommerceCompleted, 3)
        .await;
    let attempts = app.sandbox.deliveries();
    assert!(
        attempts
            .iter()
            .all(|a| matches!(a.outcome, DeliveryOutcome::Delivered { status: 200 })),
        "every copy is acknowledged with 200: {attempts:#?}"
    );
    app.wait_for_payment(id, Duration::from_secs(5), |p| {
        p.status == PaymentStatus::Completed
    })
    .await
    .expect("the payment is completed");
    let page = app
        .store()
        .list_payments(&Default::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1, "one payment for three copies");
    assert_eq!(page.items[0].status, PaymentStatus::Completed);
    let events = app
        .store()
        .events_for_payment(&EcommerceId::new(id))
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "the copies share one stored event");
}

#[tokio::test]
async fn a_hand_posted_duplicate_webhook_answers_duplicate() {
    let app = spawn_app().await;
    let (id, token) = app.create_in_sandbox("5.00").await;
    app.complete_in_sandbox(id, &token).await;
    app.wait_for_delivered(EventKind::EcommerceCompleted, 1)
        .await;
    let payload = app.sandbox.deliveries()[0].payload.clone();
    let before = app
        .wait_for_payment(id, Duration::from_secs(5), |p| {
            p.status == PaymentStatus::Completed
        })
        .await
        .expect("the payment is completed");

    let response = app.post_webhook(&payload).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "duplicate");
    assert_eq!(app.stored_payment(id).await.unwrap(), before);
}

/// A completed event in the real observed shape, for payment `id` with `total`.
fn completed_event(id: uuid::Uuid, total: u32) -> serde_json::Value {
    json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED",
        "ecommerceId": id, "referenceNumber": "11223344-aabbccdd11223344aabbccdd11223344",
        "dailyTransactionId": "0002", "date": "2025-12-08 16:30:52",
        "transactionDate": "2025-12-08 16:30:49", "total": total, "subTotal": total, "tax": 0.0,
        "fee": 0.07, "netAmount": 2.93, "totalRefundedAmount": 0, "phoneNumber": 7875551234_u64,
        "name": "Test Customer", "email": "customer@example.com", "metadata1": "Order 1",
        "metadata2": "", "message": "", "businessName": "Test Business", "isNonProfit": false,
        "items": [], "referenceTransactionId": "",
    })
}

/// The stored webhook event with this ecommerce id, once processing has judged it.
async fn judged_event(app: &TestApp, id: uuid::Uuid) -> athm_domain::webhook::WebhookEvent {
    eventually(Duration::from_secs(5), || async {
        let events = app
            .store()
            .events_for_payment(&EcommerceId::new(id))
            .await
            .expect("the store answers");
        events
            .into_iter()
            .find(|e| e.status != EventStatus::Pending)
    })
    .await
    .expect("the event was judged")
}

#[tokio::test]
async fn a_forged_completed_webhook_for_an_unknown_payment_is_stored_flagged_and_changes_nothing() {
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();

    let response = app.post_webhook(&completed_event(id, 3)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "stored");
    assert_eq!(app.stored_payment(id).await, None, "no payment was created");
    let event = judged_event(&app, id).await;
    assert_eq!(event.status, EventStatus::Flagged);
    assert!(event.error.unwrap().contains("does not know"));
}

#[tokio::test]
async fn a_forged_completed_webhook_for_a_payment_still_open_is_flagged_and_changes_nothing() {
    let app = spawn_app_with(&["--watch-interval-secs", "3600"]).await;
    let started = app.start_ten_dollar_payment().await;
    let before = app.stored_payment(started.id).await.unwrap();

    let response = app.post_webhook(&completed_event(started.id, 10)).await;

    assert_eq!(response.status(), StatusCode::OK);
    let event = judged_event(&app, started.id).await;
    assert_eq!(event.status, EventStatus::Flagged);
    assert!(event.error.unwrap().contains("findPayment says open"));
    assert_eq!(app.stored_payment(started.id).await.unwrap(), before);
    assert_eq!(before.status, PaymentStatus::Open);
}

#[tokio::test]
async fn a_malformed_webhook_is_acknowledged_so_that_it_is_not_retried_forever() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(format!("{}/webhook", app.api))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "malformed");
}

#[tokio::test]
async fn with_a_path_secret_the_sandbox_delivers_to_the_secret_url_and_plain_webhook_is_404() {
    let secret = "only-ath-movil-knows-this-0123";
    let app = spawn_app_with(&["--webhook-path-secret", secret]).await;
    let (id, token) = app.create_in_sandbox("7.00").await;

    app.complete_in_sandbox(id, &token).await;

    app.wait_for_delivered(EventKind::EcommerceCompleted, 1)
        .await;
    app.wait_for_payment(id, Duration::from_secs(10), |p| {
        p.status == PaymentStatus::Completed
    })
    .await
    .expect("the webhook at the secret URL completed the payment");
    let plain = app
        .client
        .post(format!("{}/webhook", app.api))
        .json(&json!({"transactionType": "payment", "status": "completed"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(plain.status(), StatusCode::NOT_FOUND);
    let at_secret = app
        .client
        .post(format!("{}/webhook/{secret}", app.api))
        .json(&json!({"transactionType": "payment", "status": "completed",
            "referenceNumber": "ref-by-hand", "total": "1.00"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(at_secret.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_too_short_path_secret_stops_the_app_at_startup() {
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
        "--webhook-path-secret",
        "short",
    ])
    .expect("parses");
    let result = athm_app::Application::build(cli.settings).await;
    let Err(error) = result else {
        panic!("a short path secret must be refused")
    };
    assert!(
        error.to_string().contains("ATHM_WEBHOOK_PATH_SECRET"),
        "{error}"
    );
}

/// How many stored webhook events are in `status`.
async fn events_in(app: &TestApp, status: EventStatus) -> u64 {
    let query = athm_domain::ports::ListQuery {
        status: Some(status),
        ..Default::default()
    };
    app.store()
        .list_webhook_events(&query)
        .await
        .expect("the store lists events")
        .total
}

/// ATH Móvil (or a load generator) gives up on a delivery while its event is
/// being committed: the event is stored, and it is processed at once anyway,
/// not left pending for the recovery worker (given an hour here), whether
/// events are processed by the worker or before their answer.
#[tokio::test]
async fn deliveries_abandoned_mid_commit_leave_no_event_waiting_for_recovery() {
    for inline in ["false", "true"] {
        abandon_deliveries_mid_commit(inline).await;
    }
}

async fn abandon_deliveries_mid_commit(inline: &str) {
    let app = spawn_app_with(&[
        "--watch-interval-secs",
        "3600",
        "--process-webhooks-inline",
        inline,
        "--webhook-verifications-per-source-per-minute",
        "0",
    ])
    .await;
    let deliveries = (0..400_u64).map(|i| {
        let body = completed_event(uuid::Uuid::new_v4(), 3);
        let app = &app;
        async move {
            let patience = Duration::from_millis(2 * (i % 100));
            tokio::time::timeout(patience, app.post_webhook(&body))
                .await
                .is_err()
        }
    });
    let abandoned = futures_util::future::join_all(deliveries)
        .await
        .into_iter()
        .filter(|gave_up| *gave_up)
        .count();
    assert!(abandoned > 50, "only {abandoned} deliveries were abandoned");

    let stored = app
        .store()
        .list_webhook_events(&Default::default())
        .await
        .expect("the store lists events")
        .total;
    assert!(stored > 0, "no event was stored");
    let drained = eventually(Duration::from_secs(10), || async {
        (events_in(&app, EventStatus::Pending).await == 0).then_some(())
    })
    .await;
    assert!(
        drained.is_some(),
        "inline {inline}: {} of {stored} stored events wait for the recovery worker",
        events_in(&app, EventStatus::Pending).await
    );
}

/// Posts `event` to the app's webhook from the loopback address `from`.
async fn post_webhook_from(app: &TestApp, from: &str, event: &serde_json::Value) -> StatusCode {
    reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().expect("an address"))
        .build()
        .expect("a client")
        .post(format!("{}/webhook", app.api))
        .json(event)
        .send()
        .await
        .expect("POST /webhook")
        .status()
}

/// Anyone who learns the webhook URL can post forged events, each a reason to
/// ask ATH Móvil. A flood from one address costs that address's budget of
/// findPayment calls; the rest stay stored and pending (for the recovery
/// worker, at its own pace), and another sender is verified at once.
#[tokio::test]
async fn a_flood_of_forged_webhooks_from_one_address_costs_only_its_budget_of_calls() {
    let app = spawn_app_with(&[
        "--watch-interval-secs",
        "3600",
        "--webhook-verifications-per-source-per-minute",
        "20",
    ])
    .await;
    let finds = || app.sandbox.faults().calls(athm_sandbox::Operation::Find);
    let before = finds();

    let flood = (0..200).map(|_| {
        let event = completed_event(uuid::Uuid::new_v4(), 3);
        let app = &app;
        async move { post_webhook_from(app, "127.0.0.2", &event).await }
    });
    let answers = futures_util::future::join_all(flood).await;
    assert!(answers.iter().all(|status| *status == StatusCode::OK));
    let judged = eventually(Duration::from_secs(5), || async {
        (events_in(&app, EventStatus::Flagged).await == 20).then_some(())
    })
    .await;
    assert!(
        judged.is_some(),
        "{} flagged",
        events_in(&app, EventStatus::Flagged).await
    );

    let other = completed_event(uuid::Uuid::new_v4(), 3);
    assert_eq!(
        post_webhook_from(&app, "127.0.0.3", &other).await,
        StatusCode::OK
    );
    let judged = eventually(Duration::from_secs(5), || async {
        (events_in(&app, EventStatus::Flagged).await == 21).then_some(())
    })
    .await;
    assert!(
        judged.is_some(),
        "the other sender's event was not verified"
    );
    assert_eq!(finds() - before, 21, "one findPayment per verified event");
    assert_eq!(
        events_in(&app, EventStatus::Pending).await,
        180,
        "the flood's rest waits, stored"
    );
}
