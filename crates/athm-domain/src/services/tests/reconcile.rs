//! Reconciler: report rows become created, updated, skipped, unmatched or error rows.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::refused;
use crate::model::{AthmTransaction, EcommerceId, LifecycleKind, PaymentStatus};
use crate::ports::{
    MockAthmGateway, MockStore, Operation, Page, PaymentKey, StepOutcome, StoreError,
};
use crate::services::{ReconcileSummary, Reconciler, RowOutcome};
use crate::test_support::{
    PAYMENT_REF, Row, amount, clock, completed_json, completed_payment, ecommerce_id, now,
    open_payment, record, reference,
};

const NEW_ID: &str = "00000000-0000-4000-8000-000000000002";
const NEW_REF: &str = "99999999-0000aaaa";
const BROKEN_REF: &str = "77777777-0000bbbb";
const UNMATCHED_REF: &str = "88888888-0000dddd";

fn row(change: impl FnOnce(&mut Value)) -> AthmTransaction {
    let mut value = completed_json();
    change(&mut value);
    AthmTransaction::from_json(&value).expect("a valid row")
}

/// A report covering every outcome, in this order:
/// created, updated, skipped (unchanged), unmatched (a refund of no payment
/// here), skipped (not completed), error (no identifiers), error (the store failed).
fn report() -> Vec<AthmTransaction> {
    vec![
        row(|v| {
            v["ecommerceId"] = json!(NEW_ID);
            v["referenceNumber"] = json!(NEW_REF);
        }),
        row(|v| v["totalRefundAmount"] = json!("0.00")),
        row(|v| {
            v.as_object_mut().map(|o| o.remove("ecommerceId"));
            v["referenceNumber"] = json!("55555555-0000cccc");
        }),
        row(|v| {
            v["transactionType"] = json!("REFUND");
            v.as_object_mut().map(|o| o.remove("ecommerceId"));
            v["referenceNumber"] = json!(UNMATCHED_REF);
        }),
        row(|v| v["status"] = json!("CANCEL")),
        row(|v| {
            v.as_object_mut().map(|o| o.remove("ecommerceId"));
            v.as_object_mut().map(|o| o.remove("referenceNumber"));
        }),
        row(|v| {
            v.as_object_mut().map(|o| o.remove("ecommerceId"));
            v["referenceNumber"] = json!(BROKEN_REF);
        }),
    ]
}

/// The stored side: the payment of [`ecommerce_id`] is OPEN (the row updates it), the one
/// with reference 55555555-0000cccc is already completed as reported, others are unknown.
struct Stored {
    new: Row,
    open: Row,
    done: Row,
}

impl Stored {
    fn new() -> Self {
        let mut done = completed_payment();
        done.ecommerce_id = EcommerceId::new(uuid::Uuid::from_u128(3));
        done.reference_number = Some(reference("55555555-0000cccc"));
        Self {
            new: Row::new(None),
            open: Row::new(Some(record(open_payment()))),
            done: Row::new(Some(record(done))),
        }
    }

    fn row(&self, key: &PaymentKey) -> Result<&Row, StoreError> {
        match key {
            PaymentKey::Ecommerce(id) if *id == ecommerce_id() => Ok(&self.open),
            PaymentKey::Ecommerce(id) if id.to_string() == NEW_ID => Ok(&self.new),
            PaymentKey::Reference(r) if r.as_str() == "55555555-0000cccc" => Ok(&self.done),
            other => Err(StoreError::Database(
                format!("no route for {other:?}").into(),
            )),
        }
    }

    fn mock(self: &Arc<Self>, dry_run: bool) -> MockStore {
        let mut store = MockStore::new();
        let stored = self.clone();
        // the trust gate looks for the refund row's payment, and finds none
        // no payment of the customer's recorded as made elsewhere
        store.expect_customer_unlinked().returning(|_, _| {
            Ok(Page {
                items: Vec::new(),
                total: 0,
            })
        });
        store.expect_pending_refunds().returning(|| Ok(Vec::new()));
        store.expect_customer_payments().returning(|_, _| {
            Ok(Page {
                items: Vec::new(),
                total: 0,
            })
        });
        store.expect_payment().returning(move |key| match key {
            PaymentKey::Reference(r) | PaymentKey::Refund(r) if r.as_str() == UNMATCHED_REF => {
                Ok(None)
            }
            PaymentKey::Reference(_) => Ok(stored.row(key)?.record()),
            _ if dry_run => Ok(stored.row(key)?.record()),
            other => panic!("only a dry run reads {other:?}"),
        });
        let stored = self.clone();
        if dry_run {
            store.expect_record_unlinked().never();
            store.expect_update_payments().never();
        } else {
            store
                .expect_record_unlinked()
                .withf(|u| u.reference_number.as_str() == UNMATCHED_REF && u.is_refund())
                .returning(|_| Ok(true));
            store.expect_update_payments().returning(move |steps| {
                steps
                    .iter()
                    .map(|s| stored.row(&s.key)?.apply(&*s.decide))
                    .collect()
            });
        }
        store
    }
}

async fn reconcile(
    stored: &Arc<Stored>,
    dry_run: bool,
) -> (ReconcileSummary, Vec<(usize, RowOutcome)>) {
    let reconciler = Reconciler::new(
        Arc::new(MockAthmGateway::new()),
        Arc::new(stored.mock(dry_run)),
        clock(),
    );
    let progress = Mutex::new(Vec::new());
    let summary = reconciler
        .reconcile(&report(), dry_run, &|done, outcome| {
            progress.lock().unwrap().push((done, outcome.clone()));
        })
        .await;
    (summary, progress.into_inner().unwrap())
}

