//! The Store conformance suite against every backend: SQLite (file and
//! in-memory) always; PostgreSQL when `ATHM_TEST_POSTGRES_URL` is set and
//! MySQL/MariaDB when `ATHM_TEST_MYSQL_URL` is set (each case gets a fresh,
//! uniquely named database on that server, dropped afterwards).

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod support;

use std::sync::Arc;

use athm_domain::ports::Store;
use athm_store::SqlStore;
use athm_store::conformance::run_all;

async fn migrated(url: &str) -> SqlStore {
    let store = SqlStore::connect(url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_passes_the_store_conformance_suite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut n = 0;
    run_all(|| {
        n += 1;
        let url = format!("sqlite://{}/athm-{n}.db", dir.path().display());
        async move { Arc::new(migrated(&url).await) as Arc<dyn Store> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_in_memory_passes_the_store_conformance_suite() {
    run_all(|| async { Arc::new(migrated("sqlite::memory:").await) as Arc<dyn Store> }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_the_store_conformance_suite() {
    let Some(server) = support::Server::from_env("ATHM_TEST_POSTGRES_URL") else {
        eprintln!("ATHM_TEST_POSTGRES_URL is not set: skipping PostgreSQL");
        return;
    };
    server.run_suite().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mysql_passes_the_store_conformance_suite() {
    let Some(server) = support::Server::from_env("ATHM_TEST_MYSQL_URL") else {
        eprintln!("ATHM_TEST_MYSQL_URL is not set: skipping MySQL/MariaDB");
        return;
    };
    server.run_suite().await;
}
