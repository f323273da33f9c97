//! Wiring: the adapters behind the ports, the services on top, the router
//! and the workers — the one place that knows every crate.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{AthmGateway, Store, WebhookSubscription};
use athm_domain::services::Services;
use athm_sandbox::{DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox};
use athm_store::SqlStore;
use athm_web::AppState;
use athm_web::embed::{WorkerConfig, Workers};
use tokio::net::TcpListener;

use crate::serve_lock::ServeLock;
use crate::{AppError, Settings};

/// Connects to the database and applies pending migrations.
pub(crate) async fn store(settings: &Settings) -> Result<Arc<SqlStore>, AppError> {
    let store = SqlStore::connect(&settings.database_url).await?;
    store.migrate().await?;
    Ok(Arc::new(store))
}

/// The ATH Móvil client for `settings`' tokens, or for the sandbox at `sandbox_url`.
pub(crate) fn gateway(
    settings: &Settings,
    sandbox_url: Option<&str>,
) -> Result<Arc<AthmClient>, AppError> {
    let config = match (settings.tokens()?, sandbox_url) {
        (_, Some(url)) => {
            ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(url)
        }
        (Some((public, private)), None) => ClientConfig {
            payments_base_url: settings.payments_url.clone(),
            www_base_url: settings.www_url.clone(),
            ..ClientConfig::new(public, private.expose())
        },
        (None, None) => {
            return Err(AppError::Config(
                "ATHM_PUBLIC_TOKEN and ATHM_PRIVATE_TOKEN are required to reach ATH Móvil".into(),
            ));
        }
    };
    let config = ClientConfig {
        timeout: Duration::from_secs(settings.gateway_timeout_secs),
        ..config
    };
    AthmClient::new(config)
        .map(Arc::new)
        .map_err(|e| AppError::Config(e.to_string()))
}

/// Every use case over the configured database and ATH Móvil, for a one-shot command (tokens required).
pub(crate) async fn services(settings: &Settings) -> Result<Services, AppError> {
    Ok(Services::new(
        gateway(settings, None)?,
        store(settings).await?,
    ))
}

/// The running service: built by [`Application::build`], served by [`Application::run_until_stopped`].
pub struct Application {
    /// Held until the service stops: one `athm serve` per SQLite file.
    serve_lock: ServeLock,
    listener: TcpListener,
    router: axum::Router,
    sandbox: Option<RunningSandbox>,
    workers: Workers,
}

impl Application {
    /// Migrates the database, starts the in-process sandbox when no ATH Móvil
    /// tokens are set, binds the listener (port 0 picks a free one) and starts the workers.
    ///
    /// # Errors
    /// Database, sandbox, configuration and bind failures.
    pub async fn build(settings: Settings) -> Result<Self, AppError> {
        let tokens = settings.tokens()?;
        let admin_password = settings.admin_password()?.cloned();
        // Bound first: a bad or busy address is reported before the
        // database is touched or the sandbox started.
        let listener = TcpListener::bind(settings.listen.as_str())
            .await
            .map_err(|source| AppError::Listen {
                addr: settings.listen.clone(),
                setting: "ATHM_LISTEN / --listen",
                source,
            })?;
        // Before the database is touched: a second service must not migrate
        // it under the first.
        let serve_lock = ServeLock::acquire(&settings.database_url)?;
        let store: Arc<dyn Store> = store(&settings).await?;
        let sandbox = match tokens {
            Some(_) => None,
            None => Some(crate::sandbox::start(&settings).await?),
        };
        let gateway: Arc<dyn AthmGateway> =
            gateway(&settings, sandbox.as_ref().map(|s| s.base_url()).as_deref())?;
        let prefix = settings.normalized_prefix();
        if sandbox.is_some() {
            let url = format!(
                "http://{}{prefix}{}",
                listener.local_addr()?,
                settings.webhook_path()
            );
            gateway
                .subscribe_webhook(&WebhookSubscription::all(url))
                .await?;
        }

        let (sink, relay_lease) = crate::workers::sink(&settings)?;
        let mut services = Services::new(gateway, store);
        if !settings.verify_webhooks
            && tokens.is_some()
            && settings.payments_url == athm_client::DEFAULT_PAYMENTS_BASE_URL
        {
            return Err(AppError::Config(
                "ATHM_VERIFY_WEBHOOKS=false is for load tests against a sandbox: with ATH Móvil's \
                 real URL anyone who learns the webhook URL could complete or refund payments; \
                 remove it"
                    .into(),
            ));
        }
        if !settings.verify_webhooks {
            tracing::warn!(
                "ATHM_VERIFY_WEBHOOKS=false: webhook events are applied without asking ATH Móvil"
            );
            services.webhooks = services.webhooks.clone().unverified();
        }
        let interval = settings.watch_interval();
        let worker_config = WorkerConfig {
            watch_interval: interval,
            recovery_interval: interval * 6,
            relay_lease,
            ..WorkerConfig::default()
        };
        let workers = Workers::spawn(&services, sink, worker_config);
        let state = AppState::from_services(&services, crate::web::config(&settings)?)
            .with_webhook_hook(workers.webhook_hook());
        let faces = crate::faces::routes(
            &state,
            &settings,
            admin_password,
            &services,
            sandbox.as_ref(),
            listener.local_addr()?,
        );
        let mut router = athm_web::mount(state, &prefix).merge(faces);
        if settings
            .public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
        {
            router = athm_web::strict_transport(router);
        }
        Ok(Self {
            serve_lock,
            listener,
            router,
            sandbox,
            workers,
        })
    }

    /// The address the service listens on.
    ///
    /// # Errors
    /// When the socket cannot tell.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The in-process sandbox, when the service runs on the embedded default.
    pub fn sandbox(&self) -> Option<&RunningSandbox> {
        self.sandbox.as_ref()
    }

    /// Serves until Ctrl-C (or SIGTERM), then stops the workers.
    ///
    /// # Errors
    /// Server I/O failures.
    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        let Self {
            serve_lock,
            listener,
            router,
            sandbox,
            workers,
        } = self;
        athm_web::serve(listener, router, shutdown_signal()).await?;
        workers.shutdown().await;
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        drop(serve_lock);
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
