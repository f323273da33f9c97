//! Fresh databases for the tests that need a given backend: a SQLite file,
//! or a uniquely named database on the PostgreSQL / MariaDB server named by
//! `ATHM_TEST_POSTGRES_URL` / `ATHM_TEST_MYSQL_URL` (skipped, with a printed
//! notice, when the variable is unset), dropped when the guard is.

use sea_orm::{ConnectionTrait, Database};

/// A database made for one test; [`TestDb::drop_now`] removes it.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    server: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A SQLite file in a temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        TestDb {
            url: crate::helpers::database_url(&dir),
            server: None,
            _dir: Some(dir),
        }
    }

    /// A fresh database on the server `$var` names, or `None` (with a notice) when unset.
    pub async fn on_server(var: &str, test: &str) -> Option<TestDb> {
        let Some(admin) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) else {
            eprintln!("NOTICE: {var} is not set: {test} is skipped on that backend");
            return None;
        };
        let name = format!("athm_it_{}", uuid::Uuid::new_v4().simple());
        let conn = Database::connect(admin.as_str())
            .await
            .expect("connect to the test server");
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        let _ = conn.close().await;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Some(TestDb {
            url: format!("{base}/{name}"),
            server: Some((admin.clone(), name)),
            _dir: None,
        })
    }

    /// Drops a server database (a SQLite file goes with its directory).
    pub async fn drop_now(self) {
        let Some((admin, name)) = self.server else {
            return;
        };
        let Ok(conn) = Database::connect(admin.as_str()).await else {
            return;
        };
        let sql = if admin.starts_with("postgres") {
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        } else {
            format!("DROP DATABASE IF EXISTS {name}")
        };
        if let Err(e) = conn.execute_unprepared(&sql).await {
            eprintln!("could not drop test database {name}: {e}");
        }
        let _ = conn.close().await;
    }
}
