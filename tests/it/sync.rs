//! `athm sync`: the transaction report recovers what lost webhooks missed.

use std::process::ExitCode;
use std::time::Duration;

use athm_domain::PaymentStatus;
use athm_domain::ports::ListQuery;
use athm_sandbox::EventKind;

use crate::helpers::{TestApp, spawn_app};

/// Two payments completed at ATH Móvil whose webhooks never arrived; returns
/// their ids and reference numbers.
async fn payments_with_lost_webhooks(app: &TestApp) -> Vec<(uuid::Uuid, String)> {
    app.sandbox.set_listener("http://127.0.0.1:9/athm/webhook");
    let mut completed = Vec::new();
    for total in ["15.00", "42.10"] {
        let (id, token) = app.create_in_sandbox(total).await;
        let reference = app.complete_in_sandbox(id, &token).await;
        completed.push((id, reference));
    }
    // Every attempt (5 per event, fast backoff) fails: the webhooks are lost.
    let attempts = app
        .sandbox
        .wait_for_attempts(10, Duration::from_secs(10))
        .await;
    assert!(attempts.iter().all(|a| !a.delivered()), "{attempts:#?}");
    assert!(
        attempts
            .iter()
            .all(|a| a.kind == EventKind::EcommerceCompleted)
    );
    for (id, _) in &completed {
        assert!(app.stored_payment(*id).await.is_none());
    }
    after_the_second_of_the_last_completion(app).await;
    completed
}

/// The report's dates have whole seconds and the client never asks past
/// "now", so what completed during the current second is not reported yet
/// (documented in `athm-client`'s `report::clamp`): wait for the next second.
async fn after_the_second_of_the_last_completion(app: &TestApp) {
    let last = app
        .sandbox
        .payments()
        .iter()
        .filter_map(|p| p.completed_at)
        .max()
        .expect("a completed payment");
    let next_second = last.timestamp() + 1;
    while chrono::Utc::now().timestamp() < next_second {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sync(app: &TestApp, extra: &[&str]) -> ExitCode {
    app.sync_today(extra).await.expect("athm sync runs")
}

#[tokio::test]
async fn sync_creates_the_completed_payments_that_lost_webhooks_missed() {
    let app = spawn_app().await;
    let completed = payments_with_lost_webhooks(&app).await;

    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);

    for (id, reference) in &completed {
        let stored = app
            .stored_payment(*id)
            .await
            .expect("sync created the payment");
        assert_eq!(stored.status, PaymentStatus::Completed);
        assert_eq!(
            stored.reference_number.as_ref().map(|r| r.as_str()),
            Some(reference.as_str())
        );
        let at_sandbox = app.sandbox.payment(*id).unwrap();
        assert_eq!(stored.total.value(), at_sandbox.total);
        assert_eq!(stored.fee.map(|f| f.value()), Some(at_sandbox.fee));
    }
}

#[tokio::test]
async fn a_second_sync_changes_nothing() {
    let app = spawn_app().await;
    payments_with_lost_webhooks(&app).await;
    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);
    let first = app
        .store()
        .list_payments(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(first.total, 2);

    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);

    let second = app
        .store()
        .list_payments(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(second, first, "the second run wrote nothing");
}

#[tokio::test]
async fn a_dry_run_sync_writes_nothing() {
    let app = spawn_app().await;
    let completed = payments_with_lost_webhooks(&app).await;

    assert_eq!(sync(&app, &["--dry-run"]).await, ExitCode::SUCCESS);

    for (id, _) in &completed {
        assert!(app.stored_payment(*id).await.is_none());
    }
    let page = app
        .store()
        .list_payments(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn sync_completes_a_payment_the_app_still_thinks_is_open() {
    let app = spawn_app_without_watcher().await;
    let started = app.start_ten_dollar_payment().await;
    app.sandbox.set_listener("http://127.0.0.1:9/athm/webhook");
    // Completed at ATH Móvil behind the app's back (another server's authorize).
    app.confirm_in_sandbox(started.id);
    assert_eq!(
        app.stored_payment(started.id).await.unwrap().status,
        PaymentStatus::Open
    );
    // The app's own confirm watcher would also catch it; here sync does.
    let reference = authorize_at_sandbox_as_the_app(&app, started.id).await;
    after_the_second_of_the_last_completion(&app).await;

    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);

    let stored = app.stored_payment(started.id).await.unwrap();
    assert_eq!(stored.status, PaymentStatus::Completed);
    assert_eq!(
        stored.reference_number.as_ref().map(|r| r.as_str()),
        Some(reference.as_str())
    );
}

async fn spawn_app_without_watcher() -> TestApp {
    crate::helpers::spawn_app_with(&["--watch-interval-secs", "3600"]).await
}

/// Authorizes at the sandbox with the auth token the app stored.
async fn authorize_at_sandbox_as_the_app(app: &TestApp, id: uuid::Uuid) -> String {
    let token = app
        .stored_payment(id)
        .await
        .and_then(|p| p.auth_token)
        .expect("the app keeps the auth token");
    let response = app
        .client
        .post(format!(
            "{}/api/business-transaction/ecommerce/authorization",
            app.sandbox_url
        ))
        .bearer_auth(token.expose())
        .send()
        .await
        .expect("authorize at the sandbox");
    let body = crate::helpers::json_body(response).await;
    body["data"]["referenceNumber"]
        .as_str()
        .unwrap_or_else(|| panic!("no referenceNumber in {body}"))
        .to_string()
}
