//! The migrations: idempotent, reversible, and upgrading an older schema in place.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod support;

use athm_domain::ports::ListQuery;
use athm_domain::ports::{AdminQueries, Outbox, WebhookInbox};
use athm_store::{Migrator, SqlStore};
use sea_orm_migration::MigratorTrait;

async fn store() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/athm.db", dir.path().display());
    let store = SqlStore::connect(&url).await.expect("connect");
    (dir, store)
}

#[tokio::test]
async fn connect_creates_a_missing_sqlite_file_and_migrate_twice_is_harmless() {
    let (dir, store) = store().await;
    assert!(dir.path().join("athm.db").exists());
    store.migrate().await.expect("first migration");
    store.migrate().await.expect("second migration is a no-op");
    store.ping().await.expect("ping");
    let page = store
        .list_payments(&ListQuery::default())
        .await
        .expect("list");
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn a_database_made_by_an_older_migration_set_upgrades_in_place() {
    let (_dir, store) = store().await;
    Migrator::up(store.connection(), Some(2))
        .await
        .expect("the first two");
    let pending = Migrator::get_pending_migrations(store.connection())
        .await
        .expect("pending");
    assert_eq!(pending.len(), Migrator::migrations().len() - 2);
    store.migrate().await.expect("upgrade");
    assert!(
        Migrator::get_pending_migrations(store.connection())
            .await
            .expect("pending")
            .is_empty()
    );
    assert_eq!(
        store
            .claim_events_to_retry(
                10,
                chrono::Utc::now(),
                chrono::Utc::now(),
                chrono::Duration::seconds(60),
            )
            .await
            .expect("a later table exists"),
        vec![]
    );
}

#[tokio::test]
async fn every_migration_can_be_rolled_back_and_reapplied() {
    let (_dir, store) = store().await;
    store.migrate().await.expect("up");
    Migrator::down(store.connection(), None)
        .await
        .expect("down");
    let claim = |store: &SqlStore| {
        let store = store.clone();
        async move {
            store
                .claim_lifecycle_events(1, chrono::Utc::now(), chrono::Duration::seconds(60))
                .await
        }
    };
    assert!(claim(&store).await.is_err(), "tables are gone");
    store.migrate().await.expect("up again");
    claim(&store).await.expect("tables are back");
}

/// Rolls the last migration back and forward on a migrated database: its
/// `down` undoes exactly what its `up` did, data in the tables survives.
async fn the_last_migration_rolls_back_and_forward(store: &SqlStore) {
    store.migrate().await.expect("up");
    let event = athm_store::conformance::fixtures::webhook_event("k", None, 0);
    store.insert_webhook_event(&event).await.expect("insert");
    Migrator::down(store.connection(), Some(1))
        .await
        .expect("down one");
    assert_eq!(
        Migrator::get_pending_migrations(store.connection())
            .await
            .expect("pending")
            .len(),
        1
    );
    store.migrate().await.expect("up again");
    let claimed = store
        .claim_events_to_retry(
            10,
            chrono::Utc::now(),
            chrono::Utc::now(),
            chrono::Duration::seconds(60),
        )
        .await
        .expect("claim");
    assert_eq!(claimed, vec![event], "the row survived the round trip");
}

#[tokio::test]
async fn the_last_migration_rolls_back_and_forward_on_sqlite() {
    let (_dir, store) = store().await;
    the_last_migration_rolls_back_and_forward(&store).await;
}

#[tokio::test]
async fn the_last_migration_rolls_back_and_forward_on_postgres_and_mysql() {
    for var in ["ATHM_TEST_POSTGRES_URL", "ATHM_TEST_MYSQL_URL"] {
        let Some(mut server) = support::Server::from_env(var) else {
            eprintln!("{var} is not set: skipping that backend");
            continue;
        };
        let (url, name) = server.create_database().await;
        let store = SqlStore::connect(&url).await.expect("connect");
        the_last_migration_rolls_back_and_forward(&store).await;
        let _ = store.connection().clone().close().await;
        server.drop_database(&name).await;
    }
}

#[tokio::test]
async fn pending_migrations_are_reported_without_being_applied() {
    let (_dir, store) = store().await;
    let all = Migrator::migrations().len();

    let before = store.pending_migrations().await.expect("pending");
    let still = store.pending_migrations().await.expect("pending again");
    store.migrate().await.expect("migrate");
    let after = store.pending_migrations().await.expect("pending after");

    assert_eq!(before.len(), all);
    assert_eq!(still, before, "reporting applies nothing");
    assert!(before[0].starts_with("m20261127_000001"), "{before:?}");
    assert!(after.is_empty());
}
