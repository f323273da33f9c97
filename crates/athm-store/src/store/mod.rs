//! [`SqlStore`]: every store role (`athm_domain::ports::Store`) over SeaORM. One module per concern;
//! this one holds the connection, its settings per backend, and the
//! dispatch of the port's methods.

mod checkouts;
mod clients;
mod connect;
pub(crate) mod error;
mod event_claims;
mod listing;
mod outbox;
mod payments;
mod refunds;
mod step;
mod unlinked;
mod update;
mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;
use athm_domain::ports::{
    AdminQueries, CheckoutAttempt, ClientStore, Decide, FlaggedEvents, InsertResult, ListQuery,
    NoStatus, Outbox, Page, PaymentCursor, PaymentKey, PaymentRecord, PaymentStep, PaymentStore,
    StepOutcome, StepResult, StoreError, StoredLifecycleEvent, WebhookInbox, update_each,
};
use athm_domain::webhook::{EventStatus, WebhookEvent};
use athm_domain::{
    CheckoutKey, Client, ClientUpdate, EcommerceId, Payment, PaymentStatus, PhoneNumber, Refund,
    RefundStatus, UnlinkedKind, UnlinkedTransaction, WebhookEventId,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{Mutex, MutexGuard};

use crate::migrations::Migrator;
use error::Context;

/// The SQL store: SQLite (embedded), PostgreSQL or MySQL/MariaDB, chosen by
/// the URL given to [`SqlStore::connect`]. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
    /// On SQLite, which has no row locks, every write of this store takes
    /// this lock before `BEGIN IMMEDIATE`, so writers queue here instead of
    /// spinning on `SQLITE_BUSY`; it holds the connection writes go
    /// through (one connection of its own when [`SqlStore::connect`] opened
    /// a file, so its page cache stays valid from one write to the next).
    /// `None` on the other backends.
    writer: Option<Arc<Mutex<DatabaseConnection>>>,
}

impl SqlStore {
    /// Connects to `url`: `sqlite://path/to/athm.db` (the file is created if
    /// missing), `sqlite::memory:`, `postgres://user:pass@host/db` or
    /// `mysql://user:pass@host/db`. Does not run the migrations: call
    /// [`SqlStore::migrate`].
    ///
    /// # Errors
    /// [`StoreError::Database`] when the URL is not understood or the
    /// database cannot be reached.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        connect::connect(url).await
    }

    /// Wraps a connection made elsewhere. On SQLite, the connection should
    /// have been made by [`SqlStore::connect`] (WAL, busy timeout, pool).
    pub fn from_connection(db: DatabaseConnection) -> SqlStore {
        let writer = db.clone();
        SqlStore::with_writer(db, writer)
    }

    /// A store reading through `db` and, on SQLite, writing through `writer`.
    fn with_writer(db: DatabaseConnection, writer: DatabaseConnection) -> SqlStore {
        let writer =
            (db.get_database_backend() == DbBackend::Sqlite).then(|| Arc::new(Mutex::new(writer)));
        SqlStore { db, writer }
    }

    /// Applies the migrations not yet applied (none when up to date), so an
    /// older database upgrades in place.
    ///
    /// # Errors
    /// [`StoreError::Database`] when a migration fails.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None)
            .await
            .context("apply the database migrations")
    }

    /// The names of the migrations not yet applied (empty when up to date),
    /// without applying them; `athm doctor` reports them.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the migration table cannot be read.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let pending = Migrator::get_pending_migrations(&self.db)
            .await
            .context("read the applied migrations")?;
        Ok(pending.iter().map(|m| m.name().to_string()).collect())
    }

    /// The underlying SeaORM connection (for tests and tooling).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Which database this is.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// On SQLite, waits for this store's turn to write; the turn holds the
    /// connection to write through.
    async fn write_turn(&self) -> Option<MutexGuard<'_, DatabaseConnection>> {
        match &self.writer {
            Some(lock) => Some(lock.lock().await),
            None => None,
        }
    }

    /// Begins a transaction that is about to write, on `conn` (the write
    /// turn's connection on SQLite, else the pool): `BEGIN IMMEDIATE` on
    /// SQLite (the write lock is taken at once, as SQLite has no row
    /// locks), READ COMMITTED with `SELECT … FOR UPDATE` elsewhere. On
    /// PostgreSQL READ COMMITTED is each connection's default (set when it
    /// connects, see `connect`), so no `SET TRANSACTION` round trip is spent
    /// per transaction; MySQL's default is REPEATABLE READ, so it is set there.
    async fn begin_write(
        &self,
        turn: Option<&DatabaseConnection>,
    ) -> Result<DatabaseTransaction, DbErr> {
        let options = match self.backend() {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            },
            DbBackend::Postgres => TransactionOptions::default(),
            _ => TransactionOptions {
                isolation_level: Some(IsolationLevel::ReadCommitted),
                ..TransactionOptions::default()
            },
        };
        turn.unwrap_or(&self.db).begin_with_options(options).await
    }
}

