//! PaymentWatcher: waiting payments are followed, authorized when approved, ended when over.

use std::sync::Arc;

use chrono::Duration;

use super::{expect_steps, refused};
use crate::model::{AthmTransaction, Payment, PaymentStatus};
use crate::ports::{GatewayError, MockAthmGateway, MockStore, Operation, StoreError};
use crate::services::{PaymentService, PaymentWatcher, WatchReport};
use crate::test_support::{
    Row, clock, ecommerce_id, open_payment, payment_in, record, remote_completed, remote_status,
};

type Answer = fn() -> Result<AthmTransaction, GatewayError>;

/// One watcher round over `payment` (created five minutes ago) with payments
/// younger than `min_age` left alone; findPayment answers `found`, authorization `authorized`.
async fn watch(
    payment: Payment,
    min_age: Duration,
    found: Answer,
    authorized: Option<Answer>,
) -> (WatchReport, Row) {
    let row = Row::new(Some(record(payment.clone())));
    let mut store = MockStore::new();
    store
        .expect_payments_in_status()
        .withf(|statuses, after, limit| {
            statuses == [PaymentStatus::Open, PaymentStatus::Confirm]
                && after.is_none()
                && *limit == 20
        })
        .times(1)
        .returning(move |_, _, _| Ok(vec![payment.clone()]));
    let reader = row.clone();
    store
        .expect_payment()
        .returning(move |_| Ok(reader.record()));
    expect_steps(&mut store, &row, 0..=2);
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().returning(move |_| found());
    match authorized {
        Some(answer) => {
            gateway
                .expect_authorize()
                .times(1)
                .returning(move |_| answer());
        }
        None => {
            gateway.expect_authorize().never();
        }
    }
    let store = Arc::new(store);
    let payments = PaymentService::new(Arc::new(gateway), store.clone(), clock());
    let report = PaymentWatcher::new(payments, store, clock(), min_age)
        .run_once(20)
        .await
        .unwrap();
    (report, row)
}

fn status_of(row: &Row) -> PaymentStatus {
    row.record().unwrap().payment.status
}

#[tokio::test]
async fn a_payment_the_customer_approved_is_authorized() {
    let (report, row) = watch(
        open_payment(),
        Duration::seconds(30),
        || Ok(remote_status("CONFIRM")),
        Some(|| Ok(remote_completed())),
    )
    .await;
    assert_eq!(
        report,
        WatchReport {
            checked: 1,
            authorized: 1,
            ended: 1,
            errors: vec![],
            took: Duration::zero(),
        }
    );
    assert_eq!(status_of(&row), PaymentStatus::Completed);
}

#[tokio::test]
async fn a_payment_younger_than_the_minimum_age_is_left_to_its_browser() {
    let (report, row) = watch(
        open_payment(),
        Duration::minutes(10),
        || panic!("findPayment must not be called"),
        None,
    )
    .await;
    assert_eq!(report, WatchReport::default());
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn a_payment_that_ended_at_ath_movil_is_counted_as_ended() {
    let (report, row) = watch(
        open_payment(),
        Duration::seconds(30),
        || Ok(remote_status("CANCEL")),
        None,
    )
    .await;
    assert_eq!((report.checked, report.ended), (1, 1));
    assert_eq!(status_of(&row), PaymentStatus::Cancel);
}

#[tokio::test]
async fn a_payment_still_open_stays_open_and_is_not_ended() {
    let (report, row) = watch(
        payment_in(PaymentStatus::Open),
        Duration::seconds(30),
        || Ok(remote_status("OPEN")),
        None,
    )
    .await;
    assert_eq!((report.checked, report.authorized, report.ended), (1, 0, 0));
    assert!(report.errors.is_empty());
    assert_eq!(status_of(&row), PaymentStatus::Open);
}

#[tokio::test]
async fn a_failed_check_or_authorization_is_reported_per_payment() {
    let (report, _) = watch(
        open_payment(),
        Duration::seconds(30),
        || Err(refused(Operation::FindPayment, "BTRA_9999")),
        None,
    )
    .await;
    assert_eq!(
        (report.checked, report.ended, report.errors.len()),
        (1, 0, 1)
    );
    assert!(report.errors[0].starts_with(&ecommerce_id().to_string()));

    let (report, row) = watch(
        open_payment(),
        Duration::seconds(30),
        || Ok(remote_status("CONFIRM")),
        Some(|| Err(refused(Operation::Authorize, "BTRA_0039"))),
    )
    .await;
    assert_eq!(
        (report.authorized, report.ended, report.errors.len()),
        (0, 0, 1)
    );
    assert!(report.errors[0].contains("BTRA_0039"));
    assert_eq!(status_of(&row), PaymentStatus::Confirm);
}

#[tokio::test]
async fn a_store_failure_while_listing_stops_the_round() {
    let mut store = MockStore::new();
    store
        .expect_payments_in_status()
        .returning(|_, _, _| Err(StoreError::Database("down".into())));
    let store = Arc::new(store);
    let payments = PaymentService::new(Arc::new(MockAthmGateway::new()), store.clone(), clock());

    let result = PaymentWatcher::new(payments, store, clock(), Duration::zero())
        .run_once(20)
        .await;

    assert!(result.is_err());
}

mod fairness;
