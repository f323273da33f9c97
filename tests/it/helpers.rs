//! `spawn_app()`: the real application on port 0, with a fresh SQLite file
//! and its in-process ATH Móvil sandbox, plus typed request helpers.

use athm_domain::ports::PaymentStore;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use athm_app::{AppError, Application, Cli};
use athm_domain::ports::{PaymentKey, Store};
use athm_domain::{EcommerceId, Payment};
use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, EventKind, Sandbox};
use athm_store::SqlStore;
use clap::Parser;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use uuid::Uuid;

/// The merchant API key every test app accepts.
pub const API_KEY: &str = "test-key";

/// The key that signs the test apps' checkout tokens and sessions.
pub const CHECKOUT_SECRET: &str = "test-secret-0123456789abcdef0123456789";

/// The phone number test customers use.
pub const PHONE: &str = "7875551234";

/// A running app, its sandbox and its database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`: `/healthz` and `/metrics` live here.
    pub address: String,
    /// `address` + `/athm`: the webhook and the checkout API live here.
    pub api: String,
    /// The database the app writes to (a file in `dir`).
    pub database_url: String,
    /// The sandbox's base URL (both ATH Móvil hosts).
    pub sandbox_url: String,
    /// The in-process ATH Móvil sandbox.
    pub sandbox: Sandbox,
    /// A client for the app and the sandbox.
    pub client: reqwest::Client,
    store: Arc<SqlStore>,
    /// Holds the database file (when the app owns it); removed when the test ends.
    _dir: Option<TempDir>,
}

/// A payment started through `POST /api/initiate`.
#[derive(Debug, Clone)]
pub struct Started {
    /// ATH Móvil's id of the payment.
    pub id: Uuid,
    /// The `X-Athm-Session` that proves the browser started it.
    pub session: String,
}

/// The app with the suite's default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The app with the suite's default settings, `extra` flags (pairs of flag
/// and value) replacing or adding to them.
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database_url = database_url(&dir);
    let (app, used_url) =
        build_app(&database_url, &[("--sandbox-listen", "127.0.0.1:0")], extra).await;
    let running = app
        .sandbox()
        .expect("no tokens: the in-process sandbox runs");
    let (sandbox, sandbox_url) = (running.handle(), running.base_url());
    let (test_app, _) = serve(app, used_url, sandbox, sandbox_url, Some(dir)).await;
    test_app
}

/// The app on a sandbox it does not own (at `sandbox_url`, with the demo
/// tokens) and on an existing database (migrated again, as at any start):
/// what a restarted instance is. The sandbox's webhooks are pointed at
/// this instance. Abort the returned task to stop it (its workers stop with it).
#[allow(dead_code)] // the simulation's (tests/sim) restarts
pub async fn spawn_app_on(
    sandbox: &Sandbox,
    sandbox_url: &str,
    database_url: &str,
    extra: &[&str],
) -> (TestApp, tokio::task::JoinHandle<Result<(), AppError>>) {
    init_logs();
    let outside = [
        ("--public-token", DEMO_PUBLIC_TOKEN),
        ("--private-token", DEMO_PRIVATE_TOKEN),
        ("--payments-url", sandbox_url),
        ("--www-url", sandbox_url),
    ];
    let (app, used_url) = build_app(database_url, &outside, extra).await;
    let (test_app, server) = serve(
        app,
        used_url,
        sandbox.clone(),
        sandbox_url.to_string(),
        None,
    )
    .await;
    sandbox.set_listener(&format!("{}/webhook", test_app.api));
    (test_app, server)
}

