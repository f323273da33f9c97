//! PaymentService: authorize, cancel, update_phone_number and the transaction report.

use std::sync::Arc;

use chrono::Duration;

use super::{expect_load, expect_steps, refused};
use crate::error::RuleError;
use crate::model::{LifecycleKind, PaymentStatus, PhoneNumber};
use crate::ports::{MockAthmGateway, MockStore, Operation};
use crate::services::{PaymentError, PaymentService};
use crate::test_support::{
    PAYMENT_REF, Row, clock, completed_payment, ecommerce_id, now, open_payment, payment_in,
    record, remote_completed,
};

fn service(gateway: MockAthmGateway, store: MockStore) -> PaymentService {
    PaymentService::new(Arc::new(gateway), Arc::new(store), clock())
}

fn phone() -> PhoneNumber {
    "(939) 555-0000".parse().expect("a valid phone")
}

#[tokio::test]
async fn authorize_completes_a_confirmed_payment_with_its_reference_number() {
    let row = Row::new(Some(record(payment_in(PaymentStatus::Confirm))));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_authorize()
        .withf(|token| token.expose() == "jwt-token")
        .times(1)
        .returning(|_| Ok(remote_completed()));
    let mut store = MockStore::new();
    expect_load(&mut store, row.record(), 1);
    expect_steps(&mut store, &row, 1);

    let payment = service(gateway, store)
        .authorize(&ecommerce_id())
        .await
        .unwrap();

    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!(payment.reference_number.unwrap().as_str(), PAYMENT_REF);
    let write = &row.writes()[0];
    assert_eq!(write.events.len(), 1);
    assert_eq!(write.events[0].kind, LifecycleKind::PaymentCompleted);
    assert!(write.client.is_some());
}

#[tokio::test]
async fn authorize_without_an_auth_token_is_refused_before_calling_ath_movil() {
    let mut payment = payment_in(PaymentStatus::Confirm);
    payment.auth_token = None;
    let mut gateway = MockAthmGateway::new();
    gateway.expect_authorize().never();
    let mut store = MockStore::new();
    expect_load(&mut store, Some(record(payment)), 1);
    store.expect_update_payment().never();

    let err = service(gateway, store)
        .authorize(&ecommerce_id())
        .await
        .unwrap_err();

    assert!(matches!(err, PaymentError::Rule(RuleError::NoAuthToken)));
}

#[tokio::test]
async fn authorizing_a_completed_payment_returns_it_without_calling_ath_movil() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_authorize().never();
    let mut store = MockStore::new();
    expect_load(&mut store, Some(record(completed_payment())), 1);
    store.expect_update_payment().never();

    let payment = service(gateway, store)
        .authorize(&ecommerce_id())
        .await
        .unwrap();

    assert_eq!(payment, completed_payment());
}

#[tokio::test]
async fn authorize_passes_on_btra_0032_for_a_payment_not_confirmed_and_writes_nothing() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_authorize()
        .times(1)
        .returning(|_| Err(refused(Operation::Authorize, "BTRA_0032")));
    let mut store = MockStore::new();
    expect_load(&mut store, Some(record(open_payment())), 1);
    store.expect_update_payment().never();

    let err = service(gateway, store)
        .authorize(&ecommerce_id())
        .await
        .unwrap_err();

    let PaymentError::Gateway(gateway_error) = err else {
        panic!("expected a gateway error, got {err:?}");
    };
    assert_eq!(gateway_error.code().unwrap().as_str(), "BTRA_0032");
}

#[tokio::test]
async fn authorize_of_an_unknown_payment_is_not_found() {
    let mut store = MockStore::new();
    expect_load(&mut store, None, 1);
    let err = service(MockAthmGateway::new(), store)
        .authorize(&ecommerce_id())
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::NotFound(_)));
}

#[tokio::test]
async fn cancel_cancels_an_open_or_confirmed_payment_at_ath_movil_and_here() {
    for status in [PaymentStatus::Open, PaymentStatus::Confirm] {
        let row = Row::new(Some(record(payment_in(status))));
        let mut gateway = MockAthmGateway::new();
        gateway
            .expect_cancel()
            .withf(|id| *id == ecommerce_id())
            .times(1)
            .returning(|_| Ok(()));
        let mut store = MockStore::new();
        expect_load(&mut store, row.record(), 1);
        expect_steps(&mut store, &row, 1);

        let payment = service(gateway, store)
            .cancel(&ecommerce_id())
            .await
            .unwrap();

        assert_eq!(payment.status, PaymentStatus::Cancel, "from {status}");
        let write = &row.writes()[0];
        assert_eq!(write.events[0].kind, LifecycleKind::PaymentCancelled);
        assert_eq!(write.client, None);
    }
}

