use std::time::Duration;

use athm_sandbox::{AutoConfirm, CustomerInput, DEMO_PUBLIC_TOKEN, Merchant, SandboxConfig};
use serde_json::json;

use crate::helpers::{AUTHORIZE, Api, CANCEL, UPDATE_PHONE, assert_error, payment_body};

#[tokio::test]
async fn a_full_checkout_moves_open_confirm_completed_with_production_fields() {
    let api = Api::start().await;
    let (id, token) = api.create().await;

    let open = api.find(id).await;
    assert_eq!(open["ecommerceStatus"], "OPEN");
    assert_eq!(open["referenceNumber"], "");
    assert_eq!(open["dailyTransactionId"], "");
    assert_eq!(open["subTotal"], json!(24));
    assert_eq!(open["total"], json!(25));

    let (status, confirmed) = api
        .post(
            &format!("/sandbox/payments/{id}/confirm"),
            json!({"name": "Ana Pérez", "email": "ana@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(api.find(id).await["ecommerceStatus"], "CONFIRM");

    let (status, body) = api.authorize(&token).await;
    assert_eq!(status, 200, "{body}");
    let done = &body["data"];
    assert_eq!(done["ecommerceStatus"], "COMPLETED");
    let reference = done["referenceNumber"].as_str().unwrap();
    let (digits, hex) = reference.split_once('-').unwrap();
    assert!(
        digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{reference}"
    );
    assert!(
        hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{reference}"
    );
    assert_eq!(done["dailyTransactionId"], "0001");
    // 2.5 % of 25.00 is 0.625, + 0.10 = 0.725, rounded half away from zero,
    // written as production does: a 32-bit float widened (0.73 + noise).
    assert_eq!(done["fee"], json!(0.73f32 as f64));
    assert_eq!(done["netAmount"], json!(24.27));
    assert_eq!(done["totalRefundedAmount"], json!(0));
    for customer_field in ["name", "email", "phoneNumber"] {
        assert!(done.get(customer_field).is_none(), "{customer_field}");
    }
    let date = done["transactionDate"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{date}"
    );
    assert_eq!(done["items"][0]["formattedPrice"], "");
    assert_eq!(api.find(id).await["ecommerceStatus"], "COMPLETED");

    let second = api.completed().await;
    assert_eq!(second["dailyTransactionId"], "0002");
}

#[tokio::test]
async fn authorizing_twice_or_before_confirmation_fails_with_0032() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    assert_error(&api.authorize(&token).await, "BTRA_0032");
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    assert_eq!(api.authorize(&token).await.0, 200);
    assert_error(&api.authorize(&token).await, "BTRA_0032");
}

#[tokio::test]
async fn a_cancelled_payment_reads_cancel_and_cannot_be_confirmed_or_authorized() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    let (status, body) = api
        .post(
            CANCEL,
            json!({"ecommerceId": id, "publicToken": DEMO_PUBLIC_TOKEN}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], "Payment Cancelled.");
    assert_eq!(api.find(id).await["ecommerceStatus"], "CANCEL");
    assert_eq!(
        api.sandbox
            .confirm(id, CustomerInput::default())
            .unwrap_err()
            .code,
        "BTRA_0037"
    );
    assert_error(&api.authorize(&token).await, "BTRA_0032");
}

#[tokio::test]
async fn a_declined_payment_reads_cancel() {
    let api = Api::start().await;
    let (id, _) = api.create().await;
    let (status, _) = api
        .post(&format!("/sandbox/payments/{id}/decline"), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(api.find(id).await["ecommerceStatus"], "CANCEL");
}

#[tokio::test]
async fn an_unanswered_payment_expires_after_its_timeout() {
    let api = Api::start().await;
    let mut body = payment_body();
    body["timeout"] = json!(120);
    let (_, created) = api.create_with(body).await;
    let id: uuid::Uuid = created["data"]["ecommerceId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    api.sandbox.advance_clock(Duration::from_secs(119));
    assert_eq!(api.find(id).await["ecommerceStatus"], "OPEN");
    api.sandbox.advance_clock(Duration::from_secs(2));
    assert_eq!(api.find(id).await["ecommerceStatus"], "CANCEL");
    assert_eq!(
        api.sandbox
            .confirm(id, CustomerInput::default())
            .unwrap_err()
            .code,
        "BTRA_0037"
    );
}

#[tokio::test]
async fn authorization_after_the_timeout_fails_with_0039() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    let (status, _) = api
        .post("/sandbox/clock/advance", json!({"seconds": 601}))
        .await;
    assert_eq!(status, 200);
    assert_error(&api.authorize(&token).await, "BTRA_0039");
    assert_eq!(api.find(id).await["ecommerceStatus"], "CANCEL");
}

#[tokio::test]
async fn the_phone_number_can_change_only_while_open() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    let update = |phone: &'static str| {
        api.send(
            api.http
                .put(api.url(UPDATE_PHONE))
                .bearer_auth(&token)
                .json(&json!({"ecommerceId": id, "phoneNumber": phone})),
        )
    };
    let (status, body) = update("7875550000").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        api.sandbox.payment(id).unwrap().phone_number.as_deref(),
        Some("7875550000")
    );
    assert_error(&update("7875550000").await, "BTRA_0041");
    assert_error(&update("12345").await, "BTRA_0006");
    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    assert_error(&update("7875551111").await, "BTRA_0037");
}

