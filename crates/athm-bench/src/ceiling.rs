//! The ceiling: the same writes as a new completed webhook, issued straight
//! through the driver (sqlx under SeaORM) from the same number of clients,
//! one transaction per event — insert the event row, upsert the payment row,
//! commit (fsync'd) — on a fresh database of the same schema.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use clap::ValueEnum;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait, Value,
};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::Result;
use crate::cli::Bench;
use crate::db::{Backend, FreshDb};
use crate::load::{self, Answer, Outcome, global_seq};
use crate::payload::completed_event;

/// What each transaction writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Writes {
    /// Insert the event row and upsert the payment row (the webhook's writes).
    EventPayment,
    /// Insert the event row only (the single-row insert transaction).
    Event,
}

/// `$n` on PostgreSQL, `?` on SQLite; `n` counts from 1.
fn placeholders(backend: DbBackend, n: usize) -> String {
    (1..=n)
        .map(|i| match backend {
            DbBackend::Postgres => format!("${i}"),
            _ => "?".to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn insert_event(backend: DbBackend, seq: u64, ecommerce_id: &str, reference: &str) -> Statement {
    let now = Utc::now();
    let sql = format!(
        "INSERT INTO webhook_events (id, idempotency_key, kind, ecommerce_id, reference_number, \
         payload, status, error, attempts, received_at, processed_at) VALUES ({}) \
         ON CONFLICT (idempotency_key) DO NOTHING",
        placeholders(backend, 11)
    );
    let payload = String::from_utf8_lossy(&completed_event(seq)).into_owned();
    let values: Vec<Value> = vec![
        Uuid::new_v4().to_string().into(),
        format!("{ecommerce_id}:completed").into(),
        "ecommerce_completed".into(),
        ecommerce_id.into(),
        reference.into(),
        payload.into(),
        "processed".into(),
        Value::String(None),
        1i32.into(),
        now.into(),
        now.into(),
    ];
    Statement::from_sql_and_values(backend, sql, values)
}

fn upsert_payment(backend: DbBackend, seq: u64, ecommerce_id: &str, reference: &str) -> Statement {
    let now = Utc::now();
    let cents = (1 + seq % 150) as i64 * 100;
    let sql = format!(
        "INSERT INTO payments (ecommerce_id, status, reference_number, daily_transaction_id, \
         total_cents, subtotal_cents, tax_cents, fee_cents, net_amount_cents, \
         total_refunded_cents, customer_name, customer_phone, customer_email, metadata_1, \
         metadata_2, message, business_name, timeout_secs, auth_token, created_at, updated_at, \
         transaction_date) VALUES ({}) ON CONFLICT (ecommerce_id) DO UPDATE SET \
         status = excluded.status, reference_number = excluded.reference_number, \
         fee_cents = excluded.fee_cents, net_amount_cents = excluded.net_amount_cents, \
         updated_at = excluded.updated_at",
        placeholders(backend, 22)
    );
    let values: Vec<Value> = vec![
        ecommerce_id.into(),
        "COMPLETED".into(),
        reference.into(),
        format!("{:04}", seq % 10_000).into(),
        cents.into(),
        cents.into(),
        0i64.into(),
        35i64.into(),
        (cents - 35).into(),
        0i64.into(),
        "Bench Customer".into(),
        "7875550000".into(),
        "customer@example.com".into(),
        format!("Order {seq}").into(),
        "".into(),
        "".into(),
        "Bench Store".into(),
        600i32.into(),
        Value::String(None),
        now.into(),
        now.into(),
        now.into(),
    ];
    Statement::from_sql_and_values(backend, sql, values)
}

/// One transaction of `writes` for event `seq`.
async fn transaction(
    db: &DatabaseConnection,
    writer: Option<&Mutex<()>>,
    writes: Writes,
    seq: u64,
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let ecommerce_id = Uuid::new_v4().to_string();
    let reference = format!(
        "{:09}-{}",
        seq % 1_000_000_000,
        ecommerce_id.replace('-', "")
    );
    // SQLite has one writer: queue writers as athm's store does, then BEGIN IMMEDIATE.
    let _turn = match writer {
        Some(lock) => Some(lock.lock().await),
        None => None,
    };
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await?;
    txn.execute_raw(insert_event(backend, seq, &ecommerce_id, &reference))
        .await?;
    if writes == Writes::EventPayment {
        txn.execute_raw(upsert_payment(backend, seq, &ecommerce_id, &reference))
            .await?;
    }
    txn.commit().await
}

/// One bounded run of `connections` clients on a fresh database.
pub(crate) async fn run_once(
    bench: &Bench,
    backend: Backend,
    writes: Writes,
    connections: usize,
    duration: Duration,
) -> Result<Outcome> {
    let fresh = FreshDb::create(backend, &bench.postgres).await?;
    let db = fresh.connect(u32::try_from(connections)?).await?;
    let writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
    let job = {
        let db = db.clone();
        move |worker: usize, seq: u64| {
            let (db, writer) = (db.clone(), writer.clone());
            async move {
                transaction(&db, writer.as_deref(), writes, global_seq(worker, seq))
                    .await
                    .map(|()| Answer::New)
                    .map_err(|e| e.to_string())
            }
        }
    };
    let outcome = load::run(connections, duration, job).await?;
    db.close().await?;
    fresh.remove().await?;
    Ok(outcome)
}
