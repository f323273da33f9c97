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

/// The unlinked transactions athm recorded, by reference: (reference, type, total).
async fn unlinked(app: &TestApp) -> Vec<(String, String, String)> {
    let page = app
        .store()
        .list_unlinked(&ListQuery::default())
        .await
        .expect("the unlinked transactions");
    let mut rows: Vec<_> = page
        .items
        .into_iter()
        .map(|u| {
            (
                u.reference_number.to_string(),
                u.transaction_type.as_str().to_string(),
                u.total.to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Production's report rows carry no ecommerceId: a payment another
/// integration made at ATH Móvil is no payment of athm's, and is recorded
/// as an unlinked transaction under its reference number.
#[tokio::test]
async fn sync_records_the_payments_made_elsewhere_under_their_reference_number() {
    let app = spawn_app().await;
    let completed = payments_with_lost_webhooks(&app).await;

    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);

    for (id, _) in &completed {
        assert!(
            app.stored_payment(*id).await.is_none(),
            "athm made no such payment"
        );
    }
    let mut expected: Vec<_> = completed
        .iter()
        .zip(["15.00", "42.10"])
        .map(|((_, reference), total)| (reference.clone(), "ecommerce".into(), total.into()))
        .collect();
    expected.sort();
    assert_eq!(unlinked(&app).await, expected);
}

#[tokio::test]
async fn a_second_sync_changes_nothing() {
    let app = spawn_app().await;
    payments_with_lost_webhooks(&app).await;
    let started = app.start_ten_dollar_payment().await;
    app.confirm_in_sandbox(started.id);
    app.wait_for_payment(started.id, Duration::from_secs(15), |p| {
        p.status == PaymentStatus::Completed
    })
    .await
    .expect("the watcher authorizes the approved payment");
    after_the_second_of_the_last_completion(&app).await;
    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);
    let payments = || async {
        app.store()
            .list_payments(&ListQuery::default())
            .await
            .unwrap()
    };
    let (first, first_unlinked) = (payments().await, unlinked(&app).await);
    assert_eq!((first.total, first_unlinked.len()), (1, 2));

    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);

    assert_eq!(payments().await, first, "the second run wrote no payment");
    assert_eq!(unlinked(&app).await, first_unlinked, "nor an unlinked row");
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
    assert!(unlinked(&app).await.is_empty());
}

/// Two payments alike (same total, metadata and customer) wait here; ATH
/// Móvil completed one behind the app's back. The report row names neither:
/// findPayment says which, and only that one is completed.
#[tokio::test]
async fn of_two_payments_alike_sync_completes_the_one_ath_movil_completed() {
    let app = spawn_app_without_watcher().await;
    app.sandbox.set_listener("http://127.0.0.1:9/athm/webhook");
    let first = app.start_ten_dollar_payment().await;
    let second = app.start_ten_dollar_payment().await;
    app.confirm_in_sandbox(first.id);
    app.confirm_in_sandbox(second.id);
    let reference = authorize_at_sandbox_as_the_app(&app, second.id).await;
    after_the_second_of_the_last_completion(&app).await;

    assert_eq!(sync(&app, &[]).await, ExitCode::SUCCESS);

    let done = app.stored_payment(second.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    assert_eq!(
        done.reference_number.as_ref().map(|r| r.as_str()),
        Some(reference.as_str())
    );
    assert_ne!(
        app.stored_payment(first.id).await.unwrap().status,
        PaymentStatus::Completed,
        "the other one is not guessed complete"
    );
    assert!(unlinked(&app).await.is_empty());
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
