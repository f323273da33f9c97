//! The browser test harness: the real app (SQLite file, in-process sandbox),
//! chromedriver on a free port, headless Chromium, and axe-core.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use athm_app::{Application, Cli};
use clap::Parser;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
const CHECKOUT_SECRET: &str = "browser-tests-checkout-secret-0123456789abcdef";
/// How long a page may take to reach the state a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// axe-core 4.14.1 (MPL-2.0), vendored unmodified: see fixtures/README.md.
const AXE: &str = include_str!("fixtures/axe.min.js");

/// One browser at a time: two cores do not run several Chromiums well.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The app, the sandbox, chromedriver and a browser session.
pub struct World {
    pub base: String,
    pub sandbox: String,
    pub browser: Client,
    _driver: Driver,
    _data: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// chromedriver, stopped on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a: SocketAddr| a.port())
        .expect("a free port")
}

/// Fails with instructions when Chromium or chromedriver is missing: a
/// browser test must never pass by not running.
fn require_browser() {
    for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        assert!(
            Path::new(path).exists(),
            "{path} is missing: the browser tests need Debian's `chromium` and `chromium-driver` \
             (`apt-get install -y chromium chromium-driver`; .ci/run installs them). \
             Missing package: {package}"
        );
    }
}

async fn start_driver() -> (Driver, String) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if http
            .get(format!("{url}/status"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start on {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, url)
}

async fn start_app(data: &Path) -> (String, String) {
    let database = format!("sqlite://{}?mode=rwc", data.join("athm.db").display());
    let cli = Cli::try_parse_from([
        "athm",
        "serve",
        "--database-url",
        &database,
        "--listen",
        "127.0.0.1:0",
        "--sandbox-listen",
        "127.0.0.1:0",
        "--admin-password",
        ADMIN_PASSWORD,
        "--checkout-secret",
        CHECKOUT_SECRET,
        "--initiate-per-phone-per-hour",
        "0",
        "--initiate-per-ip-per-minute",
        "0",
        "--watch-interval-secs",
        "1",
    ])
    .expect("the test settings parse");
    let app = Application::build(cli.settings)
        .await
        .expect("the app starts");
    let base = format!("http://{}", app.local_addr().expect("an address"));
    let sandbox = app
        .sandbox()
        .map(|s| s.base_url())
        .expect("no ATH Móvil tokens: the in-process sandbox runs");
    tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
    });
    (base, sandbox)
}

