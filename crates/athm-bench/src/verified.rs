//! The verified scenario: production's configuration. `athm serve` checks
//! every webhook with ATH Móvil (findPayment), which the bench's sandbox
//! answers after a set latency; a burst of completed events for payments
//! the sandbox completed; then how many verified events a second athm
//! processes, how many findPayment calls each cost, and each event's lag
//! from its 200 to its processing. The run waits until every stored event
//! is processed: none may be left for the recovery worker.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use athm_sandbox::{Fault, Operation};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::Result;
use crate::cli::Bench;
use crate::db::{Backend, FreshDb, count};
use crate::payload::completed_event_of;
use crate::server::Server;
use crate::sync::complete_one;
use crate::webhooks::client;

/// How long the run waits for the last event to be processed.
const PATIENCE: Duration = Duration::from_secs(120);

/// One run's measurements.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedRun {
    pub(crate) events: usize,
    pub(crate) latency: Duration,
    /// Deliveries a second asked for (`None`: as fast as they go).
    pub(crate) offered: Option<f64>,
    /// From the first delivery to the last event processed.
    pub(crate) elapsed: Duration,
    /// findPayment calls over events.
    pub(crate) calls_per_event: f64,
    /// Lags from stored to processed: p50, p99, max.
    pub(crate) lag: [Duration; 3],
    /// Events still pending or failed when the run stopped waiting.
    pub(crate) left: i64,
    /// What the database check found.
    pub(crate) verified: Result<String, String>,
}

impl VerifiedRun {
    /// Verified events processed a second.
    pub(crate) fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `events` completed events, `connections` at a time (as fast as they go,
/// or `rate` a second), to a fresh server verifying against a sandbox that
/// answers findPayment after `latency`.
pub(crate) async fn run_once(
    bench: &Bench,
    backend: Backend,
    latency: Duration,
    events: usize,
    connections: usize,
    rate: Option<f64>,
) -> Result<VerifiedRun> {
    let router = bench.sandbox.router();
    let mut bodies = Vec::with_capacity(events);
    for seq in 0..events {
        let id = complete_one(&router, &bench.sandbox, seq).await?;
        bodies.push(completed_event_of(id, seq as u64));
    }
    let db = FreshDb::create(backend, &bench.postgres).await?;
    // Every event comes from the bench's one address: no per-sender budget.
    let unbounded = ["--webhook-verifications-per-source-per-minute", "0"];
    let server = Server::start_with(&bench.server, db.url(), true, &unbounded).await?;
    let url = format!("{}/athm/webhook", server.base);
    let faults = bench.sandbox.faults();
    let millis = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    faults.set(Operation::Find, Fault::Latency { millis }, None);
    let finds = faults.calls(Operation::Find);

    let started = Instant::now();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let http = client(connections)?;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (bodies, next, http, url) = (bodies.clone(), next.clone(), http.clone(), url.clone());
        workers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(n) else { break };
                if let Some(rate) = rate {
                    let due = started + Duration::from_secs_f64(n as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                let answer = http.post(&url).body(body.clone()).send().await?;
                if !answer.status().is_success() {
                    return Err(format!("a delivery answered {}", answer.status()).into());
                }
            }
            Ok::<(), crate::BoxError>(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    let checks = db.connect(2).await?;
    let left = drain(&checks).await?;
    let elapsed = started.elapsed();
    faults.clear(Operation::Find);
    let calls = faults.calls(Operation::Find) - finds;
    let lag = lags(&checks).await?;
    let verified = verify(&checks, events).await?;
    checks.close().await?;
    server.stop().await?;
    db.remove().await?;
    Ok(VerifiedRun {
        events,
        latency,
        offered: rate,
        elapsed,
        calls_per_event: f64::from(calls) / events as f64,
        lag,
        left,
        verified,
    })
}

const LEFT: &str = "SELECT COUNT(*) AS n FROM webhook_events WHERE status IN ('pending', 'failed')";

/// Waits until no stored event is pending or failed (at most [`PATIENCE`]);
/// how many are left.
async fn drain(db: &DatabaseConnection) -> Result<i64> {
    let started = Instant::now();
    loop {
        let left = count(db, LEFT).await?;
        if left == 0 || started.elapsed() > PATIENCE {
            return Ok(left);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// p50, p99 and the largest lag from stored to processed.
async fn lags(db: &DatabaseConnection) -> Result<[Duration; 3]> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT received_at, processed_at FROM webhook_events WHERE processed_at IS NOT NULL",
        ))
        .await?;
    let mut lags = Vec::with_capacity(rows.len());
    for row in rows {
        let received: DateTime<Utc> = row.try_get("", "received_at")?;
        let processed: DateTime<Utc> = row.try_get("", "processed_at")?;
        lags.push((processed - received).to_std().unwrap_or_default());
    }
    lags.sort();
    let at = |q: f64| {
        let last = lags.len().saturating_sub(1);
        lags.get(((last as f64) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok([at(0.50), at(0.99), at(1.0)])
}

/// Every event processed (none flagged), one COMPLETED payment each.
async fn verify(db: &DatabaseConnection, events: usize) -> Result<Result<String, String>> {
    let processed = count(
        db,
        "SELECT COUNT(*) AS n FROM webhook_events WHERE status = 'processed'",
    )
    .await?;
    let payments = count(
        db,
        "SELECT COUNT(*) AS n FROM payments WHERE status = 'COMPLETED'",
    )
    .await?;
    let facts = format!("events {events}, processed {processed}, completed payments {payments}");
    let exact = processed == events as i64 && payments == events as i64;
    Ok(if exact { Ok(facts) } else { Err(facts) })
}

/// The console line of a run.
pub(crate) fn line(backend: Backend, run: &VerifiedRun) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{} verified, findPayment {} ms, {}: {} events in {:.2} s = {:.0} events/s, {:.2} findPayment calls/event, \
         lag p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms, left for recovery {}\n  {}",
        backend.label(),
        run.latency.as_millis(),
        run.offered
            .map_or_else(|| "a burst".to_string(), |r| format!("{r:.0} deliveries/s")),
        run.events,
        run.elapsed.as_secs_f64(),
        run.rate(),
        run.calls_per_event,
        ms(run.lag[0]),
        ms(run.lag[1]),
        ms(run.lag[2]),
        run.left,
        match &run.verified {
            Ok(facts) => format!("ok: {facts}"),
            Err(facts) => format!("MISMATCH: {facts}"),
        }
    )
}
