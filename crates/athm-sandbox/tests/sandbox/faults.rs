use std::time::{Duration, Instant};

use athm_sandbox::{CustomerInput, Fault, Operation};
use serde_json::json;

use crate::helpers::{Api, FIND, PAYMENT, assert_error, payment_body};

fn quick_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap()
}

#[tokio::test]
async fn latency_delays_a_normal_answer() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::Latency { millis: 300 }, Some(1));
    let started = Instant::now();
    let (status, _) = api.create_with(payment_body()).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    api.create().await;
    assert!(started.elapsed() < Duration::from_millis(300), "only once");
}

#[tokio::test]
async fn a_hang_outlasts_the_client_timeout_and_has_no_effect() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::Hang, None);
    let error = quick_client()
        .post(api.url(PAYMENT))
        .json(&payment_body())
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(api.sandbox.payments().is_empty());
}

#[tokio::test]
async fn an_internal_error_is_500_with_btra_9999() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Find, Fault::InternalError, Some(1));
    let (id, _) = api.create().await;
    let answer = api
        .post(
            FIND,
            json!({"ecommerceId": id, "publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN}),
        )
        .await;
    assert_eq!(answer.0, 500);
    assert_error(&answer, "BTRA_9999");
    assert_eq!(
        api.find(id).await["ecommerceStatus"],
        "OPEN",
        "next call is normal"
    );
    assert_eq!(api.sandbox.faults().fired(Operation::Find), 1);
}

#[tokio::test]
async fn unavailable_and_rate_limited_answers_have_no_effect() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::Unavailable, Some(1));
    assert_eq!(api.create_with(payment_body()).await.0, 503);
    api.sandbox.faults().set(
        Operation::Create,
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        Some(1),
    );
    let answer = api
        .http
        .post(api.url(PAYMENT))
        .json(&payment_body())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 429);
    assert_eq!(answer.headers()["retry-after"], "7");
    assert!(api.sandbox.payments().is_empty());
}

#[tokio::test]
async fn a_malformed_body_is_not_json() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::MalformedBody, Some(1));
    let text = api
        .http
        .post(api.url(PAYMENT))
        .json(&payment_body())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
}

#[tokio::test]
async fn a_bom_precedes_an_otherwise_normal_answer() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::Bom, Some(1));
    let bytes = api
        .http
        .post(api.url(PAYMENT))
        .json(&payment_body())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let body: serde_json::Value = serde_json::from_slice(&bytes[3..]).unwrap();
    assert_eq!(body["status"], "success");
    assert_eq!(api.sandbox.payments().len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_and_no_effect() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::DropConnection, Some(1));
    let started = Instant::now();
    let error = api
        .http
        .post(api.url(PAYMENT))
        .json(&payment_body())
        .send()
        .await
        .unwrap_err();
    assert!(
        !error.is_timeout() && started.elapsed() < Duration::from_secs(2),
        "{error}"
    );
    assert!(api.sandbox.payments().is_empty());
    assert_eq!(
        api.create_with(payment_body()).await.0,
        200,
        "the sandbox still serves"
    );
}

#[tokio::test]
async fn a_lost_refund_answer_still_refunds_exactly_once() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap().to_owned();
    api.sandbox
        .faults()
        .set(Operation::Refund, Fault::AnswerLost, Some(1));
    let body = json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "privateToken": athm_sandbox::DEMO_PRIVATE_TOKEN,
                      "referenceNumber": reference, "amount": "5.00"});
    let error = api
        .http
        .post(api.url(crate::helpers::REFUND))
        .json(&body)
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    assert_eq!(api.sandbox.refunds_executed(), 1);
    let id = data["ecommerceId"].as_str().unwrap().parse().unwrap();
    assert_eq!(api.find(id).await["totalRefundedAmount"], json!(5));
}

#[tokio::test]
async fn an_answer_that_hangs_after_the_effect_times_out_the_client() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    api.sandbox
        .faults()
        .set(Operation::Authorize, Fault::AnswerHangs, Some(1));
    let error = quick_client()
        .post(api.url(crate::helpers::AUTHORIZE))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(api.find(id).await["ecommerceStatus"], "COMPLETED");
}

