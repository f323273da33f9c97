//! No secret in any log line: the real `athm serve` binary, started with
//! every secret set and logging at `debug`, runs a whole payment (checkout,
//! initiate, the customer's approval, authorize, the completed webhook at
//! the secret path, status reads), an admin login (a wrong password, then
//! the right one) and a refund from the admin; then its stdout and stderr
//! are searched for each secret, the payment's auth token and session
//! included.

// A test states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod support;

use std::time::Duration;

use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Sandbox, SandboxConfig};
use reqwest::redirect::Policy;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

const ADMIN_PASSWORD: &str = "admin-password-never-logged-4417";
const WRONG_PASSWORD: &str = "mistyped-admin-password-9921";
const API_KEY: &str = "api-key-never-logged-0123456789abcdef";
const CHECKOUT_SECRET: &str = "checkout-secret-never-logged-0123456789abcdef";
const PATH_SECRET: &str = "path-secret-never-logged-0123456789";
const NOTIFY_SECRET: &str = "notify-secret-never-logged-0123456789abcdef";

/// The value of the hidden input `name` in an HTML page.
fn hidden(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name} in {page}"));
    let tag = &page[page[..at].rfind('<').expect("a tag")..];
    let value = tag.split("value=\"").nth(1).expect("a value");
    value[..value.find('"').expect("a closing quote")].to_string()
}

