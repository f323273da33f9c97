//! The `athm` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{AppError, Settings, commands};

/// Accept ATH Móvil payments: checkout API, webhook receiver, reconciliation and refunds.
#[derive(Debug, Parser)]
#[command(name = "athm", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,

    /// Log filter (tracing's `EnvFilter` syntax), e.g. `info` or
    /// `info,athm_web=debug`. Logs go to stderr.
    #[arg(long, env = "ATHM_LOG", default_value = crate::telemetry::DEFAULT_FILTER, global = true)]
    pub log: String,

    /// Log lines as text (coloured only on a terminal) or JSON, one object a line.
    #[arg(
        long,
        env = "ATHM_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: crate::telemetry::LogFormat,
}

/// The `athm` commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (migrates the database first).
    Serve,
    /// Apply the database migrations.
    Migrate,
    /// Reconcile with ATH Móvil's transaction report.
    Sync {
        /// First day (YYYY-MM-DD, Puerto Rico time) or instant (YYYY-MM-DD HH:MM:SS).
        #[arg(long)]
        from_date: String,
        /// Last day (inclusive) or instant.
        #[arg(long)]
        to_date: String,
        /// Only say what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Subscribe the webhook URL at ATH Móvil (HTTPS only).
    InstallWebhook {
        /// The listener URL; default: the configured webhook URL.
        url: Option<String>,
    },
    /// Refund a completed payment by its reference number.
    Refund {
        /// The payment's reference number.
        reference: String,
        /// How much, in dollars and cents such as 5.00 (default: all that is
        /// left); a fraction of a cent is refused, never rounded.
        #[arg(long)]
        amount: Option<String>,
        /// A message for the customer (at most 50 characters).
        #[arg(long, default_value = "")]
        message: String,
        /// This refund's idempotency key: running the command again with the
        /// same key never refunds twice, it reports the first outcome
        /// (default: a new key each run).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Stored webhook events.
    Webhooks {
        /// What to do with them.
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Run the local ATH Móvil sandbox alone (on `--sandbox-listen`), for
    /// the business of `--public-token`/`--private-token` (demo tokens when
    /// neither is given).
    Sandbox {
        /// Accept `http://` webhook listeners (production demands HTTPS).
        #[arg(long)]
        allow_http_listener: bool,
        /// Keep the sandbox's payments and refunds in this JSON file across
        /// restarts (default: memory only).
        #[arg(long)]
        ledger_file: Option<std::path::PathBuf>,
    },
    /// Check the configuration, ATH Móvil, the database and the clock.
    Doctor,
    /// Ask the service running on `--listen` for `/healthz` (exit 0 when
    /// healthy): a container health check without curl.
    Healthcheck,
}

/// `athm webhooks …`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Process again every pending or failed webhook event.
    Reprocess,
}

/// Runs a parsed command line; the exit code says whether it succeeded.
///
/// # Errors
/// Any [`AppError`] of the command.
pub async fn run(cli: Cli) -> Result<ExitCode, AppError> {
    let settings = cli.settings;
    match cli.command {
        Command::Serve => commands::serve(settings).await,
        Command::Migrate => commands::migrate(settings).await,
        Command::Sync {
            from_date,
            to_date,
            dry_run,
        } => commands::sync(settings, &from_date, &to_date, dry_run).await,
        Command::InstallWebhook { url } => commands::install_webhook(settings, url).await,
        Command::Refund {
            reference,
            amount,
            message,
            idempotency_key,
        } => {
            commands::refund(
                settings,
                &reference,
                amount.as_deref(),
                &message,
                idempotency_key.as_deref(),
            )
            .await
        }
        Command::Webhooks {
            command: WebhooksCommand::Reprocess,
        } => commands::reprocess(settings).await,
        Command::Sandbox {
            allow_http_listener,
            ledger_file,
        } => {
            let options = crate::sandbox::StandaloneOptions {
                allow_http_listener,
                ledger_file,
            };
            commands::sandbox(settings, options).await
        }
        Command::Doctor => commands::doctor(settings).await,
        Command::Healthcheck => commands::healthcheck(settings).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sync_takes_its_dates() {
        let cli = Cli::try_parse_from([
            "athm",
            "sync",
            "--from-date",
            "2025-01-01",
            "--to-date",
            "2025-01-31",
            "--dry-run",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::Sync { dry_run: true, .. }));
    }

    #[test]
    fn the_sandbox_takes_its_switches_and_the_global_tokens() {
        let cli = Cli::try_parse_from([
            "athm",
            "sandbox",
            "--public-token",
            "pub-1",
            "--private-token",
            "priv-1",
            "--allow-http-listener",
            "--ledger-file",
            "ledger.json",
        ])
        .unwrap();
        assert!(matches!(
            &cli.command,
            Command::Sandbox { allow_http_listener: true, ledger_file: Some(path) }
                if path.as_os_str() == "ledger.json"
        ));
        assert_eq!(cli.settings.public_token.as_deref(), Some("pub-1"));
        let plain = Cli::try_parse_from(["athm", "sandbox"]).unwrap();
        assert!(matches!(
            plain.command,
            Command::Sandbox {
                allow_http_listener: false,
                ledger_file: None
            }
        ));
    }
}