#[async_trait]
impl PaymentStore for SqlStore {
    async fn insert_payment(&self, payment: &Payment) -> Result<(), StoreError> {
        payments::insert_payment(self, payment).await
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, StoreError> {
        payments::load_record(&self.db, key, false)
            .await
            .map_err(step::Failure::into_error)
    }

    async fn update_payment(
        &self,
        key: &PaymentKey,
        decide: &Decide,
    ) -> Result<StepOutcome, StoreError> {
        let steps = vec![(key, decide)];
        let mut results = step::run(self, &update::UpdatePayments { steps }).await?;
        results.pop().unwrap_or_else(|| {
            Err(StoreError::Corrupt(
                "a one-step batch returned nothing".into(),
            ))
        })
    }

    /// Each chunk of 256 steps is one transaction. When a
    /// chunk fails as a whole (a taken reference number, the database
    /// failing), its steps run again one transaction each, so each step
    /// gets its own answer and the others still commit.
    async fn update_payments(&self, steps: &[PaymentStep]) -> Vec<StepResult> {
        let mut results = Vec::with_capacity(steps.len());
        for chunk in steps.chunks(UPDATE_CHUNK) {
            let batch = update::UpdatePayments {
                steps: chunk.iter().map(|s| (&s.key, s.decide.as_ref())).collect(),
            };
            match step::run(self, &batch).await {
                Ok(done) => results.extend(done),
                Err(error) if chunk.len() == 1 => results.push(Err(error)),
                Err(error) => {
                    tracing::debug!(%error, steps = chunk.len(), "a batch of payment steps failed; running them one by one");
                    results.extend(update_each(self, chunk).await);
                }
            }
        }
        results
    }

    async fn payments_in_status(
        &self,
        statuses: &[PaymentStatus],
        after: Option<PaymentCursor>,
        limit: u64,
    ) -> Result<Vec<Payment>, StoreError> {
        payments::in_status(&self.db, statuses, after, limit).await
    }

    async fn checkout_attempt(
        &self,
        key: &CheckoutKey,
    ) -> Result<Option<CheckoutAttempt>, StoreError> {
        checkouts::last_attempt(&self.db, key).await
    }

    async fn claim_checkout(
        &self,
        key: &CheckoutKey,
        attempt: u32,
        over_stale: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        checkouts::claim(self, key, attempt, over_stale, now).await
    }

    async fn insert_checkout_payment(
        &self,
        key: &CheckoutKey,
        attempt: u32,
        payment: &Payment,
    ) -> Result<(), StoreError> {
        checkouts::record_payment(self, key, attempt, payment).await
    }

    async fn release_checkout(&self, key: &CheckoutKey, attempt: u32) -> Result<(), StoreError> {
        checkouts::release(self, key, attempt).await
    }

    async fn customer_payments(
        &self,
        phone: &PhoneNumber,
        limit: u64,
    ) -> Result<Page<Payment>, StoreError> {
        let query = ListQuery {
            search: Some(phone.as_str().to_string()),
            status: Some(PaymentStatus::Completed),
            per_page: limit,
            ..ListQuery::default()
        };
        payments::list(&self.db, &query).await
    }

    async fn customer_unlinked(
        &self,
        phone: &PhoneNumber,
        limit: u64,
    ) -> Result<Page<UnlinkedTransaction>, StoreError> {
        let query = ListQuery {
            search: Some(phone.as_str().to_string()),
            status: Some(UnlinkedKind::Payment),
            per_page: limit,
            ..ListQuery::default()
        };
        unlinked::list(&self.db, &query).await
    }

    async fn pending_refunds(&self) -> Result<Vec<Refund>, StoreError> {
        refunds::pending(&self.db).await
    }

    async fn record_unlinked(&self, transaction: &UnlinkedTransaction) -> Result<bool, StoreError> {
        unlinked::record(self, transaction).await
    }
}

#[async_trait]
impl WebhookInbox for SqlStore {
    async fn insert_webhook_event(
        &self,
        event: &WebhookEvent,
    ) -> Result<(WebhookEvent, bool), StoreError> {
        webhooks::insert(self, event).await
    }

