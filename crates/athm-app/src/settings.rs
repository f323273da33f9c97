//! Settings: every option a flag and an `ATHM_*` environment variable.
//! `docs/configuration.md` lists them all.

use std::net::SocketAddr;
use std::time::Duration;

use athm_client::{DEFAULT_PAYMENTS_BASE_URL, DEFAULT_WWW_BASE_URL};
use athm_domain::Secret;
use athm_web::IpNet;
use clap::Args;

use crate::AppError;

/// The public token's variable and flag, as messages name them.
const PUBLIC_TOKEN: &str = "ATHM_PUBLIC_TOKEN (--public-token)";
/// The private token's variable and flag, as messages name them.
const PRIVATE_TOKEN: &str = "ATHM_PRIVATE_TOKEN (--private-token)";

/// Everything the service and the commands are configured with.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://athm.db?mode=rwc` (default), `postgres://…` or `mysql://…`.
    #[arg(
        long,
        env = "ATHM_DATABASE_URL",
        default_value = "sqlite://athm.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// ATH Móvil public token. With no ATH Móvil setting at all, `serve` runs against the in-process sandbox; one token alone is refused.
    #[arg(long, env = "ATHM_PUBLIC_TOKEN", global = true)]
    pub public_token: Option<String>,

    /// ATH Móvil private token (secret).
    #[arg(
        long,
        env = "ATHM_PRIVATE_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub private_token: Option<Secret>,

    /// Base URL of the Payment Button API.
    #[arg(
        long,
        env = "ATHM_PAYMENTS_URL",
        default_value = DEFAULT_PAYMENTS_BASE_URL,
        global = true
    )]
    pub payments_url: String,

    /// Base URL of the transaction report and webhook subscription API.
    #[arg(
        long,
        env = "ATHM_WWW_URL",
        default_value = DEFAULT_WWW_BASE_URL,
        global = true
    )]
    pub www_url: String,

    /// Address the service listens on: host (a name such as `localhost`, or
    /// an IP) and port.
    #[arg(
        long,
        env = "ATHM_LISTEN",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub listen: String,

    /// The service's public base URL (e.g. `https://shop.example.com`), used to build the webhook URL.
    #[arg(long, env = "ATHM_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// The webhook URL to subscribe at ATH Móvil (HTTPS); default: public URL + prefix + `/webhook`.
    #[arg(long, env = "ATHM_WEBHOOK_URL", global = true)]
    pub webhook_url: Option<String>,

    /// Path prefix of athm's routes.
    #[arg(long, env = "ATHM_PREFIX", default_value = "/athm", global = true)]
    pub prefix: String,

    /// Password of the admin pages (secret, at least 12 characters). Without it the admin pages are disabled.
    #[arg(
        long,
        env = "ATHM_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<Secret>,

    /// API keys the merchant's backend uses to create checkouts (secret, comma-separated).
    #[arg(
        long,
        env = "ATHM_API_KEYS",
        hide_env_values = true,
        value_delimiter = ',',
        global = true
    )]
    pub api_keys: Vec<Secret>,

    /// Key that signs checkout tokens and browser sessions (secret). Set it when
    /// several instances serve one shop; default: a random key per process.
    #[arg(
        long,
        env = "ATHM_CHECKOUT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub checkout_secret: Option<Secret>,

    /// Confirm every webhook event with ATH Móvil before it changes money
    /// (webhooks are not signed). Turn off only for load tests of ingestion.
    #[arg(long, env = "ATHM_VERIFY_WEBHOOKS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub verify_webhooks: bool,

    /// Process each webhook event before answering it (the answer then
    /// waits for processing and, with verification, for ATH Móvil). By
    /// default the event is answered once durably stored and processed
    /// right after by a background worker.
    #[arg(long, env = "ATHM_PROCESS_WEBHOOKS_INLINE", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub process_webhooks_inline: bool,

    /// Payment initiations allowed per client address per minute (0: unlimited).
    #[arg(
        long,
        env = "ATHM_INITIATE_PER_IP_PER_MINUTE",
        default_value_t = 10,
        global = true
    )]
    pub initiate_per_ip_per_minute: u32,

    /// Payment initiations allowed per customer phone number per hour (0: unlimited).
    #[arg(
        long,
        env = "ATHM_INITIATE_PER_PHONE_PER_HOUR",
        default_value_t = 5,
        global = true
    )]
    pub initiate_per_phone_per_hour: u32,

    /// Address of the ATH Móvil sandbox: `athm sandbox` listens on
    /// 127.0.0.1:8001 by default; `athm serve`'s in-process one (no tokens
    /// set) on a free port unless this is given.
    #[arg(long, env = "ATHM_SANDBOX_LISTEN", global = true)]
    pub sandbox_listen: Option<SocketAddr>,

    /// Seconds between rounds of the confirm watcher and expiry sweeper.
    #[arg(
        long,
        env = "ATHM_WATCH_INTERVAL_SECS",
        default_value_t = 5,
        global = true
    )]
    pub watch_interval_secs: u64,

    /// A secret path segment for the webhook receiver (secret): it is then
    /// served at `{prefix}/webhook/{secret}` only. At least 16 URL-safe characters.
    #[arg(
        long,
        env = "ATHM_WEBHOOK_PATH_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub webhook_path_secret: Option<Secret>,

    /// Addresses allowed to post webhooks, comma-separated CIDR ranges or
    /// addresses (e.g. `203.0.113.0/24,2001:db8::/32`); others get 403. Empty: any.
    #[arg(
        long,
        env = "ATHM_WEBHOOK_ALLOWED_SOURCES",
        value_delimiter = ',',
        global = true
    )]
    pub webhook_allowed_sources: Vec<IpNet>,

    /// New webhook events that change money verified with ATH Móvil per
    /// sender address per minute as they arrive (0: unlimited); the rest
    /// are stored and verified by the recovery worker at its pace, so a
    /// burst of forged webhooks from one address costs at most this many calls.
    #[arg(
        long,
        env = "ATHM_WEBHOOK_VERIFICATIONS_PER_SOURCE_PER_MINUTE",
        default_value_t = 120,
        global = true
    )]
    pub webhook_verifications_per_source_per_minute: u32,

    /// Origins a checkout's `success_url` and `failure_url` may lead to,
    /// comma-separated (e.g. `https://shop.example.com`), besides paths on
    /// this site and the public URL's origin; any other URL is refused.
    #[arg(
        long,
        env = "ATHM_REDIRECT_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub redirect_origins: Vec<String>,

    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// behind a proxy that sets it), for rate limits and the webhook allow-list.
    #[arg(long, env = "ATHM_TRUST_FORWARDED_FOR", global = true)]
    pub trust_forwarded_for: bool,

    /// URLs that receive every lifecycle event as signed JSON (comma-separated;
    /// see docs/notifications.md). Empty: events are only logged.
    #[arg(long, env = "ATHM_NOTIFY_URLS", value_delimiter = ',', global = true)]
    pub notify_urls: Vec<String>,

    /// Key of the notifications' `X-Athm-Signature` HMAC (secret, at least 32 bytes; required with notify URLs).
    #[arg(
        long,
        env = "ATHM_NOTIFY_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub notify_secret: Option<Secret>,

    /// Timeout of one notification request, in seconds.
    #[arg(
        long,
        env = "ATHM_NOTIFY_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub notify_timeout_secs: u64,

    /// Timeout of one call to ATH Móvil, in seconds.
    #[arg(
        long,
        env = "ATHM_GATEWAY_TIMEOUT_SECS",
        default_value_t = 15,
        global = true
    )]
    pub gateway_timeout_secs: u64,
}

