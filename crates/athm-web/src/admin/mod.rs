//! The admin pages: server-rendered HTML behind a password, in Spanish and
//! English, with a CSRF token on every form.
//!
//! Under `{prefix}/admin`: `login`, `logout`, `payments` (search, filters,
//! pages), `payments/{ecommerce_id}` (items, refunds, customer, webhook
//! timeline, refund with a confirmation step), `refunds`, `events` (reprocess
//! one or all failed events), `clients`, `unlinked` (transactions made
//! elsewhere or not linked), and `webhook` (install the webhook
//! URL at ATH Móvil). Mount them with [`router`].
//!
//! The session is a signed, HttpOnly, `SameSite=Strict` cookie scoped to the
//! admin path; nothing is stored on the server. Its key is derived from the
//! checkout secret and the password, so changing the password ends every
//! session.

mod actions;
mod lists;
mod payment;
mod session;
mod unlinked;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use athm_domain::ports::AthmGateway;
use athm_domain::services::Reconciler;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::config::{ConfigError, Secret};
use crate::pages::{self, Frame, Lang, Texts};
use crate::rate_limit::FixedWindow;
use crate::state::AppState;

pub(crate) use payment::{payment_details, timeline_events};
pub use session::SESSION_COOKIE;

/// The fewest characters an admin password may have: the admin pages
/// refund money, and logins are only throttled, not locked out.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// How many times the per-client login limit all clients together get.
const ALL_CLIENTS_FACTOR: u32 = 10;

/// Settings of the admin pages.
#[derive(Clone)]
pub struct AdminConfig {
    /// The password; empty disables the pages (they then say how to enable them).
    pub password: Secret,
    /// Sets `Secure` on the cookies (serve the admin over HTTPS only).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Failed and successful logins allowed per client address per minute
    /// (the client address read through the trusted proxy, as the API's
    /// limits); all clients together get ten times as many.
    pub logins_per_minute: u32,
    /// The gateway the "install webhook" action subscribes with, if any.
    pub gateway: Option<Arc<dyn AthmGateway>>,
    /// The webhook URL to install (HTTPS at ATH Móvil).
    pub webhook_url: Option<String>,
    /// The reconciler that links an unlinked refund to its payment, if any
    /// (without it the unlinked page is read-only).
    pub reconciler: Option<Reconciler>,
}

impl fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminConfig")
            .field("password", &self.password)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_ttl", &self.session_ttl)
            .field("logins_per_minute", &self.logins_per_minute)
            .field("gateway", &self.gateway.is_some())
            .field("webhook_url", &self.webhook_url)
            .field("reconciler", &self.reconciler.is_some())
            .finish()
    }
}

impl AdminConfig {
    /// Admin pages behind `password` (empty: disabled), 12-hour sessions,
    /// 10 logins per address per minute, cookies without `Secure`, no webhook installer.
    pub fn new(password: impl Into<Secret>) -> Self {
        Self {
            password: password.into(),
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
            logins_per_minute: 10,
            gateway: None,
            webhook_url: None,
            reconciler: None,
        }
    }

    /// Checks the password: empty (the pages disabled) or at least
    /// [`MIN_PASSWORD_CHARS`] characters. [`router`] keeps the pages
    /// disabled when it fails; call it at startup to refuse to start instead.
    ///
    /// # Errors
    /// [`ConfigError`] for a password too short to stand guessing.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let chars = self.password.expose().chars().count();
        if chars > 0 && chars < MIN_PASSWORD_CHARS {
            return Err(ConfigError(
                "admin password: shorter than 12 characters; use a passphrase of three or four words",
            ));
        }
        Ok(())
    }

    /// The same settings, installing `webhook_url` through `gateway`.
    pub fn with_webhook_installer(
        mut self,
        gateway: Arc<dyn AthmGateway>,
        webhook_url: Option<String>,
    ) -> Self {
        self.gateway = Some(gateway);
        self.webhook_url = webhook_url;
        self
    }

    /// The same settings, letting a person link an unlinked refund to its
    /// payment through `reconciler` (ATH Móvil must confirm each link).
    pub fn with_reconciler(mut self, reconciler: Reconciler) -> Self {
        self.reconciler = Some(reconciler);
        self
    }
}

/// The state of the admin router.
#[derive(Clone)]
pub(crate) struct AdminState {
    pub app: AppState,
    pub config: Arc<AdminConfig>,
    /// The HMAC key of sessions and CSRF tokens.
    pub key: Arc<[u8; 32]>,
    /// `{prefix}/admin`.
    pub base: Arc<str>,
    /// `{prefix}`.
    pub prefix: Arc<str>,
    /// Login attempts per client address.
    pub logins: Arc<FixedWindow>,
    /// Login attempts of all clients together (key [`session::ALL_CLIENTS`]).
    pub all_logins: Arc<FixedWindow>,
}

impl AdminState {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn css(&self) -> String {
        format!("{}/athm.css", self.prefix)
    }
}

