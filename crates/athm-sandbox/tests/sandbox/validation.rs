use serde_json::{Value, json};

use crate::helpers::{Api, assert_error, payment_body};

fn with(field: &str, value: Value) -> Value {
    let mut body = payment_body();
    body[field] = value;
    body
}

#[tokio::test]
async fn create_payment_validates_every_rule_with_its_code() {
    let api = Api::start().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "zero total",
            json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": "0.00"}),
            "BTRA_0013",
        ),
        (
            "under minimum",
            json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": "0.99"}),
            "BTRA_0001",
        ),
        (
            "over limit",
            json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": "1500.01"}),
            "BTRA_0004",
        ),
        (
            "metadata1 too long",
            with("metadata1", json!("x".repeat(41))),
            "BTRA_0038",
        ),
        (
            "metadata2 too long",
            with("metadata2", json!("y".repeat(41))),
            "BTRA_0038",
        ),
        (
            "timeout too short",
            with("timeout", json!("119")),
            "BTRA_0006",
        ),
        ("timeout too long", with("timeout", json!(601)), "BTRA_0006"),
        (
            "bad phone",
            with("phoneNumber", json!("787123456")),
            "BTRA_0006",
        ),
        (
            "three decimals",
            with("total", json!("25.005")),
            "BTRA_0006",
        ),
        (
            "items not a list",
            with("items", json!("nope")),
            "BTRA_0006",
        ),
        (
            "unknown public token",
            with("publicToken", json!("nobody")),
            "BTRA_0017",
        ),
    ];
    for (name, body, code) in cases {
        let answer = api.create_with(body).await;
        assert_eq!(answer.1["errorcode"], code, "{name}: {}", answer.1);
        assert_error(&answer, code);
    }
    assert!(
        api.sandbox.payments().is_empty(),
        "no invalid payment was recorded"
    );
}

#[tokio::test]
async fn limits_themselves_are_accepted() {
    let api = Api::start().await;
    for (total, timeout, meta) in [("1.00", "120", 40), ("1500.00", "600", 0)] {
        let body = json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": total, "timeout": timeout,
                          "metadata1": "m".repeat(meta)});
        let (status, answer) = api.create_with(body).await;
        assert_eq!(status, 200, "{answer}");
    }
}

#[tokio::test]
async fn a_missing_or_malformed_body_is_0006() {
    let api = Api::start().await;
    let url = api.url(crate::helpers::PAYMENT);
    let empty = api
        .send(
            api.http
                .post(&url)
                .header("content-type", "application/json"),
        )
        .await;
    assert_error(&empty, "BTRA_0006");
    let broken = api
        .send(
            api.http
                .post(&url)
                .header("content-type", "application/json")
                .body("{\"total\":"),
        )
        .await;
    assert_error(&broken, "BTRA_0006");
    let missing_total = api
        .create_with(json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN}))
        .await;
    assert_error(&missing_total, "BTRA_0006");
}

#[tokio::test]
async fn subtotal_and_tax_are_display_values_never_checked_against_the_total() {
    let api = Api::start().await;
    for (subtotal, tax) in [("0.00", "0.00"), ("24.00", "2.00"), ("30.00", "0")] {
        let body = json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": "25.00",
                          "subtotal": subtotal, "tax": tax, "metadata1": "", "metadata2": ""});
        let (status, answer) = api.create_with(body).await;
        assert_eq!(status, 200, "{subtotal} + {tax} for 25.00: {answer}");
    }
    assert_eq!(api.sandbox.payments().len(), 3);
}

#[tokio::test]
async fn errors_carry_the_published_english_texts() {
    let api = Api::start().await;
    let long = api
        .create_with(
            json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": "5.00",
                            "metadata1": "x".repeat(41)}),
        )
        .await;
    assert_eq!(
        long.1["message"],
        "The metadata field exceeds the maximum supported characters (40)"
    );
    let empty = api
        .send(api.http.post(api.url(crate::helpers::PAYMENT)))
        .await;
    assert_eq!(empty.1["message"], "Required request body is missing");
    let unauthenticated = api
        .send(api.http.post(api.url(crate::helpers::AUTHORIZE)))
        .await;
    assert_eq!(
        unauthenticated.1["message"],
        "No authorization header present."
    );
}