#[tokio::test]
async fn faults_can_be_set_and_cleared_over_http() {
    let api = Api::start().await;
    let (status, _) = api
        .post(
            "/sandbox/faults",
            json!({"operation": "create", "fault": {"kind": "internal_error"}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(api.create_with(payment_body()).await.0, 500);
    assert_eq!(
        api.create_with(payment_body()).await.0,
        500,
        "no count means until cleared"
    );
    let cleared = api.send(api.http.delete(api.url("/sandbox/faults"))).await;
    assert_eq!(cleared.0, 200);
    assert_eq!(api.create_with(payment_body()).await.0, 200);
}

#[tokio::test]
async fn shutdown_ends_hung_answers() {
    let api = Api::start().await;
    api.sandbox
        .faults()
        .set(Operation::Create, Fault::Hang, None);
    let url = api.url(PAYMENT);
    let pending = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&payment_body())
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), api.sandbox.shutdown())
        .await
        .unwrap();
    let answered = pending.await.unwrap();
    assert!(answered.is_err() || answered.unwrap() == 503);
}

/// Arms `fault` on `operation` through the control API, as a test in another language would.
async fn arm_over_http(api: &Api, operation: &str, fault: serde_json::Value) {
    let (status, body) = api
        .post(
            "/sandbox/faults",
            json!({"operation": operation, "fault": fault, "times": 1}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_error_code_applied_refunds_yet_answers_the_error() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let id: uuid::Uuid = data["ecommerceId"].as_str().unwrap().parse().unwrap();
    let fault =
        json!({"kind": "error_code", "code": "BTRA_0015", "http_status": 400, "apply": true});
    arm_over_http(&api, "refund", fault).await;

    let answer = api.refund(reference, json!("5.00")).await;
    assert_eq!(answer.0, 400);
    assert_error(&answer, "BTRA_0015");
    assert_eq!(answer.1["message"], "Communication Error");

    assert_eq!(api.sandbox.refunds_executed(), 1, "the money moved");
    let (status, ledger) = api
        .send(api.http.get(api.url(&format!("/sandbox/payments/{id}"))))
        .await;
    assert_eq!(status, 200, "{ledger}");
    assert_eq!(ledger["totalRefundedAmount"], json!(5));
    let refunds = ledger["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1, "{ledger}");
    assert_eq!(refunds[0]["amount"], json!(5));
    assert_ne!(refunds[0]["referenceNumber"], reference);
    assert_eq!(api.sandbox.faults().fired(Operation::Refund), 1);
    assert_eq!(
        api.refund(reference, json!("1.00")).await.0,
        200,
        "only once"
    );
}

#[tokio::test]
async fn an_error_code_not_applied_has_no_effect_and_keeps_an_unpublished_code() {
    let api = Api::start().await;
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let fault =
        json!({"kind": "error_code", "code": "BTRA_7777", "http_status": 500, "apply": false});
    arm_over_http(&api, "refund", fault).await;

    let answer = api.refund(reference, json!("5.00")).await;
    assert_eq!(answer.0, 500);
    assert_error(&answer, "BTRA_7777");
    assert_eq!(api.sandbox.refunds_executed(), 0);
    let id = data["ecommerceId"].as_str().unwrap().parse().unwrap();
    assert!(api.sandbox.payment(id).unwrap().total_refunded.is_zero());
}

#[tokio::test]
async fn an_error_code_applied_to_an_authorization_completes_the_payment() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    api.sandbox.faults().set(
        Operation::Authorize,
        Fault::error_code("BTRA_9999", true),
        Some(1),
    );
    let answer = api.authorize(&token).await;
    assert_eq!(answer.0, 400);
    assert_error(&answer, "BTRA_9999");
    assert_eq!(api.find(id).await["ecommerceStatus"], "COMPLETED");
}

#[tokio::test]
async fn an_error_code_with_an_impossible_http_status_is_refused() {
    let api = Api::start().await;
    let answer = api
        .post(
            "/sandbox/faults",
            json!({"operation": "refund", "fault": {"kind": "error_code", "code": "BTRA_0015", "http_status": 42}}),
        )
        .await;
    assert_error(&answer, "BTRA_0006");
    assert_eq!(api.sandbox.faults().armed(Operation::Refund), None);
}
