//! Money mirrors ATH Móvil: each finding of the money-safety review as a
//! regression test over real HTTP, against the sandbox (its ledger is the
//! truth) and the app's real database.

use std::time::Duration;

use athm_domain::{EcommerceId, PaymentStatus, RefundIntent, RefundStatus};
use athm_sandbox::{EventKind, Fault, Operation, WebhookShape};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::admin::{AdminClient, hidden, hidden_value};
use crate::helpers::{PHONE, TestApp, eventually, spawn_app, spawn_app_with};

/// The sandbox's refunded total of payment `id`, as text with two places.
fn ledger_refunded(app: &TestApp, id: Uuid) -> String {
    let p = app.sandbox.payment(id).expect("the sandbox knows it");
    format!("{:.2}", p.total_refunded)
}

/// athm's books for payment `id` equal the sandbox's: refunded total, and
/// the set of completed refunds by (reference, amount).
async fn assert_books_match(app: &TestApp, id: Uuid) {
    let record = app.record(id).await;
    assert_eq!(
        record.payment.total_refunded_amount.to_string(),
        ledger_refunded(app, id),
        "refunded total: athm vs ATH Móvil"
    );
    let mut ours: Vec<(String, String)> = record
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Completed)
        .map(|r| {
            let reference = r.reference_number.as_ref().map(ToString::to_string);
            (reference.unwrap_or_default(), r.amount.to_string())
        })
        .collect();
    let mut theirs: Vec<(String, String)> = app
        .sandbox
        .refunds()
        .into_iter()
        .filter(|r| r.ecommerce_id == id)
        .map(|r| (r.reference_number, format!("{:.2}", r.amount)))
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "completed refunds: athm vs ATH Móvil");
}

/// The stored webhook events of payment `id` whose payload has `needle`.
async fn events_with(app: &TestApp, needle: &str) -> Vec<athm_domain::webhook::WebhookEvent> {
    let page = app
        .store()
        .list_webhook_events(&athm_domain::ports::ListQuery {
            per_page: 500,
            ..Default::default()
        })
        .await
        .expect("list events");
    page.items
        .into_iter()
        .filter(|e| e.payload.contains(needle))
        .collect()
}

/// An observed-shape refund webhook for the payment with `payment_reference`.
fn refund_webhook(payment_reference: &str, refund_reference: &str, total: &str) -> Value {
    json!({
        "transactionType": "REFUND", "status": "COMPLETED",
        "date": "2026-12-01 10:00:00",
        "referenceNumber": payment_reference,
        "referenceTransactionId": refund_reference,
        "dailyTransactionId": "0042",
        "name": "Forger", "phoneNumber": PHONE, "email": "",
        "total": total, "totalRefundedAmount": total,
        "fee": 0, "netAmount": total, "message": "", "metadata1": "", "metadata2": "",
    })
}

