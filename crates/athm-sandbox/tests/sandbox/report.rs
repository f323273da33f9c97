use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

use crate::helpers::{Api, assert_error};

fn local_now(api: &Api) -> NaiveDateTime {
    api.sandbox
        .now()
        .with_timezone(&athm_sandbox::puerto_rico_offset())
        .naive_local()
}

fn fmt(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[tokio::test]
async fn the_report_lists_completed_payments_and_refunds_in_the_range() {
    let api = Api::start().await;
    let now = local_now(&api);
    let (from, to) = (
        fmt(now - TimeDelta::hours(1)),
        fmt(now + TimeDelta::minutes(1)),
    );
    assert_error(&api.report(&from, &to).await, "BTRA_0022");

    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_eq!(api.refund(reference, json!("5.00")).await.0, 200);
    let _open = api.create().await;

    let (status, rows) = api.report(&from, &to).await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["transactionType"], "ECOMMERCE");
    assert_eq!(rows[0]["referenceNumber"], format!("{reference} "));
    assert_eq!(rows[0]["totalRefundAmount"], json!(5.0));
    assert_eq!(rows[0]["total"], json!(25.0));
    assert_eq!(rows[0]["dailyTransactionID"], json!(1));
    assert_eq!(rows[0]["phoneNumber"], "(787) 123-4567");
    assert_eq!(rows[1]["transactionType"], "REFUND");
    assert_eq!(rows[1]["total"], json!(5.0));
    assert_ne!(rows[1]["referenceNumber"], rows[0]["referenceNumber"]);
    for row in rows {
        for absent in [
            "ecommerceId",
            "businessName",
            "referenceTransactionId",
            "transactionDate",
        ] {
            assert!(row.get(absent).is_none(), "{absent} in {row}");
        }
    }

    let earlier = (fmt(now - TimeDelta::days(3)), fmt(now - TimeDelta::days(2)));
    assert_error(&api.report(&earlier.0, &earlier.1).await, "BTRA_0046");
}

#[tokio::test]
async fn report_ranges_are_checked_and_future_ends_have_their_own_codes() {
    let api = Api::start().await;
    let now = local_now(&api);
    let today = fmt(now);
    assert_error(&api.report("yesterday", &today).await, "BTRA_0023");
    assert_error(
        &api.report(&today, "2024-13-01 00:00:00").await,
        "BTRA_0024",
    );
    assert_error(
        &api.report(&today, &fmt(now - TimeDelta::hours(1))).await,
        "BTRA_0025",
    );
    assert_error(
        &api.report(&fmt(now - TimeDelta::days(32)), &today).await,
        "BTRA_0026",
    );
    assert_error(
        &api.report(&today, &fmt(now + TimeDelta::days(2))).await,
        "BTRA_0048",
    );
    let (from, to) = (now + TimeDelta::days(2), now + TimeDelta::days(3));
    assert_error(&api.report(&fmt(from), &fmt(to)).await, "BTRA_0047");
    let (status, _) = api.report(&fmt(now - TimeDelta::days(31)), &today).await;
    assert_ne!(status, 200, "no records yet");
}

#[tokio::test]
async fn a_transaction_leaves_a_range_when_the_clock_moves_on() {
    let api = Api::start().await;
    api.completed().await;
    let completed_at = local_now(&api);
    api.sandbox.advance_clock(Duration::from_secs(3 * 86_400));
    let now = local_now(&api);
    let (status, rows) = api
        .report(&fmt(completed_at - TimeDelta::minutes(5)), &fmt(now))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_error(
        &api.report(&fmt(now - TimeDelta::days(1)), &fmt(now)).await,
        "BTRA_0046",
    );
}

#[tokio::test]
async fn inspection_fields_appear_only_when_switched_on() {
    let config = athm_sandbox::SandboxConfig {
        inspection_fields: true,
        ..athm_sandbox::SandboxConfig::for_tests()
    };
    assert!(!athm_sandbox::SandboxConfig::for_tests().inspection_fields);
    assert!(!athm_sandbox::SandboxConfig::default().inspection_fields);
    let api = Api::start_with(config).await;
    let now = local_now(&api);
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_eq!(api.refund(reference, json!("1.00")).await.0, 200);
    let (status, rows) = api
        .report(
            &fmt(now - TimeDelta::hours(1)),
            &fmt(now + TimeDelta::minutes(1)),
        )
        .await;
    assert_eq!(status, 200, "{rows}");
    assert_eq!(rows[0]["sandboxEcommerceId"], data["ecommerceId"]);
    assert_eq!(rows[1]["sandboxEcommerceId"], data["ecommerceId"]);
    assert_eq!(rows[1]["sandboxPaymentReferenceNumber"], reference);
}
