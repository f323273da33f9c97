//! The use cases against mocked ports: every branch of every service.

mod checkout;
mod client;
mod double_count;
mod gate_ecommerce;
mod gate_locate;
mod gate_refund;
mod outbox;
mod payment;
mod reconcile;
mod reconcile_production;
mod reconcile_refund;
mod refund;
mod refund_intent;
mod verify;
mod watcher;
mod webhook;
mod webhook_refund;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::model::{PaymentStatus, RefundStatus};
use crate::ports::{
    AthmErrorCode, AthmGateway, Clock, Decide, GatewayError, MockStore, Operation, Page,
    PaymentKey, PaymentRecord, StepOutcome, StepResult,
};
use crate::services::WebhookProcessor;
use crate::test_support::{Row, ecommerce_id};
use crate::webhook::EventStatus;

/// ATH Móvil refusing `operation` with `code`.
fn refused(operation: Operation, code: &str) -> GatewayError {
    GatewayError::Refused {
        operation,
        code: AthmErrorCode::new(code),
        message: "refused".into(),
    }
}

/// A webhook processor over one mock store for both of its roles.
fn webhook_processor(
    gateway: Arc<dyn AthmGateway>,
    store: MockStore,
    clock: Arc<dyn Clock>,
) -> WebhookProcessor {
    let store = Arc::new(store);
    WebhookProcessor::new(gateway, store.clone(), store, clock)
}

/// `store.payment(ecommerce_id())` answers `record`, `times` times.
fn expect_load(store: &mut MockStore, record: Option<PaymentRecord>, times: usize) {
    store
        .expect_payment()
        .withf(|key| *key == PaymentKey::Ecommerce(ecommerce_id()))
        .times(times)
        .returning(move |_| Ok(record.clone()));
}

/// `store.update_payment` runs the decision on `row`, `times` times.
fn expect_steps(store: &mut MockStore, row: &Row, times: impl Into<mockall::TimesRange>) {
    let row = row.clone();
    store
        .expect_update_payment()
        .times(times)
        .returning(move |_, decide| row.apply(decide));
}

/// `store.update_payments` runs each step's decision on `row`, `times` times.
fn expect_batches(store: &mut MockStore, row: &Row, times: impl Into<mockall::TimesRange>) {
    let row = row.clone();
    store
        .expect_update_payments()
        .times(times)
        .returning(move |steps| steps.iter().map(|s| row.apply(&*s.decide)).collect());
}

/// Stored payment rows, read and written as the SQL adapter would: a key
/// finds the row it names ([`PaymentRecord::is_named_by`]), a step on a key
/// naming no row sees `None`, pending refunds and the listing of completed
/// payments come from the rows.
#[derive(Clone, Default)]
struct Books {
    rows: Vec<Row>,
}

impl Books {
    fn of(rows: &[&Row]) -> Self {
        Self {
            rows: rows.iter().map(|r| (*r).clone()).collect(),
        }
    }

    fn find(&self, key: &PaymentKey) -> Option<&Row> {
        self.rows.iter().find(|row| row.is_named_by(key))
    }

    fn load(&self, key: &PaymentKey) -> Option<PaymentRecord> {
        self.find(key).and_then(Row::record)
    }

    fn step(&self, key: &PaymentKey, decide: &Decide) -> StepResult {
        match self.find(key) {
            Some(row) => row.apply(decide),
            None => {
                let written = decide(None)?;
                assert!(written.is_none(), "these books create no payment");
                Ok(StepOutcome::default())
            }
        }
    }

    /// A store over these rows that also keeps every event outcome recorded.
    fn store(&self) -> (MockStore, Outcomes) {
        let mut store = MockStore::new();
        let books = self.clone();
        store
            .expect_payment()
            .returning(move |key| Ok(books.load(key)));
        let books = self.clone();
        // no payment of the customer's recorded as made elsewhere
        store.expect_customer_unlinked().returning(|_, _| {
            Ok(Page {
                items: Vec::new(),
                total: 0,
            })
        });
        store.expect_pending_refunds().returning(move || {
            Ok(books
                .rows
                .iter()
                .filter_map(Row::record)
                .flat_map(|r| r.refunds)
                .filter(|r| r.status == RefundStatus::Pending)
                .collect())
        });
        let books = self.clone();
        store.expect_customer_payments().returning(move |phone, _| {
            let items: Vec<_> = books
                .rows
                .iter()
                .filter_map(Row::record)
                .map(|r| r.payment)
                .filter(|p| {
                    p.status == PaymentStatus::Completed && p.customer_phone.as_ref() == Some(phone)
                })
                .collect();
            Ok(Page {
                total: items.len() as u64,
                items,
            })
        });
        let books = self.clone();
        store
            .expect_update_payment()
            .returning(move |key, decide| books.step(key, decide));
        let books = self.clone();
        store.expect_update_payments().returning(move |steps| {
            steps
                .iter()
                .map(|s| books.step(&s.key, &*s.decide))
                .collect()
        });
        // rows nothing here is are recorded aside (what they hold: reconcile.rs)
        store.expect_record_unlinked().returning(|_| Ok(true));
        let outcomes = Outcomes::default();
        let seen = outcomes.clone();
        store
            .expect_record_event_outcome()
            .returning(move |_, status, _, _| {
                seen.0.lock().expect("not poisoned").push(status);
                Ok(())
            });
        (store, outcomes)
    }
}

/// The statuses recorded on webhook events, in order.
#[derive(Clone, Default)]
struct Outcomes(Arc<Mutex<Vec<EventStatus>>>);

impl Outcomes {
    fn statuses(&self) -> Vec<EventStatus> {
        self.0.lock().expect("not poisoned").clone()
    }
}

/// A refund webhook: `total` refunded, its `referenceNumber` and (when
/// given) `referenceTransactionId`, to the customer of the completed
/// payment, dated ten minutes before now.
fn refund_event(reference: &str, related: Option<&str>, total: &str) -> Value {
    let mut value = json!({"transactionType": "refund", "status": "completed",
        "date": "2025-12-08 16:20:52.0", "referenceNumber": reference,
        "dailyTransactionID": "0107", "name": "Test Customer", "phoneNumber": "7875551234",
        "email": "customer@example.com", "message": "", "total": total, "tax": "0.00",
        "subtotal": "0.00", "fee": "0.00", "netAmount": "0.00", "totalRefundedAmount": "0.00",
        "metadata1": "", "metadata2": "", "items": []});
    if let Some(related) = related {
        value["referenceTransactionId"] = json!(related);
    }
    value
}