#[tokio::test]
async fn amounts_may_arrive_as_json_numbers() {
    let api = Api::start().await;
    let body = json!({"publicToken": DEMO_PUBLIC_TOKEN, "total": 10.5, "subtotal": 10, "tax": 0.5,
                      "timeout": 300, "phoneNumber": 7871234567u64, "items": []});
    let (status, created) = api.create_with(body).await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["ecommerceId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(api.find(id).await["total"], json!(10.5));
}

#[tokio::test]
async fn a_business_cannot_see_another_business_payment() {
    let mut config = SandboxConfig::for_tests();
    config
        .merchants
        .push(Merchant::new("other-public", "other-private", "Other Shop"));
    let api = Api::start_with(config).await;
    let (id, _) = api.create().await;
    let answer = api
        .post(
            crate::helpers::FIND,
            json!({"ecommerceId": id, "publicToken": "other-public"}),
        )
        .await;
    assert_error(&answer, "BTRA_0031");
}

#[tokio::test]
async fn auto_confirm_approves_new_payments_after_the_delay() {
    let mut config = SandboxConfig::for_tests();
    config.auto_confirm = Some(AutoConfirm {
        delay: Duration::from_millis(50),
        customer: CustomerInput::default(),
    });
    let api = Api::start_with(config).await;
    let (id, token) = api.create().await;
    let mut status = String::new();
    for _ in 0..100 {
        status = api.find(id).await["ecommerceStatus"]
            .as_str()
            .unwrap()
            .to_owned();
        if status == "CONFIRM" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, "CONFIRM");
    assert_eq!(api.authorize(&token).await.0, 200);
}

#[tokio::test]
async fn the_phone_page_lists_pending_payments_for_a_phone() {
    let api = Api::start().await;
    let (id, _) = api.create().await;
    let page = api
        .http
        .get(api.url("/sandbox/phone"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<label for="phone">"#));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external assets"
    );
    let (status, list) = api
        .send(
            api.http
                .get(api.url("/sandbox/payments?status=OPEN&phone=7871234567")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["ecommerceId"], id.to_string());
    let (_, other) = api
        .send(
            api.http
                .get(api.url("/sandbox/payments?status=OPEN&phone=7870000000")),
        )
        .await;
    assert_eq!(other, json!([]));
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let api = Api::start().await;
    let url = api.url(AUTHORIZE);
    api.sandbox.handle().stop();
    let Api { sandbox, http } = api;
    sandbox.shutdown().await;
    assert!(http.post(url).send().await.is_err());
}

#[tokio::test]
async fn the_phone_page_speaks_spanish_first_and_english_on_request() {
    let api = Api::start().await;
    let page = |lang: Option<&'static str>, query: &'static str| {
        let mut request = api.http.get(api.url(&format!("/sandbox/phone{query}")));
        if let Some(lang) = lang {
            request = request.header("accept-language", lang);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert!(page(None, "").await.contains("<html lang=\"es\">"));
    assert!(
        page(Some("es-PR,es;q=0.9,en;q=0.5"), "")
            .await
            .contains("Aprobar")
    );
    let english = page(Some("en-US,en;q=0.9"), "").await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("?lang=es"));
    assert!(
        page(Some("en-US"), "?lang=es")
            .await
            .contains("<html lang=\"es\">")
    );
}

#[tokio::test]
async fn the_customer_side_takes_every_phone_form_the_button_takes() {
    let api = Api::start().await;
    let (id, _) = api.create().await;
    for typed in [
        "787-123-4567",
        "(787) 123-4567",
        "7871234567",
        "+1 787 123 4567",
    ] {
        let encoded: String = typed
            .chars()
            .map(|c| match c {
                ' ' => "%20".to_owned(),
                '+' => "%2B".to_owned(),
                '(' => "%28".to_owned(),
                ')' => "%29".to_owned(),
                c => c.to_string(),
            })
            .collect();
        let url = api.url(&format!("/sandbox/payments?status=OPEN&phone={encoded}"));
        let (status, list) = api.send(api.http.get(url)).await;
        assert_eq!(status, 200, "{typed}: {list}");
        assert_eq!(list[0]["ecommerceId"], id.to_string(), "{typed}");
    }
    let (status, confirmed) = api
        .post(
            &format!("/sandbox/payments/{id}/confirm"),
            json!({"phoneNumber": "+1 (787) 123-4567"}),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(
        api.sandbox
            .payment(id)
            .unwrap()
            .customer
            .unwrap()
            .phone_number,
        "7871234567"
    );
}
