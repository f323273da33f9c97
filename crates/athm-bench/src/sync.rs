//! The reconciliation scenario: a sandbox whose transaction report holds
//! `rows` completed payments, half of them already known to athm (synced
//! beforehand) and a quarter of all with a fee changed in athm's database;
//! then `athm sync` over the whole report, timed, its peak memory read from
//! `/proc`, its progress bar watched through a pseudo-terminal (`script`).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use athm_sandbox::{CustomerInput, RunningSandbox, Sandbox, SandboxConfig};
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

use crate::cli::Bench;
use crate::db::{Backend, FreshDb, count};
use crate::payload::athm_now;
use crate::server::{Memory, ServerConfig, athm_command, check_binary};
use sea_orm::ConnectionTrait;

use crate::Result;

const ECOMMERCE: &str = "/api/business-transaction/ecommerce";

/// A sandbox holding completed payments in two batches, and the report
/// ranges (Puerto Rico local instants) that select them.
pub(crate) struct Seeded {
    pub(crate) sandbox: RunningSandbox,
    pub(crate) rows: usize,
    /// Payments completed per second while seeding.
    pub(crate) seed_rate: f64,
    from: String,
    middle: String,
    to: String,
}

async fn call(router: &axum::Router, request: Request<Body>) -> Result<Value> {
    let answer = router.clone().oneshot(request).await?;
    let bytes = axum::body::to_bytes(answer.into_body(), 1 << 20).await?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Creates, confirms and authorizes one payment through the sandbox's own API.
pub(crate) async fn complete_one(
    router: &axum::Router,
    sandbox: &Sandbox,
    seq: usize,
) -> Result<Uuid> {
    let body = json!({"publicToken": athm_sandbox::DEMO_PUBLIC_TOKEN, "total": "10.00",
        "subtotal": "9.50", "tax": "0.50", "metadata1": format!("Order {seq}"), "metadata2": "",
        "phoneNumber": "7875550000", "timeout": 600,
        "items": [{"name": "Item", "description": "Bench item", "quantity": 1,
                   "price": "9.50", "tax": "0.50", "metadata": "bench"}]});
    let created = call(
        router,
        Request::post(format!("{ECOMMERCE}/payment"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))?,
    )
    .await?;
    let data = &created["data"];
    let (Some(id), Some(token)) = (data["ecommerceId"].as_str(), data["auth_token"].as_str())
    else {
        return Err(format!("payment answered {created}").into());
    };
    let id = Uuid::parse_str(id)?;
    sandbox.confirm(id, CustomerInput::default())?;
    let done = call(
        router,
        Request::post(format!("{ECOMMERCE}/authorization"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())?,
    )
    .await?;
    if done["data"]["ecommerceStatus"] != "COMPLETED" {
        return Err(format!("authorization answered {done}").into());
    }
    Ok(id)
}

/// Seeds `rows` completed payments, in two batches a few seconds apart.
pub(crate) async fn seed(rows: usize) -> Result<Seeded> {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await?;
    let handle = sandbox.handle();
    let router = handle.router();
    let started = Instant::now();
    let pause = Duration::from_millis(1200);
    let from = athm_now();
    tokio::time::sleep(pause).await;
    for seq in 0..rows / 2 {
        complete_one(&router, &handle, seq).await?;
    }
    tokio::time::sleep(pause).await;
    let middle = athm_now();
    tokio::time::sleep(pause).await;
    for seq in rows / 2..rows {
        complete_one(&router, &handle, seq).await?;
    }
    tokio::time::sleep(pause).await;
    let to = athm_now();
    let seed_rate = rows as f64 / (started.elapsed() - 4 * pause).as_secs_f64();
    Ok(Seeded {
        sandbox,
        rows,
        seed_rate,
        from,
        middle,
        to,
    })
}

/// What `athm sync` did, how long it took and how much memory it held.
#[derive(Debug, Clone)]
pub(crate) struct SyncRun {
    pub(crate) rows: usize,
    pub(crate) elapsed: Duration,
    pub(crate) memory: Memory,
    /// Distinct positions the progress bar showed (None: no terminal to draw on).
    pub(crate) bar_positions: Option<usize>,
    pub(crate) summary: String,
    pub(crate) verified: Result<String, String>,
    /// The unmeasured first sync of the known half.
    pub(crate) prefill: Duration,
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// The pid of `parent`'s first child, if any.
fn child_of(parent: u32) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

/// Runs `athm … sync` under `script` (a pseudo-terminal, so that the
/// progress bar draws), watching the athm process's peak memory.
fn measured_sync(
    config: &ServerConfig,
    url: &str,
    from: &str,
    to: &str,
) -> Result<(String, Duration, Memory)> {
    let mut athm = athm_command(config, url);
    athm.args(["sync", "--from-date", from, "--to-date", to]);
    let line = std::iter::once(athm.get_program())
        .chain(athm.get_args())
        .map(|a| quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let started = Instant::now();
    let mut child = Command::new("script")
        .args(["-qfec", &format!("exec {line}"), "/dev/null"])
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let mut peak = Memory::default();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(memory) = child_of(child.id()).and_then(Memory::of) {
            peak.peak_kib = peak.peak_kib.max(memory.peak_kib);
            peak.rss_kib = peak.rss_kib.max(memory.rss_kib);
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let elapsed = started.elapsed();
    let text = reader.join().map_err(|_| "reader thread panicked")?;
    if !status.success() {
        return Err(format!("athm sync failed ({status}):\n{text}").into());
    }
    Ok((text, elapsed, peak))
}

/// Distinct `pos/len rows` positions in the captured terminal output.
fn bar_positions(text: &str) -> usize {
    let mut seen: Vec<&str> = text
        .split(['\r', '\n', ' '])
        .filter(|w| {
            w.contains('/')
                && w.split('/')
                    .all(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

fn summary_number(text: &str, label: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|rest| rest.trim().parse().ok())
}

/// Prefills half, changes a quarter's fees, then times the full sync.
pub(crate) async fn run_once(bench: &Bench, backend: Backend, seeded: &Seeded) -> Result<SyncRun> {
    check_binary(&bench.server.athm)?;
    let config = ServerConfig {
        athm_url: seeded.sandbox.base_url(),
        log: "warn".into(),
        ..bench.server.clone()
    };
    let db = FreshDb::create(backend, &bench.postgres).await?;
    let prefill_started = Instant::now();
    let prefill = athm_command(&config, db.url())
        .args([
            "sync",
            "--from-date",
            &seeded.from,
            "--to-date",
            &seeded.middle,
        ])
        .stdin(Stdio::null())
        .output()?;
    if !prefill.status.success() {
        return Err(format!(
            "prefill sync failed: {}",
            String::from_utf8_lossy(&prefill.stdout)
        )
        .into());
    }
    let prefill_took = prefill_started.elapsed();
    let checks = db.connect(2).await?;
    let known = count(&checks, "SELECT COUNT(*) AS n FROM payments").await?;
    let quarter = seeded.rows / 4;
    checks
        .execute_unprepared(&format!(
            "UPDATE payments SET fee_cents = fee_cents + 1, net_amount_cents = net_amount_cents - 1 \
             WHERE ecommerce_id IN (SELECT ecommerce_id FROM payments ORDER BY ecommerce_id LIMIT {quarter})"
        ))
        .await?;
    let (text, elapsed, memory) =
        tokio::task::block_in_place(|| measured_sync(&config, db.url(), &seeded.from, &seeded.to))?;
    let total = count(&checks, "SELECT COUNT(*) AS n FROM payments").await?;
    checks.close().await?;
    db.remove().await?;
    let (created, updated, skipped, errors) = (
        summary_number(&text, "Created:"),
        summary_number(&text, "Updated:"),
        summary_number(&text, "Skipped:"),
        summary_number(&text, "Errors:"),
    );
    let rows = seeded.rows as i64;
    let summary = format!(
        "known before {known}, created {created:?}, updated {updated:?}, skipped {skipped:?}, errors {errors:?}, payments after {total}"
    );
    let expected = known == rows / 2
        && created == Some(rows - rows / 2)
        && updated == Some(quarter as i64)
        && skipped == Some(rows / 2 - quarter as i64)
        && errors == Some(0)
        && total == rows;
    Ok(SyncRun {
        rows: seeded.rows,
        elapsed,
        memory,
        bar_positions: Some(bar_positions(&text)),
        verified: if expected {
            Ok(summary.clone())
        } else {
            Err(summary.clone())
        },
        summary,
        prefill: prefill_took,
    })
}