fn expected_outcomes() -> Vec<RowOutcome> {
    vec![
        RowOutcome::Created,
        RowOutcome::Updated,
        RowOutcome::Skipped,
        RowOutcome::Unmatched(format!(
            "refund {UNMATCHED_REF}: no payment here matches this refund of 25.00"
        )),
        RowOutcome::Skipped,
        RowOutcome::Error("a completed row has neither ecommerceId nor referenceNumber".into()),
        RowOutcome::Error(format!(
            "{BROKEN_REF}: the database failed: no route for Reference(ReferenceNumber(\"{BROKEN_REF}\"))"
        )),
    ]
}

#[tokio::test]
async fn each_row_is_created_updated_skipped_unmatched_or_an_error_and_progress_hears_of_each() {
    let stored = Arc::new(Stored::new());

    let (summary, progress) = reconcile(&stored, false).await;

    let expected = expected_outcomes();
    assert_eq!(
        progress,
        expected
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, o)| (i + 1, o))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        (summary.created, summary.updated, summary.skipped),
        (1, 1, 2)
    );
    assert_eq!(summary.unmatched.len(), 1);
    assert_eq!(summary.errors.len(), 2);
}

#[tokio::test]
async fn a_created_payment_is_completed_with_its_client_and_announced() {
    let stored = Arc::new(Stored::new());
    reconcile(&stored, false).await;

    let write = &stored.new.writes()[0];
    assert_eq!(write.payment.ecommerce_id.to_string(), NEW_ID);
    assert_eq!(write.payment.status, PaymentStatus::Completed);
    assert_eq!(write.payment.reference_number, Some(reference(NEW_REF)));
    assert_eq!(write.events[0].kind, LifecycleKind::PaymentCompleted);
    assert!(write.client.is_some());
    assert_eq!(write.processed_event, None);
}

#[tokio::test]
async fn an_updated_payment_gets_the_reported_details() {
    let stored = Arc::new(Stored::new());
    reconcile(&stored, false).await;

    let payment = stored.open.record().unwrap().payment;
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(payment.fee, Some(amount("0.07")));
    assert_eq!(payment.net_amount, Some(amount("24.93")));
    assert_eq!(payment.reference_number, Some(reference(PAYMENT_REF)));
    assert_eq!(payment.updated_at, now());
    assert!(stored.done.writes().is_empty());
}

#[tokio::test]
async fn a_dry_run_says_the_same_and_writes_nothing() {
    let stored = Arc::new(Stored::new());

    let (summary, progress) = reconcile(&stored, true).await;

    let outcomes: Vec<_> = progress.into_iter().map(|(_, o)| o).collect();
    assert_eq!(outcomes, expected_outcomes());
    assert_eq!(
        (summary.created, summary.updated, summary.skipped),
        (1, 1, 2)
    );
    assert_eq!(summary.unmatched.len(), 1);
    assert!(stored.new.writes().is_empty() && stored.open.writes().is_empty());
    assert_eq!(stored.new.record(), None);
}

#[tokio::test]
async fn a_second_run_changes_nothing() {
    let stored = Arc::new(Stored::new());
    reconcile(&stored, false).await;

    let (summary, _) = reconcile(&stored, false).await;

    assert_eq!(
        (summary.created, summary.updated, summary.skipped),
        (0, 0, 4)
    );
    assert_eq!(summary.unmatched.len(), 1, "still for a person to look at");
}

#[tokio::test]
async fn sync_reads_the_report_for_the_range() {
    let (from, to) = (now() - chrono::Duration::days(2), now());
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .withf(move |f, t| (*f, *t) == (from, to))
        .times(1)
        .returning(|_, _| Ok(Vec::new()));
    let reconciler = Reconciler::new(Arc::new(gateway), Arc::new(MockStore::new()), clock());

    let summary = reconciler.sync(from, to, false, &|_, _| {}).await.unwrap();

    assert_eq!(summary, ReconcileSummary::default());
}

#[tokio::test]
async fn sync_fails_when_the_report_cannot_be_read() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .returning(|_, _| Err(refused(Operation::TransactionReport, "BTRA_0026")));
    let reconciler = Reconciler::new(Arc::new(gateway), Arc::new(MockStore::new()), clock());

    let result = reconciler.sync(now(), now(), true, &|_, _| {}).await;

    assert!(result.is_err());
}

#[tokio::test]
async fn a_long_report_is_applied_in_batches_and_progress_hears_every_row_in_order() {
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let seen = sizes.clone();
    let mut store = MockStore::new();
    store.expect_update_payments().returning(move |steps| {
        seen.lock().unwrap().push(steps.len());
        steps.iter().map(|_| Ok(StepOutcome::default())).collect()
    });
    let reconciler = Reconciler::new(Arc::new(MockAthmGateway::new()), Arc::new(store), clock());
    let rows = vec![crate::test_support::remote_completed(); Reconciler::BATCH + 44];
    let progress = Mutex::new(Vec::new());

    let summary = reconciler
        .reconcile(&rows, false, &|done, _| progress.lock().unwrap().push(done))
        .await;

    assert_eq!(*sizes.lock().unwrap(), vec![Reconciler::BATCH, 44]);
    assert_eq!(summary.skipped, rows.len());
    let progress = progress.into_inner().unwrap();
    assert_eq!(progress, (1..=rows.len()).collect::<Vec<_>>());
}
