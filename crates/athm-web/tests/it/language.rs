//! ATH Móvil's refusals told in the caller's language: the checkout API by
//! `Accept-Language` (English unless Spanish is preferred), the admin pages
//! by the admin's choice.

use athm_sandbox::{Fault, Operation};
use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{ADMIN_PASSWORD, PHONE, TestApp, hidden, html, log_in, post_form, spawn};

/// Arms the sandbox to refuse the next `operation` with `code`, without effect.
fn refuse_next(app: &TestApp, operation: Operation, code: &str) {
    app.sandbox.faults().set(
        operation,
        Fault::ErrorCode {
            code: code.into(),
            http_status: 400,
            apply: false,
        },
        Some(1),
    );
}

#[tokio::test]
async fn an_ath_movil_refusal_is_answered_in_spanish_to_es_pr_and_in_english_otherwise() {
    let app = spawn().await;
    let cases = [
        (
            Some("es-PR,es;q=0.9,en;q=0.8"),
            "es",
            "ATH Móvil rechazó la operación: El campo metadata excede el máximo de caracteres soportado (40)",
        ),
        (
            Some("en-US,en;q=0.9,es;q=0.8"),
            "en",
            "ATH Móvil refused the operation: The metadata field exceeds the maximum supported characters (40)",
        ),
        (
            Some("fr-FR"),
            "en",
            "ATH Móvil refused the operation: The metadata field exceeds the maximum supported characters (40)",
        ),
        (
            None,
            "en",
            "ATH Móvil refused the operation: The metadata field exceeds the maximum supported characters (40)",
        ),
    ];
    for (accept, language, expected) in cases {
        let token = app.checkout(json!({"total": "5.00"})).await;
        refuse_next(&app, Operation::Create, "BTRA_0038");
        let headers: Vec<(&str, &str)> = accept
            .map(|value| ("accept-language", value))
            .into_iter()
            .collect();
        let refused = app
            .post(
                "/athm/api/initiate",
                json!({"checkout": token, "phone_number": PHONE}),
                &headers,
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
        assert_eq!(refused.error(), expected, "{accept:?}");
        assert_eq!(refused.body["code"], "BTRA_0038");
        assert_eq!(refused.headers["content-language"], language);
        assert!(
            refused.headers["vary"]
                .to_str()
                .is_ok_and(|v| v.contains("accept-language"))
        );
    }
}

#[tokio::test]
async fn a_field_error_stays_as_it_was_whatever_the_language() {
    let app = spawn().await;
    let answer = app
        .post(
            "/athm/api/initiate",
            json!({"phone_number": PHONE}),
            &[("accept-language", "es-PR")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.error().starts_with("checkout:"), "{}", answer.body);
    assert!(answer.headers.get("content-language").is_none());
}

/// Refunds the whole of payment `id` from the admin pages, in the admin's
/// `language` (its cookie); the status and HTML of the confirmation's answer.
async fn admin_refund(app: &TestApp, id: &str, language: &str) -> (StatusCode, String) {
    let router = app.with_admin();
    let session = log_in(&router, ADMIN_PASSWORD).await;
    let cookie = format!("{session}; athm_lang={language}");
    let page_url = format!("/athm/admin/payments/{id}");
    let (status, page) = html(&router, &page_url, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden(&page, "csrf").expect("a CSRF token on the payment page");
    let form = format!("csrf={csrf}&amount=10.00&message=");
    let (status, review) = post_form(&router, &format!("{page_url}/refund"), &form, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    let intent = hidden(&review, "intent").expect("an intent on the review page");
    let form = format!("csrf={csrf}&amount=10.00&message=&intent={intent}");
    post_form(
        &router,
        &format!("{page_url}/refund/confirm"),
        &form,
        &cookie,
    )
    .await
}

#[tokio::test]
async fn the_admin_reads_a_refused_refund_in_the_language_chosen() {
    let app = spawn().await;
    for (language, expected) in [
        (
            "es",
            "El reembolso no se hizo: El ReferenceNumber no existe (BTRA_0053)",
        ),
        (
            "en",
            "The refund was not made: ReferenceNumber not found (BTRA_0053)",
        ),
    ] {
        let id = app.completed_payment("10.00").await;
        refuse_next(&app, Operation::Refund, "BTRA_0053");
        let (status, page) = admin_refund(&app, &id, language).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert!(page.contains(expected), "{language}: {page}");
    }
}
