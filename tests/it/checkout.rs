//! The checkout API from order to COMPLETED, cancel, expiry and decline.

use std::time::Duration;

use athm_domain::PaymentStatus;
use athm_sandbox::{EventKind, PaymentStatus as SandboxStatus};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    PHONE, Started, TestApp, database_url, error_of, json_body, run_cli, spawn_app, spawn_app_with,
};

/// A watch interval long enough that the confirm watcher never runs during
/// the test (its first round runs at start, before any payment exists).
const NO_WATCHER: [&str; 2] = ["--watch-interval-secs", "3600"];

#[tokio::test]
async fn health_check_answers_ok() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "ok");
}

/// With an https public URL every answer (API, pages, health) carries
/// Strict-Transport-Security; without one, none does (it would pin a
/// browser to https on a plain-HTTP development machine).
#[tokio::test]
async fn an_https_public_url_turns_on_strict_transport_security() {
    for (extra, expected) in [
        (
            &["--public-url", "https://shop.example"][..],
            Some("max-age=31536000"),
        ),
        (&[][..], None),
    ] {
        let app = spawn_app_with(extra).await;
        for path in ["/healthz", "/athm/admin/login", "/"] {
            let answer = app
                .client
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .expect("an answer");
            let hsts = answer.headers().get("strict-transport-security");
            assert_eq!(hsts.and_then(|v| v.to_str().ok()), expected, "{path}");
        }
    }
}

/// A database that answers but refuses writes (here a SQLite file opened
/// read-only) is not healthy: `/healthz` answers 503, where it said ok
/// while every write answered 500.
#[tokio::test]
async fn health_check_fails_when_the_database_refuses_writes() {
    let dir = tempfile::tempdir().expect("a directory");
    let writable = database_url(&dir);
    run_cli(&["migrate", "--database-url", &writable])
        .await
        .expect("migrated");
    let read_only = writable.replace("mode=rwc", "mode=ro");
    let app = spawn_app_with(&["--database-url", &read_only]).await;

    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("an answer");

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// Status reads are bounded: of 400 reads at once from one session, the
/// session's minute of reads (60) is answered, at a cost to ATH Móvil of a
/// handful of findPayment calls (one per payment per second), and the rest
/// are refused 429 with a Retry-After, at no cost. Another payment's session
/// is not held up, and a change at ATH Móvil shows on its next poll a second
/// later.
#[tokio::test]
async fn a_flood_of_status_reads_costs_ath_movil_one_call_a_second() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;
    let before = app.sandbox.faults().calls(athm_sandbox::Operation::Find);
    let began = std::time::Instant::now();

    let answers =
        futures_util::future::join_all((0..400).map(|_| app.status(started.id, &started.session)))
            .await;

    let took = began.elapsed();
    let answered = answers.iter().filter(|a| a.status() == StatusCode::OK);
    assert_eq!(answered.count(), 60);
    let refused: Vec<_> = answers
        .iter()
        .filter(|a| a.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(refused.len(), 340);
    assert!(
        refused
            .iter()
            .all(|a| a.headers().contains_key("retry-after"))
    );
    let calls = app.sandbox.faults().calls(athm_sandbox::Operation::Find) - before;
    let bound = u32::try_from(took.as_secs()).unwrap_or(u32::MAX) + 2;
    assert!(
        calls <= bound,
        "{calls} findPayment calls for 400 reads in {took:?}"
    );

    let other = app.start_ten_dollar_payment().await;
    assert_eq!(app.status_of(&other).await["status"], "OPEN");
    app.confirm_in_sandbox(other.id);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.status_of(&other).await["status"], "CONFIRM");
}

/// An authorization whose answer was lost may have completed the payment:
/// the very next status read asks ATH Móvil (not the second-old database
/// row), so the page sees COMPLETED and does not tell the customer it failed.
#[tokio::test]
async fn the_status_after_a_lost_authorization_answer_asks_ath_movil() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;
    app.confirm_in_sandbox(started.id);
    assert_eq!(app.status_of(&started).await["status"], "CONFIRM");
    app.sandbox.faults().set(
        athm_sandbox::Operation::Authorize,
        athm_sandbox::Fault::AnswerLost,
        Some(1),
    );

    let lost = app.authorize(started.id, &started.session).await;

    assert_ne!(lost.status(), StatusCode::OK, "the answer was lost");
    assert_eq!(app.status_of(&started).await["status"], "COMPLETED");
}

