//! Create, confirm, authorize, cancel, expire, update the phone.

use std::time::Duration;

use athm_client::WaitError;
use athm_domain::ports::{AthmGateway, ErrorClass};
use athm_domain::{PaymentTimeout, PhoneNumber, RemoteStatus, TransactionType};

use crate::helpers::{code, request, spawn};

#[tokio::test]
async fn a_full_checkout_ends_completed_with_a_reference_number() {
    let env = spawn().await;
    let (id, token) = env.create("25.00").await;
    let open = env.find(id).await;
    assert_eq!(open.status, RemoteStatus::Open);
    assert_eq!(open.transaction_type, TransactionType::Ecommerce);
    assert_eq!(open.reference_number, None);
    assert_eq!(open.metadata_1, "Order #12345");
    assert_eq!(open.items.len(), 1);

    let sandbox = env.sandbox.handle();
    let confirmer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        sandbox
            .confirm(id.uuid(), Default::default())
            .expect("confirmed");
    });
    let confirmed = env
        .client
        .wait_for_confirmation(&id, Duration::from_secs(5), Duration::from_millis(50))
        .await
        .expect("the customer confirms");
    confirmer.await.expect("confirmer ran");
    assert_eq!(confirmed.status, RemoteStatus::Confirm);

    let completed = env.client.authorize(&token).await.expect("authorized");
    assert_eq!(completed.status, RemoteStatus::Completed);
    assert!(completed.reference_number.is_some());
    assert_eq!(completed.total.expect("total").to_string(), "25.00");
    let found = env.find(id).await;
    assert_eq!(found.status, RemoteStatus::Completed);
    assert_eq!(found.reference_number, completed.reference_number);
    assert!(found.fee.is_some() && found.net_amount.is_some());
}

#[tokio::test]
async fn authorizing_before_the_customer_confirms_is_refused_with_btra_0032() {
    let env = spawn().await;
    let (_, token) = env.create("5.00").await;
    let error = env.client.authorize(&token).await.unwrap_err();
    assert_eq!(code(&error), "BTRA_0032");
    assert_eq!(error.code().map(|c| c.class()), Some(ErrorClass::State));
    assert!(error.is_definitive());
}

#[tokio::test]
async fn a_cancelled_payment_reads_cancel_and_ends_the_wait() {
    let env = spawn().await;
    let (id, token) = env.create("5.00").await;
    env.client.cancel(&id).await.expect("cancelled");
    assert_eq!(env.find(id).await.status, RemoteStatus::Cancelled);
    let ended = env
        .client
        .wait_for_confirmation(&id, Duration::from_secs(2), Duration::from_millis(20))
        .await
        .unwrap_err();
    assert!(
        matches!(&ended, WaitError::Ended(t) if t.status == RemoteStatus::Cancelled),
        "{ended:?}"
    );
    assert!(env.client.authorize(&token).await.is_err());
}

#[tokio::test]
async fn a_payment_past_its_timeout_expires_and_late_authorization_gets_btra_0039() {
    let env = spawn().await;
    let mut short = request("5.00");
    short.timeout = PaymentTimeout::new(120).expect("a timeout");
    let (open_id, _) = env.client.create_payment(&short).await.expect("created");
    let (confirmed_id, token) = env.client.create_payment(&short).await.expect("created");
    env.confirm(confirmed_id);
    env.sandbox.advance_clock(Duration::from_secs(121));

    assert_eq!(env.find(open_id).await.status, RemoteStatus::Cancelled);
    let ended = env
        .client
        .wait_for_confirmation(&open_id, Duration::from_secs(2), Duration::from_millis(20))
        .await
        .unwrap_err();
    assert!(matches!(ended, WaitError::Ended(_)), "{ended:?}");
    let late = env.client.authorize(&token).await.unwrap_err();
    assert_eq!(code(&late), "BTRA_0039");
}

#[tokio::test]
async fn waiting_for_a_customer_who_never_answers_times_out() {
    let env = spawn().await;
    let (id, _) = env.create("5.00").await;
    let error = env
        .client
        .wait_for_confirmation(&id, Duration::from_millis(300), Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            WaitError::TimedOut {
                last: Some(RemoteStatus::Open),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_phone_of_an_open_payment_can_be_changed_once_per_number() {
    let env = spawn().await;
    let (id, token) = env.create("5.00").await;
    let phone: PhoneNumber = "7875551234".parse().expect("a phone");
    env.client
        .update_phone_number(&id, &phone, &token)
        .await
        .expect("updated");
    let stored = env.sandbox.payment(id.uuid()).expect("stored");
    assert_eq!(stored.phone_number.as_deref(), Some("7875551234"));

    let again = env
        .client
        .update_phone_number(&id, &phone, &token)
        .await
        .unwrap_err();
    assert_eq!(code(&again), "BTRA_0041");

    env.confirm(id);
    let other: PhoneNumber = "7870001111".parse().expect("a phone");
    let late = env
        .client
        .update_phone_number(&id, &other, &token)
        .await
        .unwrap_err();
    assert_eq!(code(&late), "BTRA_0037");
}