impl Settings {
    /// Which ATH Móvil the settings name: `Some` tokens for the real one (or
    /// a sandbox at `--payments-url`), `None` for the in-process sandbox,
    /// which runs only when no ATH Móvil setting at all is given: a
    /// half-set configuration (one token, an empty one, a URL without
    /// tokens) is refused, so a misspelled variable never starts a demo shop.
    ///
    /// # Errors
    /// [`AppError::Config`] naming the variables that are set and missing.
    pub fn tokens(&self) -> Result<Option<(&str, &Secret)>, AppError> {
        let padded = [
            (PUBLIC_TOKEN, self.public_token.as_deref()),
            (
                PRIVATE_TOKEN,
                self.private_token.as_ref().map(Secret::expose),
            ),
        ]
        .into_iter()
        .find(|(_, value)| value.is_some_and(|v| !v.is_empty() && v.trim() != v));
        if let Some((name, _)) = padded {
            return Err(AppError::Config(format!(
                "{name} has spaces or a line break around it (a copy and paste?): remove them"
            )));
        }
        let public = self.public_token.as_deref();
        let private = self.private_token.as_ref().map(Secret::expose);
        let custom_urls: Vec<&str> = [
            (
                self.payments_url != DEFAULT_PAYMENTS_BASE_URL,
                "ATHM_PAYMENTS_URL",
            ),
            (self.www_url != DEFAULT_WWW_BASE_URL, "ATHM_WWW_URL"),
        ]
        .into_iter()
        .filter_map(|(custom, name)| custom.then_some(name))
        .collect();
        let fix = "set both tokens to take payments with ATH Móvil, or no ATH Móvil \
                   setting at all to run on the in-process sandbox (no real money)";
        match (public, private) {
            (Some(public), Some(_)) if !public.is_empty() && private != Some("") => Ok(self
                .public_token
                .as_deref()
                .zip(self.private_token.as_ref())),
            (None, None) if custom_urls.is_empty() => Ok(None),
            (None, None) => Err(AppError::Config(format!(
                "{} is set but ATHM_PUBLIC_TOKEN and ATHM_PRIVATE_TOKEN are not: {fix}",
                custom_urls.join(" and ")
            ))),
            (public, private) => {
                let state = |name: &str, value: Option<&str>| match value {
                    None => format!("{name} is not set"),
                    Some("") => format!("{name} is empty"),
                    Some(_) => format!("{name} is set"),
                };
                Err(AppError::Config(format!(
                    "{} but {}: {fix}",
                    state(PUBLIC_TOKEN, public),
                    state(PRIVATE_TOKEN, private),
                )))
            }
        }
    }

