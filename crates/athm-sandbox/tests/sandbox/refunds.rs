use serde_json::json;

use crate::helpers::{Api, REFUND, assert_error};

#[tokio::test]
async fn partial_refunds_run_up_to_the_total_and_not_a_cent_more() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let id = data["ecommerceId"].as_str().unwrap().parse().unwrap();

    let (status, first) = api.refund(reference, json!("10.00")).await;
    assert_eq!(status, 200, "{first}");
    let refund = &first["data"]["refund"];
    assert_eq!(refund["transactionType"], "REFUND");
    assert_eq!(refund["status"], "COMPLETED");
    assert_eq!(refund["refundedAmount"], json!(10));
    assert_ne!(
        refund["referenceNumber"], reference,
        "a refund has its own reference"
    );
    assert_eq!(refund["phoneNumber"], "(787) 123-4567");
    assert_eq!(refund["dailyTransactionID"], json!(2));
    assert!(refund["date"].as_str().unwrap().ends_with(".0"));
    assert_eq!(
        first["data"]["originalTransaction"]["totalRefundedAmount"],
        json!(10)
    );
    assert_eq!(api.find(id).await["totalRefundedAmount"], json!(10));

    let (status, _) = api.refund(reference, json!(14.99)).await;
    assert_eq!(status, 200);
    let (status, last) = api.refund(reference, json!("0.01")).await;
    assert_eq!(status, 200);
    assert_eq!(
        last["data"]["originalTransaction"]["totalRefundedAmount"],
        json!(25)
    );

    assert_error(&api.refund(reference, json!("0.01")).await, "BTRA_0004");
    assert_eq!(api.sandbox.refunds_executed(), 3);
    assert_eq!(api.find(id).await["totalRefundedAmount"], json!(25));
}

#[tokio::test]
async fn a_refund_over_the_total_is_refused_whole() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_error(&api.refund(reference, json!("25.01")).await, "BTRA_0004");
    assert_eq!(api.sandbox.refunds_executed(), 0);
    assert_eq!(api.refund(reference, json!("25.00")).await.0, 200);
    assert_eq!(api.sandbox.refunds_executed(), 1);
}

#[tokio::test]
async fn refund_errors_use_their_codes() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_error(
        &api.refund("123456789-00000000000000000000000000000000", json!("1.00"))
            .await,
        "BTRA_0053",
    );
    assert_error(&api.refund(reference, json!("0")).await, "BTRA_0013");
    assert_error(&api.refund(reference, json!("-1.00")).await, "BTRA_0001");
    assert_error(&api.refund(reference, json!("abc")).await, "BTRA_0006");
    let long = api
        .post(REFUND, json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN,
                             "privateToken": athm_sandbox::DEMO_PRIVATE_TOKEN,
                             "referenceNumber": reference, "amount": "1.00", "message": "m".repeat(51)}))
        .await;
    assert_error(&long, "BTRA_0040");
    assert_eq!(api.sandbox.refunds_executed(), 0);
}