/// While ATH Móvil refuses findPayment (rate-limited), a flood of status
/// reads still costs about one attempt a second, not one per read: the
/// readers waiting behind a failed attempt are answered from the database.
#[tokio::test]
async fn a_flood_of_status_reads_while_ath_movil_fails_stays_bounded() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;
    app.sandbox.faults().set(
        athm_sandbox::Operation::Find,
        athm_sandbox::Fault::RateLimited {
            retry_after_secs: 1,
        },
        None,
    );
    let before = app.sandbox.faults().calls(athm_sandbox::Operation::Find);
    let began = std::time::Instant::now();

    futures_util::future::join_all((0..100).map(|_| app.status(started.id, &started.session)))
        .await;

    let took = began.elapsed();
    let calls = app.sandbox.faults().calls(athm_sandbox::Operation::Find) - before;
    // Each attempt may be retried by the client (at most 3 calls).
    let bound = 3 * (u32::try_from(took.as_secs()).unwrap_or(u32::MAX) + 2);
    assert!(
        calls <= bound,
        "{calls} findPayment calls for 100 reads in {took:?}"
    );
}

#[tokio::test]
async fn metrics_count_the_payments_initiated() {
    let app = spawn_app().await;
    app.start_ten_dollar_payment().await;

    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("athm_payment_operations_total{operation=\"payment\",outcome=\"ok\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn a_checkout_goes_from_order_to_completed_with_a_reference_number() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let mut answers = Vec::new();

    // The merchant's backend signs the order.
    let response = app
        .create_checkout(&json!({
            "total": "25.00", "subtotal": "24.00", "tax": "1.00",
            "metadata1": "Order #12345",
            "items": [{"name": "Widget", "description": "A useful widget",
                       "quantity": "1", "price": "24.00", "tax": "1.00"}],
        }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let created = json_body(response).await;
    assert_eq!(created["total"], "25.00");
    let checkout = created["checkout"].as_str().unwrap().to_string();
    answers.push(created.to_string());

    // The browser initiates it for a phone.
    let response = app
        .initiate(&json!({ "checkout": checkout, "phone_number": PHONE }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let initiated = json_body(response).await;
    assert_eq!(initiated["status"], "OPEN");
    assert_eq!(initiated["total"], "25.00");
    let id: uuid::Uuid = initiated["ecommerce_id"].as_str().unwrap().parse().unwrap();
    let session = initiated["session"].as_str().unwrap().to_string();
    answers.push(initiated.to_string());
    let at_sandbox = app
        .sandbox
        .payment(id)
        .expect("the sandbox has the payment");
    assert_eq!(at_sandbox.status, SandboxStatus::Open);
    assert_eq!(at_sandbox.phone_number.as_deref(), Some(PHONE));

    // The customer approves in the app.
    app.confirm_in_sandbox(id);
    let response = app.status(id, &session).await;
    assert_eq!(response.status(), StatusCode::OK);
    let status = json_body(response).await;
    assert_eq!(status["status"], "CONFIRM");
    answers.push(status.to_string());

    // The browser authorizes.
    let response = app.authorize(id, &session).await;
    assert_eq!(response.status(), StatusCode::OK);
    let authorized = json_body(response).await;
    assert_eq!(authorized["status"], "COMPLETED");
    let reference = authorized["reference_number"]
        .as_str()
        .expect("a completed payment has a reference number");
    answers.push(authorized.to_string());

    let at_sandbox = app.sandbox.payment(id).unwrap();
    assert_eq!(at_sandbox.status, SandboxStatus::Completed);
    assert_eq!(at_sandbox.reference_number.as_deref(), Some(reference));
    let stored = app.stored_payment(id).await.expect("the payment is stored");
    assert_eq!(stored.status, PaymentStatus::Completed);
    assert_eq!(
        stored.reference_number.as_ref().map(|r| r.as_str()),
        Some(reference)
    );
    assert_eq!(stored.total.to_string(), "25.00");
    assert!(stored.fee.is_some(), "the fee is recorded on completion");

    let started = Started { id, session };
    let status = app.status_of(&started).await;
    assert_eq!(status["status"], "COMPLETED");
    answers.push(status.to_string());

    // ATH Móvil's auth token stays on the server.
    let auth_token = stored
        .auth_token
        .expect("the auth token is kept server-side");
    for answer in &answers {
        assert!(
            !answer.contains(auth_token.expose()),
            "the auth token leaked in {answer}"
        );
        assert!(
            !answer.contains("auth_token"),
            "auth_token field in {answer}"
        );
    }
}

#[tokio::test]
async fn a_payment_can_be_pushed_to_another_phone_while_open() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let started = app.start_ten_dollar_payment().await;

    let response = app
        .update_phone(started.id, &started.session, "7879998888")
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "OPEN");
    let at_sandbox = app.sandbox.payment(started.id).unwrap();
    assert_eq!(at_sandbox.phone_number.as_deref(), Some("7879998888"));
}

#[tokio::test]
async fn a_cancelled_payment_is_cancel_here_and_at_ath_movil() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let started = app.start_ten_dollar_payment().await;

    let response = app.cancel(started.id, &started.session).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "CANCEL");
    assert_eq!(
        app.sandbox.payment(started.id).unwrap().status,
        SandboxStatus::Cancelled
    );
    assert_eq!(
        app.stored_payment(started.id).await.unwrap().status,
        PaymentStatus::Cancel
    );
    // Cancelling again changes nothing.
    let again = app.cancel(started.id, &started.session).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(json_body(again).await["status"], "CANCEL");
}

#[tokio::test]
async fn a_cancelled_payment_cannot_be_authorized() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let started = app.start_ten_dollar_payment().await;
    assert_eq!(
        app.cancel(started.id, &started.session).await.status(),
        StatusCode::OK
    );

    let response = app.authorize(started.id, &started.session).await;

    assert!(
        response.status().is_client_error() || response.status().is_server_error(),
        "authorizing a cancelled payment answered {}",
        response.status()
    );
    assert_eq!(app.status_of(&started).await["status"], "CANCEL");
    assert_eq!(app.sandbox.refunds_executed(), 0);
}

