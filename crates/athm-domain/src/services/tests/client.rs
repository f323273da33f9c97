//! ClientService: customers recorded by phone number.

use std::sync::Arc;

use crate::model::Client;
use crate::ports::{MockStore, StoreError};
use crate::services::{ClientError, ClientService};
use crate::test_support::{clock, now};

fn service(store: MockStore) -> ClientService {
    ClientService::new(Arc::new(store), clock())
}

#[tokio::test]
async fn an_empty_phone_means_no_client_and_no_store_call() {
    for phone in ["", "   "] {
        let client = service(MockStore::new())
            .get_or_update(phone, "Ana", "ana@example.com")
            .await
            .unwrap();
        assert_eq!(client, None);
    }
}

#[tokio::test]
async fn an_invalid_phone_is_refused_naming_the_field() {
    let err = service(MockStore::new())
        .get_or_update("787-ABC-4567", "Ana", "")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Invalid(ref e) if e.field == "phoneNumber"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_client_is_upserted_by_normalised_phone_with_trimmed_name_and_email() {
    let mut store = MockStore::new();
    store
        .expect_upsert_client()
        .withf(|update, at| {
            update.phone.as_str() == "7871234567"
                && update.name == "Ana Ruiz"
                && update.email == "ana@example.com"
                && *at == now()
        })
        .times(1)
        .returning(|update, at| Ok(Client::new(update, at)));

    let client = service(store)
        .get_or_update("(787) 123-4567", " Ana Ruiz ", "ana@example.com ")
        .await
        .unwrap()
        .unwrap();

    assert_eq!(client.phone.as_str(), "7871234567");
    assert_eq!(client.name, "Ana Ruiz");
}

#[tokio::test]
async fn a_store_failure_is_reported() {
    let mut store = MockStore::new();
    store
        .expect_upsert_client()
        .returning(|_, _| Err(StoreError::Database("down".into())));

    let err = service(store)
        .get_or_update("7871234567", "", "")
        .await
        .unwrap_err();

    assert!(matches!(err, ClientError::Store(_)));
}
