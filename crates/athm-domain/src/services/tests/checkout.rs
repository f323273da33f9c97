//! PaymentService: initiate, find_status and sync_status.

use std::sync::Arc;

use chrono::Duration;

use super::{expect_load, expect_steps, refused};
use crate::model::{AuthToken, LifecycleKind, PaymentStatus, RemoteStatus};
use crate::ports::{GatewayError, MockAthmGateway, MockStore, Operation, StoreError};
use crate::services::{PaymentError, PaymentService};
use crate::test_support::{
    PAYMENT_REF, Row, amount, clock, clock_at, ecommerce_id, now, open_payment, record,
    remote_completed, remote_status, request,
};

fn service(gateway: MockAthmGateway, store: MockStore) -> PaymentService {
    PaymentService::new(Arc::new(gateway), Arc::new(store), clock())
}

#[tokio::test]
async fn initiate_creates_the_payment_at_ath_movil_and_stores_it_open_with_its_token() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_create_payment()
        .withf(|r| *r == request())
        .times(1)
        .returning(|_| Ok((ecommerce_id(), AuthToken::new("jwt-token"))));
    let mut store = MockStore::new();
    store
        .expect_insert_payment()
        .withf(|p| {
            p.status == PaymentStatus::Open
                && p.ecommerce_id == ecommerce_id()
                && p.auth_token == Some(AuthToken::new("jwt-token"))
                && p.total == amount("25.00")
                && p.created_at == now()
        })
        .times(1)
        .returning(|_| Ok(()));

    let (payment, token) = service(gateway, store).initiate(request()).await.unwrap();

    assert_eq!(token.expose(), "jwt-token");
    assert_eq!(payment.status, PaymentStatus::Open);
    assert_eq!(payment.customer_phone.unwrap().as_str(), "7875551234");
}

#[tokio::test]
async fn initiate_refuses_a_tax_over_ath_movils_amount_format_before_calling_ath_movil() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_create_payment().never();
    let mut store = MockStore::new();
    store.expect_insert_payment().never();
    let mut bad = request();
    bad.tax = Some(amount("10000.00"));

    let err = service(gateway, store).initiate(bad).await.unwrap_err();

    assert!(
        matches!(err, PaymentError::Invalid(ref e) if e.field == "tax"),
        "{err:?}"
    );
}

#[tokio::test]
async fn initiate_stores_nothing_when_ath_movil_refuses() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_create_payment()
        .returning(|_| Err(refused(Operation::CreatePayment, "BTRA_0004")));
    let mut store = MockStore::new();
    store.expect_insert_payment().never();

    let err = service(gateway, store)
        .initiate(request())
        .await
        .unwrap_err();

    assert!(matches!(
        err,
        PaymentError::Gateway(GatewayError::Refused { .. })
    ));
}

#[tokio::test]
async fn initiate_reports_a_store_failure() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_create_payment()
        .returning(|_| Ok((ecommerce_id(), AuthToken::new("jwt-token"))));
    let mut store = MockStore::new();
    store.expect_insert_payment().returning(|p| {
        Err(StoreError::Duplicate {
            entity: "payment",
            key: p.ecommerce_id.to_string(),
        })
    });

    let err = service(gateway, store)
        .initiate(request())
        .await
        .unwrap_err();

    assert!(matches!(
        err,
        PaymentError::Store(StoreError::Duplicate { .. })
    ));
}

#[tokio::test]
async fn find_status_asks_ath_movil_and_changes_nothing_here() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .withf(|id| *id == ecommerce_id())
        .times(1)
        .returning(|_| Ok(remote_status("CONFIRM")));
    let store = MockStore::new(); // any store call would panic

    let status = service(gateway, store)
        .find_status(&ecommerce_id())
        .await
        .unwrap();

    assert_eq!(status, RemoteStatus::Confirm);
}

#[tokio::test]
async fn find_status_passes_gateway_failures_on() {
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .returning(|_| Err(refused(Operation::FindPayment, "BTRA_0031")));

    let err = service(gateway, MockStore::new())
        .find_status(&ecommerce_id())
        .await
        .unwrap_err();

    assert!(matches!(err, PaymentError::Gateway(_)));
}

/// Syncs an OPEN payment created five minutes ago against `remote`, at `at`.
async fn sync(remote: &'static str, at: chrono::DateTime<chrono::Utc>) -> (Row, SyncResult) {
    let row = Row::new(Some(record(open_payment())));
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().times(1).returning(move |_| {
        Ok(if remote == "COMPLETED" {
            remote_completed()
        } else {
            remote_status(remote)
        })
    });
    let mut store = MockStore::new();
    let reader = row.clone();
    store
        .expect_payment()
        .returning(move |_| Ok(reader.record()));
    expect_steps(&mut store, &row, 1);
    let result = PaymentService::new(Arc::new(gateway), Arc::new(store), clock_at(at))
        .sync_status(&ecommerce_id())
        .await;
    (row, result.map(|p| p.status))
}

type SyncResult = Result<PaymentStatus, PaymentError>;

#[tokio::test]
async fn sync_status_records_the_customer_s_confirmation() {
    let (row, status) = sync("CONFIRM", now()).await;
    assert_eq!(status.unwrap(), PaymentStatus::Confirm);
    let writes = row.writes();
    assert_eq!(writes.len(), 1);
    assert!(writes[0].events.is_empty());
    assert_eq!(writes[0].client, None);
}

