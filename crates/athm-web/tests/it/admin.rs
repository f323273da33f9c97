//! The admin pages driven through the whole router (session cookie, CSRF
//! token, the real SQLite store): the helpers the admin tests share, and
//! the page of unlinked transactions.

use athm_domain::ports::Store;
use athm_domain::{Amount, TransactionType, UnlinkedTransaction};
use athm_web::admin::AdminConfig;
use athm_web::mount;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, StatusCode, header};
use chrono::{TimeZone, Utc};
use tower::ServiceExt;

use crate::helpers::{TestApp, request, spawn};

/// The admin password of these tests.
pub const PASSWORD: &str = "admin-password";

/// The app's routes and its admin pages under `/athm`, behind [`PASSWORD`].
pub fn with_admin(app: &TestApp) -> Router {
    mount(app.state.clone(), "/athm").merge(athm_web::admin::router(
        app.state.clone(),
        AdminConfig::new(PASSWORD),
        "/athm",
    ))
}

/// The HTML of `GET path`, with `cookie`.
pub async fn html(router: &Router, path: &str, cookie: &str) -> (StatusCode, String) {
    let req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("a request");
    let response = router.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("a body");
    (status, String::from_utf8(bytes.to_vec()).expect("utf-8"))
}

/// The `name=value` of each `Set-Cookie` of `response`, joined for a `Cookie` header.
fn cookies(response: &axum::response::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Logs in to the admin of `router` with `password`; the session cookie.
pub async fn log_in(router: &Router, password: &str) -> String {
    let page = router
        .clone()
        .oneshot(request(
            Method::GET,
            "/athm/admin/login",
            Body::empty(),
            &[],
        ))
        .await
        .expect("infallible");
    let login_cookie = cookies(&page);
    let body = to_bytes(page.into_body(), 1 << 20).await.expect("a body");
    let body = String::from_utf8(body.to_vec()).expect("utf-8");
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in the login form");
    let form = format!("csrf={csrf}&password={password}&next=");
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/athm/admin/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, login_cookie)
        .body(Body::from(form))
        .expect("a request");
    let answer = router.clone().oneshot(req).await.expect("infallible");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "logged in");
    cookies(&answer)
}

/// A completed report row of `kind` that is none of the payments or refunds here.
fn unlinked(
    reference: &str,
    kind: &str,
    total: &str,
    name: &str,
    secs: i64,
) -> UnlinkedTransaction {
    let at = Utc
        .timestamp_opt(1_735_689_600 + secs, 0)
        .single()
        .expect("a valid time");
    UnlinkedTransaction {
        reference_number: reference.parse().expect("a reference number"),
        transaction_type: TransactionType::parse(kind),
        date: Some(at),
        total: total.parse::<Amount>().expect("an amount"),
        fee: None,
        net_amount: None,
        total_refunded_amount: Amount::ZERO,
        customer_name: name.to_string(),
        customer_phone: Some("7875550199".parse().expect("a phone")),
        customer_email: String::new(),
        metadata_1: String::new(),
        metadata_2: String::new(),
        message: String::new(),
        reason: format!("not linked: {name}"),
        first_seen_at: at,
        updated_at: at,
    }
}

#[tokio::test]
async fn the_unlinked_page_lists_transactions_made_elsewhere_filters_them_and_needs_a_login() {
    let app = spawn().await;
    for row in [
        unlinked("elsewhere-pay-1", "PAYMENT", "1234.56", "Ana Ruiz", 0),
        unlinked("elsewhere-ref-2", "REFUND", "0.01", "Luis Pérez", 60),
    ] {
        assert!(app.store.record_unlinked(&row).await.expect("record"));
    }
    let router = with_admin(&app);

    let anonymous = router
        .clone()
        .oneshot(request(
            Method::GET,
            "/athm/admin/unlinked",
            Body::empty(),
            &[],
        ))
        .await
        .expect("infallible");
    assert_eq!(
        anonymous.status(),
        StatusCode::SEE_OTHER,
        "logged out: redirected"
    );
    let location = anonymous.headers()[header::LOCATION]
        .to_str()
        .expect("text");
    assert!(
        location.starts_with("/athm/admin/login"),
        "to the login: {location}"
    );

    let session = log_in(&router, PASSWORD).await;
    let (status, page) = html(&router, "/athm/admin/unlinked?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Made elsewhere / unlinked",
        "elsewhere-pay-1",
        "$1234.56",
        "Ana Ruiz",
        "not linked: Ana Ruiz",
        "elsewhere-ref-2",
        "$0.01",
        "Refund",
        "2 results",
    ] {
        assert!(page.contains(text), "the page shows {text:?}");
    }
    let newest = page.find("elsewhere-ref-2").expect("listed");
    let older = page.find("elsewhere-pay-1").expect("listed");
    assert!(newest < older, "newest first");

    let (_, refunds) = html(&router, "/athm/admin/unlinked?status=refund", &session).await;
    assert!(refunds.contains("elsewhere-ref-2") && !refunds.contains("elsewhere-pay-1"));
    let (_, payments) = html(&router, "/athm/admin/unlinked?status=payment", &session).await;
    assert!(payments.contains("elsewhere-pay-1") && !payments.contains("elsewhere-ref-2"));
    let (_, searched) = html(&router, "/athm/admin/unlinked?q=luis", &session).await;
    assert!(searched.contains("elsewhere-ref-2") && !searched.contains("elsewhere-pay-1"));

    let (_, spanish) = html(&router, "/athm/admin/unlinked?lang=es", &session).await;
    assert!(spanish.contains("Hechas fuera / sin enlazar"));
    assert!(spanish.contains("Reembolso"));
    let (_, payments_page) = html(&router, "/athm/admin/payments", &session).await;
    assert!(
        payments_page.contains("href=\"/athm/admin/unlinked\""),
        "every admin page links to it"
    );
}