/// Finding 1: a forged refund webhook whose amount equals a FAILED local
/// refund, or naming another payment's real refund, is flagged; nothing
/// is recorded, and the legitimate full refund still goes through.
#[tokio::test]
async fn forged_refund_webhooks_are_flagged_and_change_nothing() {
    let app = spawn_app().await;
    let (id, reference) = app.completed_payment().await;
    let (other, other_reference) = app.completed_payment().await;

    // A refund refused by ATH Móvil: FAILED here, no money moved.
    app.sandbox.faults().set(
        Operation::Refund,
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        Some(1),
    );
    let refused = app
        .run_cli(&["refund", &reference, "--amount", "3.00"])
        .await;
    assert!(refused.is_err(), "the rate-limited refund fails");
    assert_eq!(app.record(id).await.refunds[0].status, RefundStatus::Failed);

    // A real refund of another payment.
    app.run_cli(&["refund", &other_reference, "--amount", "3.00"])
        .await
        .expect("the other payment's refund succeeds");
    let real = app.sandbox.refunds()[0].reference_number.clone();

    for forged in [
        refund_webhook(&reference, "FORGED-REF-1", "3.00"),
        refund_webhook(&reference, &real, "3.00"),
        json!({"transactionType": "refund", "status": "completed",
               "date": "2026-12-01 10:00:00.0", "referenceNumber": "FORGED-REF-2",
               "dailyTransactionID": "0001", "name": "", "phoneNumber": PHONE,
               "total": "3.00", "totalRefundedAmount": "3.00"}),
    ] {
        let response = app.post_webhook(&forged).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let flagged = eventually(Duration::from_secs(10), || async {
        let events = events_with(&app, "3.00").await;
        let refunds: Vec<_> = events
            .iter()
            .filter(|e| e.payload.contains("\"REFUND\"") || e.payload.contains("\"refund\""))
            .filter(|e| !e.payload.contains(&other_reference) || e.payload.contains(&reference))
            .collect();
        (refunds.len() >= 3
            && refunds
                .iter()
                .all(|e| e.status == athm_domain::webhook::EventStatus::Flagged))
        .then_some(())
    })
    .await;
    assert!(flagged.is_some(), "every forged refund event is flagged");

    let stored = app.record(id).await;
    assert_eq!(stored.payment.total_refunded_amount.to_string(), "0.00");
    assert!(
        stored
            .refunds
            .iter()
            .all(|r| r.status != RefundStatus::Completed),
        "no refund is recorded for the forged events: {:?}",
        stored.refunds
    );
    // The legitimate refund of all that is really left goes through.
    app.run_cli(&["refund", &reference])
        .await
        .expect("the full refund succeeds");
    assert_eq!(ledger_refunded(&app, id), "10.00");
    assert_books_match(&app, id).await;
    assert_books_match(&app, other).await;
}

/// Finding 2: `athm webhooks reprocess` verifies too: a flagged forged
/// completion stays flagged and the payment stays OPEN.
#[tokio::test]
async fn reprocess_verifies_every_event() {
    let app = spawn_app().await;
    let started = app.start_payment(&json!({ "total": "10.00" })).await;
    let forged = json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED",
        "ecommerceId": started.id.to_string(),
        "referenceNumber": "1234-forged", "total": 10, "fee": 0, "netAmount": 10,
        "date": "2026-12-01 10:00:00",
    });
    assert_eq!(app.post_webhook(&forged).await.status(), StatusCode::OK);
    let flagged = eventually(Duration::from_secs(10), || async {
        let events = events_with(&app, "1234-forged").await;
        events
            .first()
            .filter(|e| e.status == athm_domain::webhook::EventStatus::Flagged)
            .cloned()
    })
    .await;
    assert!(flagged.is_some(), "the forged completion is flagged");

    app.run_cli(&["webhooks", "reprocess"])
        .await
        .expect("reprocess runs");
    let payment = app.stored_payment(started.id).await.expect("stored");
    assert_eq!(payment.status, PaymentStatus::Open, "ATH Móvil says OPEN");
    let events = events_with(&app, "1234-forged").await;
    assert_eq!(events[0].status, athm_domain::webhook::EventStatus::Flagged);
}

/// Finding 3: a forged event does not take the genuine event's slot: the
/// genuine completion delivered afterwards is stored and applied.
#[tokio::test]
async fn a_forged_event_never_blocks_the_genuine_delivery() {
    let app = spawn_app().await;
    let (id, token) = app.create_in_sandbox("7.00").await;
    let forged = json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED",
        "ecommerceId": id.to_string(), "referenceNumber": "999-forged",
        "total": 7, "date": "2026-12-01 10:00:00",
    });
    assert_eq!(app.post_webhook(&forged).await.status(), StatusCode::OK);
    eventually(Duration::from_secs(10), || async {
        let events = events_with(&app, "999-forged").await;
        events
            .first()
            .filter(|e| e.status == athm_domain::webhook::EventStatus::Flagged)
            .map(|_| ())
    })
    .await
    .expect("the forged completion is flagged");

    let reference = app.complete_in_sandbox(id, &token).await;
    let completed = app
        .wait_for_payment(id, Duration::from_secs(10), |p| {
            p.status == PaymentStatus::Completed
        })
        .await
        .expect("the genuine completion is applied");
    assert_eq!(completed.reference_number.expect("ref").as_str(), reference);
    let genuine = events_with(&app, &reference).await;
    assert_eq!(genuine.len(), 1, "the genuine body is stored on its own");
    assert_eq!(
        genuine[0].status,
        athm_domain::webhook::EventStatus::Processed
    );
}

/// Finding 4a: `athm sync` over a partial refund whose answer was lost
/// settles it once: 3.00 stored, as at ATH Móvil, not 6.00.
#[tokio::test]
async fn sync_settles_a_lost_refund_answer_without_counting_it_twice() {
    let app = spawn_app().await;
    let (id, reference) = app.completed_payment().await;
    app.sandbox
        .faults()
        .set(Operation::Refund, Fault::AnswerLost, Some(1));
    let lost = app
        .run_cli(&["refund", &reference, "--amount", "3.00"])
        .await;
    assert!(lost.is_err(), "the outcome is unknown");
    assert_eq!(
        app.record(id).await.refunds[0].status,
        RefundStatus::Pending
    );
    assert_eq!(app.sandbox.refunds_executed(), 1, "the money moved");

    // The report has whole seconds and is never read past now.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..2 {
        app.sync_today(&[]).await.expect("sync runs");
    }
    let stored = eventually(Duration::from_secs(10), || async {
        let r = app.record(id).await;
        (r.refunds[0].status == RefundStatus::Completed).then_some(r)
    })
    .await
    .expect("the pending refund is settled by a read");
    assert_eq!(stored.payment.total_refunded_amount.to_string(), "3.00");
    assert_eq!(stored.refunds.len(), 1);
    assert_books_match(&app, id).await;
}