#[tokio::test]
async fn sync_status_records_a_cancel_within_the_timeout_as_cancelled() {
    let (row, status) = sync("CANCEL", now()).await;
    assert_eq!(status.unwrap(), PaymentStatus::Cancel);
    let kinds: Vec<_> = row.writes()[0].events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LifecycleKind::PaymentCancelled]);
}

#[tokio::test]
async fn sync_status_reads_cancel_past_the_timeout_as_expired() {
    // created five minutes before now(); the default timeout is ten minutes
    let (row, status) = sync("CANCEL", now() + Duration::minutes(6)).await;
    assert_eq!(status.unwrap(), PaymentStatus::Expired);
    let kinds: Vec<_> = row.writes()[0].events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LifecycleKind::PaymentExpired]);
}

#[tokio::test]
async fn sync_status_completes_with_the_details_the_client_and_one_lifecycle_event() {
    let (row, status) = sync("COMPLETED", now()).await;
    assert_eq!(status.unwrap(), PaymentStatus::Completed);
    let write = &row.writes()[0];
    assert_eq!(
        write.payment.reference_number.as_ref().unwrap().as_str(),
        PAYMENT_REF
    );
    assert_eq!(write.payment.fee, Some(amount("0.07")));
    assert_eq!(write.events.len(), 1);
    assert_eq!(write.events[0].kind, LifecycleKind::PaymentCompleted);
    let client = write.client.as_ref().unwrap();
    assert_eq!(
        (client.phone.as_str(), client.name.as_str()),
        ("7875551234", "Test Customer")
    );
}

#[tokio::test]
async fn sync_status_writes_nothing_when_ath_movil_still_says_open() {
    let (row, status) = sync("OPEN", now()).await;
    assert_eq!(status.unwrap(), PaymentStatus::Open);
    assert!(row.writes().is_empty());
}

#[tokio::test]
async fn sync_status_of_an_unknown_payment_is_not_found_without_asking_ath_movil() {
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().never();
    let mut store = MockStore::new();
    expect_load(&mut store, None, 1);

    let err = service(gateway, store)
        .sync_status(&ecommerce_id())
        .await
        .unwrap_err();

    assert!(matches!(err, PaymentError::NotFound(ref id) if *id == ecommerce_id().to_string()));
}

/// A start whose claim a later start took over as stale (this one was only
/// slow) records nothing and cancels its payment at ATH Móvil: the
/// checkout keeps the later start's payment alone.
#[tokio::test]
async fn a_start_that_lost_its_stale_claim_cancels_its_payment_and_records_nothing() {
    use crate::error::RuleError;
    use crate::model::CheckoutKey;
    let mut store = MockStore::new();
    store.expect_checkout_attempt().returning(|_| Ok(None));
    store
        .expect_claim_checkout()
        .withf(|_, attempt, over_stale, _| *attempt == 0 && !over_stale)
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    store
        .expect_insert_checkout_payment()
        .times(1)
        .returning(|_, _, _| {
            Err(StoreError::NotFound {
                entity: "claimed checkout attempt",
                key: "slow #0".into(),
            })
        });
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_create_payment()
        .times(1)
        .returning(|_| Ok((ecommerce_id(), AuthToken::new("jwt-token"))));
    gateway
        .expect_cancel()
        .withf(|id| *id == ecommerce_id())
        .times(1)
        .returning(|_| Ok(()));

    let answer = service(gateway, store)
        .start_checkout(&CheckoutKey::digest(b"slow"), request())
        .await;

    assert!(
        matches!(answer, Err(PaymentError::Rule(RuleError::CheckoutStarting))),
        "{answer:?}"
    );
}

/// A claim with no payment older than the lease belongs to a start presumed
/// dead: the next attempt is claimed over it (fencing it), not beside it.
#[tokio::test]
async fn a_claim_older_than_its_lease_is_taken_over_and_a_younger_one_waits() {
    use crate::model::CheckoutKey;
    use crate::ports::CheckoutAttempt;
    let lease = Duration::seconds(PaymentService::CHECKOUT_CLAIM_LEASE_SECS);
    for (age, takes_over) in [
        (lease + Duration::seconds(1), true),
        (lease - Duration::seconds(1), false),
    ] {
        let mut store = MockStore::new();
        store.expect_checkout_attempt().returning(move |_| {
            Ok(Some(CheckoutAttempt {
                attempt: 3,
                claimed_at: now() - age,
                payment: None,
            }))
        });
        store
            .expect_claim_checkout()
            .withf(|_, attempt, over_stale, _| *attempt == 4 && *over_stale)
            .times(usize::from(takes_over))
            .returning(|_, _, _, _| Ok(()));
        store
            .expect_insert_checkout_payment()
            .times(usize::from(takes_over))
            .returning(|_, _, _| Ok(()));
        let mut gateway = MockAthmGateway::new();
        gateway
            .expect_create_payment()
            .times(usize::from(takes_over))
            .returning(|_| Ok((ecommerce_id(), AuthToken::new("jwt-token"))));

        let answer = service(gateway, store)
            .start_checkout(&CheckoutKey::digest(b"quiet"), request())
            .await;

        assert_eq!(answer.is_ok(), takes_over, "age {age}: {answer:?}");
    }
}
