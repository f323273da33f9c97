//! A router over real adapters, and request helpers.

use std::sync::Arc;
use std::time::Duration;

use athm_client::{AthmClient, ClientConfig, RetryPolicy};
use athm_domain::ports::{AthmGateway, Clock, Store, SystemClock};
use athm_domain::services::{PaymentService, WebhookProcessor};
use athm_sandbox::{
    CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox, SandboxConfig,
};
use athm_store::SqlStore;
use athm_web::admin::AdminConfig;
use athm_web::{AppState, WebConfig, mount};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET: &str = "test-checkout-secret";
pub const API_KEY: &str = "merchant-api-key";
pub const PHONE: &str = "787-555-1234";
pub const ADMIN_PASSWORD: &str = "admin-password";

/// The router over a fresh in-memory database and a started sandbox.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub store: Arc<SqlStore>,
    pub sandbox: RunningSandbox,
    pub config: WebConfig,
}

/// An answer: status, headers and JSON body (`Value::Null` when not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The `error` message of an error body.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

pub fn test_config() -> WebConfig {
    let mut config = WebConfig::new(SECRET).with_api_keys([API_KEY]);
    config.initiate_per_ip_per_minute = 100;
    config.initiate_per_phone_per_hour = 100;
    config.redirect_origins = vec!["https://shop.example".into()];
    config
}

pub async fn spawn() -> TestApp {
    spawn_with(test_config()).await
}

pub async fn spawn_with(config: WebConfig) -> TestApp {
    let sandbox = athm_sandbox::Sandbox::start(SandboxConfig::for_tests())
        .await
        .expect("sandbox starts");
    let mut client_config =
        ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(sandbox.base_url());
    client_config.timeout = Duration::from_millis(1500);
    client_config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(1),
    };
    let gateway: Arc<dyn AthmGateway> =
        Arc::new(AthmClient::new(client_config).expect("client builds"));
    let store = Arc::new(SqlStore::connect("sqlite::memory:").await.expect("sqlite"));
    store.migrate().await.expect("migrations");
    let dyn_store: Arc<dyn Store> = store.clone();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let payments = PaymentService::new(gateway.clone(), dyn_store.clone(), clock.clone());
    // These tests are about HTTP: events are taken at their word (the
    // trust gate has its own tests in the domain and the root suite).
    let webhooks =
        WebhookProcessor::new(gateway, dyn_store.clone(), dyn_store.clone(), clock).unverified();
    let state = AppState::new(payments, webhooks, dyn_store, config.clone());
    TestApp {
        router: mount(state.clone(), "/athm"),
        state,
        store,
        sandbox,
        config,
    }
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> Answer {
        send(&self.router, request).await
    }

    pub async fn post(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
        self.send(request(
            Method::POST,
            path,
            Body::from(body.to_string()),
            headers,
        ))
        .await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(request(Method::GET, path, Body::empty(), headers))
            .await
    }

    /// The text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let response = self
            .router
            .clone()
            .oneshot(request(Method::GET, "/metrics", Body::empty(), &[]))
            .await
            .expect("infallible");
        let bytes = to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    /// `POST /athm/api/checkouts` with the API key; the signed token.
    pub async fn checkout(&self, body: Value) -> String {
        let answer = self
            .post(
                "/athm/api/checkouts",
                body,
                &[("authorization", &format!("Bearer {API_KEY}"))],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["checkout"]
            .as_str()
            .expect("a token")
            .to_string()
    }

    /// The API router with the admin pages (password [`ADMIN_PASSWORD`]) merged in.
    pub fn with_admin(&self) -> Router {
        mount(self.state.clone(), "/athm").merge(athm_web::admin::router(
            self.state.clone(),
            AdminConfig::new(ADMIN_PASSWORD),
            "/athm",
        ))
    }

    /// A payment of `total` initiated, approved by the customer and
    /// authorized: COMPLETED here and at the sandbox. Its ecommerce id.
    pub async fn completed_payment(&self, total: &str) -> String {
        let started = self.initiate(total).await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        let id = started.body["ecommerce_id"]
            .as_str()
            .expect("an id")
            .to_string();
        let session = started.body["session"].as_str().expect("a session");
        self.confirm(&id);
        let done = self
            .post(
                "/athm/api/authorize",
                serde_json::json!({ "ecommerce_id": id }),
                &[("x-athm-session", session)],
            )
            .await;
        assert_eq!(done.body["status"], "COMPLETED", "{}", done.body);
        id
    }

    /// Initiates a payment of `total`; the answer.
    pub async fn initiate(&self, total: &str) -> Answer {
        let token = self.checkout(serde_json::json!({ "total": total })).await;
        self.post(
            "/athm/api/initiate",
            serde_json::json!({ "checkout": token, "phone_number": PHONE }),
            &[],
        )
        .await
    }

    /// The customer approves the payment in the sandbox's app.
    pub fn confirm(&self, ecommerce_id: &str) {
        self.sandbox
            .confirm(
                ecommerce_id.parse().expect("a uuid"),
                CustomerInput {
                    name: Some("Test Customer".into()),
                    email: Some("customer@example.com".into()),
                    phone_number: Some("7875551234".into()),
                },
            )
            .expect("the sandbox confirms");
    }
}

pub fn request(method: Method, path: &str, body: Body, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).expect("a request")
}

pub async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// The HTML of `GET path`, with `cookie`.
pub async fn html(router: &Router, path: &str, cookie: &str) -> (StatusCode, String) {
    let req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("a request");
    let response = router.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("a body");
    (status, String::from_utf8(bytes.to_vec()).expect("utf-8"))
}

/// The `name=value` of each `Set-Cookie` of `response`, joined for a `Cookie` header.
pub fn cookies(response: &axum::response::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The admin's login page of `router`: its cookie and the form's CSRF token.
pub async fn login_page(router: &Router) -> (String, String) {
    let page = router
        .clone()
        .oneshot(request(
            Method::GET,
            "/athm/admin/login",
            Body::empty(),
            &[],
        ))
        .await
        .expect("infallible");
    let login_cookie = cookies(&page);
    let body = to_bytes(page.into_body(), 1 << 20).await.expect("a body");
    let body = String::from_utf8(body.to_vec()).expect("utf-8");
    let csrf = hidden(&body, "csrf").expect("a CSRF token in the login form");
    (login_cookie, csrf)
}

/// Logs in to the admin of `router` with `password`; the session cookie.
pub async fn log_in(router: &Router, password: &str) -> String {
    let (login_cookie, csrf) = login_page(router).await;
    let form = format!("csrf={csrf}&password={password}&next=");
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/athm/admin/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, login_cookie)
        .body(Body::from(form))
        .expect("a request");
    let answer = router.clone().oneshot(req).await.expect("infallible");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "logged in");
    cookies(&answer)
}

/// The status and HTML of a form `POST path` (`application/x-www-form-urlencoded`), with `cookie`.
pub async fn post_form(
    router: &Router,
    path: &str,
    form: &str,
    cookie: &str,
) -> (StatusCode, String) {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_string()))
        .expect("a request");
    let response = router.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("a body");
    (status, String::from_utf8(bytes.to_vec()).expect("utf-8"))
}

/// The value of the hidden input `name` in `html`.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}