#[tokio::test]
async fn a_completed_payment_cannot_be_cancelled() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let started = app.start_ten_dollar_payment().await;
    app.confirm_in_sandbox(started.id);
    assert_eq!(
        app.authorize(started.id, &started.session).await.status(),
        StatusCode::OK
    );

    let response = app.cancel(started.id, &started.session).await;

    error_of(response, StatusCode::CONFLICT).await;
    assert_eq!(app.status_of(&started).await["status"], "COMPLETED");
}

#[tokio::test]
async fn a_payment_not_approved_in_time_expires() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let started = app
        .start_payment(&json!({ "total": "10.00", "timeout": 120 }))
        .await;

    app.sandbox.advance_clock(Duration::from_secs(121));

    assert_eq!(
        app.sandbox.payment(started.id).unwrap().status,
        SandboxStatus::Expired
    );
    // ATH Móvil's expired webhook tells the app.
    app.wait_for_delivered(EventKind::EcommerceExpired, 1).await;
    assert_eq!(app.status_of(&started).await["status"], "EXPIRED");
    assert_eq!(
        app.stored_payment(started.id).await.unwrap().status,
        PaymentStatus::Expired
    );
    // Too late to authorize.
    let response = app.authorize(started.id, &started.session).await;
    assert_ne!(response.status(), StatusCode::OK);
    assert_eq!(app.status_of(&started).await["status"], "EXPIRED");
}

#[tokio::test]
async fn a_payment_the_customer_declines_is_cancel() {
    let app = spawn_app_with(&NO_WATCHER).await;
    let started = app.start_ten_dollar_payment().await;

    app.sandbox
        .decline(started.id)
        .expect("an OPEN payment can be declined");

    // The cancelled webhook alone updates the payment, before any status call.
    app.wait_for_delivered(EventKind::EcommerceCancelled, 1)
        .await;
    let stored = app
        .wait_for_payment(started.id, Duration::from_secs(5), |p| {
            p.status == PaymentStatus::Cancel
        })
        .await;
    assert!(
        stored.is_some(),
        "the declined payment is not CANCEL in the store"
    );
    assert_eq!(app.status_of(&started).await["status"], "CANCEL");
}

#[tokio::test]
async fn a_payment_approved_after_its_tab_closed_is_still_completed() {
    let app = spawn_app().await;
    let started = app.start_ten_dollar_payment().await;

    // The customer approves; the browser that would authorize is gone.
    app.confirm_in_sandbox(started.id);

    let completed = app
        .wait_for_payment(started.id, Duration::from_secs(10), |p| {
            p.status == PaymentStatus::Completed
        })
        .await
        .expect("the confirm watcher authorizes it within 10 s");
    assert!(completed.reference_number.is_some());
    let at_sandbox = app.sandbox.payment(started.id).unwrap();
    assert_eq!(at_sandbox.status, SandboxStatus::Completed);
    assert_eq!(
        completed.reference_number.as_ref().map(|r| r.as_str()),
        at_sandbox.reference_number.as_deref()
    );
}

