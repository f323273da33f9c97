//! Configuration: merchants, fee rule, limits, webhooks and demo options.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::clock::{Clock, SystemClock};
use crate::model::CustomerInput;
use crate::money::round2;

/// Public token of the demo business present by default.
pub const DEMO_PUBLIC_TOKEN: &str = "demo0public0token0000000000000000000000a";
/// Private token of the demo business present by default.
pub const DEMO_PRIVATE_TOKEN: &str = "demo0private0token000000000000000000000b";

/// One ATH Business account known to the sandbox.
#[derive(Clone, PartialEq, Eq)]
pub struct Merchant {
    /// `publicToken`: identifies the business in request bodies.
    pub public_token: String,
    /// `privateToken`: secret for refunds, report and subscription.
    pub private_token: String,
    /// `businessName` in answers and webhooks.
    pub business_name: String,
    /// `businessPath` in answers.
    pub business_path: String,
    /// `industry` in answers.
    pub industry: String,
    /// `isNonProfit` in answers and webhooks.
    pub is_non_profit: bool,
    /// An inactive business is refused with BTRA_0010.
    pub active: bool,
}

impl Merchant {
    /// The demo business, with [`DEMO_PUBLIC_TOKEN`] and [`DEMO_PRIVATE_TOKEN`].
    pub fn demo() -> Self {
        Self::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN, "Sandbox Demo Store")
    }

    /// An active business with the given tokens and name.
    pub fn new(public_token: &str, private_token: &str, business_name: &str) -> Self {
        Self {
            public_token: public_token.to_owned(),
            private_token: private_token.to_owned(),
            business_name: business_name.to_owned(),
            business_path: business_name.to_lowercase().replace(' ', "-"),
            industry: "RETAIL".to_owned(),
            is_non_profit: false,
            active: true,
        }
    }
}

impl fmt::Debug for Merchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("public_token", &self.public_token)
            .field("private_token", &"[redacted]")
            .field("business_name", &self.business_name)
            .field("active", &self.active)
            .finish()
    }
}

/// The fee ATH Móvil keeps on a completed payment:
/// `round2(total × percent / 100 + fixed)`, rounded half away from zero,
/// never more than the total. Refunds carry no fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRule {
    /// Percentage of the total, e.g. `2.5` for 2.5 %.
    pub percent: Decimal,
    /// Fixed part in dollars, e.g. `0.10`.
    pub fixed: Decimal,
}

impl Default for FeeRule {
    /// 2.5 % + $0.10.
    fn default() -> Self {
        Self {
            percent: Decimal::new(25, 1),
            fixed: Decimal::new(10, 2),
        }
    }
}

impl FeeRule {
    /// The fee on `total`.
    pub fn fee(&self, total: Decimal) -> Decimal {
        let fee = round2(total * self.percent / Decimal::ONE_HUNDRED + self.fixed);
        fee.min(total).max(Decimal::ZERO)
    }
}

/// Which of the two payload shapes webhooks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookShape {
    /// As documented: lower-case kinds, amounts as strings, `dailyTransactionID`.
    Documented,
    /// As observed in production ecommerce events: upper-case kinds, amounts
    /// as numbers, `subTotal`, `dailyTransactionId`, phone as a number.
    #[default]
    Observed,
}

/// Webhook delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Payload shape.
    pub shape: WebhookShape,
    /// How many times each event is delivered (duplicates on purpose when > 1).
    pub copies: u32,
    /// Attempts per copy before giving up.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled after each failure.
    pub backoff: Duration,
    /// Timeout of one delivery request.
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            shape: WebhookShape::Observed,
            copies: 1,
            max_attempts: 5,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
        }
    }
}

/// The customer approves every new payment by themself after a delay.
#[derive(Debug, Clone, Default)]
pub struct AutoConfirm {
    /// How long after creation the customer approves.
    pub delay: Duration,
    /// Who the customer is (defaults fill the gaps).
    pub customer: CustomerInput,
}

/// Everything the sandbox can be told at start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to bind; `127.0.0.1:0` (a random loopback port) by default.
    pub addr: SocketAddr,
    /// Known businesses; the demo business by default.
    pub merchants: Vec<Merchant>,
    /// Fee on completed payments.
    pub fee: FeeRule,
    /// Longest transaction report range in days (BTRA_0026 beyond); 31.
    pub report_max_days: u32,
    /// Lifetime of an `auth_token`; 30 minutes (longer than any payment
    /// timeout, so a late authorization meets BTRA_0039, not `token.expired`).
    pub auth_token_ttl: Duration,
    /// Approve payments automatically (demos, load tests); off by default.
    pub auto_confirm: Option<AutoConfirm>,
    /// Webhook delivery settings.
    pub webhooks: WebhookConfig,
    /// Accept `http://` listener URLs in the subscription endpoint
    /// (production demands HTTPS); off by default.
    pub allow_http_listener: bool,
    /// Add inspection fields production never sends, for debugging only:
    /// report rows get `sandboxEcommerceId` (and REFUND rows
    /// `sandboxPaymentReferenceNumber`, the refunded payment's reference).
    /// Off by default and in [`SandboxConfig::for_tests`]: code under test
    /// must not rely on them.
    pub inspection_fields: bool,
    /// Keep the ledger (payments, refunds, daily counters, the auth-token
    /// key) in this JSON file across restarts: loaded at start when it
    /// exists, rewritten atomically after each change. `None` (the default,
    /// and in [`SandboxConfig::for_tests`]): memory only.
    pub ledger_file: Option<PathBuf>,
    /// The base clock; real time by default.
    pub clock: Arc<dyn Clock>,
    /// How often (real time) expired payments are swept; 200 ms.
    pub sweep_interval: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            merchants: vec![Merchant::demo()],
            fee: FeeRule::default(),
            report_max_days: 31,
            auth_token_ttl: Duration::from_secs(30 * 60),
            auto_confirm: None,
            webhooks: WebhookConfig::default(),
            allow_http_listener: false,
            inspection_fields: false,
            ledger_file: None,
            clock: Arc::new(SystemClock),
            sweep_interval: Duration::from_millis(200),
        }
    }
}

impl SandboxConfig {
    /// Defaults fit for tests and demos: HTTP listeners allowed, fast retries.
    pub fn for_tests() -> Self {
        Self {
            allow_http_listener: true,
            webhooks: WebhookConfig {
                backoff: Duration::from_millis(50),
                timeout: Duration::from_secs(2),
                ..WebhookConfig::default()
            },
            ..Self::default()
        }
    }
}
