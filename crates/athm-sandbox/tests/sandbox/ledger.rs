//! The ledger's truth for tests, and refunds the business makes in the ATH
//! Business app rather than through the API.

use athm_sandbox::PaymentStatus;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Api, assert_error};

async fn ledger(api: &Api, id: &Value) -> Value {
    let id = id.as_str().unwrap();
    let (status, body) = api
        .send(api.http.get(api.url(&format!("/sandbox/payments/{id}"))))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn app_refund(api: &Api, id: &Value, body: Option<Value>) -> (u16, Value) {
    let url = api.url(&format!(
        "/sandbox/payments/{}/refund",
        id.as_str().unwrap()
    ));
    let request = api.http.post(url);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    api.send(request).await
}

#[tokio::test]
async fn a_payment_reads_with_its_status_refunded_total_and_refunds() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let fresh = ledger(&api, &data["ecommerceId"]).await;
    assert_eq!(fresh["state"], "COMPLETED");
    assert_eq!(fresh["totalRefundedAmount"], json!(0));
    assert_eq!(fresh["refunds"], json!([]));

    let (_, first) = api.refund(reference, json!("2.50")).await;
    let (_, second) = api.refund(reference, json!("1.00")).await;
    let after = ledger(&api, &data["ecommerceId"]).await;
    assert_eq!(after["totalRefundedAmount"], json!(3.5));
    let refunds = after["refunds"].as_array().unwrap();
    let seen: Vec<(&Value, &Value)> = refunds
        .iter()
        .map(|r| (&r["referenceNumber"], &r["amount"]))
        .collect();
    assert_eq!(
        seen,
        [
            (&first["data"]["refund"]["referenceNumber"], &json!(2.5)),
            (&second["data"]["refund"]["referenceNumber"], &json!(1)),
        ]
    );
    assert_eq!(refunds[0]["paymentReferenceNumber"], reference);
    assert_eq!(refunds[0]["message"], "Sorry");

    let (status, list) = api
        .send(api.http.get(api.url("/sandbox/payments?status=COMPLETED")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["refunds"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_business_app_refunds_part_then_all_that_is_left() {
    let api = Api::start().await;
    let data = api.completed().await;
    let id = &data["ecommerceId"];

    let (status, part) = app_refund(
        &api,
        id,
        Some(json!({"amount": "10.00", "message": "Half"})),
    )
    .await;
    assert_eq!(status, 200, "{part}");
    assert_eq!(part["amount"], json!(10));
    assert_eq!(part["message"], "Half");
    assert_eq!(part["totalRefundedAmount"], json!(10));
    assert_eq!(
        part["dailyTransactionId"],
        json!(2),
        "after the payment's 1"
    );
    assert_eq!(part["date"].as_str().unwrap().len(), 19);
    let part_reference = part["referenceNumber"].as_str().unwrap();
    assert_ne!(part_reference, data["referenceNumber"].as_str().unwrap());

    let (status, rest) = app_refund(&api, id, None).await;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(rest["amount"], json!(15));
    assert_eq!(rest["totalRefundedAmount"], json!(25));

    assert_eq!(api.sandbox.refunds_executed(), 2);
    let found = api.find(id.as_str().unwrap().parse().unwrap()).await;
    assert_eq!(found["totalRefundedAmount"], json!(25));
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_error(&api.refund(reference, json!("0.01")).await, "BTRA_0004");
    assert_error(&app_refund(&api, id, None).await, "BTRA_0004");
}

#[tokio::test]
async fn the_business_app_refunds_only_what_can_be_refunded() {
    let api = Api::start().await;
    let data = api.completed().await;
    let id = &data["ecommerceId"];
    let over = app_refund(&api, id, Some(json!({"amount": "25.01"}))).await;
    assert_error(&over, "BTRA_0004");
    assert_error(
        &app_refund(&api, id, Some(json!({"amount": 0}))).await,
        "BTRA_0013",
    );
    let long = json!({"amount": "1.00", "message": "m".repeat(51)});
    assert_error(&app_refund(&api, id, Some(long)).await, "BTRA_0040");
    let (open, _) = api.create().await;
    let open = json!(open.to_string());
    assert_error(&app_refund(&api, &open, None).await, "BTRA_0035");
    let unknown = json!(Uuid::new_v4().to_string());
    assert_error(&app_refund(&api, &unknown, None).await, "BTRA_0031");
    assert_eq!(api.sandbox.refunds_executed(), 0);
}

#[tokio::test]
async fn the_business_app_refund_is_also_a_rust_call() {
    let api = Api::start().await;
    let data = api.completed().await;
    let id: Uuid = data["ecommerceId"].as_str().unwrap().parse().unwrap();
    let refund = api
        .sandbox
        .refund_in_business_app(id, Some(Decimal::new(400, 2)), "In the app")
        .unwrap();
    assert_eq!(refund.amount, Decimal::new(400, 2));
    assert_eq!(refund.ecommerce_id, id);

    let payment = api.sandbox.payment(id).unwrap();
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(payment.total_refunded, Decimal::new(400, 2));
    let refunds = api.sandbox.refunds_of(id);
    assert_eq!(refunds, [refund]);
    assert!(api.sandbox.refunds_of(Uuid::new_v4()).is_empty());

    let rest = api.sandbox.refund_in_business_app(id, None, "").unwrap();
    assert_eq!(rest.amount, Decimal::new(2100, 2));
    let error = api
        .sandbox
        .refund_in_business_app(id, None, "")
        .unwrap_err();
    assert_eq!(error.code, "BTRA_0004");
}

#[tokio::test]
async fn a_sandbox_restarted_on_its_ledger_file_still_refunds_and_authorizes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("athm-sandbox.json");
    let config = || athm_sandbox::SandboxConfig {
        ledger_file: Some(file.clone()),
        ..athm_sandbox::SandboxConfig::for_tests()
    };
    assert!(
        athm_sandbox::SandboxConfig::for_tests()
            .ledger_file
            .is_none()
    );

    let first = Api::start_with(config()).await;
    let data = first.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap().to_owned();
    let (pending, token) = first.create().await;
    first
        .sandbox
        .confirm(pending, athm_sandbox::CustomerInput::default())
        .unwrap();
    first.sandbox.handle().stop();
    drop(first);
    assert!(file.exists());

    let second = Api::start_with(config()).await;
    assert_eq!(second.sandbox.payments().len(), 2);
    let (status, refund) = second.refund(&reference, json!("5.00")).await;
    assert_eq!(status, 200, "{refund}");
    assert_eq!(
        refund["data"]["originalTransaction"]["totalRefundedAmount"],
        json!(5)
    );
    // The daily counter went on: the payment was 1, the refund is 2.
    assert_eq!(refund["data"]["refund"]["dailyTransactionID"], json!(2));
    let (status, authorized) = second.authorize(&token).await;
    assert_eq!(
        status, 200,
        "a token issued before the restart: {authorized}"
    );
}

#[tokio::test]
async fn a_ledger_file_that_is_not_a_ledger_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("athm-sandbox.json");
    std::fs::write(&file, "not json").unwrap();
    let config = athm_sandbox::SandboxConfig {
        ledger_file: Some(file),
        ..athm_sandbox::SandboxConfig::for_tests()
    };
    let error = athm_sandbox::Sandbox::start(config).await.unwrap_err();
    assert!(
        matches!(error, athm_sandbox::SandboxError::Ledger(_)),
        "{error}"
    );
}
