//! Three `athm serve` processes on one PostgreSQL or MariaDB database,
//! hammered with every "ecommerce completed" webhook three times, in random
//! order, to random instances, by 16 concurrent senders (as ATH Móvil's
//! redeliveries behind a load balancer would arrive): exactly one completed
//! payment and one `payment_completed` notification per payment, no 5xx.
//! The crash variant `kill -9`s one instance during the load and restarts
//! it on the same port: every event answered 200 ends processed, nothing
//! is counted or announced twice.
//!
//! The database tests are skipped, with a printed notice, when
//! `ATHM_TEST_POSTGRES_URL` / `ATHM_TEST_MYSQL_URL` is unset (CI sets both).
//! N is the 1,000; `just reliability` runs these with their timings shown.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::collections::{HashMap, HashSet};
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use athm_domain::PaymentStatus;
use athm_domain::webhook::EventStatus;
use athm_sandbox::{
    CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox, Sandbox, SandboxConfig,
};
use axum::extract::State;
use rand::Rng;
use rand::seq::SliceRandom;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

const INSTANCES: usize = 3;
const SENDERS: usize = 16;
const COPIES: usize = 3;
const CHECKOUT_SECRET: &str = "multi-instance-checkout-secret-0123456789";
const NOTIFY_SECRET: &str = "multi-instance-notify-secret-0123456789ab";

/// A notification the subscriber accepted: (event id, kind, ecommerce id).
type Notified = Arc<Mutex<Vec<(String, String, String)>>>;

