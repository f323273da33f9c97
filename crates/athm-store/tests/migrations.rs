//! The migrations: idempotent, reversible, and upgrading an older schema in place.

use athm_domain::ports::{ListQuery, Store};
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
            .events_to_retry(10)
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
    assert!(store.events_to_retry(1).await.is_err(), "tables are gone");
    store.migrate().await.expect("up again");
    store.events_to_retry(1).await.expect("tables are back");
}