/// Builds the application with the suite's flags, then `base`, then `extra`
/// (pairs of flag and value; a later pair replaces an earlier flag), and
/// the database it uses (`database_url` unless `extra` names another).
async fn build_app(
    database_url: &str,
    base: &[(&str, &str)],
    extra: &[&str],
) -> (Application, String) {
    let mut flags = vec![
        ("--database-url", database_url),
        ("--listen", "127.0.0.1:0"),
        ("--api-keys", API_KEY),
        ("--checkout-secret", CHECKOUT_SECRET),
        ("--watch-interval-secs", "1"),
        ("--initiate-per-ip-per-minute", "0"),
        ("--initiate-per-phone-per-hour", "0"),
    ];
    let pairs = extra.chunks(2).map(|pair| match pair {
        [flag, value] => (*flag, *value),
        _ => panic!("extra flags come in pairs: {extra:?}"),
    });
    for (flag, value) in base.iter().copied().chain(pairs) {
        match flags.iter_mut().find(|(known, _)| *known == flag) {
            Some(known) => known.1 = value,
            None => flags.push((flag, value)),
        }
    }
    // The database the app uses: the test's own unless `extra` names one.
    let used_url = flags
        .iter()
        .find(|(flag, _)| *flag == "--database-url")
        .map_or_else(|| database_url.to_string(), |(_, url)| (*url).to_string());
    let args = ["athm", "serve"]
        .into_iter()
        .chain(flags.into_iter().flat_map(|(flag, value)| [flag, value]));
    let cli = Cli::try_parse_from(args).expect("the test command line parses");
    let app = Application::build(cli.settings)
        .await
        .expect("the application builds");
    (app, used_url)
}

/// Serves `app` in a background task; the test's handle on it.
async fn serve(
    app: Application,
    database_url: String,
    sandbox: Sandbox,
    sandbox_url: String,
    dir: Option<TempDir>,
) -> (TestApp, tokio::task::JoinHandle<Result<(), AppError>>) {
    let address = format!("http://{}", app.local_addr().expect("a local address"));
    let server = tokio::spawn(app.run_until_stopped());
    let store = SqlStore::connect(&database_url)
        .await
        .expect("the test opens the app's database");
    let test_app = TestApp {
        api: format!("{address}/athm"),
        address,
        database_url,
        sandbox_url,
        sandbox,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a reqwest client"),
        store: Arc::new(store),
        _dir: dir,
    };
    (test_app, server)
}

/// `sqlite://<dir>/athm.db?mode=rwc`.
pub fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}/athm.db?mode=rwc", dir.path().display())
}

/// Logs to stdout when `TEST_LOG` is set (`TEST_LOG=debug cargo test …`).
fn init_logs() {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        athm_app::telemetry::init(&filter, athm_app::telemetry::LogFormat::Text)
            .expect("TEST_LOG is a log filter");
    }
}

/// Runs `athm <args…>` in-process, as `main` would after parsing.
pub async fn run_cli(args: &[&str]) -> Result<ExitCode, AppError> {
    let cli = Cli::try_parse_from(std::iter::once("athm").chain(args.iter().copied()))
        .expect("the command line parses");
    athm_app::run(cli).await
}

/// Polls `check` every 50 ms until it gives `Some`, for at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(found) = check().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads a JSON answer, failing the test with the body when it is not JSON.
pub async fn json_body(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("a body");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the {status} answer is not JSON ({e}): {text}"))
}

/// The `error` message of an error answer, after checking its status.
pub async fn error_of(response: Response, expected: StatusCode) -> String {
    let status = response.status();
    let body = json_body(response).await;
    assert_eq!(status, expected, "unexpected answer: {body}");
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {body}"))
        .to_string()
}

impl TestApp {
    /// `POST /api/checkouts` with the merchant API key.
    pub async fn create_checkout(&self, body: &Value) -> Response {
        self.client
            .post(format!("{}/api/checkouts", self.api))
            .bearer_auth(API_KEY)
            .json(body)
            .send()
            .await
            .expect("POST /api/checkouts")
    }

    /// A signed checkout token for `order`.
    pub async fn checkout_token(&self, order: &Value) -> String {
        let response = self.create_checkout(order).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        body["checkout"]
            .as_str()
            .unwrap_or_else(|| panic!("no checkout token in {body}"))
            .to_string()
    }

