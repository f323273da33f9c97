//! The webhook scenario: a fresh database, a release `athm serve`, a bounded
//! load of new, duplicate or mixed events; then the backlog, the server's
//! memory and an exact check in the database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use rand::Rng;
use sea_orm::DatabaseConnection;

use crate::Result;
use crate::cli::Bench;
use crate::db::{Backend, FreshDb, count};
use crate::load::{self, Answer, Outcome, global_seq};
use crate::payload::completed_event;
use crate::server::{Memory, Server};

/// Which events a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mix {
    /// Every request a new completed payment.
    New,
    /// Every request a redelivery of one of a few hundred stored events.
    Duplicate,
    /// Three new events for one redelivery.
    Mixed,
}

/// Events stored before a duplicate or mixed run.
const SEEDS: usize = 256;

/// One run's measurements.
#[derive(Debug, Clone)]
pub(crate) struct WebhookRun {
    pub(crate) load: Outcome,
    pub(crate) memory: Memory,
    /// Time from the end of the load until no event was pending (None: not within 5 s).
    pub(crate) drained: Option<Duration>,
    /// What the database check found.
    pub(crate) verified: Result<String, String>,
}

async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<Answer, String> {
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = answer.status();
    let text = answer.text().await.map_err(|e| format!("body: {e}"))?;
    match (status.as_u16(), text.as_str()) {
        (200, t) if t.contains("\"stored\"") => Ok(Answer::New),
        (200, t) if t.contains("\"duplicate\"") => Ok(Answer::Duplicate),
        (code, t) => Err(format!("{code} {t}")),
    }
}

/// A client for `connections` concurrent loopback requests.
pub(crate) fn client(connections: usize) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

async fn seed(client: &reqwest::Client, url: &str) -> Result<Vec<Vec<u8>>> {
    let bodies: Vec<Vec<u8>> = (0..SEEDS as u64)
        .map(|i| completed_event(u64::MAX / 2 + i))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in bodies.chunks(SEEDS / 16) {
        let (client, url, chunk) = (client.clone(), url.to_string(), chunk.to_vec());
        tasks.spawn(async move {
            for body in chunk {
                post(&client, &url, body).await?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(bodies)
}

/// One bounded run on a fresh database and server.
pub(crate) async fn run_once(
    bench: &Bench,
    backend: Backend,
    mix: Mix,
    connections: usize,
    duration: Duration,
) -> Result<WebhookRun> {
    let db = FreshDb::create(backend, &bench.postgres).await?;
    let server = Server::start(&bench.server, db.url(), false).await?;
    let url = format!("{}/athm/webhook", server.base);
    let client = client(connections)?;
    let seeds = Arc::new(match mix {
        Mix::New => Vec::new(),
        Mix::Duplicate | Mix::Mixed => seed(&client, &url).await?,
    });
    let job = {
        let (client, url, seeds) = (client.clone(), url.clone(), seeds.clone());
        move |worker: usize, seq: u64| {
            let (client, url) = (client.clone(), url.clone());
            let redeliver = match mix {
                Mix::New => false,
                Mix::Duplicate => true,
                Mix::Mixed => seq % 4 == 3,
            };
            let body = if redeliver {
                seeds[rand::rng().random_range(0..seeds.len())].clone()
            } else {
                completed_event(global_seq(worker, seq))
            };
            async move { post(&client, &url, body).await }
        }
    };
    let outcome = load::run(connections, duration, job).await?;
    let memory = server.memory();
    let checks = db.connect(2).await?;
    let drained = drain(&checks).await?;
    let verified = verify(&checks, seeds.len() as i64, &outcome).await?;
    checks.close().await?;
    server.stop().await?;
    db.remove().await?;
    Ok(WebhookRun {
        load: outcome,
        memory,
        drained,
        verified,
    })
}

const PENDING: &str =
    "SELECT COUNT(*) AS n FROM webhook_events WHERE status IN ('pending', 'failed')";

/// Waits up to 5 s for every stored event to be processed.
async fn drain(db: &DatabaseConnection) -> Result<Option<Duration>> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if count(db, PENDING).await? == 0 {
            return Ok(Some(started.elapsed()));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(None)
}

/// accepted == stored == processed, each once, one payment and one
/// `payment_completed` lifecycle event per event.
async fn verify(
    db: &DatabaseConnection,
    seeds: i64,
    load: &Outcome,
) -> Result<Result<String, String>> {
    let accepted = seeds + load.new as i64;
    let stored = count(db, "SELECT COUNT(*) AS n FROM webhook_events").await?;
    let keys = count(
        db,
        "SELECT COUNT(DISTINCT idempotency_key) AS n FROM webhook_events",
    )
    .await?;
    let processed = count(
        db,
        "SELECT COUNT(*) AS n FROM webhook_events WHERE status = 'processed' AND attempts = 1",
    )
    .await?;
    let payments = count(
        db,
        "SELECT COUNT(*) AS n FROM payments WHERE status = 'COMPLETED'",
    )
    .await?;
    let completed = count(
        db,
        "SELECT COUNT(*) AS n FROM lifecycle_outbox WHERE kind = 'payment_completed'",
    )
    .await?;
    let facts = format!(
        "accepted {accepted}, stored {stored} ({keys} keys), processed once {processed}, \
         payments {payments}, payment_completed {completed}"
    );
    // A request that failed on the client side may still have been stored.
    let within = |n: i64| n >= accepted && n <= accepted + load.errors as i64;
    let exact = within(stored)
        && keys == stored
        && processed == stored
        && payments == stored
        && completed == stored;
    Ok(if exact { Ok(facts) } else { Err(facts) })
}
