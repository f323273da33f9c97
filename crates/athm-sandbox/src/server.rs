//! Starting, driving and stopping a sandbox.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Router;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::clock::SandboxClock;
use crate::config::{SandboxConfig, WebhookShape};
use crate::conn::{KillSwitch, KillableListener};
use crate::error::{ApiError, SandboxError};
use crate::faults::Faults;
use crate::ledger::{Books, Ledger, LedgerFile, Snapshot};
use crate::model::{CustomerInput, Payment, Refund};
use crate::state::Shared;
use crate::token::TokenSigner;
use crate::webhook::{DeliveryAttempt, Hub, Subscription};
use crate::wire::request::AppRefund;

/// A sandbox: its books, faults, clock and webhooks. Cheap to clone; every
/// clone drives the same sandbox.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("merchants", &self.shared.config.merchants)
            .finish()
    }
}

impl Sandbox {
    /// Builds a sandbox and starts its background tasks (webhook dispatch,
    /// expiry sweep) without serving it: mount [`Sandbox::router`] yourself
    /// or call [`Sandbox::serve`].
    ///
    /// # Errors
    /// [`SandboxError::NoRuntime`] outside a Tokio runtime,
    /// [`SandboxError::HttpClient`] when the webhook client cannot be built.
    pub fn new(config: SandboxConfig) -> Result<Self, SandboxError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| SandboxError::NoRuntime)?;
        let clock = Arc::new(SandboxClock::new(config.clock.clone()));
        let hub = Hub::new(
            config.webhooks.clone(),
            config.merchants.clone(),
            clock.clone(),
        )
        .map_err(SandboxError::HttpClient)?;
        let hub = Arc::new(hub);
        let (events, events_rx) = mpsc::unbounded_channel();
        let (shutdown, _) = watch::channel(false);
        let (ledger, tokens) = open_ledger(&config, events)?;
        let shared = Arc::new(Shared {
            ledger,
            config,
            clock,
            faults: Faults::default(),
            hub: hub.clone(),
            tokens,
            shutdown,
        });
        runtime.spawn(hub.dispatch(events_rx, shared.shutdown.subscribe()));
        runtime.spawn(sweep(
            Arc::downgrade(&shared),
            shared.config.sweep_interval,
            shared.shutdown.subscribe(),
        ));
        Ok(Self { shared })
    }

    /// Builds a sandbox and serves it on `config.addr` (a random loopback
    /// port by default) in a background task.
    ///
    /// # Errors
    /// Those of [`Sandbox::new`], and [`SandboxError::Bind`] when binding fails.
    pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
        let addr = config.addr;
        let sandbox = Self::new(config)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(sandbox.clone().serve(listener));
        tracing::info!(%addr, "ATH Móvil sandbox listening");
        Ok(RunningSandbox {
            sandbox,
            addr,
            server: Some(server),
        })
    }

    /// Serves the sandbox on `listener` until [`Sandbox::stop`] is called.
    /// Only connections served this way can be dropped by faults.
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        let mut stop = self.shared.shutdown.subscribe();
        let app = self
            .router()
            .into_make_service_with_connect_info::<KillSwitch>();
        axum::serve(KillableListener::new(listener), app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await
    }

    /// Every route (ATH Móvil's paths and `/sandbox/…`), to mount in another
    /// router. Mounted this way, "drop connection" faults hang instead.
    pub fn router(&self) -> Router {
        crate::api::router(self.shared.clone())
    }

    /// Asks the server and background tasks to stop; hung answers end.
    pub fn stop(&self) {
        self.shared.shutdown.send_replace(true);
    }

    /// The customer approves payment `ecommerce_id` in the app.
    ///
    /// # Errors
    /// BTRA_0031 unknown payment, BTRA_0037 not OPEN, BTRA_0006 bad phone.
    pub fn confirm(
        &self,
        ecommerce_id: Uuid,
        customer: CustomerInput,
    ) -> Result<Payment, ApiError> {
        self.shared
            .ledger
            .confirm(ecommerce_id, customer, self.now())
    }

    /// The customer declines payment `ecommerce_id` (it becomes CANCEL).
    ///
    /// # Errors
    /// BTRA_0031 unknown payment, BTRA_0037 not OPEN.
    pub fn decline(&self, ecommerce_id: Uuid) -> Result<Payment, ApiError> {
        self.shared.ledger.decline(ecommerce_id, self.now())
    }

    /// The fault switchboard.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Moves the sandbox clock forward and expires what is then due.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
        self.shared.ledger.expire_due(self.now());
    }

    /// The sandbox's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Every payment, oldest first.
    pub fn payments(&self) -> Vec<Payment> {
        self.shared.ledger.expire_due(self.now());
        self.shared.ledger.payments()
    }

    /// One payment.
    pub fn payment(&self, ecommerce_id: Uuid) -> Option<Payment> {
        self.shared.ledger.expire_due(self.now());
        self.shared.ledger.payment(ecommerce_id)
    }

    /// Every refund actually executed, oldest first.
    pub fn refunds(&self) -> Vec<Refund> {
        self.shared.ledger.refunds()
    }

    /// How many refunds were actually executed.
    pub fn refunds_executed(&self) -> usize {
        self.shared.ledger.refunds().len()
    }

    /// The refunds executed against payment `ecommerce_id`, oldest first
    /// (through the API and in the ATH Business app alike).
    pub fn refunds_of(&self, ecommerce_id: Uuid) -> Vec<Refund> {
        self.shared.ledger.refunds_of(ecommerce_id)
    }

    /// The business refunds payment `ecommerce_id` in the ATH Business app,
    /// not through the API: `amount` (all that is left when `None`) with
    /// `message`. The ledger changes exactly as for an API refund and the
    /// refund webhook is delivered as configured.
    ///
    /// # Errors
    /// BTRA_0031 unknown payment, BTRA_0035 not COMPLETED, BTRA_0013 zero,
    /// BTRA_0001 negative, BTRA_0004 more than is left (or nothing left),
    /// BTRA_0040 message over 50 characters.
    pub fn refund_in_business_app(
        &self,
        ecommerce_id: Uuid,
        amount: Option<Decimal>,
        message: &str,
    ) -> Result<Refund, ApiError> {
        let request = AppRefund {
            amount,
            message: message.to_owned(),
        };
        self.shared
            .ledger
            .refund_in_app(ecommerce_id, request, self.now())
            .map(|(refund, _)| refund)
    }

    /// Subscribes `public_token`'s business to webhooks (no HTTPS check).
    pub fn subscribe(&self, public_token: &str, subscription: Subscription) {
        self.shared.hub.subscribe(public_token, subscription);
    }

    /// Sends every event of every business to `url`.
    pub fn set_listener(&self, url: &str) {
        for merchant in &self.shared.config.merchants {
            self.shared
                .hub
                .subscribe(&merchant.public_token, Subscription::all(url));
        }
    }

    /// Chooses the payload shape of later webhooks.
    pub fn set_webhook_shape(&self, shape: WebhookShape) {
        self.shared.hub.set_shape(shape);
    }

    /// Delivers each later event `copies` times (at least once).
    pub fn set_webhook_copies(&self, copies: u32) {
        self.shared.hub.set_copies(copies);
    }

    /// Every delivery attempt so far.
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.shared.hub.log()
    }

    /// Waits (at most `timeout`) until `count` attempts were delivered;
    /// returns the successful attempts (fewer on timeout).
    pub async fn wait_for_deliveries(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Vec<DeliveryAttempt> {
        let done = |log: &[DeliveryAttempt]| log.iter().filter(|a| a.delivered()).count() >= count;
        let log = self.shared.hub.wait_for(timeout, done).await;
        log.into_iter().filter(DeliveryAttempt::delivered).collect()
    }

    /// Waits (at most `timeout`) until the log holds `count` attempts of any
    /// outcome; returns them all.
    pub async fn wait_for_attempts(&self, count: usize, timeout: Duration) -> Vec<DeliveryAttempt> {
        self.shared
            .hub
            .wait_for(timeout, |log| log.len() >= count)
            .await
    }

    /// The configuration the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }
}

