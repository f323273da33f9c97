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