    /// The admin password, `None` when unset or empty (the admin pages are
    /// then disabled).
    ///
    /// # Errors
    /// [`AppError::Config`] for a password shorter than
    /// [`athm_web::admin::MIN_PASSWORD_CHARS`].
    pub fn admin_password(&self) -> Result<Option<&Secret>, AppError> {
        let Some(password) = self
            .admin_password
            .as_ref()
            .filter(|p| !p.expose().is_empty())
        else {
            return Ok(None);
        };
        athm_web::admin::AdminConfig::new(password.clone())
            .validate()
            .map_err(|error| {
                AppError::Config(format!(
                    "ATHM_ADMIN_PASSWORD (--admin-password): {error}, or leave it unset to \
                     disable the admin pages"
                ))
            })?;
        Ok(Some(password))
    }

    /// The interval of the background workers.
    pub fn watch_interval(&self) -> Duration {
        Duration::from_secs(self.watch_interval_secs.max(1))
    }

    /// The prefix with one leading slash and no trailing one (`/athm`; empty for the root).
    pub fn normalized_prefix(&self) -> String {
        let trimmed = self.prefix.trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }

    /// The receiver's path under the prefix: `/webhook`, or `/webhook/{secret}`.
    pub fn webhook_path(&self) -> String {
        match &self.webhook_path_secret {
            Some(secret) if !secret.is_empty() => format!("/webhook/{}", secret.expose()),
            _ => "/webhook".to_string(),
        }
    }

    /// The webhook URL to subscribe: the setting, or public URL + prefix +
    /// [`Settings::webhook_path`] (which holds the path secret, when set).
    pub fn effective_webhook_url(&self) -> Option<String> {
        self.webhook_url.clone().or_else(|| {
            self.public_url.as_ref().map(|base| {
                format!(
                    "{}{}{}",
                    base.trim_end_matches('/'),
                    self.normalized_prefix(),
                    self.webhook_path()
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::Cli;
    use clap::Parser;

    #[test]
    fn settings_never_show_their_secrets_in_debug() {
        let cli = Cli::try_parse_from([
            "athm",
            "serve",
            "--private-token",
            "priv-hunter2",
            "--admin-password",
            "pw-hunter2",
            "--api-keys",
            "key-hunter2",
            "--checkout-secret",
            "hmac-hunter2",
            "--webhook-path-secret",
            "path-hunter2-0123456789",
            "--notify-secret",
            "notify-hunter2",
        ])
        .unwrap();
        let debug = format!("{:?}", cli.settings);
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn the_webhook_url_defaults_to_the_public_url_and_prefix() {
        let cli = Cli::try_parse_from([
            "athm",
            "serve",
            "--public-url",
            "https://shop.example/",
            "--prefix",
            "pay/",
        ])
        .unwrap();
        assert_eq!(
            cli.settings.effective_webhook_url().as_deref(),
            Some("https://shop.example/pay/webhook")
        );
    }

    #[test]
    fn the_webhook_url_carries_the_path_secret_and_sources_parse() {
        let cli = Cli::try_parse_from([
            "athm",
            "serve",
            "--public-url",
            "https://shop.example",
            "--webhook-path-secret",
            "abcdefghijklmnop-1",
            "--webhook-allowed-sources",
            "203.0.113.0/24,2001:db8::1",
        ])
        .unwrap();
        assert_eq!(
            cli.settings.effective_webhook_url().as_deref(),
            Some("https://shop.example/athm/webhook/abcdefghijklmnop-1")
        );
        assert_eq!(cli.settings.webhook_allowed_sources.len(), 2);
        assert!(
            Cli::try_parse_from(["athm", "serve", "--webhook-allowed-sources", "nope"]).is_err()
        );
    }
}