/// The ledger and the auth-token signer: from the ledger file when there is
/// one (fresh ones when it does not exist yet), else fresh in memory.
fn open_ledger(
    config: &SandboxConfig,
    events: mpsc::UnboundedSender<crate::ledger::Event>,
) -> Result<(Ledger, TokenSigner), SandboxError> {
    let Some(path) = &config.ledger_file else {
        return Ok((
            Ledger::new(config.fee, events, Books::default(), None),
            TokenSigner::new(),
        ));
    };
    let snapshot = crate::ledger::load(path)?;
    let tokens = snapshot
        .as_ref()
        .and_then(|s| TokenSigner::from_hex(&s.token_key))
        .unwrap_or_else(TokenSigner::new);
    let books = snapshot.map(Snapshot::into_books).unwrap_or_default();
    if !books.is_empty() {
        tracing::info!(path = %path.display(), "sandbox ledger loaded");
    }
    let file = LedgerFile {
        path: path.clone(),
        token_key: tokens.key_hex(),
    };
    Ok((Ledger::new(config.fee, events, books, Some(file)), tokens))
}

async fn sweep(shared: Weak<Shared>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        shared.ledger.expire_due(shared.now());
    }
}

/// A sandbox served on a socket. Derefs to [`Sandbox`] for driving it;
/// stops when shut down or dropped.
#[derive(Debug)]
pub struct RunningSandbox {
    sandbox: Sandbox,
    addr: SocketAddr,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`: the base URL of both ATH Móvil hosts.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that outlives this value.
    pub fn handle(&self) -> Sandbox {
        self.sandbox.clone()
    }

    /// Stops serving and waits for open connections to finish.
    pub async fn shutdown(mut self) {
        self.sandbox.stop();
        if let Some(server) = self.server.take()
            && let Err(error) = server.await
        {
            tracing::warn!(%error, "sandbox server task failed");
        }
    }
}

impl Deref for RunningSandbox {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.sandbox.stop();
    }
}