/// The admin pages under `{prefix}/admin`, with their own layers (trace,
/// timeout, body limit). Merge the result with [`crate::mount`]'s router.
pub fn router(state: AppState, config: AdminConfig, prefix: &str) -> Router {
    let prefix = normalize(prefix);
    let base = format!("{prefix}/admin");
    let key = session::derive_key(&state.config().checkout_secret, &config.password);
    let max_body = state.config().max_body_bytes;
    let timeout = state.config().request_timeout;
    let enabled = match config.validate() {
        Ok(()) => !config.password.is_empty(),
        Err(error) => {
            tracing::error!(%error, "the admin pages stay disabled");
            false
        }
    };
    let admin = AdminState {
        logins: Arc::new(FixedWindow::new(
            config.logins_per_minute,
            Duration::from_secs(60),
        )),
        all_logins: Arc::new(FixedWindow::new(
            config.logins_per_minute.saturating_mul(ALL_CLIENTS_FACTOR),
            Duration::from_secs(60),
        )),
        app: state,
        config: Arc::new(config),
        key: Arc::new(key),
        base: base.clone().into(),
        prefix: prefix.into(),
    };
    let routes = if enabled {
        Router::new()
            .route("/login", get(session::login_page).post(session::login))
            .route("/logout", post(session::logout))
            .route("/payments", get(lists::payments))
            .route("/payments/{id}", get(payment::page))
            .route("/payments/{id}/refund", post(actions::review_refund))
            .route(
                "/payments/{id}/refund/confirm",
                post(actions::confirm_refund),
            )
            .route("/refunds", get(lists::refunds))
            .route("/events", get(lists::events))
            .route("/events/reprocess", post(actions::reprocess_all))
            .route("/events/{id}/reprocess", post(actions::reprocess_one))
            .route("/clients", get(lists::clients))
            .route("/unlinked", get(unlinked::page))
            .route("/unlinked/{reference}/link", post(unlinked::link))
            .route("/webhook", get(actions::webhook_page))
            .route("/webhook/install", post(actions::install_webhook))
            .fallback(not_found)
    } else {
        Router::new().fallback(disabled)
    };
    let routes = Router::new()
        .route(&base, get(home_redirect))
        .route(&format!("{base}/"), get(home_redirect))
        .nest(&base, routes);
    pages::layered(routes, max_body, timeout, admin)
}

fn normalize(prefix: &str) -> String {
    let trimmed = prefix.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

async fn home_redirect(axum::extract::State(state): axum::extract::State<AdminState>) -> Redirect {
    Redirect::to(&state.url("/payments"))
}

/// The language and the page's own address, for every admin page.
pub(crate) struct Ctx {
    pub lang: Lang,
    pub path: String,
    pub query: Option<String>,
    pub set_cookies: Vec<String>,
    pub base: Arc<str>,
    pub css: String,
}

impl Ctx {
    pub(crate) fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// A full page: header with navigation (when `session` is given) and `body`.
    pub(crate) fn page(
        &self,
        status: StatusCode,
        title: &str,
        session: Option<&session::Session>,
        body: Markup,
    ) -> Response {
        let header = self.header(session);
        let frame = Frame {
            lang: self.lang,
            title,
            css: &self.css,
            header: Some(header),
            switch_lang: pages::with_lang(&self.path, self.query.as_deref(), self.lang.other()),
        };
        pages::respond(status, pages::document(&frame, body), &self.set_cookies)
    }

    fn header(&self, session: Option<&session::Session>) -> Markup {
        let t = self.t();
        let section = |path: &str, label: &str| {
            let href = format!("{}{path}", self.base);
            let current = self.path.starts_with(&href);
            html! {
                li { a href=(href) aria-current=[current.then_some("page")] { (label) } }
            }
        };
        html! {
            header class="top" {
                a class="brand" href=(format!("{}/payments", self.base)) { (t.admin) }
                @if let Some(session) = session {
                    nav aria-label=(t.main_nav) {
                        ul {
                            (section("/payments", t.payments))
                            (section("/refunds", t.refunds))
                            (section("/events", t.events))
                            (section("/clients", t.clients))
                            (section("/unlinked", t.unlinked))
                            (section("/webhook", t.webhook))
                        }
                    }
                    div class="tools" {
                        form method="post" action=(format!("{}/logout", self.base)) {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button type="submit" { (t.log_out) }
                        }
                    }
                }
            }
        }
    }

    /// A page with only a message (errors, refusals).
    pub(crate) fn message(
        &self,
        status: StatusCode,
        session: Option<&session::Session>,
        text: &str,
    ) -> Response {
        let t = self.t();
        let body = html! {
            h1 { (text) }
            p { a href=(format!("{}/payments", self.base)) { (t.back) } }
        };
        self.page(status, text, session, body)
    }
}

impl FromRequestParts<AdminState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AdminState,
    ) -> Result<Self, Self::Rejection> {
        let (lang, chosen) = Lang::of_request(parts);
        let uri = original_uri(parts);
        let set_cookies = if chosen {
            vec![lang.cookie(&state.base)]
        } else {
            Vec::new()
        };
        Ok(Self {
            lang,
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            set_cookies,
            base: state.base.clone(),
            css: state.css(),
        })
    }
}

/// The request's URI as the client sent it (a nested router sees it without its prefix).
pub(crate) fn original_uri(parts: &Parts) -> axum::http::Uri {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |o| o.0.clone())
}

async fn not_found(ctx: Ctx, session: Option<session::Session>) -> Response {
    ctx.message(StatusCode::NOT_FOUND, session.as_ref(), ctx.t().not_found)
}

async fn disabled(ctx: Ctx) -> Response {
    let t = ctx.t();
    let body = html! {
        h1 { (t.admin_disabled) }
        p { (t.admin_disabled_body) }
    };
    ctx.page(StatusCode::NOT_FOUND, t.admin_disabled, None, body)
}

/// Logs a failure of the store and shows a generic page.
pub(crate) fn failure(
    ctx: &Ctx,
    session: &session::Session,
    error: &dyn std::error::Error,
) -> Response {
    tracing::error!(%error, "admin page failed");
    ctx.message(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(session),
        ctx.t().failed_to_load,
    )
}

impl IntoResponse for session::LoginRedirect {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}