    /// `POST /api/initiate`.
    pub async fn initiate(&self, body: &Value) -> Response {
        self.client
            .post(format!("{}/api/initiate", self.api))
            .json(body)
            .send()
            .await
            .expect("POST /api/initiate")
    }

    /// Signs `order`, then initiates it for [`PHONE`]; the payment is OPEN at the sandbox.
    pub async fn start_payment(&self, order: &Value) -> Started {
        let checkout = self.checkout_token(order).await;
        let response = self
            .initiate(&json!({ "checkout": checkout, "phone_number": PHONE }))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(body["status"], "OPEN");
        let id = body["ecommerce_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no ecommerce_id in {body}"));
        let session = body["session"]
            .as_str()
            .unwrap_or_else(|| panic!("no session in {body}"))
            .to_string();
        Started { id, session }
    }

    /// A $10.00 payment, OPEN.
    pub async fn start_ten_dollar_payment(&self) -> Started {
        self.start_payment(&json!({ "total": "10.00", "metadata1": "Order 1" }))
            .await
    }

    /// `GET /api/status`.
    pub async fn status(&self, id: Uuid, session: &str) -> Response {
        self.client
            .get(format!("{}/api/status?ecommerce_id={id}", self.api))
            .header("X-Athm-Session", session)
            .send()
            .await
            .expect("GET /api/status")
    }

    /// `POST /api/authorize`.
    pub async fn authorize(&self, id: Uuid, session: &str) -> Response {
        self.post_with_session("authorize", json!({ "ecommerce_id": id }), session)
            .await
    }

    /// `POST /api/cancel`.
    pub async fn cancel(&self, id: Uuid, session: &str) -> Response {
        self.post_with_session("cancel", json!({ "ecommerce_id": id }), session)
            .await
    }

    /// `POST /api/phone`.
    pub async fn update_phone(&self, id: Uuid, session: &str, phone: &str) -> Response {
        let body = json!({ "ecommerce_id": id, "phone_number": phone });
        self.post_with_session("phone", body, session).await
    }

    async fn post_with_session(&self, path: &str, body: Value, session: &str) -> Response {
        self.client
            .post(format!("{}/api/{path}", self.api))
            .header("X-Athm-Session", session)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{path}: {e}"))
    }

    /// `POST /webhook` with `payload`, as ATH Móvil would.
    pub async fn post_webhook(&self, payload: &Value) -> Response {
        self.client
            .post(format!("{}/webhook", self.api))
            .json(payload)
            .send()
            .await
            .expect("POST /webhook")
    }

    /// The status of a payment as `GET /api/status` reports it.
    pub async fn status_of(&self, started: &Started) -> Value {
        let response = self.status(started.id, &started.session).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_body(response).await
    }

    /// The app's database, through the `Store` port.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// A $10.00 payment completed through the checkout API (the customer
    /// approves in the sandbox); its id and reference number.
    pub async fn completed_payment(&self) -> (Uuid, String) {
        let started = self.start_payment(&json!({ "total": "10.00" })).await;
        self.confirm_in_sandbox(started.id);
        let response = self.authorize(started.id, &started.session).await;
        assert_eq!(response.status(), StatusCode::OK);
        let stored = self.stored_payment(started.id).await.expect("stored");
        let reference = stored.reference_number.expect("a reference number");
        (started.id, reference.as_str().to_string())
    }

    /// The stored payment `id` with its refunds.
    pub async fn record(&self, id: Uuid) -> athm_domain::ports::PaymentRecord {
        self.store
            .payment(&PaymentKey::Ecommerce(EcommerceId::new(id)))
            .await
            .expect("the store answers")
            .expect("the payment is stored")
    }

    /// The payment as stored, if the app knows it.
    pub async fn stored_payment(&self, id: Uuid) -> Option<Payment> {
        self.store
            .payment(&PaymentKey::Ecommerce(EcommerceId::new(id)))
            .await
            .expect("the store answers")
            .map(|record| record.payment)
    }

    /// Waits (at most `timeout`) until the stored payment satisfies `done`.
    pub async fn wait_for_payment(
        &self,
        id: Uuid,
        timeout: Duration,
        done: impl Fn(&Payment) -> bool,
    ) -> Option<Payment> {
        eventually(timeout, || async {
            self.stored_payment(id).await.filter(|p| done(p))
        })
        .await
    }

    /// The customer approves the payment in the sandbox's app.
    pub fn confirm_in_sandbox(&self, id: Uuid) {
        self.sandbox
            .confirm(id, CustomerInput::default())
            .expect("the sandbox confirms an OPEN payment");
    }

    /// Waits until the sandbox delivered (2xx) `count` events of `kind` in all.
    pub async fn wait_for_delivered(&self, kind: EventKind, count: usize) {
        let found = eventually(Duration::from_secs(10), || async {
            let delivered = self
                .sandbox
                .deliveries()
                .into_iter()
                .filter(|a| a.kind == kind && a.delivered())
                .count();
            (delivered >= count).then_some(())
        })
        .await;
        assert!(
            found.is_some(),
            "the sandbox did not deliver {count} {kind:?} webhooks: {:#?}",
            self.sandbox.deliveries()
        );
    }

    /// Creates a payment at the sandbox directly, as another shop front would
    /// (the app never hears of it but through webhooks or the report).
    /// Returns its id and auth token.
    pub async fn create_in_sandbox(&self, total: &str) -> (Uuid, String) {
        let response = self
            .client
            .post(format!(
                "{}/api/business-transaction/ecommerce/payment",
                self.sandbox_url
            ))
            .json(&json!({
                "publicToken": DEMO_PUBLIC_TOKEN,
                "timeout": "600",
                "total": total,
                "metadata1": "Sold elsewhere",
                "metadata2": "",
                "phoneNumber": PHONE,
                "items": [],
            }))
            .send()
            .await
            .expect("create payment at the sandbox");
        let body = json_body(response).await;
        let id = body["data"]["ecommerceId"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no ecommerceId in {body}"));
        let token = body["data"]["auth_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no auth_token in {body}"))
            .to_string();
        (id, token)
    }

    /// Confirms and authorizes a payment at the sandbox with its auth token;
    /// returns its reference number.
    pub async fn complete_in_sandbox(&self, id: Uuid, auth_token: &str) -> String {
        self.confirm_in_sandbox(id);
        let response = self
            .client
            .post(format!(
                "{}/api/business-transaction/ecommerce/authorization",
                self.sandbox_url
            ))
            .bearer_auth(auth_token)
            .send()
            .await
            .expect("authorize at the sandbox");
        let body = json_body(response).await;
        assert_eq!(body["status"], "success", "authorization failed: {body}");
        body["data"]["referenceNumber"]
            .as_str()
            .unwrap_or_else(|| panic!("no referenceNumber in {body}"))
            .to_string()
    }

    /// Today in Puerto Rico at the sandbox, as `--from-date`/`--to-date` take it.
    pub fn today(&self) -> String {
        self.sandbox
            .now()
            .with_timezone(&athm_sandbox::puerto_rico_offset())
            .format("%Y-%m-%d")
            .to_string()
    }

    /// `athm sync` over today (Puerto Rico), with `extra` arguments.
    pub async fn sync_today(&self, extra: &[&str]) -> Result<ExitCode, AppError> {
        let today = self.today();
        let mut args = vec!["sync", "--from-date", &today, "--to-date", &today];
        args.extend_from_slice(extra);
        self.run_cli(&args).await
    }

    /// Runs `athm <args…>` against this app's database and sandbox, with the demo tokens.
    pub async fn run_cli(&self, args: &[&str]) -> Result<ExitCode, AppError> {
        let mut all = args.to_vec();
        all.extend_from_slice(&[
            "--database-url",
            &self.database_url,
            "--public-token",
            DEMO_PUBLIC_TOKEN,
            "--private-token",
            DEMO_PRIVATE_TOKEN,
            "--payments-url",
            &self.sandbox_url,
            "--www-url",
            &self.sandbox_url,
        ]);
        run_cli(&all).await
    }
}