/// Finding 4c: a refund made with `athm refund` whose webhook arrives late,
/// and then `athm sync`: 3.00 stored, as at ATH Móvil.
#[tokio::test]
async fn a_late_refund_webhook_and_sync_do_not_count_it_again() {
    let app = spawn_app().await;
    let (id, reference) = app.completed_payment().await;
    app.run_cli(&["refund", &reference, "--amount", "3.00"])
        .await
        .expect("the refund succeeds");
    app.wait_for_delivered(EventKind::Refund, 1).await;
    // A redelivery of the same webhook, late, and the documented shape of it.
    let refund = app.sandbox.refunds()[0].clone();
    let late = refund_webhook(&reference, &refund.reference_number, "3.00");
    assert_eq!(app.post_webhook(&late).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.sync_today(&[]).await.expect("sync runs");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stored = app.record(id).await;
    assert_eq!(stored.payment.total_refunded_amount.to_string(), "3.00");
    assert_eq!(stored.refunds.len(), 1, "{:?}", stored.refunds);
    assert_books_match(&app, id).await;
}

/// Finding 8: a refund webhook in the documented shape (the refund's own
/// reference number only) settles the pending refund it announces.
#[tokio::test]
async fn a_documented_refund_webhook_settles_its_pending_refund() {
    let app = spawn_app().await;
    app.sandbox.set_webhook_shape(WebhookShape::Documented);
    let (id, reference) = app.completed_payment().await;
    app.sandbox
        .faults()
        .set(Operation::Refund, Fault::AnswerLost, Some(1));
    let lost = app
        .run_cli(&["refund", &reference, "--amount", "4.00"])
        .await;
    assert!(lost.is_err(), "the outcome is unknown");
    // Its webhook may come before the report shows the refund (whole
    // seconds): flagged, it is checked again a few seconds later.
    let settled = eventually(Duration::from_secs(40), || async {
        let r = app.record(id).await;
        (r.refunds[0].status == RefundStatus::Completed).then_some(r)
    })
    .await
    .expect("the documented webhook settles the pending refund");
    assert_eq!(settled.payment.total_refunded_amount.to_string(), "4.00");
    assert_books_match(&app, id).await;
}

/// Finding 5 (library): the same refund intent sent 20 times at once is
/// one refund at ATH Móvil, and every caller gets its outcome.
#[tokio::test]
async fn one_refund_intent_is_one_refund_however_often_it_arrives() {
    let app = spawn_app().await;
    let (id, _) = app.completed_payment().await;
    let services = athm_domain::services::Services::new(
        std::sync::Arc::new(
            athm_client::AthmClient::new(
                athm_client::ClientConfig::new(
                    athm_sandbox::DEMO_PUBLIC_TOKEN,
                    athm_sandbox::DEMO_PRIVATE_TOKEN,
                )
                .with_base_url(&app.sandbox_url),
            )
            .expect("a client"),
        ),
        std::sync::Arc::new(
            athm_store::SqlStore::connect(&app.database_url)
                .await
                .expect("the store"),
        ),
    );
    let intent = RefundIntent::random();
    let ecommerce_id = EcommerceId::new(id);
    let outcomes = join_all((0..20).map(|_| {
        let (payments, intent) = (services.payments.clone(), intent.clone());
        async move {
            payments
                .refund(
                    &ecommerce_id,
                    Some("2.50".parse().expect("amount")),
                    Default::default(),
                    intent,
                )
                .await
        }
    }))
    .await;
    assert_eq!(app.sandbox.refunds_executed(), 1, "sent once");
    let ids: std::collections::HashSet<_> = outcomes
        .iter()
        .map(|o| match o {
            Ok(refund) => refund.id,
            Err(athm_domain::services::PaymentError::RefundPending { refund_id, .. }) => *refund_id,
            Err(other) => panic!("unexpected outcome: {other}"),
        })
        .collect();
    assert_eq!(ids.len(), 1, "every caller names the same refund");
    let again = services
        .payments
        .refund(&ecommerce_id, None, Default::default(), intent)
        .await
        .expect("the first outcome, again");
    assert_eq!(again.amount.to_string(), "2.50");
    assert_eq!(app.sandbox.refunds_executed(), 1);
    assert_books_match(&app, id).await;
}

/// Finding 5 (admin): one reviewed refund form confirmed 20 times at once
/// is one refund at ATH Móvil.
#[tokio::test]
async fn one_reviewed_admin_refund_confirmed_many_times_is_sent_once() {
    let app = spawn_app_with(&["--admin-password", "correct horse battery"]).await;
    let (id, _) = app.completed_payment().await;
    let admin = AdminClient::login(&app.api, "correct horse battery").await;
    let page = admin
        .post(
            &format!("/payments/{id}/refund"),
            &[
                ("csrf", admin.csrf.as_str()),
                ("amount", "4.00"),
                ("message", ""),
            ],
        )
        .await;
    let intent = hidden(&page, "intent");
    let path = format!("/payments/{id}/refund/confirm");
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("amount", "4.00"),
        ("message", ""),
        ("intent", intent.as_str()),
    ];
    let confirms = join_all((0..20).map(|_| admin.post(&path, &form))).await;
    assert_eq!(confirms.len(), 20);
    assert_eq!(app.sandbox.refunds_executed(), 1, "sent once");
    assert_books_match(&app, id).await;
}

