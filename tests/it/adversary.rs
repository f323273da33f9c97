//! An outside review's attacks on athm's books, each kept as a regression
//! test: the sequence that once made them diverge from ATH Móvil's ledger,
//! and the assertion that they no longer do.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_domain::ports::{
    AthmGateway, GatewayError, ListQuery, RefundOrder, RefundReceipt, Store, SystemClock,
    WebhookSubscription,
};
use athm_domain::services::{PaymentError, Services, WebhookProcessor};
use athm_domain::webhook::EventStatus;
use athm_domain::{
    Amount, AthmTransaction, AuthToken, EcommerceId, PaymentRequest, PhoneNumber, RefundIntent,
    RefundStatus,
};
use athm_sandbox::{Fault, Operation};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::TestDb;
use crate::helpers::{TestApp, eventually, spawn_app, spawn_app_with};

/// Nobody listens here: every webhook the sandbox sends is lost.
const DEAD_LISTENER: &str = "http://127.0.0.1:9/athm/webhook";

/// (refunded total, sorted completed refunds (reference, amount)) here and at the sandbox.
async fn books(
    app: &TestApp,
    id: Uuid,
) -> (
    (String, Vec<(String, String)>),
    (String, Vec<(String, String)>),
) {
    let record = app.record(id).await;
    let mut ours: Vec<(String, String)> = record
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Completed)
        .map(|r| {
            (
                r.reference_number
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                r.amount.to_string(),
            )
        })
        .collect();
    let mut theirs: Vec<(String, String)> = app
        .sandbox
        .refunds_of(id)
        .into_iter()
        .map(|r| (r.reference_number, format!("{:.2}", r.amount)))
        .collect();
    ours.sort();
    theirs.sort();
    let p = app.sandbox.payment(id).expect("the sandbox knows it");
    (
        (record.payment.total_refunded_amount.to_string(), ours),
        (format!("{:.2}", p.total_refunded), theirs),
    )
}

fn services_over(_app: &TestApp, gateway: Arc<dyn AthmGateway>, store: Arc<dyn Store>) -> Services {
    Services::new(gateway, store)
}

fn client(app: &TestApp) -> Arc<dyn AthmGateway> {
    Arc::new(
        athm_client::AthmClient::new(
            athm_client::ClientConfig::new(
                athm_sandbox::DEMO_PUBLIC_TOKEN,
                athm_sandbox::DEMO_PRIVATE_TOKEN,
            )
            .with_base_url(&app.sandbox_url),
        )
        .expect("a client"),
    )
}

async fn store(app: &TestApp) -> Arc<dyn Store> {
    Arc::new(
        athm_store::SqlStore::connect(&app.database_url)
            .await
            .expect("the store"),
    )
}

/// A gateway that, right after ATH Móvil answered a refund (the money has
/// moved, the answer is not recorded yet), has a forged webhook body
/// stored and processed, as a delivery arriving at that moment would be.
struct Racing {
    inner: Arc<dyn AthmGateway>,
    webhooks: WebhookProcessor,
    forged: Mutex<Option<Value>>,
}

#[async_trait::async_trait]
impl AthmGateway for Racing {
    async fn create_payment(
        &self,
        request: &PaymentRequest,
    ) -> Result<(EcommerceId, AuthToken), GatewayError> {
        self.inner.create_payment(request).await
    }
    async fn find_payment(&self, id: &EcommerceId) -> Result<AthmTransaction, GatewayError> {
        self.inner.find_payment(id).await
    }
    async fn authorize(&self, token: &AuthToken) -> Result<AthmTransaction, GatewayError> {
        self.inner.authorize(token).await
    }
    async fn update_phone_number(
        &self,
        id: &EcommerceId,
        phone: &PhoneNumber,
        token: &AuthToken,
    ) -> Result<(), GatewayError> {
        self.inner.update_phone_number(id, phone, token).await
    }
    async fn cancel(&self, id: &EcommerceId) -> Result<(), GatewayError> {
        self.inner.cancel(id).await
    }
    async fn refund(&self, order: &RefundOrder) -> Result<RefundReceipt, GatewayError> {
        let answer = self.inner.refund(order).await;
        let forged = self.forged.lock().expect("not poisoned").take();
        if let Some(body) = forged {
            let bytes = serde_json::to_vec(&body).expect("JSON");
            let (event, _) = self.webhooks.store_event(&bytes).await.expect("stored");
            let outcome = self.webhooks.process(&event).await;
            eprintln!("forged webhook processed mid-refund: {outcome:?}");
        }
        answer
    }
    async fn transaction_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AthmTransaction>, GatewayError> {
        self.inner.transaction_report(from, to).await
    }
    async fn subscribe_webhook(&self, s: &WebhookSubscription) -> Result<(), GatewayError> {
        self.inner.subscribe_webhook(s).await
    }
}