/// The sandbox's payments of order `order` (its metadata1) still payable.
fn live_at_ath_movil(app: &TestApp, order: &str) -> usize {
    app.sandbox
        .payments()
        .iter()
        .filter(|p| p.metadata1 == order)
        .filter(|p| matches!(p.status, SandboxStatus::Open | SandboxStatus::Confirm))
        .count()
}

/// The payment an `/api/initiate` answer names, with its session.
async fn initiated(response: reqwest::Response) -> Started {
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    Started {
        id: body["ecommerce_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("an ecommerce_id"),
        session: body["session"].as_str().expect("a session").to_string(),
    }
}

/// A checkout token replayed (a double click, a replayed request, 20
/// requests at once) starts one payment: ATH Móvil is asked once, the
/// other starts at that moment are told it is being started, and later
/// starts for the same phone answer that payment. Another phone cannot take
/// it over. Once paid, the token is spent.
#[tokio::test]
async fn a_checkout_starts_one_payment_however_often_it_is_replayed() {
    let app = spawn_app().await;
    let order = json!({ "total": "10.00", "metadata1": "Order 77" });
    let checkout = app.checkout_token(&order).await;
    let start = json!({ "checkout": checkout, "phone_number": PHONE });
    let creates = || app.sandbox.faults().calls(athm_sandbox::Operation::Create);
    let before = creates();

    let starts = futures_util::future::join_all((0..20).map(|_| app.initiate(&start))).await;

    let mut started = Vec::new();
    for response in starts {
        match response.status() {
            StatusCode::OK => started.push(initiated(response).await),
            StatusCode::CONFLICT => {
                let error = error_of(response, StatusCode::CONFLICT).await;
                assert!(error.contains("being started"), "{error}");
            }
            other => panic!("a start answered {other}"),
        }
    }
    assert_eq!(creates() - before, 1, "ATH Móvil is asked once");
    assert_eq!(live_at_ath_movil(&app, "Order 77"), 1);
    let again = initiated(app.initiate(&start).await).await;
    assert!(started.iter().all(|s| s.id == again.id));
    assert_eq!(creates() - before, 1, "a replay asks nothing");
    let other_phone = json!({ "checkout": checkout, "phone_number": "7875550000" });
    let taken = error_of(app.initiate(&other_phone).await, StatusCode::CONFLICT).await;
    assert!(taken.contains("another phone"), "{taken}");

    app.confirm_in_sandbox(again.id);
    assert_eq!(
        app.authorize(again.id, &again.session).await.status(),
        StatusCode::OK
    );
    let spent = error_of(app.initiate(&start).await, StatusCode::CONFLICT).await;
    assert!(spent.contains("already paid"), "{spent}");
    assert!(
        !spent.contains(&again.id.to_string()),
        "the payment is not named: {spent}"
    );
    assert_eq!(live_at_ath_movil(&app, "Order 77"), 0);
}

/// ATH Móvil fails a start (unavailable: a payment may or may not exist
/// there, unknown here, so never authorized): nothing is held, so the
/// customer's next try starts at once.
#[tokio::test]
async fn a_checkout_whose_start_failed_can_start_again_at_once() {
    let app = spawn_app().await;
    let checkout = app.checkout_token(&json!({ "total": "10.00" })).await;
    let start = json!({ "checkout": checkout, "phone_number": PHONE });
    app.sandbox.faults().set(
        athm_sandbox::Operation::Create,
        athm_sandbox::Fault::Unavailable,
        Some(1),
    );

    let refused = app.initiate(&start).await;
    assert_ne!(refused.status(), StatusCode::OK);

    initiated(app.initiate(&start).await).await;
}

/// After the customer cancels (or the payment expires), the same checkout
/// starts a new payment: the order is still unpaid.
#[tokio::test]
async fn a_checkout_whose_payment_was_cancelled_starts_a_new_one() {
    let app = spawn_app().await;
    let checkout = app.checkout_token(&json!({ "total": "10.00" })).await;
    let start = json!({ "checkout": checkout, "phone_number": PHONE });
    let first = initiated(app.initiate(&start).await).await;
    assert_eq!(
        app.cancel(first.id, &first.session).await.status(),
        StatusCode::OK
    );

    let second = initiated(app.initiate(&start).await).await;

    assert_ne!(second.id, first.id);
    assert_eq!(initiated(app.initiate(&start).await).await.id, second.id);
}