#[tokio::test]
async fn cancel_of_a_completed_payment_is_refused_without_calling_ath_movil() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_cancel().never();
    let mut store = MockStore::new();
    expect_load(&mut store, Some(record(completed_payment())), 1);
    store.expect_update_payment().never();

    let err = service(gateway, store)
        .cancel(&ecommerce_id())
        .await
        .unwrap_err();

    assert!(matches!(
        err,
        PaymentError::Rule(RuleError::Transition {
            from: PaymentStatus::Completed,
            to: PaymentStatus::Cancel
        })
    ));
}

#[tokio::test]
async fn cancel_of_an_ended_payment_is_a_no_op_without_calling_ath_movil() {
    for status in [PaymentStatus::Cancel, PaymentStatus::Expired] {
        let mut gateway = MockAthmGateway::new();
        gateway.expect_cancel().never();
        let mut store = MockStore::new();
        expect_load(&mut store, Some(record(payment_in(status))), 1);
        store.expect_update_payment().never();

        let payment = service(gateway, store)
            .cancel(&ecommerce_id())
            .await
            .unwrap();

        assert_eq!(payment.status, status);
    }
}

#[tokio::test]
async fn cancel_writes_nothing_when_ath_movil_refuses() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_cancel()
        .returning(|_| Err(refused(Operation::Cancel, "BTRA_0037")));
    let mut store = MockStore::new();
    expect_load(&mut store, Some(record(open_payment())), 1);
    store.expect_update_payment().never();

    let err = service(gateway, store)
        .cancel(&ecommerce_id())
        .await
        .unwrap_err();

    assert!(matches!(err, PaymentError::Gateway(_)));
}

#[tokio::test]
async fn update_phone_number_points_an_open_payment_at_another_phone() {
    let row = Row::new(Some(record(open_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_update_phone_number()
        .withf(|id, p, token| {
            *id == ecommerce_id() && *p == phone() && token.expose() == "jwt-token"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mut store = MockStore::new();
    expect_load(&mut store, row.record(), 1);
    expect_steps(&mut store, &row, 1);

    let payment = service(gateway, store)
        .update_phone_number(&ecommerce_id(), phone())
        .await
        .unwrap();

    assert_eq!(payment.customer_phone, Some(phone()));
    assert_eq!(row.writes()[0].payment.customer_phone, Some(phone()));
    assert!(row.writes()[0].events.is_empty());
}

#[tokio::test]
async fn update_phone_number_is_refused_once_the_payment_is_not_open() {
    for status in [
        PaymentStatus::Confirm,
        PaymentStatus::Completed,
        PaymentStatus::Cancel,
        PaymentStatus::Expired,
    ] {
        let mut gateway = MockAthmGateway::new();
        gateway.expect_update_phone_number().never();
        let mut store = MockStore::new();
        expect_load(&mut store, Some(record(payment_in(status))), 1);
        store.expect_update_payment().never();

        let err = service(gateway, store)
            .update_phone_number(&ecommerce_id(), phone())
            .await
            .unwrap_err();

        assert!(matches!(err, PaymentError::Rule(RuleError::NotOpen(s)) if s == status));
    }
}

#[tokio::test]
async fn update_phone_number_needs_the_auth_token() {
    let mut payment = open_payment();
    payment.auth_token = None;
    let mut gateway = MockAthmGateway::new();
    gateway.expect_update_phone_number().never();
    let mut store = MockStore::new();
    expect_load(&mut store, Some(record(payment)), 1);

    let err = service(gateway, store)
        .update_phone_number(&ecommerce_id(), phone())
        .await
        .unwrap_err();

    assert!(matches!(err, PaymentError::Rule(RuleError::NoAuthToken)));
}

#[tokio::test]
async fn fetch_transaction_report_passes_the_range_to_ath_movil() {
    let (from, to) = (now() - Duration::days(1), now());
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_transaction_report()
        .withf(move |f, t| (*f, *t) == (from, to))
        .times(1)
        .returning(|_, _| Ok(vec![remote_completed()]));

    let rows = service(gateway, MockStore::new())
        .fetch_transaction_report(from, to)
        .await
        .unwrap();

    assert_eq!(rows, vec![remote_completed()]);
}
