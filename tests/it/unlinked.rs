//! Refunds ATH Móvil's report cannot tie to one payment wait unlinked; a
//! person links them in the admin, and ATH Móvil must confirm each link.

use std::time::Duration;

use athm_domain::RefundStatus;
use athm_domain::ports::ListQuery;
use reqwest::StatusCode;

use crate::admin::AdminClient;
use crate::helpers::{TestApp, spawn_app_with};

const PASSWORD: &str = "correct horse battery";

/// The references of the unlinked refunds, sorted.
async fn unlinked_refunds(app: &TestApp) -> Vec<String> {
    let page = app
        .store()
        .list_unlinked(&ListQuery {
            status: Some(athm_domain::UnlinkedKind::Refund),
            ..ListQuery::default()
        })
        .await
        .expect("the unlinked list");
    let mut references: Vec<_> = page
        .items
        .iter()
        .map(|u| u.reference_number.to_string())
        .collect();
    references.sort();
    references
}

/// The completed refunds recorded on payment `id`, by reference.
async fn refunds_of(app: &TestApp, id: uuid::Uuid) -> Vec<String> {
    app.record(id)
        .await
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Completed)
        .filter_map(|r| r.reference_number.as_ref().map(ToString::to_string))
        .collect()
}

/// Waits until the report's current second is over (its dates have whole seconds).
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// Two payments of one customer, 10.00 each, both refunded in full in the
/// ATH Business app with their webhooks lost. Each REFUND row names no
/// payment and fits both: `athm sync` records both as unlinked refunds.
/// A link ATH Móvil's totals do not support is refused; a person links one
/// refund to its payment; the next sync then finds the other refund's
/// payment alone and links it by itself.
#[tokio::test]
async fn refunds_the_report_cannot_tell_apart_wait_unlinked_until_a_person_links_one() {
    let app = spawn_app_with(&["--admin-password", PASSWORD]).await;
    let (p1, _) = app.completed_payment().await;
    let (p2, _) = app.completed_payment().await;
    let (p3, _) = app.completed_payment().await;
    app.sandbox.set_listener("http://127.0.0.1:9/athm/webhook");
    let ra = app
        .sandbox
        .refund_in_business_app(p1, None, "")
        .expect("a Business-app refund")
        .reference_number;
    let rb = app
        .sandbox
        .refund_in_business_app(p2, None, "")
        .expect("a Business-app refund")
        .reference_number;
    next_second().await;

    app.sync_today(&[]).await.expect("sync runs");

    let mut both = vec![ra.clone(), rb.clone()];
    both.sort();
    assert_eq!(unlinked_refunds(&app).await, both, "neither is guessed");
    assert!(refunds_of(&app, p1).await.is_empty() && refunds_of(&app, p2).await.is_empty());

    let admin = AdminClient::login(&app.api, PASSWORD).await;
    let (status, body) = admin
        .try_post(
            &format!("/unlinked/{ra}/link"),
            &[("csrf", admin.csrf.as_str()), ("payment", &p3.to_string())],
        )
        .await
        .expect("an answer");
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("does not cover"), "{body}");
    assert!(
        refunds_of(&app, p3).await.is_empty(),
        "a refused link writes nothing"
    );

    let (status, _) = admin
        .try_post(
            &format!("/unlinked/{ra}/link"),
            &[("csrf", admin.csrf.as_str()), ("payment", &p1.to_string())],
        )
        .await
        .expect("an answer");
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "linked, then shown the payment"
    );
    assert_eq!(refunds_of(&app, p1).await, vec![ra.clone()]);
    assert_eq!(unlinked_refunds(&app).await, vec![rb.clone()]);

    app.sync_today(&[]).await.expect("sync runs");

    assert_eq!(refunds_of(&app, p2).await, vec![rb], "now p2's alone");
    assert!(unlinked_refunds(&app).await.is_empty());
    for id in [p1, p2] {
        let record = app.record(id).await;
        let theirs = app.sandbox.payment(id).expect("known").total_refunded;
        assert_eq!(record.payment.total_refunded_amount.value(), theirs);
    }
}
