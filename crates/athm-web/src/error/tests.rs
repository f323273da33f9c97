use std::time::Duration;

use athm_domain::ports::{AthmErrorCode, Operation};
use athm_domain::{PaymentStatus, Problem};
use axum::body::to_bytes;
use serde_json::Value;

use super::*;

async fn answer(error: ApiError) -> (u16, Value, Option<String>) {
    let response = error.into_response();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap(), retry_after)
}

fn refused() -> GatewayError {
    GatewayError::Refused {
        operation: Operation::Authorize,
        code: AthmErrorCode::new("BTRA_0032"),
        message: "The payment is not in CONFIRM".into(),
    }
}

#[tokio::test]
async fn each_domain_error_maps_to_one_status_and_a_json_body() {
    let database =
        || StoreError::Database("connection refused to db.internal:5432 password=x".into());
    let table: Vec<(ApiError, u16, &str)> = vec![
        (
            PaymentError::Invalid(FieldError::new("total", Problem::Missing)).into(),
            400,
            "total: is required",
        ),
        (
            PaymentError::Rule(RuleError::NotOpen(PaymentStatus::Completed)).into(),
            409,
            "the payment is COMPLETED; only an OPEN payment accepts this",
        ),
        (
            PaymentError::NotFound("abc".into()).into(),
            404,
            "ecommerce_id: payment abc was not found",
        ),
        (
            PaymentError::Gateway(refused()).into(),
            502,
            "ATH Móvil refused the operation: The status of the e-commerce is not confirmed",
        ),
        (
            PaymentError::Gateway(GatewayError::Unavailable {
                operation: Operation::FindPayment,
                detail: "connect error 10.0.0.1".into(),
            })
            .into(),
            503,
            "ATH Móvil is unavailable for findPayment; try again later",
        ),
        (
            PaymentError::Gateway(GatewayError::OutcomeUnknown {
                operation: Operation::CreatePayment,
                detail: "timeout".into(),
            })
            .into(),
            503,
            "ATH Móvil did not answer payment; check the payment's status",
        ),
        (
            PaymentError::Store(database()).into(),
            500,
            "internal error; the details are in the server log",
        ),
        (
            WebhookError::Store(database()).into(),
            500,
            "internal error; the details are in the server log",
        ),
        (
            ApiError::TooLarge { max: 10 },
            413,
            "body: the request body is larger than 10 bytes",
        ),
        (
            ApiError::Forbidden("X-Athm-Session: missing".into()),
            403,
            "X-Athm-Session: missing",
        ),
    ];
    for (error, status, message) in table {
        let (got, body, _) = answer(error).await;
        assert_eq!((got, body["error"].as_str().unwrap()), (status, message));
    }
}

#[tokio::test]
async fn store_details_never_reach_the_client() {
    let error: ApiError =
        PaymentError::Store(StoreError::Database("password=hunter2".into())).into();
    let (_, body, _) = answer(error).await;
    assert!(!body.to_string().contains("hunter2"));
}

#[tokio::test]
async fn a_refusal_carries_ath_movils_code() {
    let (_, body, _) = answer(ApiError::Gateway(refused())).await;
    assert_eq!(body["code"], "BTRA_0032");
}

#[tokio::test]
async fn rate_limits_say_when_to_retry() {
    let (status, body, retry) = answer(ApiError::RateLimited {
        what: "phone_number",
        retry_after: Duration::from_millis(59_500),
    })
    .await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("59"));
    assert!(body["error"].as_str().unwrap().starts_with("phone_number:"));
    let (status, _, retry) = answer(ApiError::Gateway(GatewayError::RateLimited {
        operation: Operation::CreatePayment,
        retry_after: Some(Duration::from_secs(3)),
    }))
    .await;
    assert_eq!((status, retry.as_deref()), (503, Some("3")));
}

#[tokio::test]
async fn a_missing_api_key_asks_for_a_bearer_token() {
    let response = ApiError::Unauthorized("authorization: required".into()).into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
}

fn spanish(error: ApiError) -> Option<Value> {
    let response = error.into_response();
    response
        .extensions()
        .get::<SpanishBody>()
        .map(|SpanishBody(body)| body.clone())
}

#[tokio::test]
async fn a_refusal_is_worded_in_spanish_too_with_the_published_text() {
    let body = spanish(ApiError::Gateway(refused())).expect("a Spanish body");
    assert_eq!(
        body["error"],
        "ATH Móvil rechazó la operación: El estatus del e-commerce no está confirmado"
    );
    assert_eq!(body["code"], "BTRA_0032");
}

#[tokio::test]
async fn an_unpublished_code_is_told_with_ath_movils_own_message() {
    let error = GatewayError::Refused {
        operation: Operation::Refund,
        code: AthmErrorCode::new("BTRA_7777"),
        message: "Something new".into(),
    };
    let (_, body, _) = answer(ApiError::Gateway(error)).await;
    assert_eq!(
        body["error"],
        "ATH Móvil refused the operation: Something new"
    );
}

#[tokio::test]
async fn messages_without_a_spanish_wording_carry_no_spanish_body() {
    let field: ApiError = FieldError::new("total", Problem::Missing).into();
    assert!(spanish(field).is_none());
    let internal = ApiError::Internal("boom password=x".into());
    let body = spanish(internal).expect("a Spanish body");
    assert_eq!(
        body["error"],
        "error interno; los detalles están en el registro del servidor"
    );
}

#[test]
fn a_page_tells_a_refusal_by_its_text_and_code() {
    let error = GatewayError::Refused {
        operation: Operation::Refund,
        code: AthmErrorCode::new("BTRA_0053"),
        message: "ReferenceNumber not found".into(),
    };
    assert_eq!(
        gateway_reason(&error, Language::Es),
        "El ReferenceNumber no existe (BTRA_0053)"
    );
    assert_eq!(
        gateway_reason(&error, Language::En),
        "ReferenceNumber not found (BTRA_0053)"
    );
}
