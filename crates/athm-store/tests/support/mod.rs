//! Fresh databases on a PostgreSQL or MySQL/MariaDB server for tests.

#![allow(dead_code)]

use std::sync::Arc;

use athm_domain::ports::Store;
use athm_store::SqlStore;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// A server named by an environment variable's URL.
pub struct Server {
    url: String,
    admin: Option<DatabaseConnection>,
}

impl Server {
    /// The server at `$var`, if set.
    pub fn from_env(var: &str) -> Option<Server> {
        let url = std::env::var(var).ok().filter(|u| !u.trim().is_empty())?;
        Some(Server { url, admin: None })
    }

    async fn admin(&mut self) -> &DatabaseConnection {
        if self.admin.is_none() {
            let db = Database::connect(self.url.as_str())
                .await
                .expect("connect to the test server");
            self.admin = Some(db);
        }
        self.admin.as_ref().expect("just connected")
    }

    /// Creates a uniquely named database and returns its URL and name.
    pub async fn create_database(&mut self) -> (String, String) {
        let name = format!("athm_test_{}", uuid::Uuid::new_v4().simple());
        let admin = self.admin().await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        (self.database_url(&name), name)
    }

    /// The URL of database `name` on this server.
    pub fn database_url(&self, name: &str) -> String {
        let base = self
            .url
            .rsplit_once('/')
            .map_or(self.url.as_str(), |(b, _)| b);
        format!("{base}/{name}")
    }

    /// Drops a database made by [`Server::create_database`].
    pub async fn drop_database(&mut self, name: &str) {
        let admin = self.admin().await;
        let sql = match admin.get_database_backend() {
            DbBackend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {name}"),
        };
        if let Err(e) = admin.execute_unprepared(&sql).await {
            eprintln!("could not drop test database {name}: {e}");
        }
    }

    /// A migrated store on a fresh database.
    pub async fn fresh_store(&mut self) -> (SqlStore, String) {
        let (url, name) = self.create_database().await;
        let store = SqlStore::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        (store, name)
    }

    /// Runs the conformance suite, one fresh database per case; each
    /// case's connections are closed when it ends (the server's connection
    /// limit is shared by every case), and the databases are dropped even
    /// when a case fails.
    pub async fn run_suite(mut self) {
        let mut made = Vec::new();
        let mut failure = None;
        for case in athm_store::conformance::cases() {
            eprintln!("store conformance: {}", case.name);
            let (store, name) = self.fresh_store().await;
            made.push(name);
            let run = tokio::spawn((case.run)(Arc::new(store.clone()) as Arc<dyn Store>)).await;
            let _ = store.connection().clone().close().await;
            if let Err(e) = run {
                failure = Some(e);
                break;
            }
        }
        for name in made {
            self.drop_database(&name).await;
        }
        if let Some(e) = failure {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}