impl World {
    /// Starts everything; the browser window is 1280×900.
    pub async fn start() -> Self {
        require_browser();
        let turn = ONE_BROWSER.lock().await;
        let data = tempfile::tempdir().expect("a temporary directory");
        let (base, sandbox) = start_app(data.path()).await;
        let (driver, url) = start_driver().await;
        let profile = data.path().join("chromium-profile");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--lang=es",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": "es-PR,es" },
            }),
        );
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .expect("a Chromium session");
        Self {
            base,
            sandbox,
            browser,
            _driver: driver,
            _data: data,
            _turn: turn,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.browser
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    pub async fn find(&self, css: &str) -> Element {
        match self
            .browser
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("no element {css} on {}: {e}", self.here().await),
        }
    }

    pub async fn here(&self) -> String {
        self.browser
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    pub async fn js(&self, script: &str) -> Value {
        self.browser
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script` (an expression) is truthy.
    pub async fn until(&self, what: &str, expression: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self
                .browser
                .execute(&format!("return !!({expression});"), vec![])
                .await
                .unwrap_or(Value::Bool(false));
            if value == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let text = self
                    .js("return document.body ? document.body.innerText : ''")
                    .await;
                panic!(
                    "timed out waiting for {what} on {}; the page says:\n{text}",
                    self.here().await
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the page's visible text contains `text`.
    pub async fn until_text(&self, text: &str) {
        let quoted = serde_json::to_string(text).expect("a string");
        self.until(
            &format!("the text {text:?}"),
            &format!("document.body && document.body.innerText.indexOf({quoted}) >= 0"),
        )
        .await;
    }

    /// Reloads the page until `text` is on it (what a later event brings).
    pub async fn until_text_on_reload(&self, text: &str) {
        let quoted = serde_json::to_string(text).expect("a string");
        let present =
            format!("return !!(document.body && document.body.innerText.indexOf({quoted}) >= 0);");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self
                .browser
                .execute(&present, vec![])
                .await
                .unwrap_or(Value::Bool(false))
                == Value::Bool(true)
            {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{text:?} never appeared on {} after reloads",
                    self.here().await
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            self.browser.refresh().await.expect("reload the page");
        }
    }

    /// Runs axe-core on the page as it is; fails on serious or critical violations.
    pub async fn assert_accessible(&self, page: &str) {
        let loaded = self.js("return typeof window.axe === 'object'").await;
        if loaded != Value::Bool(true) {
            // Evaluated as the WebDriver script itself: the pages'
            // Content-Security-Policy refuses an injected <script>.
            self.browser
                .execute(&format!("{AXE}\nreturn typeof window.axe;"), vec![])
                .await
                .expect("axe-core loads");
        }
        let found = self
            .js(
                "return axe.run(document, { resultTypes: ['violations'] }).then(function (r) { \
                   return r.violations.filter(function (v) { \
                     return v.impact === 'serious' || v.impact === 'critical'; \
                   }).map(function (v) { \
                     return v.impact + ' ' + v.id + ': ' + v.help + ' at ' + \
                       v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); \
                   }); \
                 });",
            )
            .await;
        let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        assert!(
            violations.is_empty(),
            "{page}: axe-core found serious accessibility violations:\n{}",
            violations.join("\n")
        );
    }

    /// Writes a PNG of the viewport to `docs/images/{name}`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.browser.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images");
        std::fs::create_dir_all(&dir).expect("docs/images exists");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    /// Plays the customer on the sandbox's phone page, in a second tab:
    /// looks up `phone`'s pending payment and clicks `verb` (`approve` or `decline`).
    pub async fn customer(&self, phone: &str, verb: &str) {
        let shop = self.browser.window().await.expect("the shop's window");
        let tab = self.browser.new_window(true).await.expect("a new tab");
        self.browser
            .switch_to_window(tab.handle)
            .await
            .expect("switch to the phone tab");
        self.browser
            // In English: these tests wait for its English messages (the
            // page follows the browser, Spanish first, by default).
            .goto(&format!("{}/sandbox/phone?lang=en", self.sandbox))
            .await
            .expect("the sandbox phone page");
        self.find("#phone")
            .await
            .send_keys(phone)
            .await
            .expect("type the phone");
        self.find("#name")
            .await
            .send_keys("Valeria Herrero")
            .await
            .expect("type the name");
        self.find("#email")
            .await
            .send_keys("valeria@example.com")
            .await
            .expect("type the email");
        self.find("#lookup button[type=submit]")
            .await
            .click()
            .await
            .expect("look up");
        let button = match self
            .browser
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&format!("#pending button.{verb}")))
            .await
        {
            Ok(button) => button,
            Err(e) => {
                let payments = reqwest::get(format!("{}/sandbox/payments", self.sandbox))
                    .await
                    .expect("the sandbox answers")
                    .text()
                    .await
                    .unwrap_or_default();
                panic!(
                    "no pending payment for {phone} on the phone page ({e}); the sandbox has: {payments}"
                );
            }
        };
        button.click().await.expect("approve or decline");
        // The page says "Payment approved." (or declined), then reloads the
        // list, which no longer holds the payment.
        let done = if verb == "approve" {
            "Payment approved."
        } else {
            "Payment declined."
        };
        self.until(
            done,
            &format!(
                "document.body.innerText.indexOf('{done}') >= 0 || \
                 document.body.innerText.indexOf('No pending payments') >= 0"
            ),
        )
        .await;
        self.browser
            .close_window()
            .await
            .expect("close the phone tab");
        self.browser
            .switch_to_window(shop)
            .await
            .expect("back to the shop");
    }

    /// The payment the modal of this page started (from the button's state).
    pub async fn open_modal(&self, theme: &str, phone: &str) {
        let button = self
            .find(&format!("[data-athm-theme='{theme}'] button.athm-pay"))
            .await;
        button.click().await.expect("click the payment button");
        let input = self.find(".athm-dialog input[type=tel]").await;
        // The dialog moves the focus to the phone field.
        let focused = self
            .js("return document.activeElement && document.activeElement.type === 'tel'")
            .await;
        assert_eq!(focused, Value::Bool(true), "the phone field has the focus");
        input.send_keys(phone).await.expect("type the phone");
        self.find(".athm-dialog button[type=submit]")
            .await
            .click()
            .await
            .expect("send the payment request");
        self.find(".athm-dialog [role=timer]").await;
    }
}
