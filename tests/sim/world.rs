//! The world a run drives: ATH Móvil (the sandbox, whose ledger is the
//! truth), the app (a real `Application` over real HTTP on a real
//! database, restartable), the library (`Services` over the same database)
//! and what the run remembers about what it did.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use athm_app::AppError;
use athm_client::{AthmClient, ClientConfig};
use athm_domain::services::Services;
use athm_sandbox::{DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox, Sandbox, SandboxConfig};
use athm_store::SqlStore;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::admin::AdminClient;
use crate::db::TestDb;
use crate::helpers::{TestApp, spawn_app_on};

/// The admin password of every simulated app.
pub const ADMIN_PASSWORD: &str = "simulated admin password";

/// Where nobody listens: webhooks sent here are lost.
const NOWHERE: &str = "http://127.0.0.1:1/lost-webhooks";

/// The app's flags beyond the suite's defaults: the admin, and calls to
/// ATH Móvil that give up after a second (so hung answers end quickly).
const APP_FLAGS: [&str; 4] = [
    "--admin-password",
    ADMIN_PASSWORD,
    "--gateway-timeout-secs",
    "1",
];

/// [`APP_FLAGS`], then the pairs of flag and value a run adds (e.g. the
/// oracle's own test turns webhook verification off).
fn app_flags(extra: &[&'static str]) -> Vec<&'static str> {
    APP_FLAGS.iter().chain(extra).copied().collect()
}

/// The database a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MariaDb,
}

impl Backend {
    /// `sqlite`, `postgres`, `mariadb`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MariaDb => "mariadb",
        }
    }

    /// Reads `sqlite`, `postgres` or `mariadb` (also `mysql`).
    pub fn parse(text: &str) -> Option<Backend> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mariadb" | "mysql" => Some(Backend::MariaDb),
            _ => None,
        }
    }

    /// A fresh database; `None` when the server's URL is not set.
    pub async fn database(self) -> Option<TestDb> {
        match self {
            Backend::Sqlite => Some(TestDb::sqlite()),
            Backend::Postgres => TestDb::on_server("ATHM_TEST_POSTGRES_URL", "simulation").await,
            Backend::MariaDb => TestDb::on_server("ATHM_TEST_MYSQL_URL", "simulation").await,
        }
    }

    /// Whether runs on this backend can happen (its URL is set).
    pub fn available(self) -> bool {
        let var = match self {
            Backend::Sqlite => return true,
            Backend::Postgres => "ATHM_TEST_POSTGRES_URL",
            Backend::MariaDb => "ATHM_TEST_MYSQL_URL",
        };
        std::env::var(var).is_ok_and(|url| !url.trim().is_empty())
    }
}

/// Who sent a refund intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Library,
    Cli,
    Admin,
}

/// One refund intent of the run, named by its tag (the refund message it
/// carries to ATH Móvil, so the ledger shows which intent each refund was).
#[derive(Debug, Clone)]
pub struct Intent {
    pub via: Via,
    pub payment: Uuid,
    /// How many calls carried it (a burst, retries, confirmations).
    pub calls: u32,
    /// The action that first sent it.
    pub action: usize,
}

/// A library refund, to send again.
#[derive(Debug, Clone)]
pub struct LibraryCall {
    pub payment: Uuid,
    pub amount: Option<athm_domain::Amount>,
    pub intent: athm_domain::RefundIntent,
    pub tag: String,
}

/// A keyed `athm refund`, to run again.
#[derive(Debug, Clone)]
pub struct CliCall {
    pub reference: String,
    pub amount: Option<String>,
    pub key: String,
    pub tag: String,
}

/// A refund an athm caller was told is completed.
#[derive(Debug, Clone)]
pub struct Answer {
    pub tag: String,
    pub reference: Option<String>,
    pub amount: String,
    pub action: usize,
}

