//! The confirm watcher over the real app, its sandbox and SQLite: a payment
//! approved after its tab closed is authorized however many others wait.

use std::sync::Arc;
use std::time::Duration;

use athm_client::{AthmClient, ClientConfig};
use athm_domain::PaymentStatus;
use athm_domain::ports::{AthmGateway, Store};
use athm_domain::services::Services;
use athm_sandbox::{DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, PaymentStatus as SandboxStatus};
use athm_store::SqlStore;
use uuid::Uuid;

use crate::helpers::{Started, TestApp, spawn_app, spawn_app_with};

/// More waiting payments than the app's watcher reads in one page (100).
const WAITING: usize = 120;

/// `WAITING` OPEN payments started through the checkout API, oldest first.
async fn many_waiting(app: &TestApp) -> Vec<Started> {
    let mut started = Vec::with_capacity(WAITING);
    for _ in 0..WAITING {
        started.push(app.start_ten_dollar_payment().await);
    }
    started
}

/// The newest payment is COMPLETED in the store and at the sandbox, with
/// the same reference number.
async fn assert_completed_everywhere(app: &TestApp, id: Uuid) {
    let stored = app.stored_payment(id).await.expect("stored");
    assert_eq!(stored.status, PaymentStatus::Completed);
    let at_sandbox = app.sandbox.payment(id).expect("known to the sandbox");
    assert_eq!(at_sandbox.status, SandboxStatus::Completed);
    assert_eq!(
        stored.reference_number.as_ref().map(|r| r.as_str()),
        at_sandbox.reference_number.as_deref()
    );
}

#[tokio::test]
async fn one_watcher_round_authorizes_the_newest_of_more_waiting_payments_than_a_page() {
    // The app's own watcher never runs: the test runs the rounds.
    let app = spawn_app_with(&["--watch-interval-secs", "3600"]).await;
    let started = many_waiting(&app).await;
    let newest = started[WAITING - 1].id;
    // The customer approves the newest; its browser tab is gone.
    app.confirm_in_sandbox(newest);

    let store = SqlStore::connect(&app.database_url)
        .await
        .expect("the test opens the app's database");
    let config = ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN)
        .with_base_url(app.sandbox_url.clone());
    let gateway: Arc<dyn AthmGateway> = Arc::new(AthmClient::new(config).expect("a client"));
    let services = Services::new(gateway, Arc::new(store) as Arc<dyn Store>);
    let watcher = services.watcher(chrono::Duration::zero());

    let report = watcher.run_once(100).await.expect("a round");

    assert_eq!(
        (report.checked, report.authorized, report.ended),
        (WAITING, 1, 1),
        "{report:?}"
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_completed_everywhere(&app, newest).await;
    for other in &started[..WAITING - 1] {
        let at_sandbox = app.sandbox.payment(other.id).expect("known to the sandbox");
        assert_eq!(at_sandbox.status, SandboxStatus::Open);
    }
}

#[tokio::test]
async fn the_apps_watcher_authorizes_the_newest_of_more_waiting_payments_than_a_page() {
    // The app's watcher runs every second, on payments older than 2 s.
    let app = spawn_app().await;
    let started = many_waiting(&app).await;
    let newest = started[WAITING - 1].id;
    app.confirm_in_sandbox(newest);

    let completed = app
        .wait_for_payment(newest, Duration::from_secs(15), |p| {
            p.status == PaymentStatus::Completed
        })
        .await;

    assert!(
        completed.is_some(),
        "the app's confirm watcher did not authorize the newest of {WAITING} waiting payments in 15 s"
    );
    assert_completed_everywhere(&app, newest).await;
}
