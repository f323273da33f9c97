//! The `athm` command line: its shape, `migrate` and `webhooks reprocess`.

use athm_domain::ports::{AdminQueries, PaymentStore, WebhookInbox};
use std::process::ExitCode;
use std::sync::Arc;

use athm_app::{AppError, Cli};
use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{ListQuery, PaymentKey, SystemClock};
use athm_domain::services::WebhookProcessor;
use athm_domain::webhook::EventStatus;
use athm_domain::{EcommerceId, PaymentStatus};
use athm_sandbox::{DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN};
use athm_store::SqlStore;
use clap::CommandFactory;
use serde_json::json;

use crate::helpers::{database_url, run_cli, spawn_app};

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

#[tokio::test]
async fn migrate_creates_the_schema_and_can_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir);

    let first = run_cli(&["migrate", "--database-url", &url]).await.unwrap();
    let second = run_cli(&["migrate", "--database-url", &url]).await.unwrap();

    assert_eq!(first, ExitCode::SUCCESS);
    assert_eq!(second, ExitCode::SUCCESS);
    assert!(dir.path().join("athm.db").exists());
    // The tables exist: a store that never migrated itself can list them.
    let store = SqlStore::connect(&url).await.unwrap();
    let page = store.list_payments(&ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 0);
    let events = store.list_webhook_events(&ListQuery::default()).await;
    assert_eq!(events.unwrap().total, 0);
}

#[tokio::test]
async fn migrate_reports_a_database_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}/missing/dir/athm.db?mode=rwc",
        dir.path().display()
    );

    let result = run_cli(&["migrate", "--database-url", &url]).await;

    assert!(matches!(result, Err(AppError::Store(_))), "{result:?}");
}

#[tokio::test]
async fn webhooks_reprocess_applies_events_that_were_stored_but_not_processed() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir);
    assert_eq!(
        run_cli(&["migrate", "--database-url", &url]).await.unwrap(),
        ExitCode::SUCCESS
    );
    let store: Arc<SqlStore> = Arc::new(SqlStore::connect(&url).await.unwrap());
    // A payment completed at ATH Móvil (the sandbox of an app whose own
    // database is elsewhere), announced by a webhook stored here.
    let app = spawn_app().await;
    let (id, token) = app.create_in_sandbox("3.00").await;
    let reference = app.complete_in_sandbox(id, &token).await;
    let payload = json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED", "ecommerceId": id,
        "referenceNumber": reference,
        "dailyTransactionId": "0002", "date": "2025-12-08 16:30:52",
        "transactionDate": "2025-12-08 16:30:49", "total": 3, "subTotal": 3, "tax": 0.0,
        "fee": 0.07, "netAmount": 2.93, "totalRefundedAmount": 0,
        "phoneNumber": 7875551234_u64, "name": "Test Customer",
        "email": "customer@example.com", "metadata1": "Order 1", "metadata2": "",
        "message": "", "businessName": "Test Business", "isNonProfit": false, "items": [],
    });
    // Stored (acknowledged) but never processed, as after a crash.
    let gateway = AthmClient::new(
        ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(&app.sandbox_url),
    )
    .unwrap();
    let processor = WebhookProcessor::new(
        Arc::new(gateway),
        store.clone(),
        store.clone(),
        Arc::new(SystemClock),
    );
    let (event, created) = processor
        .store_event(payload.to_string().as_bytes())
        .await
        .unwrap();
    assert!(created);
    assert_eq!(event.status, EventStatus::Pending);

    let sandbox = [
        "--public-token",
        DEMO_PUBLIC_TOKEN,
        "--private-token",
        DEMO_PRIVATE_TOKEN,
        "--payments-url",
        &app.sandbox_url,
        "--www-url",
        &app.sandbox_url,
    ];
    let mut args = vec!["webhooks", "reprocess", "--database-url", &url];
    args.extend_from_slice(&sandbox);
    let code = run_cli(&args).await.unwrap();

    assert_eq!(code, ExitCode::SUCCESS);
    let record = store
        .payment(&PaymentKey::Ecommerce(EcommerceId::new(id)))
        .await
        .unwrap()
        .expect("reprocessing created the payment");
    assert_eq!(record.payment.status, PaymentStatus::Completed);
    assert_eq!(record.payment.total.to_string(), "3.00");
    let event = store.webhook_event(event.id).await.unwrap().unwrap();
    assert_eq!(event.status, EventStatus::Processed);

    // Nothing is left to do.
    let again = run_cli(&args).await.unwrap();
    assert_eq!(again, ExitCode::SUCCESS);
}

#[tokio::test]
async fn sync_names_the_flag_of_a_bad_date() {
    let result = run_cli(&[
        "sync",
        "--from-date",
        "yesterday",
        "--to-date",
        "2025-01-01",
    ])
    .await;

    let error = result.expect_err("a bad date is refused");
    assert!(error.to_string().contains("--from-date"), "{error}");
}

#[tokio::test]
async fn refund_without_ath_movil_tokens_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir);

    let result = run_cli(&[
        "refund",
        "215070443-402894c185ab1be40185acfe61c2000b",
        "--database-url",
        &url,
    ])
    .await;

    let error = result.expect_err("no tokens, no refund");
    assert!(matches!(error, AppError::Config(_)), "{error:?}");
    assert!(error.to_string().contains("ATHM_PUBLIC_TOKEN"), "{error}");
}

/// `athm healthcheck` is a container's health check: 0 while the service on
/// `--listen` answers `/healthz`, 1 when nothing answers there.
#[tokio::test]
async fn healthcheck_exits_zero_only_while_the_service_answers() {
    let app = spawn_app().await;
    let listen = app.address.trim_start_matches("http://").to_string();

    let healthy = run_cli(&["healthcheck", "--listen", &listen]).await;
    assert_eq!(healthy.expect("healthcheck runs"), ExitCode::SUCCESS);

    let nobody = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let free = nobody.local_addr().expect("an address").to_string();
    drop(nobody);
    let unhealthy = run_cli(&["healthcheck", "--listen", &free]).await;
    assert_eq!(unhealthy.expect("healthcheck runs"), ExitCode::FAILURE);
}