    /// One transaction for the batch; when it fails, one per event, so
    /// that an event the database refuses fails alone.
    async fn insert_webhook_events(&self, events: &[WebhookEvent]) -> Vec<InsertResult> {
        webhooks::insert_many(self, events).await
    }

    async fn webhook_event(&self, id: WebhookEventId) -> Result<Option<WebhookEvent>, StoreError> {
        webhooks::find(&self.db, id).await
    }

    async fn record_event_outcome(
        &self,
        id: WebhookEventId,
        status: EventStatus,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        webhooks::record_outcome(self, id, status, error, at).await
    }

    async fn claim_events_to_retry(
        &self,
        limit: u64,
        received_before: DateTime<Utc>,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        event_claims::claim_to_retry(self, limit, received_before, now, lease).await
    }

    async fn claim_flagged_events(
        &self,
        which: &FlaggedEvents,
        limit: u64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        event_claims::claim_flagged(self, which, limit, now, lease).await
    }
}

#[async_trait]
impl Outbox for SqlStore {
    async fn claim_lifecycle_events(
        &self,
        limit: u64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<StoredLifecycleEvent>, StoreError> {
        outbox::claim(self, limit, now, lease).await
    }

    async fn record_lifecycle_delivery(
        &self,
        id: i64,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        outbox::record_delivery(self, id, error, at).await
    }

    async fn record_lifecycle_deliveries(
        &self,
        ids: &[i64],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        outbox::record_delivered(self, ids, at).await
    }
}

#[async_trait]
impl AdminQueries for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.context("reach the database")?;
        // A write that changes no row, in a transaction rolled back: a
        // database that answers but refuses writes (a read-only file or
        // URL, a read-only replica, a user that may only read) is not
        // healthy. It writes no page, so a full disk goes unnoticed here.
        let turn = self.write_turn().await;
        let txn = self
            .begin_write(turn.as_deref())
            .await
            .context("begin a write to the database")?;
        txn.execute_unprepared(
            "UPDATE payments SET ecommerce_id = ecommerce_id WHERE ecommerce_id IS NULL",
        )
        .await
        .context("write to the database")?;
        txn.rollback().await.context("end the write check")
    }

    async fn list_payments(
        &self,
        query: &ListQuery<PaymentStatus>,
    ) -> Result<Page<Payment>, StoreError> {
        payments::list(&self.db, query).await
    }

    async fn list_refunds(
        &self,
        query: &ListQuery<RefundStatus>,
    ) -> Result<Page<Refund>, StoreError> {
        refunds::list(&self.db, query).await
    }

    async fn list_unlinked(
        &self,
        query: &ListQuery<UnlinkedKind>,
    ) -> Result<Page<UnlinkedTransaction>, StoreError> {
        unlinked::list(&self.db, query).await
    }

    async fn list_clients(&self, query: &ListQuery<NoStatus>) -> Result<Page<Client>, StoreError> {
        clients::list(&self.db, query).await
    }

    async fn events_for_payment(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        webhooks::for_payment(&self.db, ecommerce_id).await
    }

    async fn list_webhook_events(
        &self,
        query: &ListQuery<EventStatus>,
    ) -> Result<Page<WebhookEvent>, StoreError> {
        webhooks::list(&self.db, query).await
    }
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn upsert_client(
        &self,
        update: &ClientUpdate,
        at: DateTime<Utc>,
    ) -> Result<Client, StoreError> {
        step::run(self, &clients::UpsertClient { update, at }).await
    }

    async fn client(&self, phone: &PhoneNumber) -> Result<Option<Client>, StoreError> {
        clients::client(&self.db, phone).await
    }
}

/// Steps per `update_payments` transaction.
const UPDATE_CHUNK: usize = 256;

/// Rows per multi-row `INSERT` (far below every backend's parameter limit).
pub(crate) const INSERT_CHUNK: usize = 128;

/// A row count or offset the databases accept: SQLite and PostgreSQL take
/// signed 64-bit integers, so larger values (`u64::MAX` meaning "all") are capped.
pub(crate) fn sql_bound(rows: u64) -> u64 {
    rows.min(i64::MAX.unsigned_abs())
}