/// Everything a run drives and remembers.
pub struct World {
    /// The app's flags (kept for restarts).
    flags: Vec<&'static str>,
    db: Option<TestDb>,
    pub sandbox: RunningSandbox,
    pub app: TestApp,
    server: JoinHandle<Result<(), AppError>>,
    /// The library, as an embedding program uses it (its own client to ATH Móvil).
    pub services: Services,
    /// The admin session ([`World::log_in`]).
    pub admin: Option<AdminClient>,
    /// Whether ATH Móvil's deliveries are currently lost.
    pub lost: bool,
    /// The Puerto Rico day the run started (for `athm sync`).
    pub first_day: String,
    /// The payments the run made, oldest first.
    pub payments: Vec<Uuid>,
    /// The checkout session of each payment made through the checkout API.
    pub sessions: HashMap<Uuid, String>,
    pub library_calls: Vec<LibraryCall>,
    pub cli_calls: Vec<CliCall>,
    /// Every refund intent, by tag.
    pub intents: BTreeMap<String, Intent>,
    /// The completed refunds athm's callers were told of.
    pub answers: Vec<Answer>,
    /// Every forged body posted.
    pub forged: Vec<Value>,
    next_tag: u32,
    /// What each action did, one line each (printed with a failure).
    pub notes: Vec<String>,
    /// The action running now (for the records above).
    pub action: usize,
}

impl World {
    /// A new sandbox, a fresh database and the app on them; `None` when
    /// the backend's server is not configured.
    pub async fn start(backend: Backend, extra: &[&'static str]) -> Option<World> {
        let db = backend.database().await?;
        let sandbox = Sandbox::start(SandboxConfig::for_tests())
            .await
            .expect("the sandbox starts");
        let flags = app_flags(extra);
        let (app, server) = spawn_app_on(&sandbox, &sandbox.base_url(), &db.url, &flags).await;
        let services = library(&sandbox.base_url(), &db.url).await;
        let first_day = app.today();
        Some(World {
            flags,
            db: Some(db),
            sandbox,
            app,
            server,
            services,
            admin: None,
            lost: false,
            first_day,
            payments: Vec::new(),
            sessions: HashMap::new(),
            library_calls: Vec::new(),
            cli_calls: Vec::new(),
            intents: BTreeMap::new(),
            answers: Vec::new(),
            forged: Vec::new(),
            next_tag: 0,
            notes: Vec::new(),
            action: 0,
        })
    }

    /// The app stops (its server task and workers end; requests in flight
    /// may finish) and a new instance starts on the same database and sandbox.
    pub async fn restart(&mut self) {
        self.server.abort();
        // Once the aborted task is gone, the old instance has let go of the
        // SQLite file (one `athm serve` per file).
        let _ = (&mut self.server).await;
        let url = self.sandbox.base_url();
        let (app, server) =
            spawn_app_on(&self.sandbox, &url, &self.app.database_url, &self.flags).await;
        let old = std::mem::replace(&mut self.app, app);
        drop(old);
        self.server = server;
        self.admin = None;
        if self.lost {
            self.sandbox.set_listener(NOWHERE);
        }
    }

    /// Stops everything and drops the database.
    pub async fn finish(mut self) {
        self.server.abort();
        self.sandbox.stop();
        if let Some(db) = self.db.take() {
            db.drop_now().await;
        }
    }

    /// ATH Móvil's deliveries go nowhere (`true`) or to the app.
    pub fn lose_webhooks(&mut self, lose: bool) {
        self.lost = lose;
        let url = if lose {
            NOWHERE.to_string()
        } else {
            self.webhook_url()
        };
        self.sandbox.set_listener(&url);
    }

    /// The app's webhook receiver.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhook", self.app.api)
    }

    /// A new intent tag (`sim-N`), recorded as sent by `via` for `payment`.
    pub fn new_intent(&mut self, via: Via, payment: Uuid) -> String {
        self.next_tag += 1;
        let tag = format!("sim-{}", self.next_tag);
        self.intents.insert(
            tag.clone(),
            Intent {
                via,
                payment,
                calls: 0,
                action: self.action,
            },
        );
        tag
    }

