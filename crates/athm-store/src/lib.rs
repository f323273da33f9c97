//! The SQL persistence adapter of athm: [`SqlStore`] implements the
//! [`athm_domain::ports::Store`] port over SeaORM for SQLite (embedded, the
//! default), PostgreSQL and MySQL/MariaDB from one code base.
//!
//! ```no_run
//! # async fn run() -> Result<(), athm_domain::ports::StoreError> {
//! let store = athm_store::SqlStore::connect("sqlite://athm.db").await?;
//! store.migrate().await?;
//! # Ok(()) }
//! ```
//!
//! Money is stored as integer cents, ids as UUID strings, times as UTC with
//! microseconds; see `docs/persistence.md` for the schema and the locking
//! on each backend. With the `conformance` feature, the `conformance` module
//! holds the test suite every `Store` adapter must pass: `SqlStore` runs it
//! against each backend, and an adapter of your own can run it too.
#![deny(missing_docs)]

#[cfg(feature = "conformance")]
pub mod conformance;
mod convert;
pub mod entities;
pub mod migrations;
mod store;

pub use migrations::Migrator;
pub use store::SqlStore;
