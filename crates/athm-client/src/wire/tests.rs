use athm_domain::{Metadata, PaymentTimeout, RemoteStatus, TransactionType};
use serde_json::json;

use super::*;

const ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

fn code_of(failure: Failure) -> String {
    match failure {
        Failure::Refused { code, .. } => code.to_string(),
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn success_answers_unwrap_data_whatever_the_preamble() {
    let table: [(&[u8], Value); 5] = [
        (br#"{"status":"success","data":{"a":1}}"#, json!({"a": 1})),
        (
            b"\xEF\xBB\xBF{\"status\":\"success\",\"data\":{\"a\":1}}",
            json!({"a": 1}),
        ),
        (b"[{\"a\":1}]", json!([{"a": 1}])),
        (b"\xEF\xBB\xBF [ ]", json!([])),
        (br#"{"data":[{"a":1}]}"#, json!([{"a": 1}])),
    ];
    for (body, expected) in table {
        assert_eq!(decode(200, None, body).unwrap(), expected);
    }
}

#[test]
fn error_answers_are_refusals_whatever_the_http_status() {
    let body = br#"{"status":"error","message":"Transaction does not exist","errorcode":"BTRA_0031","data":null}"#;
    for status in [200, 400, 404, 500] {
        assert_eq!(
            code_of(decode(status, None, body).unwrap_err()),
            "BTRA_0031"
        );
    }
    let upper = br#"{"status":"ERROR","message":"m","errorCode":"token.expired"}"#;
    assert_eq!(
        code_of(decode(401, None, upper).unwrap_err()),
        "token.expired"
    );
    let bom = b"\xEF\xBB\xBF{\"status\":\"error\",\"message\":\"m\",\"errorcode\":\"BTRA_9999\"}";
    assert_eq!(code_of(decode(500, None, bom).unwrap_err()), "BTRA_9999");
}

#[test]
fn other_answers_are_classified_by_status_and_shape() {
    let table: [(u16, &[u8], &str); 7] = [
        (429, b"", "RateLimited"),
        (
            429,
            br#"{"status":"error","errorcode":"BTRA_9999"}"#,
            "RateLimited",
        ),
        (503, b"<html>Service Unavailable</html>", "ServerError"),
        (500, b"", "ServerError"),
        (200, br#"{"status":"success","data":{"a":"#, "Undecodable"),
        (404, b"<html>not found</html>", "Undecodable"),
        (
            200,
            br#"{"status":"error","message":"no code"}"#,
            "Undecodable",
        ),
    ];
    for (status, body, variant) in table {
        let failure = decode(status, None, body).unwrap_err();
        assert!(
            format!("{failure:?}").starts_with(variant),
            "{status}: {failure:?}"
        );
    }
    assert_eq!(
        decode(429, Some(Duration::from_secs(7)), b"").unwrap_err(),
        Failure::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

#[test]
fn created_payment_answer_gives_id_and_token() {
    let (id, token) = created(&json!({"ecommerceId": ID, "auth_token": "jwt"})).unwrap();
    assert_eq!(id.to_string(), ID);
    assert_eq!(token.expose(), "jwt");
    assert!(created(&json!({"ecommerceId": ID})).is_err());
    assert!(created(&json!({"ecommerceId": "nope", "auth_token": "t"})).is_err());
}

#[test]
fn refund_answer_becomes_a_receipt() {
    let receipt = refund_receipt(&json!({
        "refund": {"transactionType": "REFUND", "status": "COMPLETED", "refundedAmount": 1.00,
                   "date": "2021-07-08 18:13:58.0", "referenceNumber": "r-1",
                   "dailyTransactionID": 107, "name": " Valeria Herrero", "phoneNumber": "(787) 123-4567"},
        "originalTransaction": {"transactionType": "PAYMENT", "status": "COMPLETED",
                   "referenceNumber": "p-1", "total": 1.00, "totalRefundedAmount": 1.00}}))
    .unwrap();
    assert_eq!(receipt.refund.transaction_type, TransactionType::Refund);
    assert_eq!(receipt.refund.customer_name, "Valeria Herrero");
    assert_eq!(
        receipt.refund.total_refunded_amount.unwrap().to_string(),
        "1.00"
    );
    assert_eq!(receipt.original.reference_number.unwrap().as_str(), "p-1");
    assert!(refund_receipt(&json!({"refund": {}})).is_err());
}

#[test]
fn report_rows_accept_arrays_and_null_and_name_a_bad_row() {
    let rows = report_rows(&json!([
        {"transactionType": "ECOMMERCE", "status": "COMPLETED", "referenceNumber": "a-1", "total": "3.00"},
        {"transactionType": "refund", "status": "completed", "referenceNumber": "a-2"}
    ]))
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].status, RemoteStatus::Completed);
    assert!(report_rows(&Value::Null).unwrap().is_empty());
    let bad = report_rows(&json!([{}, {"total": "lots"}])).unwrap_err();
    assert!(format!("{bad:?}").contains("row 1"));
    assert!(report_rows(&json!({"a": 1})).is_err());
}

#[test]
fn create_payment_body_is_spelled_as_documented() {
    let mut request = PaymentRequest::new("25.00".parse().unwrap());
    request.subtotal = Some("24.00".parse().unwrap());
    request.tax = Some("1.00".parse().unwrap());
    request.metadata_1 = Metadata::lossy("Order #12345");
    request.phone_number = Some("7871234567".parse().unwrap());
    request.timeout = PaymentTimeout::new(600).unwrap();
    request.items = vec![Item {
        name: "Widget".into(),
        description: "A useful widget".into(),
        quantity: 1,
        price: "24.00".parse().unwrap(),
        tax: None,
        metadata: Some("sku-1".into()),
    }];
    let body = serde_json::to_value(CreatePaymentBody::new("pub", &request)).unwrap();
    assert_eq!(
        body,
        json!({"publicToken": "pub", "timeout": "600", "total": "25.00", "subtotal": "24.00",
               "tax": "1.00", "metadata1": "Order #12345", "metadata2": "", "phoneNumber": "7871234567",
               "items": [{"name": "Widget", "description": "A useful widget", "quantity": "1",
                          "price": "24.00", "tax": null, "metadata": "sku-1"}]})
    );
}

#[test]
fn refund_report_and_subscription_bodies_are_spelled_as_documented() {
    let order = RefundOrder {
        reference_number: "ref-1".parse().unwrap(),
        amount: "5.5".parse().unwrap(),
        message: Default::default(),
    };
    assert_eq!(
        serde_json::to_value(RefundBody::new("pub", "priv", &order)).unwrap(),
        json!({"publicToken": "pub", "privateToken": "priv", "referenceNumber": "ref-1", "amount": "5.50"})
    );
    let from = DateTime::parse_from_rfc3339("2025-01-01T04:00:00Z")
        .unwrap()
        .to_utc();
    let to = DateTime::parse_from_rfc3339("2025-01-31T03:59:59Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        serde_json::to_value(ReportBody::new("pub", "priv", from, to)).unwrap(),
        json!({"publicToken": "pub", "privateToken": "priv",
               "fromDate": "2025-01-01 00:00:00", "toDate": "2025-01-30 23:59:59"})
    );
    let mut subscription = WebhookSubscription::all("https://example.com/hook");
    subscription.donation_received = false;
    assert_eq!(
        serde_json::to_value(SubscriptionBody::new("pub", "priv", &subscription)).unwrap(),
        json!({"publicToken": "pub", "privateToken": "priv", "listenerURL": "https://example.com/hook",
               "paymentReceivedEvent": true, "refundSentEvent": true, "donationReceivedEvent": false,
               "ecommercePaymentReceivedEvent": true, "ecommercePaymentCancelledEvent": true,
               "ecommercePaymentExpiredEvent": true})
    );
}

/// `decode_report` reads every answer as `decode` followed by `report_rows`.
#[test]
fn report_answers_stream_into_the_same_rows_and_failures() {
    let bodies: [&[u8]; 16] = [
        br#"[{"transactionType":"ECOMMERCE","status":"COMPLETED","referenceNumber":"a-1","total":"3.00"},
             {"transactionType":"refund","status":"completed","referenceNumber":"a-2"}]"#,
        b"\xEF\xBB\xBF{\"status\":\"success\",\"data\":[{\"referenceNumber\":\"a-1\",\"total\":1}],\"extra\":{\"x\":[1,2]}}",
        br#"{"data":null}"#,
        b"null",
        b"\xEF\xBB\xBF [ ]",
        br#"{"data":{"a":1}}"#,
        br#"{"status":"success"}"#,
        b"\"text\"",
        b"12",
        br#"[{}, {"total": "lots"}, {"total": "1.00"}]"#,
        br#"[{}, {"total": "lots"}, {"total": "#,
        br#"{"status":"error","message":"No records","errorcode":"BTRA_0046","data":[{"total":"lots"}]}"#,
        br#"{"status":"ERROR","message":"m","errorCode":"token.expired"}"#,
        br#"{"status":"error","message":"no code"}"#,
        br#"[1] trailing"#,
        b"<html>nope</html>",
    ];
    for status in [200, 400, 500] {
        for body in bodies {
            let old = decode(status, None, body).map(|value| report_rows(&value));
            for size in [1, 2, 5, 64, body.len()] {
                let new = decode_report(status, None, chunked(body, size));
                assert_eq!(
                    format!("{old:?}"),
                    format!("{new:?}"),
                    "{status} in chunks of {size}: {}",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }
    assert_eq!(
        decode_report(429, None, chunked(b"[]", 2)).unwrap_err(),
        Failure::RateLimited { retry_after: None }
    );
    let rows = decode_report(200, None, chunked(bodies[1], 3))
        .unwrap()
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reference_number.as_ref().unwrap().as_str(), "a-1");
}

fn chunked(bytes: &[u8], size: usize) -> Body {
    let mut body = Body::default();
    for chunk in bytes.chunks(size.max(1)) {
        body.push(chunk);
    }
    body
}

#[test]
fn a_body_reads_across_its_chunks_and_joins_what_is_left() {
    let mut body = chunked(b"\xEF\xBB\xBF[1, 2]", 2);
    assert_eq!(body.len(), 9);
    body.skip_prefix(BOM);
    assert_eq!(body.len(), 6);
    body.skip_prefix(BOM);
    assert_eq!(body.into_vec(), b"[1, 2]");
    let mut body = chunked(b"abcdef", 4);
    let mut two = [0; 2];
    assert_eq!(io::Read::read(&mut body, &mut two).unwrap(), 2);
    assert_eq!(body.into_vec(), b"cdef");
    assert_eq!(chunked(b"whole", 10).into_vec(), b"whole");
    assert!(Body::default().into_vec().is_empty());
}