    /// A new tag for a refund made in the ATH Business app (`app-N`).
    pub fn app_tag(&mut self) -> String {
        self.next_tag += 1;
        format!("app-{}", self.next_tag)
    }

    /// Counts `calls` more calls carrying intent `tag`.
    pub fn sent(&mut self, tag: &str, calls: u32) {
        if let Some(intent) = self.intents.get_mut(tag) {
            intent.calls += calls;
        }
    }

    /// Notes what the current action did.
    pub fn note(&mut self, text: impl Into<String>) {
        let line = format!("#{} {}", self.action, text.into());
        self.notes.push(line);
    }

    /// Logs in to the admin on first use (again after a restart).
    pub async fn log_in(&mut self) {
        if self.admin.is_none() {
            self.admin = Some(AdminClient::login(&self.app.api, ADMIN_PASSWORD).await);
        }
    }

    /// Runs `athm <args…>` on this app's database and sandbox, as an
    /// operator would; `Ok(true)` when it exited with success.
    pub async fn cli(&self, args: &[&str]) -> Result<bool, AppError> {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--gateway-timeout-secs", "1"]);
        let code = self.app.run_cli(&all).await?;
        Ok(code == std::process::ExitCode::SUCCESS)
    }

    /// `athm sync` from the run's first day to today (Puerto Rico).
    pub async fn sync(&self) -> Result<bool, AppError> {
        let today = self.app.today();
        self.cli(&["sync", "--from-date", &self.first_day, "--to-date", &today])
            .await
    }

    /// POSTs JSON to the app's API, with a checkout session or not; the
    /// status and body, or the transport error as text.
    pub async fn post_api(
        &self,
        path: &str,
        body: &Value,
        session: Option<&str>,
    ) -> Result<(StatusCode, Value), String> {
        let mut request = self
            .app
            .client
            .post(format!("{}/api/{path}", self.app.api))
            .json(body);
        if let Some(session) = session {
            request = request.header("X-Athm-Session", session);
        }
        if path == "checkouts" {
            request = request.bearer_auth(crate::helpers::API_KEY);
        }
        answer(request.send().await).await
    }

    /// `GET /api/status` of payment `id` with its session.
    pub async fn status(&self, id: Uuid, session: &str) -> Result<(StatusCode, Value), String> {
        let request = self
            .app
            .client
            .get(format!("{}/api/status?ecommerce_id={id}", self.app.api))
            .header("X-Athm-Session", session);
        answer(request.send().await).await
    }

    /// POSTs a webhook body to the app, as ATH Móvil (or anyone) would.
    pub async fn post_webhook(&self, body: &Value) -> Result<StatusCode, String> {
        self.app
            .client
            .post(self.webhook_url())
            .json(body)
            .send()
            .await
            .map(|r| r.status())
            .map_err(|e| e.to_string())
    }

    /// POSTs JSON to the sandbox's ATH Móvil API (another shop front).
    pub async fn post_sandbox(
        &self,
        path: &str,
        body: &Value,
        bearer: Option<&str>,
    ) -> Result<(StatusCode, Value), String> {
        let mut request = self
            .app
            .client
            .post(format!(
                "{}/api/business-transaction/ecommerce/{path}",
                self.sandbox.base_url()
            ))
            .json(body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        answer(request.send().await).await
    }
}

/// The library over the sandbox and the database, with the app's timeout.
async fn library(sandbox_url: &str, database_url: &str) -> Services {
    let config = ClientConfig {
        timeout: Duration::from_secs(1),
        ..ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(sandbox_url)
    };
    let client = AthmClient::new(config).expect("a client");
    let store = SqlStore::connect(database_url)
        .await
        .expect("the library opens the database");
    Services::new(Arc::new(client), Arc::new(store))
}

async fn answer(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<(StatusCode, Value), String> {
    let response = sent.map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}