/// The `name=value` pairs of an answer's cookies, as one `Cookie` header.
fn cookies(answer: &reqwest::Response) -> String {
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn a_whole_payment_and_an_admin_session_log_no_secret() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests())
        .await
        .expect("the sandbox starts");
    let dir = tempfile::tempdir().expect("a directory");
    let database_url = format!("sqlite://{}/athm.db?mode=rwc", dir.path().display());
    let sandbox_url = sandbox.base_url();
    let serve = support::Serve::start(
        dir.path(),
        &[
            ("ATHM_DATABASE_URL", &database_url),
            ("ATHM_PUBLIC_TOKEN", DEMO_PUBLIC_TOKEN),
            ("ATHM_PRIVATE_TOKEN", DEMO_PRIVATE_TOKEN),
            ("ATHM_PAYMENTS_URL", &sandbox_url),
            ("ATHM_WWW_URL", &sandbox_url),
            ("ATHM_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("ATHM_API_KEYS", API_KEY),
            ("ATHM_CHECKOUT_SECRET", CHECKOUT_SECRET),
            ("ATHM_WEBHOOK_PATH_SECRET", PATH_SECRET),
            ("ATHM_NOTIFY_URLS", "http://127.0.0.1:9/events"),
            ("ATHM_NOTIFY_SECRET", NOTIFY_SECRET),
            ("ATHM_NOTIFY_TIMEOUT_SECS", "1"),
            ("ATHM_LOG", "debug"),
        ],
    )
    .await;
    let base = serve.base.clone();
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");

    // A whole payment through the checkout API.
    let json = |answer: reqwest::Response| async move {
        assert!(answer.status().is_success(), "{}", answer.status());
        answer.json::<Value>().await.expect("JSON")
    };
    let checkout = json(
        http.post(format!("{base}/athm/api/checkouts"))
            .bearer_auth(API_KEY)
            .json(&json!({"total": "10.00"}))
            .send()
            .await
            .expect("checkout"),
    )
    .await;
    let initiated = json(
        http.post(format!("{base}/athm/api/initiate"))
            .json(&json!({"checkout": checkout["checkout"], "phone_number": "7875551234"}))
            .send()
            .await
            .expect("initiate"),
    )
    .await;
    let id = initiated["ecommerce_id"]
        .as_str()
        .expect("an id")
        .to_string();
    let session = initiated["session"]
        .as_str()
        .expect("a session")
        .to_string();
    sandbox
        .confirm(id.parse().expect("a uuid"), CustomerInput::default())
        .expect("the customer approves");
    for _ in 0..3 {
        http.get(format!("{base}/athm/api/status?ecommerce_id={id}"))
            .header("X-Athm-Session", &session)
            .send()
            .await
            .expect("status");
    }
    let authorized = json(
        http.post(format!("{base}/athm/api/authorize"))
            .header("X-Athm-Session", &session)
            .json(&json!({"ecommerce_id": id}))
            .send()
            .await
            .expect("authorize"),
    )
    .await;
    let reference = authorized["reference_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let webhook = http
        .post(format!("{base}/athm/webhook/{PATH_SECRET}"))
        .json(&json!({
            "transactionType": "ECOMMERCE", "status": "COMPLETED", "ecommerceId": id,
            "referenceNumber": reference, "total": 10.0, "date": "2026-12-01 10:00:00.0"
        }))
        .send()
        .await
        .expect("webhook");
    assert!(webhook.status().is_success(), "{}", webhook.status());

    // The admin: a wrong password, then the right one, then a refund.
    let login = format!("{base}/athm/admin/login");
    let mut admin_session = String::new();
    for password in [WRONG_PASSWORD, ADMIN_PASSWORD] {
        let page = http.get(&login).send().await.expect("login page");
        let cookie = cookies(&page);
        let csrf = hidden(&page.text().await.expect("a page"), "csrf");
        let answer = http
            .post(&login)
            .header("cookie", &cookie)
            .form(&[("password", password), ("csrf", &csrf), ("next", "")])
            .send()
            .await
            .expect("login");
        if password != ADMIN_PASSWORD {
            continue;
        }
        assert_eq!(answer.status(), reqwest::StatusCode::SEE_OTHER, "logged in");
        let cookie = cookies(&answer);
        admin_session = cookie
            .split("; ")
            .filter_map(|pair| pair.split_once('=').map(|(_, value)| value))
            .max_by_key(|value| value.len())
            .expect("a session cookie")
            .to_string();
        let payment = format!("{base}/athm/admin/payments/{id}");
        let page = http
            .get(&payment)
            .header("cookie", &cookie)
            .send()
            .await
            .expect("payment page")
            .text()
            .await
            .expect("a page");
        let form = [("csrf", hidden(&page, "csrf")), ("amount", "2.00".into())];
        let review = http
            .post(format!("{payment}/refund"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", &form[0].1),
                ("amount", &form[1].1),
                ("message", &String::new()),
            ])
            .send()
            .await
            .expect("review")
            .text()
            .await
            .expect("a page");
        let intent = hidden(&review, "intent");
        http.post(format!("{payment}/refund/confirm"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", form[0].1.as_str()),
                ("amount", "2.00"),
                ("message", ""),
                ("intent", &intent),
            ])
            .send()
            .await
            .expect("confirm");
    }
    assert_eq!(
        sandbox.refunds_executed(),
        1,
        "the admin's refund went through"
    );

    // The payment's auth token, as athm stored it.
    let db = Database::connect(&database_url)
        .await
        .expect("the database");
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT auth_token FROM payments WHERE ecommerce_id = '{id}'"),
        ))
        .await
        .expect("a query")
        .expect("the payment's row");
    let auth_token: Option<String> = row.try_get_by_index(0).expect("a column");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let logs = [serve.stdout(), serve.stderr()].join("\n");
    let mut secrets = vec![
        ("the private token", DEMO_PRIVATE_TOKEN.to_string()),
        ("the admin password", ADMIN_PASSWORD.into()),
        ("a mistyped admin password", WRONG_PASSWORD.into()),
        ("the admin's session cookie", admin_session),
        ("the API key", API_KEY.into()),
        ("the checkout secret", CHECKOUT_SECRET.into()),
        ("the webhook path secret", PATH_SECRET.into()),
        ("the notification secret", NOTIFY_SECRET.into()),
        ("the customer's session", session),
        (
            "the checkout token",
            checkout["checkout"].as_str().expect("a token").into(),
        ),
    ];
    secrets.push((
        "the payment's auth token",
        auth_token.expect("athm stores the payment's auth token"),
    ));
    let leaked: Vec<&str> = secrets
        .iter()
        .filter(|(_, secret)| logs.contains(secret.as_str()))
        .map(|(what, _)| *what)
        .collect();
    assert!(leaked.is_empty(), "logged: {leaked:?}");
    assert!(
        logs.contains("/athm/webhook/{secret}"),
        "the route is logged: {logs}"
    );
    assert!(logs.lines().count() > 20, "athm logged at debug: {logs}");
}