fn amount(text: &str) -> Amount {
    text.parse().expect("an amount")
}

/// Two refunds of the same amount on one payment: B's call never reaches
/// ATH Móvil (outcome unknown, PENDING); A's call succeeds. A refund
/// webhook naming only the payment's reference number (a shape seen in
/// practice; here forged) arrives after ATH Móvil made A and before A's
/// answer is recorded. News naming no refund of its own never settles a
/// particular refund: B stays pending (it never happened), A completes.
#[tokio::test]
async fn news_naming_no_refund_of_its_own_never_completes_a_pending_refund() {
    let app = spawn_app().await;
    app.sandbox.set_listener(DEAD_LISTENER);
    let (id, reference) = app.completed_payment().await;
    let inner = client(&app);
    let store = store(&app).await;
    let racing = Arc::new(Racing {
        inner: inner.clone(),
        webhooks: WebhookProcessor::new(
            inner.clone(),
            store.clone(),
            store.clone(),
            Arc::new(SystemClock),
        ),
        forged: Mutex::new(None),
    });
    let services = services_over(&app, racing.clone(), store.clone());
    let ecommerce_id = EcommerceId::new(id);

    // B: the connection drops before ATH Móvil sees it; the outcome is unknown.
    app.sandbox
        .faults()
        .set(Operation::Refund, Fault::DropConnection, Some(1));
    let b = services
        .payments
        .refund(
            &ecommerce_id,
            Some(amount("5.00")),
            Default::default(),
            RefundIntent::random(),
        )
        .await;
    assert!(
        matches!(b, Err(PaymentError::RefundPending { .. })),
        "{b:?}"
    );
    assert_eq!(
        app.sandbox.refunds_executed(),
        0,
        "B never reached ATH Móvil"
    );

    // A: succeeds; the forged body lands between ATH Móvil's refund and its answer.
    *racing.forged.lock().unwrap() = Some(json!({
        "transactionType": "REFUND", "status": "COMPLETED",
        "referenceNumber": reference, "total": "5.00",
        "name": "x", "phoneNumber": "", "nonce": "a1",
    }));
    let a = services
        .payments
        .refund(
            &ecommerce_id,
            Some(amount("5.00")),
            Default::default(),
            RefundIntent::random(),
        )
        .await
        .expect("A succeeds");
    assert_eq!(a.status, RefundStatus::Completed);
    assert_eq!(app.sandbox.refunds_executed(), 1, "one refund moved money");

    // Reads afterwards do not repair it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.sync_today(&[]).await.expect("sync runs");
    services
        .reconciler
        .settle_pending_refunds()
        .await
        .expect("settle runs");

    let (ours, theirs) = books(&app, id).await;
    let r = app.record(id).await;
    eprintln!("refunds here: {:#?}", r.refunds);
    assert_eq!(ours.1, theirs.1, "completed refunds: athm vs ATH Móvil");
}