/// The admin's refund form refuses a fraction of a cent instead of
/// rounding it: the review page is shown again with the hint, no refund is
/// proposed and nothing reaches ATH Móvil.
#[tokio::test]
async fn an_admin_refund_of_a_fraction_of_a_cent_is_refused() {
    let app = spawn_app_with(&["--admin-password", "correct horse battery"]).await;
    let (id, _) = app.completed_payment().await;
    let admin = AdminClient::login(&app.api, "correct horse battery").await;
    let (status, page) = admin
        .try_post(
            &format!("/payments/{id}/refund"),
            &[
                ("csrf", admin.csrf.as_str()),
                ("amount", "1.234"),
                ("message", ""),
            ],
        )
        .await
        .expect("an answer");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert_eq!(hidden_value(&page, "intent"), None, "no refund proposed");
    assert_eq!(app.sandbox.refunds_executed(), 0);
}

/// Finding 7: flagged is not final. A genuine refund made in the ATH
/// Business app, whose webhook arrives before the report shows it (here the
/// report answers "no records" once), is flagged; `athm webhooks reprocess`
/// checks it again and applies it, and so does the recovery worker on its
/// own a few seconds later.
#[tokio::test]
async fn a_flagged_genuine_refund_is_applied_when_checked_again() {
    for by_hand in [true, false] {
        let app = spawn_app().await;
        app.sandbox.set_webhook_shape(WebhookShape::Documented);
        let (id, _) = app.completed_payment().await;
        app.sandbox.faults().set(
            Operation::Report,
            Fault::error_code("BTRA_0046", false),
            Some(1),
        );
        let made = app
            .sandbox
            .refund_in_business_app(id, Some("2.50".parse().expect("amount")), "")
            .expect("the business refunds in its app");
        let flagged = eventually(Duration::from_secs(10), || async {
            events_with(&app, &made.reference_number)
                .await
                .into_iter()
                .find(|e| e.status == athm_domain::webhook::EventStatus::Flagged)
        })
        .await;
        assert!(flagged.is_some(), "the first check finds no report row");
        assert_eq!(app.record(id).await.refunds.len(), 0);

        if by_hand {
            // The report has whole seconds and is never read past now.
            tokio::time::sleep(Duration::from_millis(1100)).await;
            app.run_cli(&["webhooks", "reprocess"])
                .await
                .expect("reprocess runs");
        }
        let wait = if by_hand { 5 } else { 40 };
        let applied = eventually(Duration::from_secs(wait), || async {
            let r = app.record(id).await;
            (r.refunds.len() == 1).then_some(r)
        })
        .await
        .unwrap_or_else(|| panic!("checked again and applied (by hand: {by_hand})"));
        assert_eq!(applied.refunds[0].status, RefundStatus::Completed);
        assert_books_match(&app, id).await;
    }
}

/// Finding 11: the webhook sender's address is stored with the event.
#[tokio::test]
async fn the_sender_address_is_stored_with_each_event() {
    let app = spawn_app().await;
    let forged = json!({"transactionType": "ECOMMERCE", "status": "COMPLETED",
        "ecommerceId": Uuid::new_v4().to_string(), "total": 1, "referenceNumber": "1-x"});
    assert_eq!(app.post_webhook(&forged).await.status(), StatusCode::OK);
    let event = eventually(Duration::from_secs(5), || async {
        events_with(&app, "1-x").await.into_iter().next()
    })
    .await
    .expect("stored");
    assert_eq!(event.remote_addr.as_deref(), Some("127.0.0.1"));
}
