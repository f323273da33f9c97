//! Reconciler on report rows as production sends them: no ecommerceId, a
//! reference number with a trailing space, a formatted phone. A row whose
//! reference is unknown here is matched to a waiting payment only when
//! findPayment says so; anything else is a payment made elsewhere.

use std::sync::Arc;

use serde_json::json;

use crate::model::{AthmTransaction, EcommerceId, Payment, PaymentStatus};
use crate::ports::{MockAthmGateway, MockStore, PaymentKey};
use crate::services::waiting::MAX_ASKED;
use crate::services::{ReconcileSummary, Reconciler, RowOutcome};
use crate::test_support::{
    PAYMENT_REF, Row, clock, open_payment, payment_in, record, reference, remote_completed,
    remote_status,
};

/// A completed ECOMMERCE row as the report has it (the captured shape).
fn production_row(total: f64) -> AthmTransaction {
    AthmTransaction::from_json(&json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED", "date": "2025-12-08 16:30:49.0",
        "referenceNumber": format!("{PAYMENT_REF} "), "dailyTransactionID": 33,
        "name": "Valeria Herrero", "phoneNumber": "(787) 555-1234", "email": "valher@gmail.com",
        "message": "", "total": total, "tax": 0.0, "subtotal": 0.0, "fee": 0.07,
        "netAmount": total - 0.07, "totalRefundAmount": 0.0, "metadata1": "", "metadata2": "",
        "items": []
    }))
    .expect("the captured shape parses")
}

fn waiting(n: u128) -> Payment {
    Payment {
        ecommerce_id: EcommerceId::new(uuid::Uuid::from_u128(n)),
        ..open_payment()
    }
}

/// A store holding `payments` (none known by the row's reference), whose
/// steps apply to `rows` by ecommerce id.
fn store(payments: Vec<Payment>, rows: Arc<Vec<Row>>) -> MockStore {
    let mut store = MockStore::new();
    store.expect_payment().returning(|key| match key {
        PaymentKey::Reference(r) if r.as_str() == PAYMENT_REF => Ok(None),
        other => panic!("unexpected read of {other:?}"),
    });
    store.expect_record_unlinked().returning(|_| Ok(true));
    store
        .expect_payments_in_status()
        .times(1)
        .returning(move |_, _, _| Ok(payments.clone()));
    store.expect_update_payments().returning(move |steps| {
        steps
            .iter()
            .map(|s| {
                let row = rows
                    .iter()
                    .find(|r| r.is_named_by(&s.key))
                    .expect("a step on a stored payment");
                row.apply(&*s.decide)
            })
            .collect()
    });
    store
}

async fn reconcile(
    gateway: MockAthmGateway,
    store: MockStore,
    rows: &[AthmTransaction],
) -> (ReconcileSummary, Vec<RowOutcome>) {
    let reconciler = Reconciler::new(Arc::new(gateway), Arc::new(store), clock());
    let outcomes = std::sync::Mutex::new(Vec::new());
    let summary = reconciler
        .reconcile(rows, false, &|_, o| {
            outcomes.lock().unwrap().push(o.clone())
        })
        .await;
    (summary, outcomes.into_inner().unwrap())
}

#[tokio::test]
async fn a_payment_completed_there_while_open_here_is_completed_by_its_report_row() {
    let rows = Arc::new(vec![Row::new(Some(record(open_payment())))]);
    let mut gateway = MockAthmGateway::new();
    // findPayment answers without the customer, as production does.
    gateway.expect_find_payment().times(1).returning(|_| {
        let mut remote = remote_completed();
        remote.customer_name.clear();
        Ok(remote)
    });

    let (summary, _) = reconcile(
        gateway,
        store(vec![open_payment()], rows.clone()),
        &[production_row(25.0)],
    )
    .await;

    assert_eq!(summary.updated, 1, "{summary:?}");
    let payment = rows[0].record().unwrap().payment;
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(payment.reference_number, Some(reference(PAYMENT_REF)));
    assert_eq!(
        payment.customer_name, "Valeria Herrero",
        "the row's customer data fills in"
    );
}