/// A port nobody listens on now (bound, read, released).
fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The test subscriber of the notifications: records each, answers 200.
async fn subscriber() -> (String, Notified) {
    let notified: Notified = Arc::default();
    let app = axum::Router::new()
        .route(
            "/events",
            axum::routing::post(|State(seen): State<Notified>, body: String| async move {
                let json: Value = serde_json::from_str(&body).unwrap_or_default();
                let field = |name: &str| json[name].as_str().unwrap_or_default().to_string();
                seen.lock().expect("not poisoned").push((
                    field("id"),
                    field("kind"),
                    field("ecommerce_id"),
                ));
                axum::http::StatusCode::OK
            }),
        )
        .with_state(notified.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the subscriber");
    let url = format!("http://{}/events", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, notified)
}

/// One `athm serve` process, killed when dropped (also when a test panics).
struct Instance {
    child: Child,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything the instances are started with.
struct Launch {
    database_url: String,
    sandbox_url: String,
    notify_url: String,
    logs: tempfile::TempDir,
}

impl Launch {
    fn start(&self, port: u16) -> Instance {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.path().join(format!("athm-{port}.log")))
            .expect("a log file");
        let child = Command::new(env!("CARGO_BIN_EXE_athm"))
            .arg("serve")
            .env("ATHM_DATABASE_URL", &self.database_url)
            .env("ATHM_PUBLIC_TOKEN", DEMO_PUBLIC_TOKEN)
            .env("ATHM_PRIVATE_TOKEN", DEMO_PRIVATE_TOKEN)
            .env("ATHM_PAYMENTS_URL", &self.sandbox_url)
            .env("ATHM_WWW_URL", &self.sandbox_url)
            .env("ATHM_LISTEN", format!("127.0.0.1:{port}"))
            .env("ATHM_CHECKOUT_SECRET", CHECKOUT_SECRET)
            .env("ATHM_NOTIFY_URLS", &self.notify_url)
            .env("ATHM_NOTIFY_SECRET", NOTIFY_SECRET)
            .env("ATHM_NOTIFY_TIMEOUT_SECS", "2")
            .env("ATHM_WATCH_INTERVAL_SECS", "1")
            .env("ATHM_GATEWAY_TIMEOUT_SECS", "5")
            .env("ATHM_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("athm serve starts");
        Instance { child }
    }
}

async fn wait_healthy(http: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = format!("http://127.0.0.1:{port}/healthz");
    while Instant::now() < deadline {
        if let Ok(answer) = http.get(&url).send().await
            && answer.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("instance on port {port} did not become healthy");
}

/// A fresh database on the server `$var` names: (admin URL, name, URL).
async fn create_database(admin: &str) -> (String, String) {
    let name = format!("athm_mi_{}", uuid::Uuid::new_v4().simple());
    let conn = Database::connect(admin)
        .await
        .expect("connect to the server");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the database");
    let _ = conn.close().await;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    (name.clone(), format!("{base}/{name}"))
}

async fn drop_database(admin: &str, name: &str) {
    let Ok(conn) = Database::connect(admin).await else {
        return;
    };
    let sql = if admin.starts_with("postgres") {
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    } else {
        format!("DROP DATABASE IF EXISTS {name}")
    };
    let _ = conn.execute_unprepared(&sql).await;
    let _ = conn.close().await;
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// Creates `n` payments completed at the sandbox through its HTTP API, 16
/// at a time; returns the webhook each would announce.
async fn completed_payments(
    http: &reqwest::Client,
    sandbox: &RunningSandbox,
    n: usize,
) -> Vec<Value> {
    let next = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let base = sandbox.base_url();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..SENDERS {
        let (http, next, events, base, sandbox) = (
            http.clone(),
            next.clone(),
            events.clone(),
            base.clone(),
            sandbox.handle(),
        );
        tasks.spawn(async move {
            while next.fetch_add(1, Ordering::SeqCst) < n {
                let total = format!("{}.{:02}", rand::rng().random_range(1..500), 50);
                let created: Value = http
                    .post(format!("{base}/api/business-transaction/ecommerce/payment"))
                    .json(&json!({"publicToken": DEMO_PUBLIC_TOKEN, "timeout": "600",
                        "total": total, "metadata1": "multi-instance", "metadata2": "",
                        "phoneNumber": "7875551234", "items": []}))
                    .send()
                    .await
                    .expect("create")
                    .json()
                    .await
                    .expect("JSON");
                let id = created["data"]["ecommerceId"]
                    .as_str()
                    .expect("an id")
                    .to_string();
                let token = created["data"]["auth_token"].as_str().expect("a token");
                sandbox
                    .confirm(
                        id.parse().expect("a uuid"),
                        CustomerInput {
                            name: Some("Ana Ruiz".into()),
                            email: Some("ana@example.com".into()),
                            phone_number: Some("7875551234".into()),
                        },
                    )
                    .expect("confirm");
                let authorized: Value = http
                    .post(format!(
                        "{base}/api/business-transaction/ecommerce/authorization"
                    ))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("authorize")
                    .json()
                    .await
                    .expect("JSON");
                let data = &authorized["data"];
                assert_eq!(authorized["status"], "success", "{authorized}");
                events.lock().expect("not poisoned").push(json!({
                    "transactionType": "ECOMMERCE", "status": "COMPLETED",
                    "ecommerceId": id, "referenceNumber": data["referenceNumber"],
                    "dailyTransactionId": data["dailyTransactionId"],
                    "date": data["transactionDate"], "transactionDate": data["transactionDate"],
                    "total": data["total"], "subTotal": data["subTotal"], "tax": data["tax"],
                    "fee": data["fee"], "netAmount": data["netAmount"], "totalRefundedAmount": 0,
                    "phoneNumber": 7875551234_u64, "name": "Ana Ruiz", "email": "ana@example.com",
                    "metadata1": "multi-instance", "metadata2": "", "message": "",
                    "businessName": "Test Business", "isNonProfit": false, "items": [],
                    "referenceTransactionId": ""
                }));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("no panic");
    }
    let events = events.lock().expect("not poisoned").clone();
    assert_eq!(events.len(), n);
    events
}

/// What the senders saw.
#[derive(Default)]
struct Sent {
    /// Per event, whether some copy was answered 200.
    answered: Vec<bool>,
    /// Answers 5xx (must stay 0).
    server_errors: Vec<String>,
    /// Copies that found their instance down and went to another.
    rerouted: usize,
}

/// Sends every event `COPIES` times, shuffled, each copy to a random
/// instance; a copy whose instance is down goes to another. With
/// `crash_at`, its channel is signalled once that many copies are on their way.
async fn send_all(
    http: &reqwest::Client,
    events: &[Value],
    ports: &[u16],
    crash_at: Option<(usize, tokio::sync::oneshot::Sender<()>)>,
) -> Sent {
    let mut copies: Vec<usize> = (0..events.len()).flat_map(|i| [i; COPIES]).collect();
    copies.shuffle(&mut rand::rng());
    let copies = Arc::new(copies);
    let events = Arc::new(events.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(Mutex::new(Sent {
        answered: vec![false; events.len()],
        ..Sent::default()
    }));
    let (crash_at, crash) = match crash_at {
        Some((at, tx)) => (at, Some(tx)),
        None => (usize::MAX, None),
    };
    let crash = Arc::new(Mutex::new(crash));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..SENDERS {
        let (http, copies, events, next, sent, ports, crash) = (
            http.clone(),
            copies.clone(),
            events.clone(),
            next.clone(),
            sent.clone(),
            ports.to_vec(),
            crash.clone(),
        );
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(&event) = copies.get(n) else {
                    return;
                };
                if n == crash_at
                    && let Some(tx) = crash.lock().expect("not poisoned").take()
                {
                    let _ = tx.send(());
                }
                let mut port = ports[rand::rng().random_range(0..ports.len())];
                for _attempt in 0..600 {
                    let answer = http
                        .post(format!("http://127.0.0.1:{port}/athm/webhook"))
                        .json(&events[event])
                        .send()
                        .await;
                    match answer {
                        Ok(answer) if answer.status().is_success() => {
                            sent.lock().expect("not poisoned").answered[event] = true;
                            break;
                        }
                        Ok(answer) if answer.status().is_server_error() => {
                            let status = answer.status();
                            let body = answer.text().await.unwrap_or_default();
                            sent.lock()
                                .expect("not poisoned")
                                .server_errors
                                .push(format!("{port}: {status} {body}"));
                            break;
                        }
                        Ok(answer) => panic!("unexpected answer {}", answer.status()),
                        Err(_) => {
                            // The instance is down (killed): as a load balancer
                            // would, send the copy to another one.
                            sent.lock().expect("not poisoned").rerouted += 1;
                            port = ports[rand::rng().random_range(0..ports.len())];
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("no panic");
    }
    Arc::try_unwrap(sent)
        .ok()
        .expect("the senders are done")
        .into_inner()
        .expect("not poisoned")
}

/// One scenario at a time: on two cores, two clusters of three instances
/// would only slow each other down (measured for the four: 113 s in
/// parallel, 44–102 s in turn, depending on what else the machine runs).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs the scenario on the server `$var` names; `crash` kills and restarts one instance mid-load.
async fn scenario(var: &str, n: usize, crash: bool) {
    let Some(admin) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("NOTICE: {var} is not set: this multi-instance test is SKIPPED");
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let (name, database_url) = create_database(&admin).await;
    let sandbox = Sandbox::start(SandboxConfig::for_tests())
        .await
        .expect("the sandbox starts");
    let (notify_url, notified) = subscriber().await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let launch = Launch {
        database_url: database_url.clone(),
        sandbox_url: sandbox.base_url(),
        notify_url,
        logs: tempfile::tempdir().expect("a log directory"),
    };
    let events = completed_payments(&http, &sandbox, n).await;
    let created = started.elapsed();

    // The first instance migrates the database; the others start on it.
    let ports: Vec<u16> = (0..INSTANCES).map(|_| free_port()).collect();
    let mut instances = vec![launch.start(ports[0])];
    wait_healthy(&http, ports[0]).await;
    for &port in &ports[1..] {
        instances.push(launch.start(port));
    }
    for &port in &ports[1..] {
        wait_healthy(&http, port).await;
    }
    let instances = Arc::new(Mutex::new(instances));

    let (crash_tx, crash_rx) = tokio::sync::oneshot::channel();
    let killer = crash.then(|| {
        let (instances, http, launch_port) = (instances.clone(), http.clone(), ports[0]);
        tokio::spawn(async move {
            if crash_rx.await.is_err() {
                return None;
            }
            {
                let mut instances = instances.lock().expect("not poisoned");
                let victim = &mut instances[0];
                victim.child.kill().expect("kill -9");
                victim.child.wait().expect("reaped");
            }
            eprintln!("killed the instance on port {launch_port}");
            tokio::time::sleep(Duration::from_millis(300)).await;
            Some((launch_port, http))
        })
    });
    let crash_at = crash.then(|| (n * COPIES / 3, crash_tx));
    let sending = {
        let (http, events, ports) = (http.clone(), events.clone(), ports.clone());
        tokio::spawn(async move { send_all(&http, &events, &ports, crash_at).await })
    };
    if let Some(killer) = killer
        && let Some((port, http)) = killer.await.expect("the killer ran")
    {
        let restarted = launch.start(port);
        instances.lock().expect("not poisoned")[0] = restarted;
        wait_healthy(&http, port).await;
        eprintln!("restarted the instance on port {port}");
    }
    let sent = sending.await.expect("the senders ran");
    let sent_in = started.elapsed();

    assert!(
        sent.server_errors.is_empty(),
        "no 5xx: {:?}",
        sent.server_errors
    );
    assert!(sent.answered.iter().all(|a| *a), "every event answered 200");
    if crash {
        assert!(sent.rerouted > 0, "the crash was felt by some sender");
    }

    let db = Database::connect(database_url.as_str())
        .await
        .expect("connect");
    let completed_sql = format!(
        "SELECT COUNT(*) FROM payments WHERE status = '{}'",
        PaymentStatus::Completed.as_str()
    );
    let processed_sql = format!(
        "SELECT COUNT(*) FROM webhook_events WHERE status = '{}'",
        EventStatus::Processed.as_str()
    );
    let undelivered_sql = "SELECT COUNT(*) FROM lifecycle_outbox WHERE delivered_at IS NULL";
    let n64 = i64::try_from(n).expect("small");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let distinct: HashSet<String> = notified
            .lock()
            .expect("not poisoned")
            .iter()
            .filter(|(_, kind, _)| kind == "payment_completed")
            .map(|(_, _, id)| id.clone())
            .collect();
        // A notification the killed instance posted but did not record
        // stays claimed until its lease ends (10 s here), then is sent again.
        let done = count(&db, &completed_sql).await == n64
            && count(&db, &processed_sql).await == n64
            && count(&db, undelivered_sql).await == 0
            && distinct.len() == n;
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not settled in time: {} completed, {} processed, {} notified",
            count(&db, &completed_sql).await,
            count(&db, &processed_sql).await,
            distinct.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let settled_in = started.elapsed();
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;

    assert_eq!(count(&db, "SELECT COUNT(*) FROM payments").await, n64);
    assert_eq!(
        count(&db, &completed_sql).await,
        n64,
        "one completion per payment"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM webhook_events").await,
        n64,
        "each event stored once"
    );
    assert_eq!(
        count(&db, &processed_sql).await,
        n64,
        "every event processed"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lifecycle_outbox WHERE kind = 'payment_completed'"
        )
        .await,
        n64,
        "payment_completed recorded once per payment"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lifecycle_outbox WHERE delivered_at IS NULL"
        )
        .await,
        0,
        "the outbox is drained"
    );
    let notified = notified.lock().expect("not poisoned").clone();
    let mut ids_per_payment: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (id, kind, payment) in &notified {
        assert_eq!(kind, "payment_completed");
        ids_per_payment.entry(payment).or_default().insert(id);
    }
    assert_eq!(ids_per_payment.len(), n, "every payment announced");
    assert!(
        ids_per_payment.values().all(|ids| ids.len() == 1),
        "one payment_completed event per payment"
    );
    let copies = notified.len() - n;
    if crash {
        // At least once: a notification accepted by the subscriber just
        // before the kill, but not yet recorded as delivered, is sent again
        // (with the same id) when its claim ends. Only the killed
        // instance's unrecorded successes can be in that window: at most
        // one record batch of its relay.
        assert!(
            copies <= athm_domain::services::OutboxRelay::RECORD_BATCH,
            "{copies} notifications repeated after the crash"
        );
    } else {
        assert_eq!(copies, 0, "each notification posted once");
    }
    eprintln!(
        "{var} n={n} crash={crash}: payments created in {created:?}, {} webhooks sent by {sent_in:?} \
         ({} rerouted), settled by {settled_in:?}, {copies} repeated notifications",
        n * COPIES,
        sent.rerouted,
    );

    for instance in instances.lock().expect("not poisoned").iter_mut() {
        let _ = instance.child.kill();
        let _ = instance.child.wait();
    }
    let _ = db.close().await;
    drop_database(&admin, &name).await;
    sandbox.shutdown().await;
}

/// The N: 1,000 payments, 3,000 deliveries. 6–29 s per test from
/// start to settled on two cores, so it runs in the default suite.
const N: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_postgres_complete_and_announce_each_payment_once() {
    scenario("ATHM_TEST_POSTGRES_URL", N, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_mariadb_complete_and_announce_each_payment_once() {
    scenario("ATHM_TEST_MYSQL_URL", N, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_and_restarted_mid_load_on_postgres_loses_and_repeats_nothing() {
    scenario("ATHM_TEST_POSTGRES_URL", N, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_and_restarted_mid_load_on_mariadb_loses_and_repeats_nothing() {
    scenario("ATHM_TEST_MYSQL_URL", N, true).await;
}
