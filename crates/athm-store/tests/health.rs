//! `AdminQueries::ping` (what `/healthz` and `athm doctor` ask) fails on a
//! database that answers but refuses writes, on every backend: a SQLite
//! file opened read-only, a PostgreSQL database whose transactions are
//! read-only (as on a replica), a MariaDB user that may only read.

// A test states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod support;

use athm_domain::ports::AdminQueries;
use athm_store::SqlStore;
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn sqlite_read_only_is_not_healthy() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite://{}/athm.db?mode=rwc", dir.path().display());
    let store = SqlStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store.ping().await.expect("a writable file is healthy");

    let read_only = SqlStore::connect(&url.replace("mode=rwc", "mode=ro"))
        .await
        .expect("connect read-only");
    let error = read_only.ping().await.expect_err("refuses writes");
    assert!(error.to_string().contains("write"), "{error}");
}

#[tokio::test]
async fn postgres_read_only_is_not_healthy() {
    let Some(mut server) = support::Server::from_env("ATHM_TEST_POSTGRES_URL") else {
        eprintln!("ATHM_TEST_POSTGRES_URL is not set: skipping PostgreSQL");
        return;
    };
    let (store, name) = server.fresh_store().await;
    store.ping().await.expect("a writable database is healthy");
    store
        .connection()
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = on"
        ))
        .await
        .expect("make the database read-only");
    let read_only = SqlStore::connect(&server.database_url(&name))
        .await
        .expect("connect");
    let result = read_only.ping().await;
    drop((store, read_only));
    server.drop_database(&name).await;
    let error = result.expect_err("refuses writes");
    assert!(error.to_string().contains("read-only"), "{error}");
}

#[tokio::test]
async fn mariadb_user_who_may_only_read_is_not_healthy() {
    let Some(mut server) = support::Server::from_env("ATHM_TEST_MYSQL_URL") else {
        eprintln!("ATHM_TEST_MYSQL_URL is not set: skipping MySQL/MariaDB");
        return;
    };
    let (store, name) = server.fresh_store().await;
    store.ping().await.expect("a writable database is healthy");
    let user = format!("r{}", &name[name.len() - 12..]);
    for sql in [
        format!("CREATE USER '{user}'@'%'"),
        format!("GRANT SELECT ON {name}.* TO '{user}'@'%'"),
    ] {
        store
            .connection()
            .execute_unprepared(&sql)
            .await
            .expect("a read-only user");
    }
    let admin_url = server_url("ATHM_TEST_MYSQL_URL");
    let (scheme, rest) = admin_url.split_once("://").expect("a URL");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    let host = host.split_once('/').map_or(host, |(host, _)| host);
    let read_only = SqlStore::connect(&format!("{scheme}://{user}@{host}/{name}"))
        .await
        .expect("connect as the read-only user");
    let result = read_only.ping().await;
    drop(read_only);
    let _ = store
        .connection()
        .execute_unprepared(&format!("DROP USER '{user}'@'%'"))
        .await;
    drop(store);
    server.drop_database(&name).await;
    let error = result.expect_err("refuses writes");
    assert!(error.to_string().contains("write"), "{error}");
}

fn server_url(var: &str) -> String {
    std::env::var(var).expect("set")
}
