//! A SQLite file is opened with the settings `connect.rs` documents: WAL,
//! `synchronous = FULL` (a 200 means durable), statement journals in
//! memory, foreign keys on, and a checkpoint every 10,000 WAL pages.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use athm_store::SqlStore;
use sea_orm::{ConnectionTrait, Statement};

async fn pragma(store: &SqlStore, name: &str) -> String {
    let db = store.connection();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("PRAGMA {name}"),
        ))
        .await
        .expect("the pragma answers")
        .expect("one row");
    row.try_get_by_index::<i64>(0)
        .map(|n| n.to_string())
        .or_else(|_| row.try_get_by_index::<String>(0))
        .expect("a number or a text")
}

#[tokio::test]
async fn a_sqlite_file_is_durable_wal_with_memory_statement_journals() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/athm.db", dir.path().display());
    let store = SqlStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");

    assert_eq!(pragma(&store, "journal_mode").await, "wal");
    assert_eq!(pragma(&store, "synchronous").await, "2", "FULL");
    assert_eq!(pragma(&store, "temp_store").await, "2", "MEMORY");
    assert_eq!(pragma(&store, "foreign_keys").await, "1");
    assert_eq!(pragma(&store, "wal_autocheckpoint").await, "10000");
}
