//! The admin pages driven through the whole router (session cookie, CSRF
//! token, the real SQLite store): the page of unlinked transactions.

use athm_domain::ports::PaymentStore;
use athm_domain::{Amount, TransactionType, UnlinkedTransaction};
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use chrono::{TimeZone, Utc};
use tower::ServiceExt;

use crate::helpers::{ADMIN_PASSWORD, html, log_in, request, spawn};

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
    let router = app.with_admin();

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

    let session = log_in(&router, ADMIN_PASSWORD).await;
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

/// One login attempt with `password` from client `address` (behind the
/// trusted proxy, which names it in `X-Forwarded-For`); the answer's status.
async fn login_from(router: &axum::Router, address: &str, password: &str) -> StatusCode {
    let (cookie, csrf) = crate::helpers::login_page(router).await;
    let form = format!("csrf={csrf}&password={password}&next=");
    let post = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/athm/admin/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header("x-forwarded-for", format!("198.51.100.7, {address}"))
        .body(Body::from(form))
        .expect("a request");
    let answer = router.clone().oneshot(post).await.expect("infallible");
    answer.status()
}

/// Behind the trusted proxy, one client's wrong guesses lock out that
/// client only (10 a minute), and all clients together are held to ten
/// times as many: the 101st attempt of the minute is refused, whoever makes it.
#[tokio::test]
async fn login_throttling_is_per_real_client_with_a_ceiling_for_all() {
    let mut config = crate::helpers::test_config();
    config.trust_forwarded_for = true;
    let router = crate::helpers::spawn_with(config).await.with_admin();

    for _ in 0..10 {
        let status = login_from(&router, "203.0.113.1", "wrong guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let locked = login_from(&router, "203.0.113.1", ADMIN_PASSWORD).await;
    assert_eq!(
        locked,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser is throttled"
    );
    let other = login_from(&router, "203.0.113.2", ADMIN_PASSWORD).await;
    assert_eq!(other, StatusCode::SEE_OTHER, "another client still logs in");

    // 11 counted so far; 89 more from other clients reach the ceiling of 100.
    for n in 0..89 {
        let status = login_from(&router, &format!("192.0.2.{}", n / 9), "wrong guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let fresh = login_from(&router, "192.0.2.200", ADMIN_PASSWORD).await;
    assert_eq!(
        fresh,
        StatusCode::TOO_MANY_REQUESTS,
        "the ceiling for all clients"
    );
}

/// athm's pages carry a Content-Security-Policy that allows scripts and
/// styles only as files from this origin; the button's styles come with
/// the pages' stylesheet (marked so the script injects none), and the
/// script served to merchants' pages still carries them.
#[tokio::test]
async fn pages_allow_no_inline_script_or_style_and_the_button_keeps_its_styles() {
    let router = spawn().await.with_admin();
    let get = |path: &'static str| {
        let router = router.clone();
        async move {
            let answer = router
                .oneshot(request(Method::GET, path, Body::empty(), &[]))
                .await
                .expect("infallible");
            let csp = answer
                .headers()
                .get("content-security-policy")
                .map(|v| v.to_str().expect("ascii").to_string());
            let body = axum::body::to_bytes(answer.into_body(), 1 << 20)
                .await
                .expect("a body");
            (csp, String::from_utf8(body.to_vec()).expect("utf-8"))
        }
    };

    let (csp, page) = get("/athm/admin/login").await;
    let csp = csp.expect("a CSP on the page");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(page.contains(r#"id="athm-button-css""#), "{page}");
    assert!(
        !page.contains("<style") && !page.contains("style=\""),
        "no inline style"
    );
    let (_, stylesheet) = get("/athm/athm.css").await;
    assert!(
        stylesheet.contains(".athm-pay{"),
        "the button's styles in athm.css"
    );
    let (_, alone) = get("/athm/button.css").await;
    assert!(
        alone.contains(".athm-pay{") && alone.len() < stylesheet.len(),
        "the button's styles alone"
    );
    let (_, script) = get("/athm/button.js").await;
    assert!(
        script.contains("var CSS = \"") && script.contains(".athm-pay{"),
        "styles in the script"
    );
}

/// A library user who mounts the admin pages with a short password gets
/// them disabled (the login answers nothing), not guessable; `validate`
/// says why.
#[tokio::test]
async fn a_short_admin_password_keeps_the_pages_disabled() {
    let app = crate::helpers::spawn().await;
    let config = athm_web::admin::AdminConfig::new("short");
    assert!(
        config
            .validate()
            .is_err_and(|e| e.to_string().contains("12 characters"))
    );
    let router = athm_web::mount(app.state.clone(), "/athm").merge(athm_web::admin::router(
        app.state.clone(),
        config,
        "/athm",
    ));
    let login = axum::http::Request::builder()
        .uri("/athm/admin/login")
        .body(Body::empty())
        .expect("a request");
    let answer = router.oneshot(login).await.expect("infallible");
    assert_ne!(answer.status(), StatusCode::OK, "no login page");
    assert!(
        athm_web::admin::AdminConfig::new(ADMIN_PASSWORD)
            .validate()
            .is_ok()
    );
    assert!(
        athm_web::admin::AdminConfig::new("").validate().is_ok(),
        "empty: disabled"
    );
}
