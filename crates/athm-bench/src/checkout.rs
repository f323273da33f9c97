//! The checkout scenario: complete flows per second through `athm serve`
//! against the bench's in-process sandbox — the merchant signs the order
//! (`POST /api/checkouts`: one checkout starts one payment), initiate (athm calls *payment*),
//! the customer confirms in the sandbox, authorize (athm calls
//! *authorization*) — then a count of completed payments in the database.

use std::time::Duration;

use athm_sandbox::{CustomerInput, Sandbox};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Result;
use crate::cli::Bench;
use crate::db::{Backend, FreshDb, count};
use crate::load::{self, Answer, Outcome, global_seq};
use crate::server::{API_KEY, Memory, Server};
use crate::webhooks::client;

/// One run's measurements.
#[derive(Debug, Clone)]
pub(crate) struct CheckoutRun {
    pub(crate) load: Outcome,
    pub(crate) memory: Memory,
    pub(crate) verified: Result<String, String>,
}

async fn json_call(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let answer = request.send().await.map_err(|e| format!("request: {e}"))?;
    let status = answer.status();
    let body: Value = answer.json().await.map_err(|e| format!("body: {e}"))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("{status} {body}"))
    }
}

async fn sign(client: &reqwest::Client, base: &str) -> Result<String> {
    let answer = json_call(
        client
            .post(format!("{base}/athm/api/checkouts"))
            .bearer_auth(API_KEY)
            .json(
                &json!({"total": "12.50", "subtotal": "12.00", "tax": "0.50",
                          "metadata1": "Bench order", "timeout": 600}),
            ),
    )
    .await?;
    answer["checkout"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no checkout token in {answer}").into())
}

async fn flow(
    client: &reqwest::Client,
    base: &str,
    sandbox: &Sandbox,
    seq: u64,
) -> Result<Answer, String> {
    let checkout = sign(client, base).await.map_err(|e| e.to_string())?;
    let phone = format!("787{:07}", seq % 10_000_000);
    let started = json_call(
        client
            .post(format!("{base}/athm/api/initiate"))
            .json(&json!({"checkout": checkout, "phone_number": phone})),
    )
    .await?;
    let (Some(id), Some(session)) = (
        started["ecommerce_id"].as_str(),
        started["session"].as_str(),
    ) else {
        return Err(format!("initiate answered {started}"));
    };
    let uuid = Uuid::parse_str(id).map_err(|e| e.to_string())?;
    sandbox
        .confirm(uuid, CustomerInput::default())
        .map_err(|e| format!("confirm: {e}"))?;
    let done = json_call(
        client
            .post(format!("{base}/athm/api/authorize"))
            .header("X-Athm-Session", session)
            .json(&json!({"ecommerce_id": id})),
    )
    .await?;
    match done["status"].as_str() {
        Some("COMPLETED") => Ok(Answer::New),
        _ => Err(format!("authorize answered {done}")),
    }
}

/// One bounded run on a fresh database and server.
pub(crate) async fn run_once(
    bench: &Bench,
    backend: Backend,
    connections: usize,
    duration: Duration,
) -> Result<CheckoutRun> {
    let db = FreshDb::create(backend, &bench.postgres).await?;
    let server = Server::start(&bench.server, db.url(), true).await?;
    let client = client(connections)?;
    let job = {
        let (client, base, sandbox) = (client.clone(), server.base.clone(), bench.sandbox.clone());
        move |worker: usize, seq: u64| {
            let (client, base, sandbox) = (client.clone(), base.clone(), sandbox.clone());
            async move { flow(&client, &base, &sandbox, global_seq(worker, seq)).await }
        }
    };
    let outcome = load::run(connections, duration, job).await?;
    let memory = server.memory();
    let checks = db.connect(2).await?;
    let completed = count(
        &checks,
        "SELECT COUNT(*) AS n FROM payments WHERE status = 'COMPLETED'",
    )
    .await?;
    checks.close().await?;
    server.stop().await?;
    db.remove().await?;
    let facts = format!("flows {}, completed payments {completed}", outcome.new);
    let verified = if completed == outcome.new as i64 {
        Ok(facts)
    } else {
        Err(facts)
    };
    Ok(CheckoutRun {
        load: outcome,
        memory,
        verified,
    })
}