#[tokio::test]
async fn of_two_waiting_payments_that_fit_findpayment_names_the_one() {
    let (first, second) = (waiting(1), waiting(2));
    let rows = Arc::new(vec![
        Row::new(Some(record(first.clone()))),
        Row::new(Some(record(second.clone()))),
    ]);
    let second_id = second.ecommerce_id;
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().times(2).returning(move |id| {
        Ok(if *id == second_id {
            remote_completed()
        } else {
            remote_status("OPEN")
        })
    });

    let (summary, _) = reconcile(
        gateway,
        store(vec![first, second], rows.clone()),
        &[production_row(25.0)],
    )
    .await;

    assert_eq!((summary.updated, summary.elsewhere.len()), (1, 0));
    assert_eq!(
        rows[0].record().unwrap().payment.status,
        PaymentStatus::Open
    );
    assert_eq!(
        rows[1].record().unwrap().payment.status,
        PaymentStatus::Completed
    );
}

#[tokio::test]
async fn a_row_no_payment_here_fits_was_made_elsewhere_and_costs_no_call() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().never();

    let (summary, outcomes) = reconcile(
        gateway,
        store(vec![open_payment()], Arc::new(Vec::new())),
        &[production_row(7.0)],
    )
    .await;

    assert_eq!(summary.elsewhere.len(), 1);
    assert!(
        matches!(&outcomes[0], RowOutcome::Elsewhere(why) if why.contains(PAYMENT_REF) && why.contains("7.00") && why.contains("Valeria Herrero, 7875551234")),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn a_candidate_findpayment_does_not_confirm_is_left_as_it_is() {
    let rows = Arc::new(vec![Row::new(Some(record(open_payment())))]);
    let mut gateway = MockAthmGateway::new();
    // ATH Móvil completed it under another reference: not this row's payment.
    gateway.expect_find_payment().times(1).returning(|_| {
        let mut other = remote_completed();
        other.reference_number = Some(reference("99999999-0000ffff"));
        Ok(other)
    });

    let (summary, _) = reconcile(
        gateway,
        store(vec![open_payment()], rows.clone()),
        &[production_row(25.0)],
    )
    .await;

    assert_eq!((summary.updated, summary.elsewhere.len()), (0, 1));
    assert!(rows[0].writes().is_empty());
}

#[tokio::test]
async fn more_fitting_payments_than_athm_asks_about_go_to_a_person() {
    let many: Vec<Payment> = (1..=MAX_ASKED as u128 + 1).map(waiting).collect();
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().never();

    let (summary, _) = reconcile(
        gateway,
        store(many, Arc::new(Vec::new())),
        &[production_row(25.0)],
    )
    .await;

    assert_eq!(summary.unmatched.len(), 1);
    assert!(
        summary.unmatched[0].contains("find it by its metadata"),
        "{summary:?}"
    );
}

#[test]
fn a_waiting_payment_could_be_a_row_of_its_total_metadata_phone_and_time_only() {
    let row = production_row(25.0);
    assert!(open_payment().could_be(&row));
    assert!(
        payment_in(PaymentStatus::Expired).could_be(&row),
        "expired here, completed there"
    );
    let mut other_total = open_payment();
    other_total.total = "24.00".parse().unwrap();
    let mut other_metadata = open_payment();
    other_metadata.metadata_1 = crate::model::Metadata::lossy("order 7");
    let mut other_phone = open_payment();
    other_phone.customer_phone = Some("7875550000".parse().unwrap());
    let mut too_old = open_payment();
    too_old.created_at -= chrono::Duration::minutes(30);
    let mut known = open_payment();
    known.reference_number = Some(reference("99999999-0000ffff"));
    for (what, payment) in [
        ("total", other_total),
        ("metadata", other_metadata),
        ("phone", other_phone),
        ("time", too_old),
        ("reference", known),
        ("status", payment_in(PaymentStatus::Completed)),
    ] {
        assert!(!payment.could_be(&row), "another {what} is not a candidate");
    }
}