/// P has a refund whose answer was lost (room at ATH Móvil); P2 (same
/// customer, same amount) was refunded in the Business app (its webhook
/// lost). A forged webhook names P's reference and P2's genuine refund RB2.
/// Production's report rows name no payment, so nothing ATH Móvil says tells
/// RB2 from P's own refund: the claim is flagged, `athm sync` files neither
/// refund on a payment it cannot prove, both payments' refunded totals follow
/// ATH Móvil, and the refunds it cannot attribute wait unlinked for a person.
#[tokio::test]
async fn another_payments_genuine_refund_is_never_filed_on_this_payment() {
    let app = spawn_app().await;
    app.sandbox.set_listener(DEAD_LISTENER);
    let (p, p_ref) = app.completed_payment().await;
    let (p2, _) = app.completed_payment().await;
    let rb2 = app
        .sandbox
        .refund_in_business_app(p2, None, "")
        .expect("a Business-app refund")
        .reference_number;
    app.sandbox
        .faults()
        .set(Operation::Refund, Fault::AnswerLost, Some(1));
    assert!(
        app.run_cli(&["refund", &p_ref]).await.is_err(),
        "outcome unknown"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let forged = json!({
        "transactionType": "REFUND", "status": "COMPLETED",
        "referenceNumber": p_ref, "referenceTransactionId": rb2,
        "total": "10.00", "nonce": "a3",
    });
    assert_eq!(app.post_webhook(&forged).await.status(), StatusCode::OK);
    let done = eventually(Duration::from_secs(10), || async {
        let r = app.record(p).await;
        r.refunds
            .iter()
            .any(|r| r.status == RefundStatus::Completed)
            .then_some(())
    })
    .await;
    eprintln!("forged webhook settled P's refund: {}", done.is_some());
    app.sync_today(&[]).await.expect("sync runs");
    for id in [p, p2] {
        let (ours, theirs) = books(&app, id).await;
        eprintln!("{id}: ours {ours:?} theirs {theirs:?}");
    }
    assert!(done.is_none(), "the forged claim settled nothing");
    for id in [p, p2] {
        let (ours, theirs) = books(&app, id).await;
        assert_eq!(ours.0, theirs.0, "{id}: refunded totals follow ATH Móvil");
        for (reference, _) in ours.1.iter().filter(|(r, _)| !r.is_empty()) {
            assert!(
                theirs.1.iter().any(|(r, _)| r == reference),
                "{id}: refund {reference} is another payment's"
            );
        }
    }
    let unlinked = app
        .store()
        .list_unlinked(&ListQuery::default())
        .await
        .expect("the unlinked list");
    assert!(
        unlinked
            .items
            .iter()
            .any(|u| u.reference_number.as_str() == rb2 && u.is_refund()),
        "RB2 waits for a person: {unlinked:?}"
    );
}

/// A forged completion of a real payment with a NUL in its text, on
/// PostgreSQL (which refuses NUL in text): text from ATH Móvil's JSON is
/// cleaned where it is read, so the event ends processed at once instead
/// of failing and being retried every recovery round (each costing a
/// findPayment, enough of them starving genuine failed events).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_a_webhook_text_never_fails_its_event_on_postgres() {
    let test = "a_nul_in_a_webhook_text_never_fails_its_event_on_postgres";
    let Some(db) = TestDb::on_server("ATHM_TEST_POSTGRES_URL", test).await else {
        return;
    };
    let app = spawn_app_with(&["--database-url", &db.url]).await;
    let (id, _) = app.completed_payment().await;
    let forged = json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED",
        "ecommerceId": id.to_string(), "message": "nul\u{0}here", "nonce": "a5",
    });
    assert_eq!(app.post_webhook(&forged).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let events = app
        .store()
        .events_for_payment(&EcommerceId::new(id))
        .await
        .expect("events");
    let event = events
        .iter()
        .find(|e| e.payload.contains("a5"))
        .expect("stored");
    eprintln!(
        "status {:?} attempts {} error {:?}",
        event.status, event.attempts, event.error
    );
    let status = event.status;
    let attempts = event.attempts;
    drop(app);
    db.drop_now().await;
    assert!(
        status != EventStatus::Failed && attempts <= 2,
        "a forged event must end flagged or processed, not be retried forever: {status:?} after {attempts} attempts"
    );
}
